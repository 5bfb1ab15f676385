// R15 IMI-GANCICLOVIR (clinical-rules.md §2): imipenem together with active ganciclovir ->
// warning: avoid the combination (generalized seizures reported); use meropenem.
// Source: PRIMAXIN drug interactions (k; label section number UNVERIFIED, §5).
//
// Fires in both directions, like R05 (carb_vpa.cpp):
//  - a draft imipenem-containing order while the patient has an active ganciclovir or
//    valganciclovir (snapshot active medications) or another draft one (draft + draft: ONE
//    finding, on the imipenem order, naming the antiviral draft as second order);
//  - a draft ganciclovir/valganciclovir order while the patient has an active
//    imipenem-containing medication (and no imipenem draft).
// Decisions where the catalogue is ambiguous:
//  - "Imipenem" includes imipenem-cilastatin-relebactam (IMR): it contains imipenem-cilastatin
//    and its label carries the same ganciclovir warning (k). For IMR the suggestion is not
//    plain meropenem (that would drop relebactam's activity against KPC / DTR-P. aeruginosa):
//    the card asks for a non-imipenem agent active against the organism, text only.
//  - Valganciclovir (the oral prodrug of ganciclovir) counts as ganciclovir.
//  - The meropenem suggestion for imipenem-cilastatin is 1 g IV q8h over 30 min, the label's
//    usual adult dose (MERREM §2, (k)); the clinician adjusts for renal function (R10 checks).
// Codes: none UNVERIFIED relied on (classification by the terminology; meropenem SCD 1722939).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ImiGanciclovirMeta();
[[nodiscard]] RuleOutcome EvaluateImiGanciclovir(const PatientSnapshot& snapshot,
                                                 const RuleContext& context);
[[nodiscard]] Rule ImiGanciclovirRule();

}  // namespace cds::engine::rules
