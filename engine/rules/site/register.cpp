#include "engine/rules/catalogue.hpp"
#include "engine/rules/site/erta_critical.hpp"
#include "engine/rules/site/erta_nonfermenter.hpp"
#include "engine/rules/site/imi_cns.hpp"
#include "engine/rules/site/imi_seizure.hpp"
#include "engine/rules/site/pmb_uti.hpp"
#include "engine/rules/site/tige_bsi.hpp"
#include "engine/rules/site/tige_hapvap.hpp"
#include "engine/rules/site/tige_uti.hpp"

namespace cds::engine::rules {

void AppendSiteRules(std::vector<Rule>& rules) {
  rules.push_back(TigeBsiRule());
  rules.push_back(TigeHapvapRule());
  rules.push_back(ImiCnsRule());
  rules.push_back(ImiSeizureRule());
  rules.push_back(ErtaNonfermenterRule());
  rules.push_back(ErtaCriticalRule());
  rules.push_back(TigeUtiRule());
  rules.push_back(PmbUtiRule());
}

}  // namespace cds::engine::rules
