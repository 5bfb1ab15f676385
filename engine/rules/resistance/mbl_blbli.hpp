// R06 MBL-BLBLI (clinical-rules.md §2; IDSA24 CRE/MBL question): "CZA, MEV or IMR alone, and a
// metallo-beta-lactamase gene or protein is Detected (NDM, VIM or IMP)" -> critical.
// Recommendation: CZA 2.5 g q8h + aztreonam 2 g q8h, both over 3 h, given simultaneously
// (Y-site); or cefiderocol 2 g q8h over 3 h (q6h if CrCl >= 120); aztreonam-avibactam where
// available (2.67 g load, then 2 g q6h over 3 h).
//
// Decisions where the catalogue is ambiguous:
//  - "Alone": ceftazidime-avibactam is not alone when aztreonam (or aztreonam-avibactam) is in
//    the regimen (drafts + active medications): that IS the recommended regimen. MEV and IMR
//    are never rescued by aztreonam (no guideline support), so they fire regardless.
//  - The MBL may be on any organism (Enterobacterales, P. aeruginosa...) and may be an unlinked
//    rapid gene/immunoassay result (§4.4: "let R06/R07 fire on genes alone"), within the
//    "isolate" lookback (default 30 days).
//  - Not applicable: no draft CZA/MEV/IMR, or no carbapenemase result at all in the lookback.
// Codes: the verified product codes of products.hpp / products_resistance.hpp; aztreonam-avibactam
// has no verified code (text only).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& MblBlbliMeta();
[[nodiscard]] RuleOutcome EvaluateMblBlbli(const PatientSnapshot& snapshot,
                                           const RuleContext& context);
[[nodiscard]] Rule MblBlbliRule();

}  // namespace cds::engine::rules
