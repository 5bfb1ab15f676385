#include "hooks/auth/authenticator.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace cds::hooks::auth {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Error ConfigError(std::string path, std::string message) {
  return Error{HookError::kInvalidValue, std::move(path), std::move(message), ""};
}

}  // namespace

std::string_view BearerToken(std::string_view authorization) noexcept {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.find_first_of(" \t") != std::string_view::npos) return {};
  return token;
}

Result<std::shared_ptr<Authenticator>> Authenticator::Create(
    const AuthConfig& config, std::shared_ptr<HttpClient> client,
    std::shared_ptr<ReplayStore> replay, std::function<void(std::string_view)> on_jwks_fetch) {
  std::shared_ptr<Authenticator> a(new Authenticator());
  a->replay_ = std::move(replay);
  a->times_.skew = std::chrono::seconds(config.clock_skew_s);
  a->times_.max_lifetime = std::chrono::seconds(config.max_token_lifetime_s);
  a->max_token_bytes_ = config.max_token_bytes;
  JwksCache::Options cache_options;
  cache_options.ttl = std::chrono::seconds(config.jwks_cache_ttl_s);
  cache_options.refetch_interval = std::chrono::seconds(config.jwks_refetch_interval_s);
  cache_options.fetch_timeout = std::chrono::milliseconds(config.jwks_fetch_timeout_ms);
  cache_options.on_fetch = std::move(on_jwks_fetch);
  for (std::size_t i = 0; i < config.issuers.size(); ++i) {
    const TrustedIssuerConfig& c = config.issuers[i];
    const std::string path = "auth.issuers[" + std::to_string(i) + "]";
    TrustedIssuer issuer;
    issuer.iss = c.iss;
    if (issuer.iss.empty()) return ConfigError(path + ".iss", "an issuer needs its iss");
    if (a->by_iss_.count(issuer.iss) != 0) {
      return ConfigError(path + ".iss", "issuer " + issuer.iss + " is listed twice");
    }
    for (const std::string& name : c.algorithms) {
      const auto alg = ParseJwsAlgorithm(name);
      if (!alg) {
        return ConfigError(path + ".algorithms",
                           "\"" + name +
                               "\" is not one of ES256, ES384, ES512, RS256, RS384, "
                               "PS384 (none and HS* are never accepted)");
      }
      issuer.algorithms.push_back(*alg);
    }
    if (issuer.algorithms.empty()) {
      issuer.algorithms.assign(std::begin(kDefaultAlgorithms), std::end(kDefaultAlgorithms));
    }
    issuer.tenants = c.tenants;
    issuer.fhir_server_allow = c.fhir_server_allow;
    if (!c.jwks_file.empty() && !c.jku.empty()) {
      return ConfigError(path, "give jwks_file (pinned keys) or jku (allowlisted URLs), not both");
    }
    if (!c.jwks_file.empty()) {
      std::ifstream in(c.jwks_file, std::ios::binary);
      if (!in) return ConfigError(path + ".jwks_file", "cannot read " + c.jwks_file);
      std::ostringstream text;
      text << in.rdbuf();
      auto set = ParseJwkSet(text.str());
      if (!set) {
        return ConfigError(path + ".jwks_file", c.jwks_file + ": " + set.error().message);
      }
      if (set.value().keys.empty()) {
        std::string why;
        for (const auto& s : set.value().skipped) why += "; " + s;
        return ConfigError(path + ".jwks_file", c.jwks_file + ": no usable key" + why);
      }
      issuer.pinned = std::make_shared<const JwkSet>(std::move(set).value());
    } else if (!c.jku.empty()) {
      for (const std::string& url : c.jku) {
        if (!url.starts_with("https://") || url.size() <= 8) {
          return ConfigError(path + ".jku", "\"" + url + "\" is not an https URL");
        }
      }
      issuer.jku = c.jku;
      issuer.cache = std::make_shared<JwksCache>(issuer.iss, client, cache_options);
    } else {
      return ConfigError(path, "issuer " + issuer.iss + " needs jwks_file or jku");
    }
    a->by_iss_.emplace(issuer.iss, a->issuers_.size());
    a->issuers_.push_back(std::move(issuer));
  }
  return a;
}

void Authenticator::SetAudienceBase(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  audience_base_ = std::move(base);
}

void Authenticator::Authenticate(std::string_view authorization, std::string_view target,
                                 std::chrono::sys_seconds now, Done done,
                                 std::string_view request_id) const {
  const std::string_view token = BearerToken(authorization);
  if (token.empty()) {
    return done(AuthFailure{AuthReason::kMissingToken,
                            authorization.empty() ? "no Authorization header"
                                                  : "Authorization is not \"Bearer <token>\""});
  }
  auto parsed = ParseJwt(token, max_token_bytes_);
  if (!parsed) return done(parsed.error());
  auto jwt = std::make_shared<const Jwt>(std::move(parsed).value());
  const JwtHeader& header = jwt->header;
  const JwtClaims& claims = jwt->claims;
  const std::string who = "iss " + ForLog(claims.iss) + ", kid " + ForLog(header.kid, 80);
  const auto fail = [&](AuthReason reason, std::string detail) {
    done(AuthFailure{reason, who + ": " + detail});
  };

  const auto found = by_iss_.find(claims.iss);
  if (found == by_iss_.end()) return fail(AuthReason::kUnknownIssuer, "issuer not trusted");
  const TrustedIssuer& issuer = issuers_[found->second];
  if (!EqualsIgnoreCase(header.typ, "JWT")) {
    return fail(AuthReason::kBadType, "typ \"" + ForLog(header.typ, 40) + "\"");
  }
  const auto alg = ParseJwsAlgorithm(header.alg);
  if (!alg || std::find(issuer.algorithms.begin(), issuer.algorithms.end(), *alg) ==
                  issuer.algorithms.end()) {
    return fail(AuthReason::kAlgorithmRefused, "alg \"" + ForLog(header.alg, 20) + "\"");
  }
  if (header.kid.empty()) return fail(AuthReason::kMissingKeyId, "no kid");
  if (claims.jti.empty()) return fail(AuthReason::kMissingJti, "no jti");
  if (claims.jti.size() > 256) return fail(AuthReason::kMalformedToken, "jti over 256 bytes");
  std::string audience = audience_base_;
  audience.append(target);
  if (auto f = CheckAudience(claims, audience)) return fail(f->reason, f->detail);
  if (auto f = CheckTimes(claims, now, times_)) return fail(f->reason, f->detail);
  if (!issuer.tenants.empty() &&
      (!claims.tenant || std::find(issuer.tenants.begin(), issuer.tenants.end(), *claims.tenant) ==
                             issuer.tenants.end())) {
    return fail(AuthReason::kTenantRefused,
                claims.tenant ? "tenant " + ForLog(*claims.tenant, 80) : "no tenant");
  }

  if (issuer.pinned) {
    // Pinned keys: whatever jku the header names is ignored, nothing is fetched.
    auto key = issuer.pinned->Find(header.kid);
    if (!key) return fail(AuthReason::kUnknownKey, "kid not in the pinned key set");
    return Finish(std::move(jwt), issuer, *alg, std::move(key), now, std::move(done));
  }
  const std::string& jku = header.jku.empty() ? issuer.jku.front() : header.jku;
  if (std::find(issuer.jku.begin(), issuer.jku.end(), jku) == issuer.jku.end()) {
    return fail(AuthReason::kJkuNotAllowed,
                "jku " + ForLog(jku) + " not allowlisted (not fetched)");
  }
  issuer.cache->FindKey(
      jku, header.kid,
      [this, jwt, &issuer, alg = *alg, now, done = std::move(done),
       who](AuthResult<std::shared_ptr<const Jwk>> key) mutable {
        if (!key) return done(AuthFailure{key.error().reason, who + ": " + key.error().detail});
        Finish(std::move(jwt), issuer, alg, std::move(key).value(), now, std::move(done));
      },
      request_id);
}

void Authenticator::Finish(std::shared_ptr<const Jwt> jwt, const TrustedIssuer& issuer,
                           JwsAlgorithm alg, std::shared_ptr<const Jwk> key,
                           std::chrono::sys_seconds now, Done done) const {
  const std::string who = "iss " + ForLog(jwt->claims.iss) + ", kid " + ForLog(jwt->header.kid, 80);
  if (!KeyFits(*key, alg)) {
    return done(AuthFailure{AuthReason::kKeyMismatch,
                            who + ": alg " + std::string(ToString(alg)) + " does not fit the key"});
  }
  if (!VerifySignature(alg, *key, jwt->signing_input, jwt->signature)) {
    return done(AuthFailure{AuthReason::kBadSignature, who + ": signature does not verify"});
  }
  // Remembered until exp plus the skew: until then the token would still be accepted.
  const auto expires =
      std::chrono::sys_seconds(std::chrono::seconds(jwt->claims.exp)) + times_.skew;
  Principal principal;
  principal.iss = jwt->claims.iss;
  principal.sub = jwt->claims.sub;
  principal.tenant = jwt->claims.tenant;
  principal.jti = jwt->claims.jti;
  principal.kid = jwt->header.kid;
  principal.alg = alg;
  principal.expires = std::chrono::sys_seconds(std::chrono::seconds(jwt->claims.exp));
  principal.fhir_server_allow = issuer.fhir_server_allow;
  // Copied first: the callback below takes `principal` by move, and argument evaluation order
  // is unspecified.
  const std::string iss = principal.iss;
  const std::string jti = principal.jti;
  replay_->CheckAndRemember(
      iss, jti, expires, now,
      [principal = std::move(principal), done = std::move(done), who](ReplayVerdict v) mutable {
        switch (v) {
          case ReplayVerdict::kFresh:
            return done(std::move(principal));
          case ReplayVerdict::kReplayed:
            return done(AuthFailure{AuthReason::kReplayed,
                                    who + ": jti " + ForLog(principal.jti, 80) + " seen before"});
          case ReplayVerdict::kFull:
            return done(AuthFailure{AuthReason::kReplayStoreFull, who + ": replay store full"});
          case ReplayVerdict::kUnavailable:
            return done(AuthFailure{AuthReason::kReplayStoreUnavailable,
                                    who + ": replay store unavailable"});
        }
      });
}

}  // namespace cds::hooks::auth
