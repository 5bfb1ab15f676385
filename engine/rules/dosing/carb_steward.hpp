// R14 CARB-STEWARD (clinical-rules.md §2): a carbapenem (CARB: meropenem, imipenem-cilastatin,
// ertapenem, doripenem; not MEV/IMR) for an isolate susceptible to a narrower agent -> info:
//  (a) Enterobacterales, ceftriaxone S and no ESBL -> ceftriaxone;
//  (b) ESBL-E pyelonephritis/cUTI that is TMP-SMX / ciprofloxacin / levofloxacin S -> that agent
//      (TMP-SMX 160 mg q12h per the catalogue);
//  (c) AmpC-risk organism (Enterobacter cloacae complex, Klebsiella aerogenes, Citrobacter
//      freundii: OrganismGroup::kAmpCHighRisk in organisms.json) with cefepime MIC <= 2 (IDSA
//      2024) -> cefepime 2 g q8h over 3 h.
// Never for ESBL-E outside the urinary tract (a carbapenem is preferred there).
// R01 CRE-CARB-MONO supersedes this rule for the same order (declared on R01).
//
// Decisions where the catalogue is ambiguous:
//  - The whole picture counts: every active Gram-negative isolate must allow the same narrower
//    agent (the intersection of the per-isolate options); one isolate without a narrower option
//    (P. aeruginosa, CRE, ESBL-E in blood...) keeps the rule silent.
//  - An isolate with any carbapenem I/R/NS or a carbapenemase detected never qualifies (R01).
//  - ESBL-E = ESBL detected (99596-9) or ceftriaxone I/R/NS (IDSA's operational definition (k)).
//  - "Urinary tract" for (b) = isolate from urine (specimen or 630-4 culture) AND an active UTI
//    condition AND no positive blood culture in the lookback (bacteremia is outside the urinary
//    tract for initial therapy). cUTI cannot be told from cystitis by code (§3.3): any UTI counts;
//    for cystitis the oral agents are preferred too.
//  - (c) needs a cefepime MIC (value <= 2 with no comparator, or "<=x"/"<x" with x <= 2), no
//    cefepime I/R/NS and no ESBL detected; the later "<= 8 if no ESBL gene" edition is not used.
//    Ceftriaxone S does not qualify an AmpC-risk organism for (a) (inducible AmpC).
//  - Doses: catalogue where given (TMP-SMX, cefepime); ceftriaxone 2 g q24h, ciprofloxacin 500 mg
//    PO q12h and levofloxacin 750 mg PO q24h are (k) (products_dosing.hpp).
// Codes: none UNVERIFIED relied on (ceftriaxone 1665046, cefepime 1665088 verified; oral agents
// text only).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& CarbStewardMeta();
[[nodiscard]] RuleOutcome EvaluateCarbSteward(const PatientSnapshot& snapshot,
                                              const RuleContext& context);
[[nodiscard]] Rule CarbStewardRule();

}  // namespace cds::engine::rules
