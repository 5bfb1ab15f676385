// R01b CRE-ERTA-R-ONLY (clinical-rules.md §2 and §0, IDSA24 CRE): "Phenotype from the R01
// exception [a carbapenemase-negative isolate with meropenem and imipenem MIC <= 1 and ertapenem
// MIC >= 1], and the order is ertapenem or a standard 30-min meropenem infusion -> warning.
// Meropenem 2 g q8h over 3 h. Never ertapenem." R01b supersedes nothing.
//
// Decisions where the catalogue is ambiguous:
//  - The phenotype (ErtapenemOnlyPhenotype): an identified Enterobacterales isolate in the
//    "isolate" lookback (default 30 days); no carbapenemase Detected; meropenem not I/R/NS and
//    its MIC certainly <= 1 (a "<=1" or lower value; no MIC = no phenotype); imipenem not I/R/NS
//    and, when an imipenem MIC is reported, <= 1 (labs often omit imipenem: then meropenem alone
//    decides and the finding notes it); ertapenem I/R/NS or MIC >= 1.
//  - "Carbapenemase-negative": for an ERTAPENEM order the R01 exception (no critical) requires a
//    carbapenemase test reported Not detected; without one R01 fires critical instead and R01b
//    stays silent (the two never fire on the same order). For a MEROPENEM order R01 cannot fire
//    on this phenotype (§0: meropenem/imipenem susceptible, no carbapenemase detected), so R01b
//    fires with a missing-data note asking for carbapenemase testing.
//  - "Standard infusion": a meropenem order is extended when a dosageInstruction states
//    timing.repeat.duration >= 3 h (IDSA24 Table 1 extended infusion). Anything shorter, or no
//    stated duration (often only in free text), counts as standard; an unstated duration is noted
//    in missing_data. rateQuantity is not used (it needs the volume). Imipenem orders are not in
//    scope of R01b (R11 EXT-INFUSION covers them).
// Codes: none relied on directly (agents and mechanisms come from the terminology).
#pragma once

#include <string>
#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

/// The R01 exception phenotype of one isolate.
struct ErtapenemOnly {
  bool phenotype = false;                      ///< Every criterion except the test below.
  bool carbapenemase_tested_negative = false;  ///< A carbapenemase test reported Not detected.
  bool imipenem_mic_reported = false;
};
[[nodiscard]] ErtapenemOnly ErtapenemOnlyPhenotype(const Isolate& isolate);

[[nodiscard]] const RuleMeta& CreErtaROnlyMeta();
[[nodiscard]] RuleOutcome EvaluateCreErtaROnly(const PatientSnapshot& snapshot,
                                               const RuleContext& context);
[[nodiscard]] Rule CreErtaROnlyRule();

}  // namespace cds::engine::rules
