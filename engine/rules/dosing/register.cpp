#include "engine/rules/catalogue.hpp"

namespace cds::engine::rules {

void AppendDosingRules(std::vector<Rule>& rules) {
  (void)rules;  // rules of this group are registered here as they land
}

}  // namespace cds::engine::rules
