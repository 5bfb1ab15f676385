// R17 PMB-UTI (clinical-rules.md §2): "Polymyxin B for CRE or DTR-PA cystitis. info. Colistin is
// preferred for cystitis (converted to its active form in urine). IDSA24 (k) — UNVERIFIED
// wording." The card detail says that the wording is unverified.
//
// Fires, per live draft order of polymyxin B (systemic; the topical/ophthalmic polymyxin B
// combinations are other agents in the terminology), when all of:
//  - a CRE (site::CreFacts) or DTR-PA (site::DtrPaFacts) isolate from urine (urine specimen or
//    urine culture) collected within the "isolate" lookback (default 30 days);
//  - cystitis as R02 CRE-POLYMYXIN judges it (IsUncomplicatedCystitis: an active Condition with
//    ICD-10-CM N30.* or "cystitis" in its text/display, and no Condition suggesting an upper,
//    complicated or catheter-associated infection or bacteremia/sepsis);
//  - no bacteremia (site::FindBacteremia: no blood isolate in the lookback and no bacteremia /
//    sepsis condition): decision, a positive blood culture means the infection is not cystitis.
// Not applicable when there is no draft polymyxin B, or no isolate at all in the lookback.
// Recommendation: text only (colistimethate has no verified SCD code, §6): colistin (given as
// colistimethate) for cystitis, dosing through pharmacy.
// Interplay: R02 CRE-POLYMYXIN (warning) also fires on polymyxin B for CRE; the cards stay separate
// because the advice differs (R02: a newer beta-lactam agent; R17: if a polymyxin is used for
// cystitis, colistin rather than polymyxin B).
// Codes: N30.* (ICD-10-CM chapter, verified); no UNVERIFIED code relied on.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& PmbUtiMeta();
[[nodiscard]] RuleOutcome EvaluatePmbUti(const PatientSnapshot& snapshot,
                                         const RuleContext& context);
[[nodiscard]] Rule PmbUtiRule();

}  // namespace cds::engine::rules
