// R13 ERTA-NONFERMENTER (clinical-rules.md §2): ertapenem, and the target organism is
// P. aeruginosa (52499004), Acinetobacter or Enterococcus, or the indication is HAP/VAP or
// neutropenic fever. Critical.
//
// Fires, per live draft ertapenem order (Invanz), when either:
//  - an active isolate (within the "isolate" lookback, default 30 days) is P. aeruginosa, any
//    Acinetobacter, or any Enterococcus. Decision: the snapshot cannot tell which organism an
//    order targets, so every active isolate counts (ertapenem covers none of these organisms,
//    so an active one is untreated whatever the order's intended target);
//  - an active HAP/VAP Condition (as in R04: HAP, VAP, or pneumonia + Y95) or a neutropenic fever
//    Condition (409089005 / D70* are UNVERIFIED in the terminology data and therefore only count
//    when the name confirms them: "neutropenic fever", "febrile neutropenia").
// Recommendation, per susceptibility (the lab's interpretation):
//  - for P. aeruginosa / Acinetobacter / the conditions: cefepime 2 g IV q8h over 3 h (not offered
//    when an isolate of these is not susceptible to cefepime, when an Acinetobacter has no
//    cefepime S result, or when an ESBL-producing isolate is active: cefepime is not an ESBL-E
//    agent), and meropenem 1 g IV q8h (not offered when an isolate is not susceptible to
//    meropenem); if neither remains, a text recommendation to choose by susceptibility;
//  - for Enterococcus: an enterococcal agent per susceptibility (ampicillin if susceptible,
//    otherwise vancomycin; (k), outside the catalogue text, because neither cefepime nor
//    meropenem is reliable against enterococci).
// Interplay: R13 supersedes R13b erta-critical (both ask to replace ertapenem; this card is the
// more severe and its meropenem option is what R13b asks for).
// Codes: 52499004 verified; Acinetobacter/Enterococcus by organism group (SNOMED verified in §3.3
// for A. baumannii, E. faecalis, E. faecium; other species by name). Cefepime 2 g SCD 1665088
// (§6 V); meropenem 1 g SCD 1722939 (§6 V).
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& ErtaNonfermenterMeta();
[[nodiscard]] RuleOutcome EvaluateErtaNonfermenter(const PatientSnapshot& snapshot,
                                                   const RuleContext& context);
[[nodiscard]] Rule ErtaNonfermenterRule();

}  // namespace cds::engine::rules
