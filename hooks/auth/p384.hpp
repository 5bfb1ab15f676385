// ES384 (ECDSA over P-384 with SHA-384) verification with GNU Nettle instead of OpenSSL.
//
// Why: CDS Hooks names ES384 first, so an EHR's every call usually carries an ES384 token, and
// its verification is most of an authenticated call's CPU. OpenSSL 3.0 (Debian 12) has no
// dedicated P-384 code (its fast paths are P-256's nistz256 and, with ec_nistp_64_gcc_128,
// P-224/256/521): it verifies with the generic Montgomery arithmetic, about 1,310 signatures
// per second per core here. Nettle's secp384r1 has its own modular reduction in assembly and a
// precomputed table for the generator: 2,476 per second (1.89x), measured in the same run
// (docs/performance.md). For P-256 and P-521, and RSA, OpenSSL is the faster and stays.
//
// The key is built once per JWK (the point must be on the curve; OpenSSL's public-key check
// has already passed by then) and is immutable, so concurrent verifies share it.
#pragma once

#include <memory>
#include <string_view>

namespace cds::hooks::auth {

/// A P-384 public key in Nettle's form. Opaque: only this module includes Nettle.
class P384PublicKey;

/// From the JWK's x and y (48 big-endian bytes each); null when either is not 48 bytes, a
/// coordinate is not below the field prime, or the point is not on the curve.
[[nodiscard]] std::shared_ptr<const P384PublicKey> MakeP384PublicKey(std::string_view x,
                                                                     std::string_view y);

/// Verifies a JWS ES384 signature (RFC 7518 §3.4: R || S, 48 bytes each, big-endian) over
/// `signing_input`. False for any other length and for R or S outside [1, n-1].
[[nodiscard]] bool VerifyEs384(const P384PublicKey& key, std::string_view signing_input,
                               std::string_view signature) noexcept;

}  // namespace cds::hooks::auth
