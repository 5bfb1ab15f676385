// Engine-level card severity, shared by the rule model and its configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cds::engine {

/// Engine-level card severity (cards/ maps it onto cds::cards::Indicator). Ordered:
/// kInfo < kWarning < kCritical, so std::max picks the more severe.
enum class Indicator : std::uint8_t { kInfo = 0, kWarning = 1, kCritical = 2 };
/// "info" | "warning" | "critical".
[[nodiscard]] std::string_view ToString(Indicator indicator) noexcept;
/// Inverse of ToString; nullopt for anything else (case-sensitive, as on the wire).
[[nodiscard]] std::optional<Indicator> ParseIndicator(std::string_view text) noexcept;

}  // namespace cds::engine
