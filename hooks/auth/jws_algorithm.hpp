// The JWS algorithms this server can verify. `none` and the HMAC family (HS*) are not in the
// list at all: a token naming them is refused before any key is looked at.
#pragma once

#include <optional>
#include <string_view>

namespace cds::hooks::auth {

enum class JwsAlgorithm { kES256, kES384, kES512, kRS256, kRS384, kPS384 };

/// "ES384" → kES384; anything else (none, HS256, RS512, lower case...) → nullopt.
[[nodiscard]] std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) noexcept;
[[nodiscard]] std::string_view ToString(JwsAlgorithm alg) noexcept;

/// The CDS Hooks recommended pair, allowed for an issuer that names no algorithms.
inline constexpr JwsAlgorithm kDefaultAlgorithms[] = {JwsAlgorithm::kES384, JwsAlgorithm::kRS384};

}  // namespace cds::hooks::auth
