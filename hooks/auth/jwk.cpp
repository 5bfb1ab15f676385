#include "hooks/auth/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "hooks/auth/base64url.hpp"

namespace cds::hooks::auth {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

struct Curve {
  std::string_view jwk_name;
  const char* openssl_name;
  std::size_t coordinate_bytes;
  int bits;
};
constexpr Curve kCurves[] = {
    {"P-256", "prime256v1", 32, 256},
    {"P-384", "secp384r1", 48, 384},
    {"P-521", "secp521r1", 66, 521},
};

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

std::string_view Str(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// Builds a public key from OSSL_PARAMs and checks it (EC: the point is on the curve).
std::shared_ptr<EVP_PKEY> FromData(const char* type, OSSL_PARAM_BLD* builder, bool check) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder));
  if (!params) return nullptr;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  std::shared_ptr<EVP_PKEY> key(raw, EvpPkeyDeleter{});
  if (check) {
    PkeyCtxPtr check_ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check_ctx || EVP_PKEY_public_check(check_ctx.get()) != 1) return nullptr;
  }
  return key;
}

// Returns an empty string on success, else why the key was skipped.
std::string BuildEc(const rapidjson::Value& v, Jwk& jwk) {
  jwk.crv = std::string(Str(v, "crv"));
  const auto curve = std::find_if(std::begin(kCurves), std::end(kCurves),
                                  [&](const Curve& c) { return c.jwk_name == jwk.crv; });
  if (curve == std::end(kCurves)) return "unsupported EC curve \"" + ForLog(jwk.crv, 20) + "\"";
  const auto x = Base64UrlDecode(Str(v, "x"));
  const auto y = Base64UrlDecode(Str(v, "y"));
  if (!x || !y) return "x and y must be base64url";
  if (x->size() != curve->coordinate_bytes || y->size() != curve->coordinate_bytes) {
    return "x and y must be " + std::to_string(curve->coordinate_bytes) + " bytes for " + jwk.crv;
  }
  std::string point;
  point.reserve(1 + x->size() + y->size());
  point.push_back('\x04');  // uncompressed SEC1 point
  point.append(*x).append(*y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      curve->openssl_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return "out of memory";
  }
  jwk.key = FromData("EC", builder.get(), true);
  if (!jwk.key) return "the point is not on " + jwk.crv;
  if (jwk.crv == "P-384") {
    jwk.p384 = MakeP384PublicKey(*x, *y);
    if (!jwk.p384) return "the point is not on P-384";  // OpenSSL agreed above; kept as a guard
  }
  jwk.type = KeyType::kEc;
  jwk.bits = curve->bits;
  return {};
}

std::string BuildRsa(const rapidjson::Value& v, Jwk& jwk) {
  const auto n = Base64UrlDecode(Str(v, "n"));
  const auto e = Base64UrlDecode(Str(v, "e"));
  if (!n || !e || n->empty() || e->empty()) return "n and e must be non-empty base64url";
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return "out of memory";
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits) return "RSA modulus of " + std::to_string(bits) + " bits (minimum 2048)";
  if (bits > kMaxRsaBits) return "RSA modulus of " + std::to_string(bits) + " bits (maximum 16384)";
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > 64) {
    return "RSA exponent must be odd and from 3 to 2^64";
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return "out of memory";
  }
  jwk.key = FromData("RSA", builder.get(), false);
  if (!jwk.key) return "OpenSSL refused the RSA key";
  jwk.type = KeyType::kRsa;
  jwk.bits = bits;
  return {};
}

}  // namespace

std::shared_ptr<const Jwk> JwkSet::Find(std::string_view kid) const {
  for (const auto& key : keys) {
    if (key->kid == kid) return key;
  }
  return nullptr;
}

Result<JwkSet> ParseJwkSet(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(json.data(),
                                                                                    json.size());
  if (doc.HasParseError()) {
    return Error{HookError::kMalformedJson, "", "the key set is not valid JSON", ""};
  }
  if (!doc.IsObject()) return Error{HookError::kWrongType, "", "a JWK Set must be an object", ""};
  const auto keys = doc.FindMember("keys");
  if (keys == doc.MemberEnd() || !keys->value.IsArray()) {
    return Error{HookError::kMissingField, "keys", "a JWK Set needs a \"keys\" array", ""};
  }
  JwkSet set;
  rapidjson::SizeType index = 0;
  for (const auto& v : keys->value.GetArray()) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    if (!v.IsObject()) {
      set.skipped.push_back(where + ": not an object");
      continue;
    }
    Jwk jwk;
    jwk.kid = std::string(Str(v, "kid"));
    jwk.alg = std::string(Str(v, "alg"));
    const std::string label = where + (jwk.kid.empty() ? "" : " (kid " + ForLog(jwk.kid, 80) + ")");
    const auto skip = [&](const std::string& why) { set.skipped.push_back(label + ": " + why); };
    if (jwk.kid.empty()) {
      skip("no kid (CDS Hooks keys are looked up by kid)");
      continue;
    }
    if (const auto use = v.FindMember("use");
        use != v.MemberEnd() &&
        (!use->value.IsString() || std::string_view(use->value.GetString()) != "sig")) {
      skip("use is not \"sig\"");
      continue;
    }
    if (const auto ops = v.FindMember("key_ops"); ops != v.MemberEnd()) {
      const bool verify = ops->value.IsArray() &&
                          std::any_of(ops->value.Begin(), ops->value.End(), [](const auto& op) {
                            return op.IsString() && std::string_view(op.GetString()) == "verify";
                          });
      if (!verify) {
        skip("key_ops does not include \"verify\"");
        continue;
      }
    }
    if (!jwk.alg.empty() && !ParseJwsAlgorithm(jwk.alg)) {
      skip("alg \"" + ForLog(jwk.alg, 20) + "\" is not an accepted signature algorithm");
      continue;
    }
    if (set.Find(jwk.kid)) {
      skip("duplicate kid (the first key with it is used)");
      continue;
    }
    const std::string_view kty = Str(v, "kty");
    std::string why;
    if (kty == "EC") {
      why = BuildEc(v, jwk);
    } else if (kty == "RSA") {
      why = BuildRsa(v, jwk);
    } else {
      why = "unsupported kty \"" + ForLog(kty, 20) + "\"";
    }
    if (!why.empty()) {
      skip(why);
      continue;
    }
    set.keys.push_back(std::make_shared<const Jwk>(std::move(jwk)));
  }
  ERR_clear_error();  // refused keys leave OpenSSL errors on this thread's queue
  return set;
}

bool KeyFits(const Jwk& key, JwsAlgorithm alg) {
  if (!key.alg.empty() && key.alg != ToString(alg)) return false;
  switch (alg) {
    case JwsAlgorithm::kES256:
      return key.type == KeyType::kEc && key.crv == "P-256";
    case JwsAlgorithm::kES384:
      return key.type == KeyType::kEc && key.crv == "P-384";
    case JwsAlgorithm::kES512:
      return key.type == KeyType::kEc && key.crv == "P-521";
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kPS384:
      return key.type == KeyType::kRsa && key.bits >= kMinRsaBits;
  }
  return false;
}

}  // namespace cds::hooks::auth
