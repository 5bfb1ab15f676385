// The stewardship rule catalogue (clinical-rules.md §2) as registered rules.
//
// Stable rule ids (cross-references in `supersedes` / `combines_with` use these):
//   R01 cre-carb-mono      R01b cre-erta-r-only   R02 cre-polymyxin    R03 tige-bsi
//   R04 tige-hapvap        R05 carb-vpa           R06 mbl-blbli        R07 oxa48-mev-imr
//   R08 imi-crcl15         R09 imi-cns            R09b imi-seizure     R10 renal-dose
//   R11 ext-infusion       R12 crab-combo         R13 erta-nonfermenter R13b erta-critical
//   R14 carb-steward       R15 imi-ganciclovir    R16 tige-uti         R17 pmb-uti
//   R18 dtr-pa             R19 duration
#pragma once

#include <vector>

#include "engine/rule.hpp"

namespace cds::engine::rules {

/// Every rule of the catalogue, in catalogue order.
[[nodiscard]] std::vector<Rule> StewardshipCatalogue();

/// Resistance and monotherapy: R01, R01b, R02, R06, R07, R12, R18 (engine/rules/resistance/).
void AppendResistanceRules(std::vector<Rule>& rules);
/// Tetracyclines, infection site and patient factors: R03, R04, R09, R09b, R13, R13b, R16, R17
/// (engine/rules/site/).
void AppendSiteRules(std::vector<Rule>& rules);
/// Dosing, interactions and stewardship: R08, R10, R11, R14, R15, R19 (engine/rules/dosing/).
void AppendDosingRules(std::vector<Rule>& rules);

}  // namespace cds::engine::rules
