#include "engine/version.hpp"

namespace cds::engine {

std::string_view EngineVersion() noexcept { return "0.1.0"; }

}  // namespace cds::engine
