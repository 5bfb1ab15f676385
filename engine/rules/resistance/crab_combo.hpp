// R12 CRAB-COMBO (clinical-rules.md §2; ESCMID22: against polymyxin + meropenem (high certainty)
// and polymyxin + rifampin (moderate), two active drugs in severe CRAB; IDSA24 CRAB):
// "A. baumannii not susceptible to a carbapenem, and the regimen is any of: (a) polymyxin +
// meropenem/imipenem without a sulbactam agent; (b) polymyxin + rifampin -> critical; (c) one
// agent alone while Severe -> warning. Do NOT fire on sulbactam-durlobactam + imipenem/meropenem
// (the preferred regimen)." Suggest sulbactam-durlobactam 2 g q6h over 3 h + imipenem-cilastatin
// 500 mg q6h (or meropenem 2 g q8h); alternative ampicillin-sulbactam 9 g q8h over 4 h + >= 1 of
// polymyxin B, minocycline, tigecycline, cefiderocol.
//
// Decisions where the catalogue is ambiguous:
//  - CRAB: an A. baumannii complex isolate in the "isolate" lookback (default 30 days) with
//    meropenem or imipenem I/R/NS, or a carbapenemase (OXA-23/24/58-like, any) Detected on it.
//  - The regimen is the whole regimen (drafts + active medications, regimen.hpp). Carbapenem in
//    (a) = any product containing meropenem or imipenem (MEV and IMR included: vaborbactam and
//    relebactam add nothing against CRAB). Sulbactam agent = ampicillin-sulbactam or
//    sulbactam-durlobactam.
//  - Sulbactam-durlobactam together with meropenem or imipenem silences every branch.
//  - (c) counts distinct Gram-negative-active agents of the regimen, leaving out those the lab
//    reported not susceptible for the isolate (they add nothing; polymyxin "I" is the CLSI wild
//    type and counts). Untested agents DO count here (R12 asks how many agents, and CRAB panels
//    rarely test minocycline, tigecycline or sulbactam-durlobactam). A regimen of zero or one such
//    agent while Severe fires (c).
//  - The card goes on the first draft order that takes part in the problem (polymyxin,
//    carbapenem or rifampin for a/b; the single agent for c), else on the first draft
//    Gram-negative-active or rifampin order (the regimen it completes is still flawed). (a) and
//    (b) together give one finding naming both. Default indicator warning, escalated to critical
//    for (a)/(b).
//  - Not applicable: no draft Gram-negative-active or rifampin order, or no A. baumannii isolate
//    in the lookback.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& CrabComboMeta();
[[nodiscard]] RuleOutcome EvaluateCrabCombo(const PatientSnapshot& snapshot,
                                            const RuleContext& context);
[[nodiscard]] Rule CrabComboRule();

}  // namespace cds::engine::rules
