#include "hooks/auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hooks/auth/base64url.hpp"

namespace cds::hooks::auth {
namespace {

constexpr std::size_t kMaxMembers = 64;
constexpr std::size_t kMaxAudiences = 32;
constexpr double kMaxNumericDate = 1e11;  // year 5138: beyond it a date is garbage

AuthFailure Malformed(std::string detail) {
  return AuthFailure{AuthReason::kMalformedToken, std::move(detail)};
}

// A JSON object with no duplicate member names (RFC 7515 §5.2 lets a parser reject them; two
// parsers disagreeing about which value wins is how confusion attacks start).
std::optional<std::string> ParseObject(std::string_view text, rapidjson::Document& doc,
                                       const char* what) {
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError()) return std::string(what) + " is not valid JSON";
  if (!doc.IsObject()) return std::string(what) + " is not a JSON object";
  if (doc.MemberCount() > kMaxMembers) return std::string(what) + " has too many members";
  for (auto a = doc.MemberBegin(); a != doc.MemberEnd(); ++a) {
    for (auto b = a + 1; b != doc.MemberEnd(); ++b) {
      if (a->name == b->name) return std::string(what) + " has a duplicate member";
    }
  }
  return std::nullopt;
}

enum class Presence { kRequired, kOptional };

// Reads a string member; false when it has the wrong type or a required one is absent.
bool ReadString(const rapidjson::Value& object, const char* name, Presence presence,
                std::string& out) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return presence == Presence::kOptional;
  if (!it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

// NumericDate (RFC 7519 §2): seconds, possibly fractional; floored.
std::optional<std::int64_t> NumericDate(const rapidjson::Value& v) {
  if (v.IsInt64()) {
    const std::int64_t n = v.GetInt64();
    if (static_cast<double>(n) > kMaxNumericDate || static_cast<double>(n) < -kMaxNumericDate) {
      return std::nullopt;
    }
    return n;
  }
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (!std::isfinite(d) || std::fabs(d) > kMaxNumericDate) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

const EVP_MD* Digest(JwsAlgorithm alg) {
  // Fetched once: an explicit fetch per call would search the provider each time.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (alg) {
    case JwsAlgorithm::kES256:
    case JwsAlgorithm::kRS256:
      return sha256;
    case JwsAlgorithm::kES384:
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kPS384:
      return sha384;
    case JwsAlgorithm::kES512:
      return sha512;
  }
  return nullptr;
}

std::size_t EcCoordinateBytes(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kES256:
      return 32;
    case JwsAlgorithm::kES384:
      return 48;
    case JwsAlgorithm::kES512:
      return 66;
    default:
      return 0;
  }
}

// JWS carries ECDSA signatures as R||S, fixed width (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<std::string> RawEcdsaToDer(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, static_cast<int>(half), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);  // frees r and s
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

AuthResult<Jwt> ParseJwt(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) {
    return AuthFailure{AuthReason::kTokenTooLarge, std::to_string(token.size()) + " bytes (limit " +
                                                       std::to_string(max_bytes) + ")"};
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Malformed("not three dot-separated parts");
  }
  const auto header_text = Base64UrlDecode(token.substr(0, dot1));
  const auto payload_text = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) return Malformed("a part is not base64url");
  if (signature->empty()) return Malformed("empty signature");

  Jwt jwt;
  rapidjson::Document header;
  if (auto why = ParseObject(*header_text, header, "header")) return Malformed(*why);
  if (!ReadString(header, "alg", Presence::kRequired, jwt.header.alg)) {
    return Malformed("header alg missing or not a string");
  }
  if (!ReadString(header, "typ", Presence::kOptional, jwt.header.typ) ||
      !ReadString(header, "kid", Presence::kOptional, jwt.header.kid) ||
      !ReadString(header, "jku", Presence::kOptional, jwt.header.jku)) {
    return Malformed("header typ, kid or jku is not a string");
  }
  // No extension is understood, so any critical one must be refused (RFC 7515 §4.1.11); this
  // also refuses unencoded payloads (RFC 7797 "b64": false needs "crit").
  if (header.HasMember("crit")) return Malformed("header has crit");

  rapidjson::Document claims;
  if (auto why = ParseObject(*payload_text, claims, "payload")) return Malformed(*why);
  JwtClaims& c = jwt.claims;
  if (!ReadString(claims, "iss", Presence::kRequired, c.iss) || c.iss.empty()) {
    return Malformed("iss missing or not a string");
  }
  if (!ReadString(claims, "sub", Presence::kOptional, c.sub) ||
      !ReadString(claims, "jti", Presence::kOptional, c.jti)) {
    return Malformed("sub or jti is not a string");
  }
  if (const auto it = claims.FindMember("tenant"); it != claims.MemberEnd()) {
    if (!it->value.IsString()) return Malformed("tenant is not a string");
    c.tenant.emplace(it->value.GetString(), it->value.GetStringLength());
  }
  const auto aud = claims.FindMember("aud");
  if (aud == claims.MemberEnd()) return Malformed("aud missing");
  if (aud->value.IsString()) {
    c.aud.emplace_back(aud->value.GetString(), aud->value.GetStringLength());
  } else if (aud->value.IsArray() && !aud->value.Empty() && aud->value.Size() <= kMaxAudiences) {
    for (const auto& a : aud->value.GetArray()) {
      if (!a.IsString()) return Malformed("aud array holds a non-string");
      c.aud.emplace_back(a.GetString(), a.GetStringLength());
    }
  } else {
    return Malformed("aud is neither a string nor an array of 1-32 strings");
  }
  const auto date = [&](const char* name,
                        Presence presence) -> std::optional<std::optional<std::int64_t>> {
    const auto it = claims.FindMember(name);
    if (it == claims.MemberEnd()) {
      if (presence == Presence::kRequired) return std::nullopt;
      return std::optional<std::int64_t>{};
    }
    auto value = NumericDate(it->value);
    if (!value) return std::nullopt;
    return value;
  };
  const auto exp = date("exp", Presence::kRequired);
  const auto iat = date("iat", Presence::kRequired);
  const auto nbf = date("nbf", Presence::kOptional);
  if (!exp || !iat || !nbf) return Malformed("exp or iat missing, or exp, iat or nbf not a date");
  c.exp = **exp;
  c.iat = **iat;
  c.nbf = *nbf;
  jwt.signing_input = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

std::optional<AuthFailure> CheckAudience(const JwtClaims& claims, std::string_view expected) {
  if (std::find(claims.aud.begin(), claims.aud.end(), expected) != claims.aud.end()) {
    return std::nullopt;
  }
  std::string got;
  for (const auto& a : claims.aud) {
    if (!got.empty()) got += ", ";
    got += ForLog(a, 120);
    if (got.size() > 400) break;
  }
  return AuthFailure{AuthReason::kAudienceMismatch,
                     "expected " + std::string(expected) + ", got [" + got + "]"};
}

std::optional<AuthFailure> CheckTimes(const JwtClaims& claims, std::chrono::sys_seconds now,
                                      const TimePolicy& policy) {
  const std::int64_t t = now.time_since_epoch().count();
  const std::int64_t skew = policy.skew.count();
  if (claims.exp + skew <= t) {
    return AuthFailure{AuthReason::kExpired,
                       "exp " + std::to_string(claims.exp) + ", now " + std::to_string(t)};
  }
  if (claims.nbf && *claims.nbf - skew > t) {
    return AuthFailure{AuthReason::kNotYetValid,
                       "nbf " + std::to_string(*claims.nbf) + ", now " + std::to_string(t)};
  }
  if (claims.iat - skew > t) {
    return AuthFailure{AuthReason::kIssuedInFuture,
                       "iat " + std::to_string(claims.iat) + ", now " + std::to_string(t)};
  }
  if (claims.exp < claims.iat || claims.exp - claims.iat > policy.max_lifetime.count()) {
    return AuthFailure{AuthReason::kLifetimeTooLong,
                       "exp - iat = " + std::to_string(claims.exp - claims.iat) + " s (limit " +
                           std::to_string(policy.max_lifetime.count()) + " s)"};
  }
  return std::nullopt;
}

bool VerifySignature(JwsAlgorithm alg, const Jwk& key, std::string_view signing_input,
                     std::string_view signature) {
  if (alg == JwsAlgorithm::kES384 && key.p384) {
    return VerifyEs384(*key.p384, signing_input, signature);
  }
  const EVP_MD* md = Digest(alg);
  if (md == nullptr || !key.key) return false;
  std::string der;
  std::string_view sig = signature;
  if (const std::size_t half = EcCoordinateBytes(alg); half != 0) {
    auto converted = RawEcdsaToDer(signature, half);
    if (!converted) return false;
    der = std::move(*converted);
    sig = der;
  } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get()))) {
    return false;  // RSA signatures are exactly the modulus length
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  if (alg == JwsAlgorithm::kPS384) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      ERR_clear_error();
      return false;
    }
  }
  const bool ok =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) == 1;
  // A failed verify leaves entries on this thread's OpenSSL error queue; left there, they
  // would be misread by the next TLS operation on the same thread.
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace cds::hooks::auth
