// Helpers every rule group uses to name drugs and orders and to cite the draft order as
// evidence. One definition, so that all cards name a drug the same way.
#pragma once

#include <string>
#include <string_view>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

/// Statuses that mean an order or medication is not in effect: stopped, entered-in-error,
/// cancelled, completed, not-taken (MedicationStatement).
[[nodiscard]] bool IsInactiveStatus(std::string_view status) noexcept;

/// The drug's human name (MedicationClass::display, "divalproex sodium"), else the first
/// agent's stable id ("meropenem-vaborbactam"), else "medication".
[[nodiscard]] std::string AgentName(const MedicationClass& medication);

/// A concept as a person reads it: text, else the first display, else "system|code", else "".
[[nodiscard]] std::string ConceptText(const fhir::CodeableConcept& code);

/// The drug as ordered: concept text or display, else the reference display, else AgentName.
[[nodiscard]] std::string OrderText(const DraftOrder& order);

/// The finding's reference to a draft order (selected flag and display included).
[[nodiscard]] OrderRef Ref(const DraftOrder& order);

/// {"MedicationRequest/<id>", "MedicationRequest.medication", "Draft order: <text>"}.
[[nodiscard]] Evidence DraftEvidence(const DraftOrder& order);

}  // namespace cds::engine::rules
