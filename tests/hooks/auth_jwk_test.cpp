#include "hooks/auth/jwk.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hooks/auth/base64url.hpp"
#include "tests/hooks/auth_test_util.hpp"

namespace cds::hooks::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// The CDS Hooks Sandbox's published key set (../shared/fixtures/sandbox-jwks.json, copied).
constexpr const char* kSandboxJwks = R"({
  "keys": [{"kty": "EC", "use": "sig", "crv": "P-384",
            "kid": "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f",
            "x": "dw_JGR8nB2I6XveNxUOl2qk699ZPLM2nYI5STSdiEl9avAkrm3CkfYMbrrjr8laB",
            "y": "Sm3mLE-n1zYNla_aiE3cb3nZsL51RbC7ysw3q8aJLxGm-hx79RPMYpITDjp7kgzy",
            "alg": "ES384"}]})";

TEST(JwkTest, SandboxKeySetLoads) {
  std::string text = kSandboxJwks;
  // Prefer the shared fixture when the workspace has it, so the test follows the real file.
  const std::string shared = std::string(CDS_SOURCE_DIR) + "/../shared/fixtures/sandbox-jwks.json";
  if (const std::string file = testing::ReadText(shared); !file.empty()) text = file;
  auto set = ParseJwkSet(text);
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_THAT(set.value().keys, SizeIs(1));
  const auto key = set.value().Find("44823f3d-0b01-4a6c-a80e-b9d3e8a7226f");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->type, KeyType::kEc);
  EXPECT_EQ(key->crv, "P-384");
  EXPECT_EQ(key->alg, "ES384");
  EXPECT_EQ(key->bits, 384);
  EXPECT_TRUE(KeyFits(*key, JwsAlgorithm::kES384));
  EXPECT_FALSE(KeyFits(*key, JwsAlgorithm::kES256));
  EXPECT_FALSE(KeyFits(*key, JwsAlgorithm::kRS384));
}

TEST(JwkTest, JoseKeysOfEveryAlgorithmLoad) {
  auto set = ParseJwkSet(testing::JoseVectors().jwks);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_THAT(set.value().skipped, SizeIs(0));
  ASSERT_THAT(set.value().keys, SizeIs(6));
  for (const char* alg : {"ES256", "ES384", "ES512", "RS256", "RS384", "PS384"}) {
    std::string kid = alg;
    for (char& c : kid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto key = set.value().Find(kid + "-key");
    ASSERT_NE(key, nullptr) << alg;
    EXPECT_TRUE(KeyFits(*key, *ParseJwsAlgorithm(alg))) << alg;
  }
  EXPECT_EQ(set.value().Find("rs384-key")->bits, 2048);
  EXPECT_EQ(set.value().Find("es512-key")->crv, "P-521");
}

TEST(JwkTest, AJwkAlgRestrictsTheKeyToThatAlgorithm) {
  auto set = ParseJwkSet(testing::JoseVectors().jwks);
  ASSERT_TRUE(set.ok());
  const auto rs384 = set.value().Find("rs384-key");  // alg RS384 in the JWK
  EXPECT_TRUE(KeyFits(*rs384, JwsAlgorithm::kRS384));
  EXPECT_FALSE(KeyFits(*rs384, JwsAlgorithm::kRS256));
  EXPECT_FALSE(KeyFits(*rs384, JwsAlgorithm::kPS384));
  Jwk no_alg = *rs384;
  no_alg.alg.clear();
  EXPECT_TRUE(KeyFits(no_alg, JwsAlgorithm::kRS256));
  EXPECT_TRUE(KeyFits(no_alg, JwsAlgorithm::kPS384));
  EXPECT_FALSE(KeyFits(no_alg, JwsAlgorithm::kES384));
}

std::string SandboxKeyWith(const std::string& replace, const std::string& with) {
  std::string text = kSandboxJwks;
  const auto at = text.find(replace);
  EXPECT_NE(at, std::string::npos) << replace;
  text.replace(at, replace.size(), with);
  return text;
}

TEST(JwkTest, UnusableKeysAreSkippedWithAReason) {
  const std::string small_n = Base64UrlEncode(std::string("\xc1") + std::string(127, '\x01'));
  const struct {
    std::string jwks;
    const char* reason;
  } cases[] = {
      {SandboxKeyWith(R"("use": "sig")", R"("use": "enc")"), "use is not \"sig\""},
      {SandboxKeyWith(R"("use": "sig")", R"("key_ops": ["sign"])"), "key_ops"},
      {SandboxKeyWith(R"("kid": "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f",)", ""), "no kid"},
      {SandboxKeyWith(R"("crv": "P-384")", R"("crv": "P-192")"), "unsupported EC curve"},
      {SandboxKeyWith(R"("crv": "P-384")", R"("crv": "P-256")"), "must be 32 bytes"},
      {SandboxKeyWith("Sm3mLE", "Sm3mLF"), "not on P-384"},
      {SandboxKeyWith("Sm3mLE", "Sm3mL$"), "base64url"},
      {SandboxKeyWith(R"("alg": "ES384")", R"("alg": "HS256")"), "not an accepted"},
      {SandboxKeyWith(R"("kty": "EC")", R"("kty": "oct")"), "unsupported kty"},
      {R"({"keys":[{"kty":"RSA","kid":"small","n":")" + small_n + R"(","e":"AQAB"}]})",
       "1024 bits (minimum 2048)"},
      {R"({"keys":[{"kty":"RSA","kid":"even-e","n":")" +
           Base64UrlEncode(std::string("\xc1") + std::string(255, '\x01')) + R"(","e":"AQAA"}]})",
       "exponent"},
      {R"({"keys":[7]})", "not an object"},
  };
  for (const auto& c : cases) {
    auto set = ParseJwkSet(c.jwks);
    ASSERT_TRUE(set.ok()) << c.reason;
    EXPECT_THAT(set.value().keys, SizeIs(0)) << c.reason;
    ASSERT_THAT(set.value().skipped, SizeIs(1)) << c.reason;
    EXPECT_THAT(set.value().skipped[0], HasSubstr(c.reason));
  }
}

TEST(JwkTest, ADuplicateKidKeepsTheFirstKey) {
  std::string text = kSandboxJwks;
  const std::string key = text.substr(text.find('{', 5), text.rfind('}') - text.find('{', 5) - 1);
  auto set = ParseJwkSet(R"({"keys":[)" + key + "," + key + "]}");
  ASSERT_TRUE(set.ok());
  EXPECT_THAT(set.value().keys, SizeIs(1));
  ASSERT_THAT(set.value().skipped, SizeIs(1));
  EXPECT_THAT(set.value().skipped[0], HasSubstr("duplicate kid"));
}

TEST(JwkTest, NotAKeySetIsAnError) {
  EXPECT_FALSE(ParseJwkSet("").ok());
  EXPECT_FALSE(ParseJwkSet("{").ok());
  EXPECT_FALSE(ParseJwkSet("[]").ok());
  EXPECT_FALSE(ParseJwkSet(R"({"kty":"EC"})").ok());
  EXPECT_FALSE(ParseJwkSet(R"({"keys":{}})").ok());
  EXPECT_TRUE(ParseJwkSet(R"({"keys":[]})").ok());
}

}  // namespace
}  // namespace cds::hooks::auth
