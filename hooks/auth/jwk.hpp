// JSON Web Keys (RFC 7517/7518) → OpenSSL 3 public keys, built once per key set and shared by
// every verification (EVP_PKEY is reference-counted and safe for concurrent verifies). P-384
// keys also get a Nettle form, which verifies ES384 1.9x faster (hooks/auth/p384.hpp).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/auth/auth_result.hpp"
#include "hooks/auth/jws_algorithm.hpp"
#include "hooks/auth/p384.hpp"
#include "hooks/hook_error.hpp"

namespace cds::hooks::auth {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

enum class KeyType { kEc, kRsa };

/// One verification key.
struct Jwk {
  std::string kid;
  KeyType type = KeyType::kEc;
  std::string crv;  // EC: P-256, P-384 or P-521
  std::string alg;  // the JWK's own alg, when it names one (a token's alg must then equal it)
  int bits = 0;     // RSA modulus or EC field size in bits
  std::shared_ptr<EVP_PKEY> key;
  // P-384 only: the same point for Nettle, which VerifySignature uses for ES384 when set.
  std::shared_ptr<const P384PublicKey> p384;
};

/// A key set by kid. Keys that cannot be used for JWS verification (use other than sig,
/// key_ops without verify, unsupported kty or curve, RSA under 2048 bits, a point not on the
/// curve, no kid) are left out and listed in `skipped` ("keys[1] (kid ...): why") for the log.
struct JwkSet {
  std::vector<std::shared_ptr<const Jwk>> keys;
  std::vector<std::string> skipped;

  /// The key with this kid, or null.
  [[nodiscard]] std::shared_ptr<const Jwk> Find(std::string_view kid) const;
};

/// Parses a JWK Set document ({"keys": [...]}). Only a document that is not a JWK Set at all
/// is an error (path + message); unusable keys are skipped, so one odd key in an EHR's set does
/// not lock the EHR out.
[[nodiscard]] Result<JwkSet> ParseJwkSet(std::string_view json);

/// True when `key` can verify `alg` (kty, curve and size fit, and the JWK's alg, if any,
/// equals it).
[[nodiscard]] bool KeyFits(const Jwk& key, JwsAlgorithm alg);

}  // namespace cds::hooks::auth
