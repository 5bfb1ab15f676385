// Fuzz target: prefetch templates and the context values substituted into them. A template
// comes from our own discovery document, but the values come from the EHR's request (userId,
// patientId, encounterId), so both sides are fuzzed: the input is split at its first two NUL
// bytes into template | patientId | userId (missing parts are empty). Checks what must hold for
// every rendered URL: no raw space, control byte, '#' or non-ASCII byte, and a substituted id
// can never add a path segment or a query (tested by rendering the value alone).
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hooks/prefetch_template.hpp"

namespace {

std::string_view NextPart(std::string_view& rest) {
  const std::size_t nul = rest.find('\0');
  const std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view templ = NextPart(rest);
  const std::string_view patient = NextPart(rest);
  const std::string_view user = NextPart(rest);

  cds::hooks::TemplateContext context;
  context.patient_id = patient;
  context.user_id = user;
  context.encounter_id = rest;
  context.today = std::chrono::year(2026) / 11 / 21;

  const cds::hooks::RenderedTemplate rendered = cds::hooks::RenderPrefetchTemplate(templ, context);
  if (rendered.ok()) {
    for (const unsigned char c : rendered.relative_url) {
      Require(c > 0x20 && c < 0x7f && c != '#');
    }
  }
  (void)cds::hooks::CheckDiscoveryTemplate(templ);
  (void)cds::hooks::IsReadTemplate(templ);

  // A patient id substituted alone adds no '/', '?', '&' or '#'.
  const cds::hooks::RenderedTemplate id_only =
      cds::hooks::RenderPrefetchTemplate("Patient/{{context.patientId}}", context);
  if (id_only.ok()) {
    const std::string_view id = std::string_view(id_only.relative_url).substr(8);
    Require(id.find_first_of("/?&#") == std::string_view::npos);
  }
  // PercentEncode leaves only unreserved characters and "%XX" escapes.
  const std::string encoded = cds::hooks::PercentEncode(templ);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      Require(i + 2 < encoded.size());
      Require(std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) &&
              std::isxdigit(static_cast<unsigned char>(encoded[i + 2])));
      i += 2;
    } else {
      Require(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
              c == '~');
    }
  }
  return 0;
}
