// R01 CRE-CARB-MONO (clinical-rules.md §2 with the §0 correction; IDSA24 CRE, ESCMID22):
// "CARB (not MEV/IMR) is the only Gram-negative-active agent, and there is an active CRE isolate
// where meropenem/imipenem is I/R or a carbapenemase is detected" -> critical. §0: fire only when
// meropenem or imipenem is non-susceptible, OR a carbapenemase is detected, OR the drug ordered
// is ertapenem. Exception: a carbapenemase-negative isolate with meropenem and imipenem MIC <= 1
// and ertapenem MIC >= 1 -> no critical (R01b instead).
// Recommendations by mechanism: KPC/unknown -> CZA 2.5 g q8h over 3 h, MEV 4 g q8h over 3 h,
// IMR 1.25 g q6h over 30 min; MBL -> CZA + aztreonam / cefiderocol (R06); OXA-48-like -> CZA,
// cefiderocol (R07). Supersedes R14 CARB-STEWARD and R11 EXT-INFUSION on the same order.
//
// Decisions where the catalogue is ambiguous:
//  - Draft orders in scope: plain carbapenems (class carbapenem: meropenem, imipenem-cilastatin,
//    ertapenem, doripenem); MEV and IMR are never in scope (they are CRE therapy).
//  - Isolates: the "isolate" lookback (default 30 days) on the collection time; CRE as defined in
//    regimen.hpp (an unidentified "Gram-negative rods" isolate counts only with a carbapenemase
//    Detected). The most recent qualifying isolate is the one reported (one finding per order).
//  - Monotherapy is judged over the whole regimen (regimen.hpp): the draft carbapenem is
//    "monotherapy" unless another Gram-negative-active agent in the drafts or active medications
//    is active in vitro against the same isolate (S/SDD, or expected from the mechanism for
//    untested newer agents). Other plain carbapenems never count as a second agent. Untested
//    agents do not count as active and are named in missing_data.
//  - The exception needs a carbapenemase test reported Not detected (see cre_erta_r_only.hpp);
//    without one an ertapenem order still fires R01.
// Codes: none relied on directly; the RxNorm codes of the proposed products are the verified ones
// of products.hpp / products_resistance.hpp (IMR has none: text only).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& CreCarbMonoMeta();
[[nodiscard]] RuleOutcome EvaluateCreCarbMono(const PatientSnapshot& snapshot,
                                              const RuleContext& context);
[[nodiscard]] Rule CreCarbMonoRule();

}  // namespace cds::engine::rules
