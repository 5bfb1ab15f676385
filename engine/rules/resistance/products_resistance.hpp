// Regimens the resistance rules recommend that engine/rules/products.hpp lacks, and the
// mechanism-directed CRE recommendations shared by R01, R02 and R06/R07.
//
// RxNorm codes only where clinical-rules.md §6 marks them verified (V), with the display seen:
//   aztreonam: ingredient 1272 "Aztreonam" (the 2 g SCD 1664986 is verified but its RxNorm name
//     string was not seen, so the verified ingredient is used, as products.hpp does for CZA);
//   ceftolozane-tazobactam: MIN 1597614 "ceftolozane / tazobactam";
//   ampicillin-sulbactam: MIN 1009148 "ampicillin / sulbactam";
//   aztreonam-avibactam: no verified code of any kind -> text only.
#pragma once

#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules::resistance {

/// Aztreonam 2 g IV q8h over 3 h (with CZA for MBL producers, R06).
[[nodiscard]] ProposedMedication AztreonamExtendedInfusion();
/// Cefiderocol 2 g IV over 3 h: q6h when CrCl >= 120 mL/min, else q8h (R06).
[[nodiscard]] ProposedMedication CefiderocolForCrCl(const PatientSnapshot& s);
/// Ceftolozane-tazobactam 3 g IV q8h over 3 h (R18; non-cystitis dose).
[[nodiscard]] ProposedMedication CeftolozaneTazobactamHighDose();
/// Aztreonam-avibactam 2.67 g load then 2 g q6h over 3 h (text only; R06).
[[nodiscard]] ProposedMedication AztreonamAvibactam();
/// Ampicillin-sulbactam 9 g IV q8h over 4 h (9 g sulbactam/day; R12 alternative).
[[nodiscard]] ProposedMedication AmpicillinSulbactamHighDose();

/// The CRE regimen by mechanism (clinical-rules.md R01/R06/R07):
///  - an MBL (NDM/VIM/IMP) detected: CZA + aztreonam (both over 3 h, simultaneously), or
///    cefiderocol (R06);
///  - else OXA-48-like detected: CZA preferred, cefiderocol alternative (R07);
///  - else (KPC or mechanism unknown): CZA, or MEV, or IMR.
/// Every recommendation cancels the problem order.
[[nodiscard]] std::vector<Recommendation> CreRecommendations(const PatientSnapshot& s, bool mbl,
                                                             bool oxa48);

}  // namespace cds::engine::rules::resistance
