// R19 DURATION (clinical-rules.md §2, §0): the order's duration exceeds the target for the
// indication -> info: recommend a stop date or reassessment. Targets: uncomplicated Gram-negative
// bloodstream infection 7 d (Yahav19); HAP/VAP 7 d (ATS16, "7 days", not "at least 7"); cIAI about
// 4 d after adequate source control (STOP-IT, Sawyer NEJM 2015; no citation key in §1, named in
// the text); cUTI 5-7 d (7 used). IDSA24: durations should not differ because the organism is
// resistant (k).
//
// Decisions where the catalogue is ambiguous:
//  - Orders judged: draft systemic antibacterials (DrugClass::kAntibacterial, not topical-only or
//    with a non-systemic hint). The course length comes from the draft order itself
//    (DraftOrder::request; see dosing_common.hpp ReadCourseLength: boundsDuration, boundsPeriod,
//    count x interval, dispenseRequest.expectedSupplyDuration). Orders without one are skipped;
//    if none states one the outcome is NotApplicable.
//  - Indications: Gram-negative BSI = an active isolate from blood in the Gram-negative group
//    (a bacteremia Condition alone does not say which organism: no BSI target); HAP/VAP =
//    severity.hap_or_vap; cIAI = an intra-abdominal Condition; cUTI = a UTI Condition (cystitis
//    cannot be told apart by code; 7 d is the upper cUTI target, so cystitis is never
//    over-called). With several indications the LONGEST target applies.
//  - Not applicable (longer courses may be right): a meningitis/CNS condition, or a blood
//    isolate that is not Gram-negative (e.g. S. aureus bacteremia needs >= 14 d).
//  - "Complicated" BSI and source control cannot be read from the snapshot: the card says the
//    target applies if uncomplicated / after source control, and offers reassessment.
//  - Stop date = boundsPeriod.start (else authoredOn, else now) + target days.
// Codes: none (condition groups from the terminology).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& DurationMeta();
[[nodiscard]] RuleOutcome EvaluateDuration(const PatientSnapshot& snapshot,
                                           const RuleContext& context);
[[nodiscard]] Rule DurationRule();

}  // namespace cds::engine::rules
