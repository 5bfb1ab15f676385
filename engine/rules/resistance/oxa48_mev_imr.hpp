// R07 OXA48-MEV-IMR (clinical-rules.md §2; IDSA24 (k)): "MEV or IMR and OXA-48-like Detected"
// -> warning. CZA preferred; cefiderocol the alternative (vaborbactam and relebactam do not
// inhibit OXA-48).
//
// Decisions where the catalogue is ambiguous:
//  - OXA-48 and OXA-48-like (gene or immunoassay) count, on any isolate in the "isolate"
//    lookback (default 30 days) or unlinked within it (§4.4, genes alone).
//  - When a metallo-beta-lactamase is ALSO detected, R07 stays silent: R06 (critical) owns that
//    case, and R07's advice (CZA) would be wrong for an MBL co-producer.
//  - Not applicable: no draft MEV/IMR, or no carbapenemase result in the lookback.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& Oxa48MevImrMeta();
[[nodiscard]] RuleOutcome EvaluateOxa48MevImr(const PatientSnapshot& snapshot,
                                              const RuleContext& context);
[[nodiscard]] Rule Oxa48MevImrRule();

}  // namespace cds::engine::rules
