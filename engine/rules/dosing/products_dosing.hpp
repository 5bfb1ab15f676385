// Regimens the dosing group recommends that engine/rules/products.hpp lacks. RxNorm codes only
// where clinical-rules.md §6 marks them verified (V):
//   - meropenem: the verified 1 g SCD 1722939 with the recommended dose (as products.hpp does for
//     2 g; the 500 mg SCD 1722934 is NF in §6);
//   - imipenem-cilastatin 500 mg: SCD 1726214 (V);
//   - ceftriaxone 2 g: SCD 1665046 (V, VSAC "Antibiotic Medications for URI"); cefepime 2 g: SCD
//     1665088 (V, same source). §6 gives the codes with their strengths but not the RxNorm name
//     strings; the displays follow the SCD naming pattern seen for the verified meropenem code.
//   - trimethoprim-sulfamethoxazole, ciprofloxacin, levofloxacin: no verified code, text only.
// Doses: catalogue (clinical-rules.md §2) where it gives one; the others are marked (k).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules::dosing {

/// Meropenem `dose_mg` IV every `interval_h` h over 30 min (R08: 500 mg q24h; R15: 1 g q8h (k)).
[[nodiscard]] ProposedMedication Meropenem(double dose_mg, double interval_h);
/// Imipenem-cilastatin 500 mg IV q6h over 3 h (R11, IDSA24 Table 1).
[[nodiscard]] ProposedMedication ImipenemExtendedInfusion();
/// Ceftriaxone 2 g IV q24h (R14a; dose (k)).
[[nodiscard]] ProposedMedication Ceftriaxone2g();
/// Cefepime 2 g IV q8h over 3 h (R14c, catalogue).
[[nodiscard]] ProposedMedication CefepimeExtendedInfusion();
/// Trimethoprim-sulfamethoxazole 160 mg (trimethoprim) PO q12h (R14b, catalogue). Text only.
[[nodiscard]] ProposedMedication TmpSmx();
/// Ciprofloxacin 500 mg PO q12h (R14b; dose (k)). Text only.
[[nodiscard]] ProposedMedication Ciprofloxacin();
/// Levofloxacin 750 mg PO q24h (R14b; dose (k)). Text only.
[[nodiscard]] ProposedMedication Levofloxacin();

}  // namespace cds::engine::rules::dosing
