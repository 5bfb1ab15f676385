// R10 RENAL-DOSE (clinical-rules.md §2 and its R10 table): the ordered dose is above the
// renal-adjusted label dose -> warning, showing the recomputed dose.
//
// Table encoded (dose per administration; CrCl in mL/min unless stated):
//   meropenem (k)        >50 usual | 26-50 usual q12h | 10-25 half usual q12h | <10 half q24h
//   imipenem-cilastatin  >=90 usual | 60-<90 500 mg q6h (400-500) | 30-<60 300 mg q6h or 500 mg
//                        q8h | 15-<30 200 mg q6h or 500 mg q12h | <15: R08, not judged here
//   ertapenem (k)        >30 usual | <=30 500 mg q24h
//   MEV (eGFR)           >=50 usual | 30-49 2 g q8h | 15-29 2 g q12h | <15 or dialysis 1 g q12h
//   CZA                  >50 usual | 31-50 1.25 g q8h | 16-30 0.94 g q12h | 6-15 0.94 g q24h |
//                        <=5 0.94 g q48h
//   IMR                  >=90 usual | 60-89 1 g | 30-59 0.75 g | 15-29 0.5 g, all q6h | <15: no
//                        band in the table, not judged
//   C/T                  >50 usual | 30-50 750 mg q8h (1.5 g q8h with HAP/VAP) | 15-29 375 mg
//                        q8h (750 mg with HAP/VAP) | dialysis 150 mg q8h (450 mg with HAP/VAP)
//                        maintenance | <15 without dialysis: not judged
//   cefiderocol          only the >=120 band (2 g q6h, the maximum) is verified; the lower bands
//                        are UNVERIFIED, so cefiderocol is never judged below 120 (the
//                        NotApplicable reason says so) and cannot exceed the top band.
// Decisions where the catalogue is ambiguous:
//  - Only reduced bands are judged: in the normal-function band the rule stays silent (a dose
//    above the usual one there is an indication question — meningitis, high-dose extended
//    infusion — not a renal one).
//  - An order is compatible with a band when some option of the band has dose >= the ordered
//    dose and interval <= the ordered interval (2 % tolerance for rounding, e.g. 0.935 g).
//  - Meropenem's "usual dose" is indication-dependent (500 mg, 1 g, 2 g): the band's maximum uses
//    2 g; the recomputed dose keeps the ordered dose (capped at 2 g) as the usual dose, e.g.
//    1 g q8h at CrCl 20 -> 500 mg q12h.
//  - Imipenem-cilastatin doses are the imipenem component; CZA, MEV, IMR and C/T doses are the
//    combined product amounts as labelled (2.5 g, 4 g, 1.25 g, 1.5 g).
//  - Renal function: CrCl = measured 2164-2, else the snapshot's Cockcroft-Gault (reported, else
//    computed); MEV uses the latest eGFR (any eGFR code; the label's MDRD basis is not enforced).
//    PatientSnapshot::dialysis selects the dialysis band of MEV and C/T.
//  - The dose is read from the draft order's Dosage (dosing_common.hpp); an unreadable dose,
//    missing renal function or an unverified band makes the order "not judged"; when no order
//    could be judged the outcome is NotApplicable with every reason.
//  - The proposed order keeps the product and route (IV) and the order's stated infusion time,
//    else the label's (meropenem, imipenem, ertapenem, IMR 30 min; C/T 1 h; CZA 2 h; MEV 3 h).
// Codes: SCD/MIN codes verified in §6 only (meropenem 1722939, imipenem 1726214, ertapenem
// 1734683, MEV 1945217, CZA 1603839, C/T 1597614); IMR text only.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& RenalDoseMeta();
[[nodiscard]] RuleOutcome EvaluateRenalDose(const PatientSnapshot& snapshot,
                                            const RuleContext& context);
[[nodiscard]] Rule RenalDoseRule();

}  // namespace cds::engine::rules
