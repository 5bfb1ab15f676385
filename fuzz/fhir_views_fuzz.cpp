// Fuzz target: JSON text → typed FHIR R4 views, as a single resource and as a Bundle, with and
// without a default time-zone offset.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fhir/json_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cds::fhir::ParseOptions options;
  auto resource = cds::fhir::ParseResource(text, "", options);
  auto bundle = cds::fhir::ParseBundle(text, "", options);
  options.default_utc_offset = std::chrono::minutes(-300);
  auto offset = cds::fhir::ParseResource(text, "", options);
  (void)resource;
  (void)bundle;
  (void)offset;
  return 0;
}
