// R13b ERTA-CRITICAL (clinical-rules.md §2): ertapenem for ESBL-E, and the patient is critically
// ill or albumin < 2.5 g/dL. Info.
//
// Fires, per live draft ertapenem order, when an active isolate (within the "isolate" lookback,
// default 30 days) is an Enterobacterales with ESBL detected (99596-9, Detected), and either:
//  - the patient is critically ill: an ICU encounter (snapshot IcuStatus) or an active septic
//    shock Condition (76571007 / R65.21). Decision: "critically ill" = ICU or septic shock, as
//    the brief defines it (sepsis without shock alone does not count); or
//  - the latest serum albumin (1751-7) within the "lab" lookback (default 7 days) is < 2.5 g/dL.
// ESBL results not linked to an isolate (no organism) are not used: ESBL-E needs the organism.
// Without ICU/shock and without a recent albumin the rule does not fire (it cannot tell);
// the finding is info, so no missing-data card is raised.
// Recommendation: meropenem 1 g IV q8h or imipenem-cilastatin 500 mg IV q6h for the initial doses
// (IDSA24 ESBL-E ✓); ertapenem may follow once the patient is stable.
// Superseded by R13 erta-nonfermenter on the same order.
// Codes: ESBL 99596-9 verified; albumin 1751-7 verified in §6 (UNVERIFIED in §3.2, §6 wins);
// meropenem 1 g SCD 1722939 and imipenem-cilastatin 500 mg 1726214 verified.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ErtaCriticalMeta();
[[nodiscard]] RuleOutcome EvaluateErtaCritical(const PatientSnapshot& snapshot,
                                               const RuleContext& context);
[[nodiscard]] Rule ErtaCriticalRule();

}  // namespace cds::engine::rules
