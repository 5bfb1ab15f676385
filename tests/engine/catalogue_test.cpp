#include "engine/rules/catalogue.hpp"

#include <gtest/gtest.h>

#include <set>

#include "engine/rule_set.hpp"

namespace cds::engine::rules {
namespace {

TEST(CatalogueTest, IdsAreUniqueAndTheSetIsConsistent) {
  const std::vector<Rule> rules = StewardshipCatalogue();
  ASSERT_FALSE(rules.empty());
  std::set<std::string> ids;
  std::set<std::string> catalogue_ids;
  for (const Rule& r : rules) {
    EXPECT_TRUE(ids.insert(r.meta.id).second) << r.meta.id;
    EXPECT_TRUE(catalogue_ids.insert(r.meta.catalogue_id).second) << r.meta.catalogue_id;
    EXPECT_FALSE(r.meta.citation.url.empty()) << r.meta.id;
    EXPECT_TRUE(r.meta.citation.url.starts_with("https://")) << r.meta.id;
  }
  // Cross-references (supersedes, combines_with) resolve and have no cycles.
  const RuleSetOrErrors set = RuleSet::Create(StewardshipCatalogue());
  EXPECT_TRUE(set.rule_set.has_value());
  for (const ConfigError& e : set.errors) ADD_FAILURE() << e.ToString();
}

}  // namespace
}  // namespace cds::engine::rules
