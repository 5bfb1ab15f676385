#include "engine/rules/catalogue.hpp"
#include "engine/rules/dosing/carb_steward.hpp"
#include "engine/rules/dosing/duration.hpp"
#include "engine/rules/dosing/ext_infusion.hpp"
#include "engine/rules/dosing/imi_crcl15.hpp"
#include "engine/rules/dosing/imi_ganciclovir.hpp"
#include "engine/rules/dosing/renal_dose.hpp"

namespace cds::engine::rules {

// Dosing, interactions and stewardship rules; a rule is registered only once its tests pass.
void AppendDosingRules(std::vector<Rule>& rules) {
  rules.push_back(ImiCrcl15Rule());
  rules.push_back(ImiGanciclovirRule());
  rules.push_back(RenalDoseRule());
  rules.push_back(ExtInfusionRule());
  rules.push_back(CarbStewardRule());
  rules.push_back(DurationRule());
}

}  // namespace cds::engine::rules
