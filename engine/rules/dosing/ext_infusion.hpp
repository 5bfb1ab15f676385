// R11 EXT-INFUSION (clinical-rules.md §2, §0): meropenem or imipenem infused over <= 1 h, and
// either Severe or the isolate's meropenem MIC at the top of the susceptible/intermediate range
// (Enterobacterales 1-2 mg/L; P. aeruginosa 2-8 mg/L) -> info (warning if Severe): meropenem
// 2 g q8h over 3 h; imipenem-cilastatin 500 mg q6h over 3 h (IDSA24 Table 1 ✓). A meropenem MIC
// > 8 mg/L -> the carbapenem is unreliable (ESCMID22 ✓): the card says so and points to the
// CRE / DTR-P. aeruginosa rules (R01 / R18, which supersede this one for the same order).
//
// Decisions where the catalogue is ambiguous:
//  - Drugs: meropenem and imipenem-cilastatin only (MEV and IMR have their own labelled infusion
//    times).
//  - Infusion time: timing.repeat.duration/durationUnit, else a time-based rateQuantity /
//    rateRatio (dosing_common.hpp). > 60 min = already extended: silent. When no infusion time
//    is stated and Dosage.text does not say "extended", "prolonged", "continuous", "over 3",
//    "over 4", "3 h", "3-h", "180 min" or "240 min", a standard 30-min infusion is assumed, the
//    finding carries a missing-data note, and the indicator stays info (no Severe escalation),
//    as clinical-rules.md §4.6 says ("treat a missing value as unknown and degrade R11 to info").
//  - MIC: the meropenem MIC (any method) of an active Enterobacterales or P. aeruginosa isolate,
//    for both drugs (the catalogue states the thresholds for meropenem). The highest one counts.
//    "<=x" is never "top of range"; ">=x"/">x" is read as at least x (>= 8 with ">" or x > 8 is
//    unreliable). Other organisms' MICs are ignored (Severe alone can still fire).
//  - Severe = PatientSnapshot::severity (sepsis/septic shock, positive blood culture, HAP/VAP,
//    ICU); each fact is named with its resource in the evidence.
// Codes: none UNVERIFIED relied on (meropenem SCD 1722939, imipenem-cilastatin SCD 1726214).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ExtInfusionMeta();
[[nodiscard]] RuleOutcome EvaluateExtInfusion(const PatientSnapshot& snapshot,
                                              const RuleContext& context);
[[nodiscard]] Rule ExtInfusionRule();

}  // namespace cds::engine::rules
