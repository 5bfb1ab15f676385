// Fuzz target: what an EHR (or anyone) puts in `Authorization: Bearer ...` and what a jku URL
// answers. The input is read three ways, as the Authenticator reads untrusted bytes:
//   - as a compact JWS: ParseJwt (split, base64url, header and claims JSON, types), then the
//     claim checks on what parses;
//   - as a JWK Set document: ParseJwkSet (JSON, kty/crv/size checks, EC points, RSA moduli);
//   - as a signature: VerifySignature with every key that parsed and fits an algorithm, so the
//     raw R||S to DER conversion and the RSA paths see arbitrary lengths and bytes;
//   - as an ES384 signature with a fixed P-384 key (a key set in the input cannot also be a
//     96-byte signature), verified by Nettle and by OpenSSL: the two must agree, or the target
//     traps (a differential check of hooks/auth/p384.cpp).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hooks/auth/jwk.hpp"
#include "hooks/auth/jws_algorithm.hpp"
#include "hooks/auth/jwt.hpp"

namespace {

namespace auth = cds::hooks::auth;

constexpr auth::JwsAlgorithm kAlgorithms[] = {
    auth::JwsAlgorithm::kES256, auth::JwsAlgorithm::kES384, auth::JwsAlgorithm::kES512,
    auth::JwsAlgorithm::kRS256, auth::JwsAlgorithm::kRS384, auth::JwsAlgorithm::kPS384};

// A P-384 key made for this target (its private half discarded); the seed corpus holds its
// ES384 signature of "e30.e30" (es384-signature-of-e30.e30), the malleable (r, n - s) of it
// and (n, s), so the replay test sees both verifiers accept and refuse.
constexpr const char* kP384KeySet =
    R"({"keys":[{"kty":"EC","crv":"P-384","kid":"fuzz-p384",)"
    R"("x":"CyJuIZertGkHAjZsg-mh2wyJxswNV7IiQSyDKk408JUWpSTOTxWuBFmxcNDHvbev",)"
    R"("y":"CY4T0Y_3IwzmzRJ0_A4T25nTF_Vi-8zmHBsGBEhF2_Nl-jID7cWpJ3bVC4803h1D"}]})";

struct P384Keys {
  auth::Jwk nettle;   // with its Nettle form: VerifySignature uses Nettle
  auth::Jwk openssl;  // the same key without it: OpenSSL verifies
};

const P384Keys& FixedP384Keys() {
  static const P384Keys keys = [] {
    auto set = auth::ParseJwkSet(kP384KeySet);
    if (!set || set.value().keys.size() != 1 || !set.value().keys[0]->p384) std::abort();
    P384Keys k{*set.value().keys[0], *set.value().keys[0]};
    k.openssl.p384.reset();
    return k;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto jwt = auth::ParseJwt(input, 16 * 1024);
  if (jwt) {
    (void)auth::CheckAudience(jwt.value().claims, "https://cds.example.org/cds-services/x");
    (void)auth::CheckTimes(jwt.value().claims,
                           std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000)),
                           auth::TimePolicy{});
  }

  auto jwks = auth::ParseJwkSet(input);
  if (jwks) {
    for (const auto& key : jwks.value().keys) {
      for (const auth::JwsAlgorithm alg : kAlgorithms) {
        if (!auth::KeyFits(*key, alg)) continue;
        (void)auth::VerifySignature(alg, *key, "e30.e30", input);
      }
    }
  }

  const P384Keys& p384 = FixedP384Keys();
  const bool by_nettle =
      auth::VerifySignature(auth::JwsAlgorithm::kES384, p384.nettle, "e30.e30", input);
  const bool by_openssl =
      auth::VerifySignature(auth::JwsAlgorithm::kES384, p384.openssl, "e30.e30", input);
  if (by_nettle != by_openssl) __builtin_trap();
  return 0;
}
