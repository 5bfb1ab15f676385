#include "hooks/auth/authenticator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hooks/auth/base64url.hpp"
#include "tests/hooks/auth_test_util.hpp"

namespace cds::hooks::auth {
namespace {

using testing::Craft;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::JoseVectors;
using testing::ScriptedHttpClient;

constexpr const char* kIss = "https://ehr.vectors.test";
constexpr const char* kTarget = "/cds-services/x";
const std::chrono::sys_seconds kNow{std::chrono::seconds(1'700'000'100)};

std::string PinnedFile() {
  static const std::string path = [] {
    const std::string p = ::testing::TempDir() + "auth-vectors-jwks.json";
    std::ofstream(p, std::ios::binary) << JoseVectors().jwks;
    return p;
  }();
  return path;
}

// The payload part of a vector token (signed claims, reused under a crafted header).
std::string PayloadOf(const char* alg) {
  const std::string token = JoseVectors().Token(alg);
  const auto first = token.find('.');
  return token.substr(first + 1, token.rfind('.') - first - 1);
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  // An unanswered fetch holds the cache (through its callback), which holds the client.
  void TearDown() override { client_->pending.clear(); }
  std::shared_ptr<Authenticator> Make(TrustedIssuerConfig issuer) {
    AuthConfig config;
    config.issuers.push_back(std::move(issuer));
    auto created = Authenticator::Create(config, client_, replay_);
    EXPECT_TRUE(created.ok()) << created.error().path << ": " << created.error().message;
    if (!created.ok()) return nullptr;
    created.value()->SetAudienceBase("https://cds.vectors.test/");
    return created.value();
  }
  static TrustedIssuerConfig Pinned() {
    TrustedIssuerConfig issuer;
    issuer.iss = kIss;
    issuer.jwks_file = PinnedFile();
    issuer.fhir_server_allow = {"https://fhir.vectors.test/r4"};
    return issuer;
  }
  AuthResult<Principal> Run(const Authenticator& a, const std::string& authorization,
                            std::string_view target = kTarget,
                            std::chrono::sys_seconds now = kNow) {
    std::optional<AuthResult<Principal>> out;
    int calls = 0;
    a.Authenticate(authorization, target, now, [&](AuthResult<Principal> r) {
      ++calls;
      out.emplace(std::move(r));
    });
    EXPECT_EQ(calls, 1);
    if (!out) return AuthFailure{AuthReason::kMalformedToken, "no answer"};
    return std::move(*out);
  }
  AuthReason Refusal(const Authenticator& a, const std::string& authorization,
                     std::string_view target = kTarget, std::chrono::sys_seconds now = kNow) {
    auto r = Run(a, authorization, target, now);
    EXPECT_FALSE(r.ok());
    return r.ok() ? AuthReason::kMalformedToken : r.error().reason;
  }
  static std::string Bearer(const char* alg) { return "Bearer " + JoseVectors().Token(alg); }

  std::shared_ptr<ScriptedHttpClient> client_ = std::make_shared<ScriptedHttpClient>();
  std::shared_ptr<InMemoryReplayStore> replay_ = std::make_shared<InMemoryReplayStore>(1000);
};

TEST_F(AuthenticatorTest, Es384AndRs384AreAcceptedByDefault) {
  auto a = Make(Pinned());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->audience_base(), "https://cds.vectors.test");
  auto es = Run(*a, Bearer("ES384"));
  ASSERT_TRUE(es.ok()) << es.error().detail;
  EXPECT_EQ(es.value().iss, kIss);
  EXPECT_EQ(es.value().jti, "jti-ES384");
  EXPECT_EQ(es.value().kid, "es384-key");
  EXPECT_EQ(es.value().tenant, "vectors");
  EXPECT_EQ(es.value().alg, JwsAlgorithm::kES384);
  EXPECT_EQ(es.value().expires.time_since_epoch().count(), 1'700'000'300);
  EXPECT_THAT(es.value().fhir_server_allow, ElementsAre("https://fhir.vectors.test/r4"));
  auto rs = Run(*a, "bearer   " + JoseVectors().Token("RS384"));  // scheme is case-insensitive
  ASSERT_TRUE(rs.ok()) << rs.error().detail;
  EXPECT_THAT(client_->requests, IsEmpty());  // pinned: nothing fetched
}

TEST_F(AuthenticatorTest, AReplayedTokenIsRefused) {
  auto a = Make(Pinned());
  ASSERT_TRUE(Run(*a, Bearer("ES384")).ok());
  auto again = Run(*a, Bearer("ES384"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().reason, AuthReason::kReplayed);
  EXPECT_THAT(again.error().detail, HasSubstr("jti-ES384"));
}

TEST_F(AuthenticatorTest, OptInAlgorithmsOnlyWhenConfigured) {
  auto defaults = Make(Pinned());
  for (const char* alg : {"ES256", "ES512", "RS256", "PS384"}) {
    EXPECT_EQ(Refusal(*defaults, Bearer(alg)), AuthReason::kAlgorithmRefused) << alg;
  }
  TrustedIssuerConfig all = Pinned();
  all.algorithms = {"ES256", "ES512", "RS256", "PS384"};
  auto opted = Make(all);
  for (const char* alg : {"ES256", "ES512", "RS256", "PS384"}) {
    auto r = Run(*opted, Bearer(alg));
    EXPECT_TRUE(r.ok()) << alg << ": " << (r.ok() ? "" : r.error().detail);
  }
  EXPECT_EQ(Refusal(*opted, Bearer("ES384")), AuthReason::kAlgorithmRefused);
}

TEST_F(AuthenticatorTest, EachCheckRefusesWithItsReason) {
  auto a = Make(Pinned());
  const std::string es384 = PayloadOf("ES384");
  const std::string sig =
      JoseVectors().Token("ES384").substr(JoseVectors().Token("ES384").rfind('.'));
  const auto with_header = [&](const std::string& header) {
    return "Bearer " + Base64UrlEncode(header) + "." + es384 + sig;
  };
  EXPECT_EQ(Refusal(*a, ""), AuthReason::kMissingToken);
  EXPECT_EQ(Refusal(*a, "Basic dXNlcjpwYXNz"), AuthReason::kMissingToken);
  EXPECT_EQ(Refusal(*a, "Bearer"), AuthReason::kMissingToken);
  EXPECT_EQ(Refusal(*a, "Bearer a b"), AuthReason::kMissingToken);
  EXPECT_EQ(Refusal(*a, "Bearer " + std::string(100 * 1024, 'A')), AuthReason::kTokenTooLarge);
  EXPECT_EQ(Refusal(*a, "Bearer not.a.jwt"), AuthReason::kMalformedToken);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"none","typ":"JWT","kid":"es384-key"})")),
            AuthReason::kAlgorithmRefused);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"HS256","typ":"JWT","kid":"es384-key"})")),
            AuthReason::kAlgorithmRefused);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"ES384","kid":"es384-key"})")), AuthReason::kBadType);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"ES384","typ":"JOSE","kid":"es384-key"})")),
            AuthReason::kBadType);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"ES384","typ":"JWT"})")), AuthReason::kMissingKeyId);
  // An RS384 header naming the EC key: the algorithm must fit the key.
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"RS384","typ":"JWT","kid":"es384-key"})")),
            AuthReason::kKeyMismatch);
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"ES384","typ":"JWT","kid":"other"})")),
            AuthReason::kUnknownKey);
  // The header changed, so the signature no longer covers the signing input.
  EXPECT_EQ(Refusal(*a, with_header(R"({"alg":"ES384","typ":"jwt","kid":"es384-key"})")),
            AuthReason::kBadSignature);
  EXPECT_EQ(Refusal(*a, Bearer("ES384"), "/cds-services/y"), AuthReason::kAudienceMismatch);
  EXPECT_EQ(Refusal(*a, Bearer("ES384"), kTarget, kNow + std::chrono::seconds(300)),
            AuthReason::kExpired);
  EXPECT_EQ(Refusal(*a, Bearer("ES384"), kTarget, kNow - std::chrono::seconds(200)),
            AuthReason::kIssuedInFuture);
  // Unsigned crafted claims: refused before the signature would be looked at.
  EXPECT_EQ(Refusal(*a, "Bearer " + Craft(R"({"alg":"ES384","typ":"JWT","kid":"es384-key"})",
                                          R"({"iss":"https://ehr.vectors.test","aud":)"
                                          R"("https://cds.vectors.test/cds-services/x",)"
                                          R"("iat":1700000000,"exp":1700000300})")),
            AuthReason::kMissingJti);
  EXPECT_EQ(Refusal(*a, "Bearer " + Craft(R"({"alg":"ES384","typ":"JWT","kid":"es384-key"})",
                                          R"({"iss":"https://ehr.vectors.test","aud":)"
                                          R"("https://cds.vectors.test/cds-services/x",)"
                                          R"("iat":1700000000,"exp":1700003600,"jti":"x"})")),
            AuthReason::kLifetimeTooLong);
  // Nothing above was remembered: the genuine token is still accepted once.
  EXPECT_TRUE(Run(*a, Bearer("ES384")).ok());
}

TEST_F(AuthenticatorTest, UnknownIssuer) {
  TrustedIssuerConfig other = Pinned();
  other.iss = "https://someone-else.test";
  auto a = Make(other);
  auto r = Run(*a, Bearer("ES384"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, AuthReason::kUnknownIssuer);
  EXPECT_THAT(r.error().detail, HasSubstr(kIss));
}

TEST_F(AuthenticatorTest, TenantAllowlist) {
  TrustedIssuerConfig issuer = Pinned();
  issuer.tenants = {"another"};
  EXPECT_EQ(Refusal(*Make(issuer), Bearer("ES384")), AuthReason::kTenantRefused);
  issuer.tenants = {"another", "vectors"};
  EXPECT_TRUE(Run(*Make(issuer), Bearer("RS384")).ok());
}

TEST_F(AuthenticatorTest, PinnedKeysIgnoreTheJkuHeader) {
  auto a = Make(Pinned());
  // A header pointing at an attacker's key set: the pinned keys are used, nothing is fetched,
  // and the changed header breaks the signature.
  const std::string token = "Bearer " +
                            Base64UrlEncode(R"({"alg":"ES384","typ":"JWT","kid":"es384-key",)"
                                            R"("jku":"https://attacker.test/jwks.json"})") +
                            "." + PayloadOf("ES384") + ".AAAA";
  EXPECT_EQ(Refusal(*a, token), AuthReason::kBadSignature);
  EXPECT_THAT(client_->requests, IsEmpty());
}

TEST_F(AuthenticatorTest, JkuMustBeAllowlistedAndIsFetchedOnlyThen) {
  TrustedIssuerConfig issuer;
  issuer.iss = kIss;
  issuer.jku = {"https://ehr.vectors.test/jwks.json"};
  auto a = Make(issuer);
  const std::string payload = PayloadOf("ES384");
  const std::string sig =
      JoseVectors().Token("ES384").substr(JoseVectors().Token("ES384").rfind('.'));
  const std::string evil = "Bearer " +
                           Base64UrlEncode(R"({"alg":"ES384","typ":"JWT","kid":"es384-key",)"
                                           R"("jku":"https://attacker.test/jwks.json"})") +
                           "." + payload + sig;
  EXPECT_EQ(Refusal(*a, evil), AuthReason::kJkuNotAllowed);
  EXPECT_THAT(client_->requests, IsEmpty());
  // No jku header: the issuer's first allowlisted URL is used, fetched once.
  std::optional<AuthResult<Principal>> out;
  a->Authenticate(Bearer("ES384"), kTarget, kNow,
                  [&](AuthResult<Principal> r) { out.emplace(std::move(r)); });
  ASSERT_EQ(client_->requests.size(), 1u);
  EXPECT_EQ(client_->requests[0].url, "https://ehr.vectors.test/jwks.json");
  EXPECT_FALSE(out.has_value());  // waiting for the key set
  client_->Answer(200, JoseVectors().jwks);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->ok()) << out->error().detail;
}

TEST_F(AuthenticatorTest, ConfigurationErrorsNameTheSetting) {
  const auto error = [&](TrustedIssuerConfig issuer) {
    AuthConfig config;
    config.issuers.push_back(std::move(issuer));
    auto created = Authenticator::Create(config, client_, replay_);
    EXPECT_FALSE(created.ok());
    return created.ok() ? std::string() : created.error().path + ": " + created.error().message;
  };
  TrustedIssuerConfig both = Pinned();
  both.jku = {"https://x.test/jwks"};
  EXPECT_THAT(error(both), HasSubstr("not both"));
  TrustedIssuerConfig missing = Pinned();
  missing.jwks_file = "/nonexistent/jwks.json";
  EXPECT_THAT(error(missing), HasSubstr("auth.issuers[0].jwks_file: cannot read"));
  TrustedIssuerConfig hmac = Pinned();
  hmac.algorithms = {"HS256"};
  EXPECT_THAT(error(hmac), HasSubstr("auth.issuers[0].algorithms"));
  TrustedIssuerConfig http = Pinned();
  http.jwks_file.clear();
  http.jku = {"http://x.test/jwks"};
  EXPECT_THAT(error(http), HasSubstr("not an https URL"));
}

TEST(BearerTokenTest, Forms) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER abc "), "abc");
  EXPECT_EQ(BearerToken("Bearer  abc"), "abc");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Bearer a b"), "");
  EXPECT_EQ(BearerToken("Token abc"), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace cds::hooks::auth
