#include <vector>

#include "engine/rules/catalogue.hpp"
#include "engine/rules/resistance/crab_combo.hpp"
#include "engine/rules/resistance/cre_carb_mono.hpp"
#include "engine/rules/resistance/cre_erta_r_only.hpp"
#include "engine/rules/resistance/cre_polymyxin.hpp"
#include "engine/rules/resistance/dtr_pa.hpp"
#include "engine/rules/resistance/mbl_blbli.hpp"
#include "engine/rules/resistance/oxa48_mev_imr.hpp"

namespace cds::engine::rules {

// Resistance and monotherapy rules; a rule is registered only once its tests pass.
void AppendResistanceRules(std::vector<Rule>& rules) {
  rules.push_back(CreCarbMonoRule());
  rules.push_back(CreErtaROnlyRule());
  rules.push_back(CrePolymyxinRule());
  rules.push_back(MblBlbliRule());
  rules.push_back(Oxa48MevImrRule());
  rules.push_back(CrabComboRule());
  rules.push_back(DtrPaRule());
}

}  // namespace cds::engine::rules
