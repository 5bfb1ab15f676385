#include "engine/rules/catalogue.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "engine/rules/interactions/carb_vpa.hpp"

namespace cds::engine::rules {
namespace {

// "R09b" -> (9, "b"), so that R09 < R09b < R10.
std::pair<int, std::string> CatalogueOrder(const std::string& id) {
  int number = 0;
  const char* begin = id.empty() ? id.data() : id.data() + 1;
  const char* end = id.data() + id.size();
  const auto [rest, ec] = std::from_chars(begin, end, number);
  return {number, std::string(rest, end)};
}

}  // namespace

std::vector<Rule> StewardshipCatalogue() {
  std::vector<Rule> rules;
  rules.push_back(CarbVpaRule());
  AppendResistanceRules(rules);
  AppendSiteRules(rules);
  AppendDosingRules(rules);
  std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    return CatalogueOrder(a.meta.catalogue_id) < CatalogueOrder(b.meta.catalogue_id);
  });
  return rules;
}

}  // namespace cds::engine::rules
