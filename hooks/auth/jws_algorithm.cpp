#include "hooks/auth/jws_algorithm.hpp"

namespace cds::hooks::auth {

std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) noexcept {
  if (name == "ES256") return JwsAlgorithm::kES256;
  if (name == "ES384") return JwsAlgorithm::kES384;
  if (name == "ES512") return JwsAlgorithm::kES512;
  if (name == "RS256") return JwsAlgorithm::kRS256;
  if (name == "RS384") return JwsAlgorithm::kRS384;
  if (name == "PS384") return JwsAlgorithm::kPS384;
  return std::nullopt;
}

std::string_view ToString(JwsAlgorithm alg) noexcept {
  switch (alg) {
    case JwsAlgorithm::kES256:
      return "ES256";
    case JwsAlgorithm::kES384:
      return "ES384";
    case JwsAlgorithm::kES512:
      return "ES512";
    case JwsAlgorithm::kRS256:
      return "RS256";
    case JwsAlgorithm::kRS384:
      return "RS384";
    case JwsAlgorithm::kPS384:
      return "PS384";
  }
  return "?";
}

}  // namespace cds::hooks::auth
