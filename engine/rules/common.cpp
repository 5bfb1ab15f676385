#include "engine/rules/common.hpp"

#include <charconv>

namespace cds::engine::rules {

bool IsInactiveStatus(std::string_view status) noexcept {
  return status == "stopped" || status == "entered-in-error" || status == "cancelled" ||
         status == "completed" || status == "not-taken";
}

std::string AgentName(const MedicationClass& m) {
  if (!m.display.empty()) return m.display;
  return m.agents.empty() ? std::string("medication") : std::string(ToString(m.agents.front()));
}

std::string ConceptText(const fhir::CodeableConcept& cc) {
  if (!cc.text.empty()) return cc.text;
  for (const fhir::Coding& c : cc.coding) {
    if (!c.display.empty()) return c.display;
  }
  for (const fhir::Coding& c : cc.coding) {
    if (!c.code.empty()) return c.system + "|" + c.code;
  }
  return "";
}

std::string OrderText(const DraftOrder& d) {
  std::string text = ConceptText(d.request.medication.Code());
  if (text.empty()) text = d.request.medication.reference.display;
  if (text.empty()) text = AgentName(d.medication);
  return text;
}

OrderRef Ref(const DraftOrder& d) {
  return OrderRef{.resource_type = "MedicationRequest",
                  .id = d.request.id,
                  .selected = d.selected,
                  .draft = true,
                  .display = OrderText(d)};
}

std::string FormatDecimal(double value, int decimals, std::size_t capacity) {
  char buffer[400];  // the longest fixed-notation double: 309 digits, sign, point, decimals
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  std::size_t length = error == std::errc() ? static_cast<std::size_t>(end - buffer) : 0;
  if (capacity > 0 && length > capacity - 1) length = capacity - 1;  // snprintf truncation
  std::string s(buffer, length);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

Evidence DraftEvidence(const DraftOrder& d) {
  return Evidence{"MedicationRequest/" + d.request.id, "MedicationRequest.medication",
                  "Draft order: " + OrderText(d)};
}

}  // namespace cds::engine::rules
