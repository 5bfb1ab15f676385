#include "hooks/auth/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cds::hooks::auth {
namespace {

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    const std::string encoded = Base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
    EXPECT_EQ(Base64UrlDecode(encoded), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 251));
  }
}

TEST(Base64UrlTest, KnownValues) {
  // RFC 4648 §10 vectors, without padding.
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  // The two characters that differ from base64.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64UrlTest, RefusesAnythingNotStrictBase64Url) {
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"Zg==", "padding"},
      {"Zm8=", "padding"},
      {"+/8", "base64 alphabet, not base64url"},
      {"Zm9v Yg", "whitespace"},
      {"Zm9v\nYg", "newline"},
      {"Z", "length 1 mod 4"},
      {"Zm9vY", "length 1 mod 4"},
      {"QR", "non-zero unused bits (QQ is the canonical encoding of 'A')"},
      {"Zm9", "non-zero unused bits (Zm8 is canonical)"},
      {"Zm9v\x80", "non-ASCII"},
      {"Zm.v", "dot"},
  };
  for (const auto& c : cases) EXPECT_EQ(Base64UrlDecode(c.text), std::nullopt) << c.why;
  EXPECT_EQ(Base64UrlDecode("QQ"), std::string("A"));
  EXPECT_EQ(Base64UrlDecode(""), std::string());
}

}  // namespace
}  // namespace cds::hooks::auth
