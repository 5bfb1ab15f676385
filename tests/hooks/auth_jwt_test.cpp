#include "hooks/auth/jwt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hooks/auth/base64url.hpp"
#include "tests/hooks/auth_test_util.hpp"

namespace cds::hooks::auth {
namespace {

using testing::Craft;
using ::testing::ElementsAre;
using testing::JoseVectors;

constexpr std::size_t kMax = 16 * 1024;
constexpr const char* kHeader = R"({"alg":"ES384","typ":"JWT","kid":"k1"})";
constexpr const char* kClaims =
    R"({"iss":"https://ehr.test","aud":"https://cds.test/cds-services/x","exp":1700000300,)"
    R"("iat":1700000000,"jti":"j1"})";

JwkSet VectorKeys() {
  auto set = ParseJwkSet(JoseVectors().jwks);
  EXPECT_TRUE(set.ok());
  return std::move(set).value();
}

// ---- signatures: jose-signed tokens of every algorithm ----------------------------------

TEST(JwtSignatureTest, JoseTokensOfEveryAlgorithmVerify) {
  const JwkSet keys = VectorKeys();
  for (const char* name : {"ES256", "ES384", "ES512", "RS256", "RS384", "PS384"}) {
    auto jwt = ParseJwt(JoseVectors().Token(name), kMax);
    ASSERT_TRUE(jwt.ok()) << name << ": " << jwt.error().detail;
    EXPECT_EQ(jwt.value().header.alg, name);
    const auto key = keys.Find(jwt.value().header.kid);
    ASSERT_NE(key, nullptr) << name;
    const auto alg = *ParseJwsAlgorithm(name);
    ASSERT_TRUE(KeyFits(*key, alg)) << name;
    EXPECT_TRUE(VerifySignature(alg, *key, jwt.value().signing_input, jwt.value().signature))
        << name;
  }
}

TEST(JwtSignatureTest, TamperedPayloadOrSignatureFails) {
  const JwkSet keys = VectorKeys();
  for (const char* name : {"ES384", "RS384", "PS384"}) {
    auto jwt = ParseJwt(JoseVectors().Token(name), kMax);
    ASSERT_TRUE(jwt.ok());
    const auto alg = *ParseJwsAlgorithm(name);
    const auto key = keys.Find(jwt.value().header.kid);
    Jwt payload = jwt.value();
    payload.signing_input.back() ^= 0x01;
    EXPECT_FALSE(VerifySignature(alg, *key, payload.signing_input, payload.signature)) << name;
    Jwt signature = jwt.value();
    signature.signature[signature.signature.size() / 2] ^= 0x01;
    EXPECT_FALSE(VerifySignature(alg, *key, signature.signing_input, signature.signature)) << name;
    Jwt truncated = jwt.value();
    truncated.signature.pop_back();
    EXPECT_FALSE(VerifySignature(alg, *key, truncated.signing_input, truncated.signature)) << name;
  }
}

TEST(JwtSignatureTest, AnotherKeyOfTheSameTypeFails) {
  const JwkSet keys = VectorKeys();
  auto rs256 = ParseJwt(JoseVectors().Token("RS256"), kMax);
  ASSERT_TRUE(rs256.ok());
  Jwk other = *keys.Find("rs384-key");
  other.alg.clear();
  EXPECT_FALSE(VerifySignature(JwsAlgorithm::kRS256, other, rs256.value().signing_input,
                               rs256.value().signature));
}

TEST(JwtSignatureTest, AnRsaSignatureIsNotAPssSignature) {
  const JwkSet keys = VectorKeys();
  auto rs384 = ParseJwt(JoseVectors().Token("RS384"), kMax);
  ASSERT_TRUE(rs384.ok());
  Jwk key = *keys.Find("rs384-key");
  key.alg.clear();
  EXPECT_FALSE(VerifySignature(JwsAlgorithm::kPS384, key, rs384.value().signing_input,
                               rs384.value().signature));
}

// ---- parsing ---------------------------------------------------------------------------

TEST(JwtParseTest, ReadsHeaderAndClaims) {
  auto jwt = ParseJwt(Craft(R"({"alg":"ES384","typ":"JWT","kid":"k1","jku":"https://j"})",
                            R"({"iss":"i","sub":"s","aud":["a","b"],"exp":10.9,"iat":5,"nbf":4,)"
                            R"("jti":"j","tenant":"t","other":{"x":[1]}})"),
                      kMax);
  ASSERT_TRUE(jwt.ok()) << jwt.error().detail;
  const Jwt& t = jwt.value();
  EXPECT_EQ(t.header.alg, "ES384");
  EXPECT_EQ(t.header.typ, "JWT");
  EXPECT_EQ(t.header.kid, "k1");
  EXPECT_EQ(t.header.jku, "https://j");
  EXPECT_EQ(t.claims.iss, "i");
  EXPECT_EQ(t.claims.sub, "s");
  EXPECT_THAT(t.claims.aud, ElementsAre("a", "b"));
  EXPECT_EQ(t.claims.exp, 10);  // NumericDate may be fractional: floored
  EXPECT_EQ(t.claims.iat, 5);
  EXPECT_EQ(t.claims.nbf, 4);
  EXPECT_EQ(t.claims.jti, "j");
  EXPECT_EQ(t.claims.tenant, "t");
  EXPECT_EQ(t.signature, "sig");
}

TEST(JwtParseTest, RefusesMalformedTokens) {
  const std::string header = Base64UrlEncode(kHeader);
  const std::string claims = Base64UrlEncode(kClaims);
  const struct {
    std::string token;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {header + "." + claims, "two parts"},
      {header + "." + claims + ".c2ln.c2ln", "four parts (JWE has five)"},
      {header + "." + claims + ".", "empty signature"},
      {header + "==." + claims + ".c2ln", "padding"},
      {header + "." + claims + ".c2l*", "bad base64 in the signature"},
      {header.substr(1) + "." + claims + ".c2ln", "header is no longer JSON"},
      {Craft("[1]", kClaims), "header not an object"},
      {Craft(R"({"alg":"ES384","typ":"JWT","kid":"k1","alg":"none"})", kClaims), "duplicate alg"},
      {Craft(R"({"typ":"JWT","kid":"k1"})", kClaims), "no alg"},
      {Craft(R"({"alg":384,"typ":"JWT","kid":"k1"})", kClaims), "alg not a string"},
      {Craft(R"({"alg":"ES384","typ":"JWT","kid":7})", kClaims), "kid not a string"},
      {Craft(R"({"alg":"ES384","typ":"JWT","kid":"k","crit":["exp"]})", kClaims), "crit"},
      {Craft(R"({"alg":"ES384","typ":"JWT","kid":"k","b64":false,"crit":["b64"]})", kClaims),
       "unencoded payload"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":2,"iat":1,"jti":"j")"), "truncated JSON"},
      {Craft(kHeader, R"({"aud":"a","exp":2,"iat":1})"), "no iss"},
      {Craft(kHeader, R"({"iss":"","aud":"a","exp":2,"iat":1})"), "empty iss"},
      {Craft(kHeader, R"({"iss":"i","exp":2,"iat":1})"), "no aud"},
      {Craft(kHeader, R"({"iss":"i","aud":[],"exp":2,"iat":1})"), "empty aud array"},
      {Craft(kHeader, R"({"iss":"i","aud":["a",1],"exp":2,"iat":1})"), "aud array with a number"},
      {Craft(kHeader, R"({"iss":"i","aud":{"a":1},"exp":2,"iat":1})"), "aud object"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","iat":1})"), "no exp"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":2})"), "no iat"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":"2","iat":1})"), "exp a string"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":1e300,"iat":1})"), "exp absurd"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":2,"iat":1,"nbf":null})"), "nbf null"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":2,"iat":1,"jti":5})"), "jti a number"},
      {Craft(kHeader, R"({"iss":"i","aud":"a","exp":2,"iat":1,"tenant":5})"), "tenant a number"},
      {Craft(kHeader, std::string(R"({"iss":"\xff","aud":"a","exp":2,"iat":1})")), "bad UTF-8"},
      {Craft(kHeader, std::string(20000, '[')), "deep nesting"},
  };
  for (const auto& c : cases) {
    auto jwt = ParseJwt(c.token, 64 * 1024);
    ASSERT_FALSE(jwt.ok()) << c.why;
    EXPECT_EQ(jwt.error().reason, AuthReason::kMalformedToken) << c.why;
  }
}

TEST(JwtParseTest, RefusesALargeTokenBeforeDecodingIt) {
  // 100 KB of characters that are not even base64url: the size check comes first.
  auto jwt = ParseJwt(std::string(100 * 1024, '!'), kMax);
  ASSERT_FALSE(jwt.ok());
  EXPECT_EQ(jwt.error().reason, AuthReason::kTokenTooLarge);
  EXPECT_TRUE(ParseJwt(Craft(kHeader, kClaims), kMax).ok());
}

// ---- claims ------------------------------------------------------------------------------

JwtClaims Claims(std::vector<std::string> aud = {"https://cds.test/cds-services/x"}) {
  JwtClaims c;
  c.iss = "https://ehr.test";
  c.aud = std::move(aud);
  c.iat = 1'700'000'000;
  c.exp = c.iat + 300;
  c.jti = "j";
  return c;
}

TEST(JwtClaimsTest, AudienceMustBeTheUrlInvoked) {
  const std::string url = "https://cds.test/cds-services/x";
  EXPECT_EQ(CheckAudience(Claims({url}), url), std::nullopt);
  EXPECT_EQ(CheckAudience(Claims({"https://other", url}), url), std::nullopt);
  for (const auto& aud :
       std::vector<std::vector<std::string>>{{"https://cds.test/cds-services"},
                                             {"https://cds.test/cds-services/x/"},
                                             {"https://cds.test/cds-services/x/feedback"},
                                             {"http://cds.test/cds-services/x"},
                                             {"https://CDS.test/cds-services/x"},
                                             {"https://other", "https://another"}}) {
    const auto f = CheckAudience(Claims(aud), url);
    ASSERT_TRUE(f.has_value()) << aud[0];
    EXPECT_EQ(f->reason, AuthReason::kAudienceMismatch);
  }
}

TEST(JwtClaimsTest, TimesWithSkewAndMaximumLifetime) {
  const TimePolicy policy{std::chrono::seconds(60), std::chrono::seconds(900)};
  const auto at = [](std::int64_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); };
  const JwtClaims c = Claims();  // iat 1'700'000'000, exp + 300
  const std::int64_t iat = c.iat;
  const std::int64_t exp = c.exp;
  EXPECT_EQ(CheckTimes(c, at(iat), policy), std::nullopt);
  EXPECT_EQ(CheckTimes(c, at(exp + 59), policy), std::nullopt);  // within the skew
  EXPECT_EQ(CheckTimes(c, at(exp + 60), policy)->reason, AuthReason::kExpired);
  EXPECT_EQ(CheckTimes(c, at(iat - 60), policy), std::nullopt);  // clock behind by the skew
  EXPECT_EQ(CheckTimes(c, at(iat - 61), policy)->reason, AuthReason::kIssuedInFuture);
  JwtClaims nbf = c;
  nbf.nbf = iat + 120;
  EXPECT_EQ(CheckTimes(nbf, at(iat + 59), policy)->reason, AuthReason::kNotYetValid);
  EXPECT_EQ(CheckTimes(nbf, at(iat + 60), policy), std::nullopt);
  JwtClaims long_lived = c;
  long_lived.exp = iat + 901;
  EXPECT_EQ(CheckTimes(long_lived, at(iat), policy)->reason, AuthReason::kLifetimeTooLong);
  long_lived.exp = iat + 900;
  EXPECT_EQ(CheckTimes(long_lived, at(iat), policy), std::nullopt);
  JwtClaims backwards = c;
  backwards.exp = iat - 1;
  EXPECT_TRUE(CheckTimes(backwards, at(iat - 70), policy).has_value());
}

}  // namespace
}  // namespace cds::hooks::auth
