// R09 IMI-CNS (clinical-rules.md §2): imipenem-cilastatin (or imipenem-cilastatin-relebactam)
// and meningitis / CNS infection. Warning; critical in pediatrics.
//
// Fires, per live draft order containing imipenem (Primaxin, Recarbrio), when either:
//  - an active meningitis / CNS infection Condition (G00-G09, 7180009, 95883001, names such as
//    "meningitis", "ventriculitis", "brain abscess"); or
//  - an organism isolated from CSF within the "isolate" lookback (default 30 days) (the
//    catalogue lists the CSF culture as data needed).
// Pediatric escalation: critical when the age in completed years is < 18. Unknown age: warning,
// with a missing-data note.
// Recommendation: meropenem 2 g IV q8h (adults; renally adjusted per the R10 meropenem table when
// a CrCl within the "lab" lookback is <= 50 mL/min), or 40 mg/kg q8h, maximum 2 g per dose, in
// children (MERREM pediatric meningitis dose, (k)).
// Interplay: R09 combines_with R09b imi-seizure at warning: when both fire on the same order the
// clinician sees ONE card (this one, at its own level), with R09b's seizure / CrCl evidence folded
// in. Combination rather than supersession, so that the seizure-risk facts stay on the card.
// Codes: 7180009, 95883001, G00.9, G03.9 verified (§6); G00-G09 family by prefix (k for the other
// members; names confirm). Meropenem 1 g SCD 1722939 verified.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ImiCnsMeta();
[[nodiscard]] RuleOutcome EvaluateImiCns(const PatientSnapshot& snapshot,
                                         const RuleContext& context);
[[nodiscard]] Rule ImiCnsRule();

}  // namespace cds::engine::rules
