// Regimens the `site` rules recommend that engine/rules/products.hpp lacks. RxNorm codes only
// where clinical-rules.md §6 marks them verified (V):
//   - cefepime 2 g: SCD 1665088 (§6 "1665093/1665088 cefepime 1 g/2 g", VSAC "Antibiotic
//     Medications for URI"); the RxNorm name string itself was not seen, the display follows the
//     RxNorm SCD naming pattern of the other verified SCDs.
//   - meropenem: the verified 1 g SCD 1722939 (as products.cpp does for 2 g doses).
// Doses: cefepime 2 g q8h over 3 h (R13 / R14, IDSA24 ✓); meropenem 1 g q8h (the 1-2 g range of
// the later IDSA edition ✓; R13b initial doses, R09b); meropenem 2 g q8h for meningitis (R09,
// MERREM), 40 mg/kg q8h (max 2 g) in children (MERREM pediatric meningitis), renally adjusted per
// the R10 meropenem table.
#pragma once

#include <optional>

#include "engine/rule.hpp"

namespace cds::engine::rules::site {

/// Cefepime 2 g IV q8h, each dose over 3 h.
[[nodiscard]] ProposedMedication Cefepime2gExtended();
/// Meropenem `dose_g` g IV every `period_h` h (standard 30-min infusion), e.g. 1 g q8h.
[[nodiscard]] ProposedMedication MeropenemDose(double dose_g, double period_h);
/// Meropenem for meningitis: 2 g q8h (adults), adjusted for CrCl per the R10 meropenem table
/// (>50 usual; 26-50 usual dose q12h; 10-25 half dose q12h; <10 half dose q24h).
[[nodiscard]] ProposedMedication MeropenemMeningitis(std::optional<double> crcl);
/// Meropenem 40 mg/kg IV q8h (maximum 2 g per dose) for pediatric meningitis.
[[nodiscard]] ProposedMedication MeropenemMeningitisPediatric();
/// Meropenem 1 g q8h adjusted for CrCl per the R10 table.
[[nodiscard]] ProposedMedication MeropenemRenal(std::optional<double> crcl);

}  // namespace cds::engine::rules::site
