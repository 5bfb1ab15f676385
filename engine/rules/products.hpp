// The regimens the catalogue recommends (clinical-rules.md §2, adult doses, normal renal
// function) as ProposedMedication values, with RxNorm codes only where clinical-rules.md §6
// marks them verified (V):
//   - the SCD when verified (meropenem 1 g 1722939, cefiderocol 1 g 2265706,
//     sulbactam-durlobactam 2665012, imipenem-cilastatin 500 mg 1726214);
//   - else the verified multi-ingredient (MIN) code (ceftazidime-avibactam 1603839,
//     meropenem-vaborbactam 1945217);
//   - else no coding, `text` only (imipenem-cilastatin-relebactam: no verified code of any
//     kind). Such orders cannot be applied by clients that require coding[0].code (the CDS Hooks
//     Sandbox); the card detail says so.
// Meropenem 2 g is ordered as the verified 1 g SCD with a 2 g dose (the 2 g vial code 2664894
// is verified but its RxNorm name string was not seen).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

/// Meropenem 2 g IV q8h over 3 h (IDSA24 Table 1; R01b, R09, R11).
[[nodiscard]] ProposedMedication MeropenemExtendedInfusion();
/// Ceftazidime-avibactam 2.5 g IV q8h over 3 h (R01, R06, R07, R18).
[[nodiscard]] ProposedMedication CeftazidimeAvibactam();
/// Meropenem-vaborbactam 4 g IV q8h over 3 h (R01).
[[nodiscard]] ProposedMedication MeropenemVaborbactam();
/// Imipenem-cilastatin-relebactam 1.25 g IV q6h over 30 min (R01, R18). No verified code.
[[nodiscard]] ProposedMedication ImipenemRelebactam();
/// Cefiderocol 2 g IV q8h over 3 h (R06, R18; 2 g q6h if CrCl >= 120 is the rule's job).
[[nodiscard]] ProposedMedication Cefiderocol();
/// Sulbactam-durlobactam 2 g (1 g + 1 g) IV q6h over 3 h (R12).
[[nodiscard]] ProposedMedication SulbactamDurlobactam();
/// Imipenem-cilastatin 500 mg IV q6h (R12 partner of sulbactam-durlobactam).
[[nodiscard]] ProposedMedication ImipenemCilastatin500();

}  // namespace cds::engine::rules
