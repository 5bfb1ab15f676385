#include "engine/rule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/rule_config.hpp"
#include "engine/rule_set.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

RuleMeta Meta(std::string id, std::string cat, Indicator indicator) {
  RuleMeta m;
  m.id = std::move(id);
  m.catalogue_id = std::move(cat);
  m.title = "Title of " + m.id;
  m.version = "1.0.0";
  m.citation = {"IDSA24", "IDSA", "https://example.org/idsa"};
  m.default_indicator = indicator;
  m.lookbacks = {{"isolate", std::chrono::days(30)}};
  return m;
}

FindingSpec Spec(std::string order_id, std::string evidence = "e") {
  FindingSpec spec;
  spec.orders.push_back(OrderRef{.resource_type = "MedicationRequest",
                                 .id = std::move(order_id),
                                 .selected = true,
                                 .draft = true,
                                 .display = "meropenem"});
  spec.problem = Problem{.drug = "meropenem", .problem = "p", .organism = "", .result = ""};
  spec.evidence.push_back(Evidence{"Observation/" + evidence, "Observation.value", evidence});
  return spec;
}

// A trivial rule: not applicable without draft orders; fires once per draft order.
Rule FiresPerDraft(RuleMeta meta, std::optional<Indicator> escalation = std::nullopt) {
  return Rule{meta, [meta, escalation](const PatientSnapshot& s, const RuleContext& ctx) {
                if (s.draft_orders.empty()) return RuleOutcome::NotApplicable("no draft orders");
                std::vector<Finding> out;
                for (const DraftOrder& d : s.draft_orders) {
                  FindingSpec spec = Spec(d.request.id, meta.id);
                  spec.escalation = escalation;
                  out.push_back(MakeFinding(meta, ctx, std::move(spec)));
                }
                return RuleOutcome::Fired(std::move(out));
              }};
}

PatientSnapshot SnapshotWithDrafts(std::vector<std::string> ids) {
  PatientSnapshot s;
  s.now = std::chrono::sys_seconds{std::chrono::days(20000)};
  for (std::string& id : ids) {
    DraftOrder d;
    d.request.id = std::move(id);
    d.request.status = "draft";
    s.draft_orders.push_back(std::move(d));
  }
  return s;
}

RuleSet MustCreate(std::vector<Rule> rules, const RuleSetConfig& config = {}) {
  RuleSetOrErrors r = RuleSet::Create(std::move(rules), config);
  EXPECT_THAT(r.errors, IsEmpty());
  return std::move(*r.rule_set);
}

TEST(IndicatorTest, RoundTripsAndRejectsOthers) {
  for (Indicator i : {Indicator::kInfo, Indicator::kWarning, Indicator::kCritical}) {
    EXPECT_EQ(ParseIndicator(ToString(i)), i);
  }
  EXPECT_EQ(ParseIndicator("Critical"), std::nullopt);
  EXPECT_EQ(ParseIndicator(""), std::nullopt);
}

TEST(MakeFindingTest, UsesDefaultIndicatorAndMarksOnlyFirstRecommendation) {
  const RuleMeta meta = Meta("a", "R90", Indicator::kWarning);
  FindingSpec spec = Spec("o1");
  spec.evidence.push_back(spec.evidence.front());  // duplicate is removed
  Recommendation x;
  x.label = "x";
  Recommendation y;
  y.label = "y";
  y.recommended = true;
  spec.recommendations = {x, y};
  const Finding f = MakeFinding(meta, RuleContext{}, std::move(spec));
  EXPECT_EQ(f.meta, meta);
  EXPECT_EQ(f.indicator, Indicator::kWarning);
  EXPECT_EQ(f.evidence.size(), 1u);
  ASSERT_EQ(f.recommendations.size(), 2u);
  EXPECT_TRUE(f.recommendations[0].recommended);
  EXPECT_FALSE(f.recommendations[1].recommended);
  EXPECT_EQ(f.primary_order().Reference(), "MedicationRequest/o1");
}

TEST(MakeFindingTest, ConfigOverrideAndEscalation) {
  const RuleMeta meta = Meta("a", "R90", Indicator::kWarning);
  RuleConfig config = DefaultRuleConfig(meta);
  config.indicator = Indicator::kInfo;
  FindingSpec spec = Spec("o1");
  EXPECT_EQ(MakeFinding(meta, RuleContext{.config = &config}, spec).indicator, Indicator::kInfo);
  spec.escalation = Indicator::kCritical;
  EXPECT_EQ(MakeFinding(meta, RuleContext{.config = &config}, spec).indicator,
            Indicator::kCritical);
  config.allow_escalation = false;
  EXPECT_EQ(MakeFinding(meta, RuleContext{.config = &config}, spec).indicator, Indicator::kInfo);
  // An escalation never lowers.
  config = DefaultRuleConfig(meta);
  spec.escalation = Indicator::kInfo;
  EXPECT_EQ(MakeFinding(meta, RuleContext{.config = &config}, spec).indicator, Indicator::kWarning);
}

TEST(MakeFindingTest, FillsPlaceholdersInsteadOfBuildingInvalidFindings) {
  const RuleMeta meta = Meta("a", "R90", Indicator::kWarning);
  const Finding f = MakeFinding(meta, RuleContext{}, FindingSpec{});
  EXPECT_EQ(f.primary_order().id, "unknown");
  EXPECT_EQ(f.problem.drug, "Order");
  EXPECT_EQ(f.problem.problem, meta.title);
}

TEST(RuleOutcomeTest, Kinds) {
  EXPECT_EQ(RuleOutcome::NotFired().kind(), RuleOutcome::Kind::kNotFired);
  EXPECT_EQ(RuleOutcome::Fired({}).kind(), RuleOutcome::Kind::kNotFired);
  const RuleOutcome na = RuleOutcome::NotApplicable("no CrCl");
  EXPECT_EQ(na.kind(), RuleOutcome::Kind::kNotApplicable);
  EXPECT_EQ(na.reason(), "no CrCl");
  EXPECT_EQ(ToString(na.kind()), "not-applicable");
}

TEST(RuleConfigTest, ResolvesByIdOrCatalogueIdAndLooksBack) {
  const RuleMeta meta = Meta("a", "R90", Indicator::kWarning);
  RuleSetConfig config;
  config.rules["R90"].indicator = Indicator::kCritical;
  config.rules["R90"].lookbacks["isolate"] = std::chrono::days(10);
  const RuleConfig resolved = ResolveRuleConfig(meta, config);
  EXPECT_TRUE(resolved.enabled);
  EXPECT_EQ(resolved.indicator, Indicator::kCritical);
  const RuleContext ctx{.config = &resolved};
  EXPECT_EQ(ctx.Lookback(meta, "isolate", std::chrono::days(1)), std::chrono::days(10));
  EXPECT_EQ(ctx.Lookback(meta, "other", std::chrono::days(1)), std::chrono::days(1));
  EXPECT_EQ(RuleContext{}.Lookback(meta, "isolate", std::chrono::days(1)), std::chrono::days(30));
}

TEST(RuleConfigTest, ValidationReportsEveryProblem) {
  std::vector<Rule> rules = {FiresPerDraft(Meta("a", "R90", Indicator::kWarning))};
  RuleSetConfig config;
  config.rules["R99"].enabled = false;
  config.rules["a"].lookbacks["isolate"] = std::chrono::seconds(0);
  config.rules["R90"].lookbacks["blood"] = std::chrono::days(1);
  EXPECT_THAT(ValidateRuleSetConfig(config, rules),
              ElementsAre(ConfigError{"R90", "lookback 'blood' is not used by this rule"},
                          ConfigError{"R99", "unknown rule"},
                          ConfigError{"a",
                                      "rule 'a' is configured under both its id and "
                                      "catalogue id"},
                          ConfigError{"a", "lookback 'isolate' must be > 0 and at most 400 days"}));
  EXPECT_EQ(ConfigError({"R99", "unknown rule"}).ToString(), "R99: unknown rule");
}

TEST(RuleSetTest, CreateRejectsBadRuleSets) {
  RuleMeta a = Meta("a", "R90", Indicator::kWarning);
  RuleMeta b = Meta("b", "R91", Indicator::kWarning);
  a.supersedes = {"b"};
  b.supersedes = {"a"};
  RuleMeta dup = Meta("a", "R92", Indicator::kInfo);
  RuleMeta c = Meta("c", "R93", Indicator::kInfo);
  c.combines_with = {{"zzz", Indicator::kCritical}};
  RuleSetOrErrors r =
      RuleSet::Create({FiresPerDraft(a), FiresPerDraft(b), FiresPerDraft(dup), FiresPerDraft(c)});
  EXPECT_FALSE(r.rule_set.has_value());
  EXPECT_THAT(r.errors, ::testing::Contains(ConfigError{"a", "duplicate rule id"}));
  EXPECT_THAT(r.errors, ::testing::Contains(ConfigError{"a", "supersession cycle"}));
  EXPECT_THAT(r.errors, ::testing::Contains(ConfigError{"c", "combines with unknown rule zzz"}));
}

TEST(RuleSetTest, RunTracesEveryRuleAndContainsFailures) {
  const RuleMeta a = Meta("a", "R90", Indicator::kWarning);
  const RuleMeta off = Meta("off", "R91", Indicator::kWarning);
  const Rule throws{Meta("boom", "R92", Indicator::kInfo),
                    [](const PatientSnapshot&, const RuleContext&) -> RuleOutcome {
                      throw std::runtime_error("bug");
                    }};
  RuleSetConfig config;
  config.rules["off"].enabled = false;
  const RuleSet set = MustCreate({FiresPerDraft(a), FiresPerDraft(off), throws}, config);

  const Evaluation none = set.Run(SnapshotWithDrafts({}));
  EXPECT_THAT(none.findings, IsEmpty());
  EXPECT_EQ(none.trace[0],
            (RuleTrace{"a", RuleTrace::Status::kNotApplicable, "no draft orders", 0}));
  EXPECT_EQ(none.trace[1].status, RuleTrace::Status::kDisabled);
  EXPECT_EQ(none.trace[2], (RuleTrace{"boom", RuleTrace::Status::kFailed, "bug", 0}));

  const Evaluation two = set.Run(SnapshotWithDrafts({"o1", "o2"}));
  ASSERT_EQ(two.findings.size(), 2u);
  EXPECT_EQ(two.findings[0],
            MakeFinding(a, RuleContext{.config = &set.config(0)}, Spec("o1", "a")));
  EXPECT_EQ(two.trace[0], (RuleTrace{"a", RuleTrace::Status::kFired, "", 2}));
}

TEST(RuleSetTest, SupersessionIsPerOrderTransitiveAndKeepsTheHigherIndicator) {
  RuleMeta specific = Meta("specific", "R01", Indicator::kInfo);
  RuleMeta middle = Meta("middle", "R11", Indicator::kInfo);
  const RuleMeta broad = Meta("broad", "R14", Indicator::kWarning);
  specific.supersedes = {"middle"};
  middle.supersedes = {"broad"};
  const Rule silent{
      middle, [](const PatientSnapshot&, const RuleContext&) { return RuleOutcome::NotFired(); }};
  const RuleSet set = MustCreate({FiresPerDraft(broad), silent, FiresPerDraft(specific)});
  const Evaluation e = set.Run(SnapshotWithDrafts({"o1"}));
  ASSERT_EQ(e.findings.size(), 1u);
  EXPECT_EQ(e.findings[0].meta.id, "specific");
  EXPECT_EQ(e.findings[0].indicator, Indicator::kWarning);
  EXPECT_THAT(e.findings[0].merged_rule_ids, ElementsAre("broad"));
}

TEST(RuleSetTest, SupersessionDoesNotCrossOrders) {
  RuleMeta specific = Meta("specific", "R01", Indicator::kCritical);
  const RuleMeta broad = Meta("broad", "R14", Indicator::kInfo);
  specific.supersedes = {"broad"};
  const RuleSet set = MustCreate({FiresPerDraft(specific), FiresPerDraft(broad)});
  std::vector<Finding> raw = {
      MakeFinding(specific, RuleContext{}, Spec("o1")),
      MakeFinding(broad, RuleContext{}, Spec("o2")),
  };
  const std::vector<Finding> merged = set.Merge(raw, {"o2", "o1"});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0], raw[0]);  // critical first
  EXPECT_EQ(merged[1], raw[1]);
}

TEST(RuleSetTest, CombinationFoldsEvidenceAndRaisesToCritical) {
  RuleMeta hapvap = Meta("tige-hapvap", "R04", Indicator::kWarning);
  const RuleMeta bsi = Meta("tige-bsi", "R03", Indicator::kWarning);
  hapvap.combines_with = {{"tige-bsi", Indicator::kCritical}};
  const RuleSet set = MustCreate({FiresPerDraft(bsi), FiresPerDraft(hapvap)});
  const Evaluation e = set.Run(SnapshotWithDrafts({"o1"}));
  ASSERT_EQ(e.findings.size(), 1u);
  const Finding& f = e.findings[0];
  EXPECT_EQ(f.meta.id, "tige-hapvap");
  EXPECT_EQ(f.indicator, Indicator::kCritical);
  EXPECT_THAT(f.merged_rule_ids, ElementsAre("tige-bsi"));
  EXPECT_THAT(f.evidence,
              ElementsAre(Evidence{"Observation/tige-hapvap", "Observation.value", "tige-hapvap"},
                          Evidence{"Observation/tige-bsi", "Observation.value", "tige-bsi"}));
}

TEST(RuleSetTest, SameRuleSameOrderIsOneFindingAndUnrelatedRulesStaySeparate) {
  const RuleMeta a = Meta("a", "R90", Indicator::kWarning);
  const RuleMeta b = Meta("b", "R91", Indicator::kInfo);
  const RuleSet set = MustCreate({FiresPerDraft(a), FiresPerDraft(b)});
  std::vector<Finding> raw = {MakeFinding(a, RuleContext{}, Spec("o1", "x")),
                              MakeFinding(a, RuleContext{}, Spec("o1", "y")),
                              MakeFinding(b, RuleContext{}, Spec("o1", "z"))};
  const std::vector<Finding> merged = set.Merge(raw, {"o1"});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].meta.id, "a");
  EXPECT_EQ(merged[0].evidence.size(), 2u);
  EXPECT_THAT(merged[0].merged_rule_ids, IsEmpty());
  EXPECT_EQ(merged[1].meta.id, "b");
}

}  // namespace
}  // namespace cds::engine
