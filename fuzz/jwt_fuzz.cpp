// Fuzz target: what an EHR (or anyone) puts in `Authorization: Bearer ...` and what a jku URL
// answers. The input is read three ways, as the Authenticator reads untrusted bytes:
//   - as a compact JWS: ParseJwt (split, base64url, header and claims JSON, types), then the
//     claim checks on what parses;
//   - as a JWK Set document: ParseJwkSet (JSON, kty/crv/size checks, EC points, RSA moduli);
//   - as a signature: VerifySignature with every key that parsed and fits an algorithm, so the
//     raw R||S to DER conversion and the RSA paths see arbitrary lengths and bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
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
  return 0;
}
