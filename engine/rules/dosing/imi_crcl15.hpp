// R08 IMI-CRCL15 (clinical-rules.md §2): imipenem-cilastatin and CrCl < 15 mL/min (measured
// 2164-2, Cockcroft-Gault 35591-7, or computed) and no dialysis -> critical: do not give unless
// hemodialysis starts within 48 h; consider meropenem 500 mg q24h (the CrCl < 10 level) or
// another agent. Source: PRIMAXIN dosing (✓).
//
// Decisions where the catalogue is ambiguous:
//  - Drug: imipenem-cilastatin only (Agent::kImipenemCilastatin). Imipenem-relebactam is not
//    covered: the catalogue names Primaxin and gives no IMR band below 15 (R10 says so).
//  - CrCl: a measured 24-h clearance wins over the Cockcroft-Gault estimate (reported, else
//    computed by the snapshot); see dosing::CreatinineClearance. Missing -> NotApplicable.
//  - Dialysis: PatientSnapshot::dialysis (Z99.2 / 105502003). ESRD alone (N18.6 / 46177005)
//    without a dialysis code does NOT silence the rule ("N18.6 with dialysis"). "Hemodialysis
//    planned within 48 h" is not in the record: the card's second option says so.
//  - Draft orders with an inactive status are skipped.
// Codes: none UNVERIFIED relied on (the meropenem suggestion uses the verified SCD 1722939).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ImiCrcl15Meta();
[[nodiscard]] RuleOutcome EvaluateImiCrcl15(const PatientSnapshot& snapshot,
                                            const RuleContext& context);
[[nodiscard]] Rule ImiCrcl15Rule();

}  // namespace cds::engine::rules
