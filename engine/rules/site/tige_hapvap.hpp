// R04 TIGE-HAPVAP (clinical-rules.md §2): tigecycline (or eravacycline) and a HAP/VAP Condition.
// Warning; critical if bacteremia too. A mission rule.
//
// Fires, per live draft order of tigecycline or eravacycline, when an active Condition is
// hospital-acquired pneumonia (425464007, names "HAP"/"hospital-acquired pneumonia") or
// ventilator-associated pneumonia (429271009, J95.851), or pneumonia (J12-J18) together with the
// nosocomial code Y95 (ICD-10-CM has no HAP code; Y95 is usually recorded as its own Condition,
// so the two may be on different Conditions).
//
// Combination with R03 TIGE-BSI (the catalogue's "critical if bacteremia too"): this rule
// declares combines_with {tige-bsi, critical}, so when both fire on the same order the clinician
// sees ONE card, this rule's finding, critical, with R03's evidence folded in (merged_rule_ids =
// {tige-bsi}). This rule is the winner because HAP/VAP + bacteremia is the label's worst case
// (VAP with baseline bacteremia: mortality 50% vs 7.7%). It also escalates to critical by itself
// when bacteremia (same definition and "blood-culture" lookback as R03) is present, and then
// names the blood culture / condition in its own evidence and problem, so the merged card reads
// correctly even if R03 is disabled.
//
// Same scope decisions as R03 (tigecycline/eravacycline only; omadacycline and minocycline are
// out). The indication is read from Conditions only (MedicationRequest.reasonCode is not
// classified by the snapshot).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& TigeHapvapMeta();
[[nodiscard]] RuleOutcome EvaluateTigeHapvap(const PatientSnapshot& snapshot,
                                             const RuleContext& context);
[[nodiscard]] Rule TigeHapvapRule();

}  // namespace cds::engine::rules
