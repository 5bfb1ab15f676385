// R03 TIGE-BSI (clinical-rules.md §2): tigecycline (or eravacycline) and bacteremia. Warning;
// critical if HAP/VAP too (R04). A mission rule.
//
// Fires, per live draft order of tigecycline or eravacycline (Tygacil, Xerava), when either:
//  - a positive blood culture: an isolate from blood (a 600-7 organism result, or an organism
//    Observation whose specimen is blood) collected within the "blood-culture" lookback
//    (default 30 days, configurable; note that the snapshot keeps isolates of its own isolate
//    window only, 30 days by default, so a longer rule window cannot see further back); or
//  - an active bacteremia, sepsis or septic-shock Condition.
// A negative blood culture ("no growth") is not an isolate and never fires the rule.
//
// Decisions where the catalogue is ambiguous:
//  - Only tigecycline and eravacycline. Minocycline, doxycycline and omadacycline are NOT in
//    scope: the catalogue names only these two; omadacycline (a tetracycline-class agent with
//    similarly low serum levels, approved for CABP/ABSSSI) is left out deliberately and would need
//    a catalogue change. A draft omadacycline / minocycline makes the rule not applicable.
//  - "Critical if also R04": implemented twice, so that it holds whatever the configuration:
//    (1) R04 tige-hapvap declares combines_with {tige-bsi, critical}: when both fire on one order
//    the card is ONE finding (R04's, R03 in merged_rule_ids) and critical; (2) each rule also
//    escalates to critical by itself when the other's condition holds (R03: a HAP/VAP condition,
//    as defined by R04), so disabling one of them never loses the critical level.
//  - Evidence names every positive blood culture (organism, specimen, date) and condition used.
//  - The recommendation is organism-directed: no single product is proposed (that depends on the
//    organism and susceptibility); the card lists the agents the blood isolate is susceptible to.
// Codes: 600-7 (verified), bacteremia 5758002 / R78.81, sepsis 91302008 / A41*, R65.20, septic
// shock 76571007 / R65.21 (all verified in §6; matched through the terminology data with names
// as well). No UNVERIFIED code is relied on alone.
#pragma once

#include "engine/rule.hpp"

namespace cds::engine::rules {

[[nodiscard]] const RuleMeta& TigeBsiMeta();
[[nodiscard]] RuleOutcome EvaluateTigeBsi(const PatientSnapshot& snapshot,
                                          const RuleContext& context);
[[nodiscard]] Rule TigeBsiRule();

}  // namespace cds::engine::rules
