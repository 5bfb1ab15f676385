// R05 CARB-VPA (clinical-rules.md §2, §0): any carbapenem, including the combination products
// meropenem-vaborbactam and imipenem-cilastatin-relebactam (CARB+), together with a valproate
// product (valproic acid, divalproex, valproate sodium). Critical.
//
// Fires, per draft order:
//  - a draft CARB+ order while the patient has an active valproate product (MedicationRequest
//    active/on-hold, MedicationStatement active, MedicationAdministration recent: the
//    snapshot's active medications) or another draft valproate order (draft + draft: ONE finding,
//    on the carbapenem order, naming the valproate draft as second order);
//  - a draft valproate order while the patient has an active CARB+ medication.
// Active medications whose status is stopped, entered-in-error, cancelled, completed or
// not-taken are ignored (defence in depth: the snapshot already filters them).
// Evidence: the orders/medications involved and the latest valproate level (LOINC 4086-5)
// within the "valproate-level" lookback (default 7 days); without one, a missing-data note.
// Not applicable when no draft order is a carbapenem or a valproate product.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& CarbVpaMeta();
[[nodiscard]] RuleOutcome EvaluateCarbVpa(const PatientSnapshot& snapshot,
                                          const RuleContext& context);
[[nodiscard]] Rule CarbVpaRule();

}  // namespace cds::engine::rules
