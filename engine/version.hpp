// Version of the stewardship engine (rule catalogue + terminology loader), logged at start-up
// and reported by `--version`.
#pragma once

#include <string_view>

namespace cds::engine {

/// Semantic version of the engine module as built.
[[nodiscard]] std::string_view EngineVersion() noexcept;

}  // namespace cds::engine
