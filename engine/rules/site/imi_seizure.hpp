// R09b IMI-SEIZURE (clinical-rules.md §2): imipenem and epilepsy / seizure disorder, or CrCl < 30.
// Info.
//
// Fires, per live draft order containing imipenem (imipenem-cilastatin, and decision: also
// imipenem-cilastatin-relebactam, which carries the same imipenem seizure warning), when either:
//  - an active epilepsy / seizure-disorder Condition (G40.*, R56.9, 84757009, 128613002, names); or
//  - CrCl < 30 mL/min: measured (2164-2) within the "lab" lookback (default 7 days), else the
//    snapshot's Cockcroft-Gault value (reported 35591-7, or computed).
// Not applicable when no seizure condition is recorded and no CrCl is known (the renal half
// cannot be judged).
// Recommendation: meropenem (lower seizure propensity), dosed per the R10 meropenem table for the
// CrCl (1 g q8h when > 50 or unknown); or keep imipenem dosed for renal function (the R10
// imipenem-cilastatin / IMR bands; below 15 mL/min see R08).
// Interplay: R09 imi-cns combines with this rule (one card on the same order, R09's).
// Codes: 84757009, 128613002, G40.909 verified; R56.9 (k), matched with names.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ImiSeizureMeta();
[[nodiscard]] RuleOutcome EvaluateImiSeizure(const PatientSnapshot& snapshot,
                                             const RuleContext& context);
[[nodiscard]] Rule ImiSeizureRule();

}  // namespace cds::engine::rules
