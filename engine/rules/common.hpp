// Helpers every rule group uses to name drugs and orders and to cite the draft order as
// evidence. One definition, so that all cards name a drug the same way.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// `value` with `decimals` decimals, trailing zeros and a trailing '.' removed (62 -> "62",
/// 2.40 -> "2.4"): exactly what formatting with snprintf(buffer, capacity, "%.<decimals>f")
/// and trimming gave (including its truncation to capacity - 1 characters), without printf's
/// cost (std::to_chars is exact and rounds as printf does).
[[nodiscard]] std::string FormatDecimal(double value, int decimals, std::size_t capacity);

/// A vector of `items`, moved in: a braced list `{a, b}` copies every element (its
/// std::initializer_list is const), which for recommendations means every string twice.
template <typename T, typename... Items>
[[nodiscard]] std::vector<T> MovedVector(Items&&... items) {
  std::vector<T> out;
  out.reserve(sizeof...(items));
  (out.push_back(std::forward<Items>(items)), ...);
  return out;
}

/// {"MedicationRequest/<id>", "MedicationRequest.medication", "Draft order: <text>"}.
[[nodiscard]] Evidence DraftEvidence(const DraftOrder& order);

}  // namespace cds::engine::rules
