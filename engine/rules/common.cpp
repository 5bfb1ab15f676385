#include "engine/rules/common.hpp"

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

Evidence DraftEvidence(const DraftOrder& d) {
  return Evidence{"MedicationRequest/" + d.request.id, "MedicationRequest.medication",
                  "Draft order: " + OrderText(d)};
}

}  // namespace cds::engine::rules
