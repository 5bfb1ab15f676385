// R02 CRE-POLYMYXIN (clinical-rules.md §2; IDSA24 (k): polymyxins not suggested for CRE;
// ESCMID22; TSUJI19): "Colistimethate/colistin or polymyxin B for a CRE isolate. critical if
// Severe and the polymyxin is the only in-vitro-active agent; warning otherwise (except colistin
// for cystitis as a last resort)." Suggest a BLBLI-new or cefiderocol per mechanism; if a
// polymyxin, aminoglycoside, tigecycline or fosfomycin must be used in severe CRE, >= 2
// in-vitro-active drugs.
//
// Decisions where the catalogue is ambiguous:
//  - Orders: systemic polymyxins only (colistin, colistimethate, polymyxin B); topical/ophthalmic
//    polymyxin combinations are not polymyxins in the terminology.
//  - CRE and the lookback as in regimen.hpp / R01. The most recent CRE isolate is reported.
//  - "Only in-vitro-active agent": no other Gram-negative-active agent of the whole regimen
//    (drafts + active medications; other polymyxins excluded) is active in vitro against the
//    isolate (S/SDD, or expected from the mechanism); untested agents do not count and are named
//    in missing_data. Severe = SeverityFacts::severe() (sepsis/septic shock, positive blood
//    culture, HAP/VAP, ICU). The rule's default indicator is warning, escalated to critical.
//  - Cystitis exception (conservative: the exception silences a warning, so it must be proven):
//    colistin or colistimethate only (polymyxin B is not renally excreted, see R17), the CRE
//    isolate is from urine, the patient is NOT Severe, an active Condition names cystitis
//    (ICD-10-CM N30.*, or "cystitis" in its text/display), and no active Condition suggests an
//    upper or complicated infection (ICD-10-CM N10-N12, N13.6, N15.1, T83.5*; "pyelonephritis",
//    "complicated", "catheter", "urosepsis", "renal abscess"; or a bacteremia/sepsis group).
//    A generic UTI code (N39.0, SNOMED 68566005) is ambiguous and does NOT count as cystitis:
//    the warning stays.
#pragma once

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

/// The cystitis test of the exception above (exposed for tests).
[[nodiscard]] bool IsUncomplicatedCystitis(const PatientSnapshot& snapshot);

[[nodiscard]] const RuleMeta& CrePolymyxinMeta();
[[nodiscard]] RuleOutcome EvaluateCrePolymyxin(const PatientSnapshot& snapshot,
                                               const RuleContext& context);
[[nodiscard]] Rule CrePolymyxinRule();

}  // namespace cds::engine::rules
