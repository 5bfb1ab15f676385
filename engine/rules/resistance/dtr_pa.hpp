// R18 DTR-PA (clinical-rules.md §2; IDSA24 DTR-P. aeruginosa): "P. aeruginosa non-susceptible to
// pip-tazo, ceftazidime, cefepime, aztreonam, meropenem, imipenem, ciprofloxacin and
// levofloxacin, and the order is not ceftolozane-tazobactam (C/T), CZA, IMR or cefiderocol. Also:
// a carbapenem for P. aeruginosa with imipenem/meropenem MIC >= 4." -> critical. Suggest C/T 3 g
// q8h over 3 h (1.5 g q8h over 1 h for cystitis); CZA 2.5 g q8h over 3 h; IMR 1.25 g q6h;
// cefiderocol as alternative.
//
// Decisions where the catalogue is ambiguous:
//  - How missing results count (DTR needs EVIDENCE of non-susceptibility): the isolate is DTR
//    when (1) none of the eight agents has an S/SDD result, and (2) non-susceptibility (I/R/NS) is
//    reported for piperacillin-tazobactam, for ceftazidime AND cefepime, for at least one of
//    meropenem/imipenem, and for at least one of ciprofloxacin/levofloxacin. Aztreonam and the
//    second carbapenem / fluoroquinolone may be untested (labs often omit them; the terminology
//    has no levofloxacin susceptibility code at all); each untested agent is named in
//    missing_data. Any S result among the eight means "not DTR".
//  - Orders in scope for part 1: any draft Gram-negative-active order that is not C/T, CZA, IMR
//    or cefiderocol (aztreonam-avibactam is not on the list, so it fires); it does not fire when
//    the regimen (drafts + active medications) already contains one of those four agents, because
//    the drafted agent is then an adjunct to a preferred backbone.
//  - Part 2: a draft plain carbapenem (meropenem, imipenem-cilastatin, doripenem, ertapenem) with
//    a meropenem or imipenem MIC >= 4 (certain: "4", ">=8"), or an I/R/NS interpretation for
//    them when no MIC is reported (CLSI P. aeruginosa I = 4). Fires even if the isolate is not
//    DTR. One finding per draft order (part 1 wording wins when both apply).
//  - The isolate: P. aeruginosa in the "isolate" lookback (default 30 days), most recent first.
//  - Not applicable: no draft Gram-negative-active order, or no P. aeruginosa isolate.
// Codes: C/T MIN 1597614 (verified); IMR text only.
#pragma once

#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

/// The DTR test above; `untested` receives the agents with no result (for missing_data).
[[nodiscard]] bool IsDifficultToTreat(const Isolate& isolate, std::vector<Agent>* untested);

[[nodiscard]] const RuleMeta& DtrPaMeta();
[[nodiscard]] RuleOutcome EvaluateDtrPa(const PatientSnapshot& snapshot,
                                        const RuleContext& context);
[[nodiscard]] Rule DtrPaRule();

}  // namespace cds::engine::rules
