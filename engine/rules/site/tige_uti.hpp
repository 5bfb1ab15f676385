// R16 TIGE-UTI (clinical-rules.md §2): tigecycline or eravacycline for a UTI indication. Warning.
//
// Fires, per live draft order of tigecycline or eravacycline, when either:
//  - an active UTI Condition (68566005, 431309003, 422747000, N39.0, N10, N30.0*, T83.51*, or the
//    names "UTI", "pyelonephritis", "cystitis"...); or
//  - a positive urine culture (630-4, or an organism from a urine specimen) within the "isolate"
//    lookback (default 30 days) is the target: decision, since the snapshot cannot tell the
//    target of an order, a urine isolate counts as the target only when every active isolate is
//    from urine (a wound or blood isolate next to it leaves the urine culture to the Condition
//    test, so that a tigecycline order for a skin infection in a patient with asymptomatic
//    bacteriuria and a wound culture stays silent).
// Recommendation: an aminoglycoside or a BLBLI-new (CZA, MEV, IMR) per susceptibility, with the
// doses of clinical-rules.md §0/§2; the urine isolate's susceptible agents among these are named.
// No product is proposed (the choice depends on susceptibility and on cystitis vs cUTI).
// Interplay: R03 TIGE-BSI may fire on the same order (urosepsis); they stay separate cards
// because the problems (bacteremia vs urinary site) and the advice differ.
// Codes: 630-4 verified; UTI codes per §3.3/§6 (verified), no UNVERIFIED code relied on alone.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& TigeUtiMeta();
[[nodiscard]] RuleOutcome EvaluateTigeUti(const PatientSnapshot& snapshot,
                                          const RuleContext& context);
[[nodiscard]] Rule TigeUtiRule();

}  // namespace cds::engine::rules
