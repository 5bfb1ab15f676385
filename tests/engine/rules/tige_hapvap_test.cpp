#include "engine/rules/site/tige_hapvap.hpp"

#include <gtest/gtest.h>

#include "engine/rules/site/site_common.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kTige = "tigecycline 50 MG Injection";

std::vector<Recommendation> HapRecs(const std::string& drug, bool bsi, const std::string& note) {
  std::string text = "Choose an agent from the organism-specific guidance, per susceptibility. " +
                     std::string(site::kTigeHapVapWhy);
  if (bsi) text += " " + std::string(site::kTigeBsiWhy);
  return {Rec("Cancel " + drug + "; use an organism-directed agent", text + note),
          site::KeepOnlyWithIdApproval(drug)};
}

ActiveCondition Hap() {
  return Cond("hap", "Hospital-acquired pneumonia", kSnomed, "425464007",
              {ConditionGroup::kHap, ConditionGroup::kPneumonia});
}

class TigeHapvapTest : public ::testing::TestWithParam<Case> {};
TEST_P(TigeHapvapTest, Table) { CheckCase(GetParam(), TigeHapvapMeta(), &EvaluateTigeHapvap); }

INSTANTIATE_TEST_SUITE_P(
    R04, TigeHapvapTest,
    ::testing::Values(
        Case{"tigecycline with HAP fires warning, respiratory isolate named",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {Hap()};
               Isolate resp =
                   MakeIsolate("r1", "A. baumannii", Abaumannii(), SpecimenType::kRespiratory, 2);
               resp.susceptibilities = {
                   Susc("s1", Agent::kAmpicillinSulbactam, Interpretation::kSusceptible),
                   Susc("s2", Agent::kMinocycline, Interpretation::kSusceptible)};
               s.isolates = {resp};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeHapvapMeta(), {Ref("tige", kTige)},
                     {"tigecycline", "HAP/VAP: not indicated, higher mortality", "",
                      "Hospital-acquired pneumonia"},
                     {DraftEv("tige", kTige),
                      CondEv("hap", "Active condition: Hospital-acquired pneumonia (425464007)")},
                     HapRecs("tigecycline", false,
                             " A. baumannii, respiratory, 2026-11-20: susceptible to "
                             "ampicillin-sulbactam."))}},
        Case{"pneumonia J15.1 plus a separate Y95 condition counts as HAP",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erav", "eravacycline", Eravacycline())};
               s.conditions = {
                   Cond("pna", "Pneumonia due to Pseudomonas", kIcd, "J15.1",
                        {ConditionGroup::kPneumonia}),
                   Cond("y95", "Nosocomial condition", kIcd, "Y95", {ConditionGroup::kNosocomial})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeHapvapMeta(), {Ref("erav", "eravacycline")},
                     {"eravacycline", "HAP/VAP: not indicated, higher mortality", "",
                      "Pneumonia due to Pseudomonas"},
                     {DraftEv("erav", "eravacycline"),
                      CondEv("pna", "Active condition: Pneumonia due to Pseudomonas (J15.1)"),
                      CondEv("y95", "Active condition: Nosocomial condition (Y95)")},
                     HapRecs("eravacycline", false, ""))}},
        Case{"HAP plus septic shock: critical, bacteremia named",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {Hap(),
                               Cond("shock", "Septic shock", kIcd, "R65.21",
                                    {ConditionGroup::kSepsis, ConditionGroup::kSepticShock})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeHapvapMeta(), {Ref("tige", kTige)},
                     {"tigecycline", "HAP/VAP with bacteremia: not indicated, higher mortality", "",
                      "Septic shock"},
                     {DraftEv("tige", kTige),
                      CondEv("hap", "Active condition: Hospital-acquired pneumonia (425464007)"),
                      CondEv("shock", "Active condition: Septic shock (R65.21)")},
                     HapRecs("tigecycline", true, ""), Indicator::kCritical)}},
        Case{"community pneumonia without nosocomial code does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {Cond("cap", "Community-acquired pneumonia", kIcd, "J18.9",
                                    {ConditionGroup::kPneumonia})};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"skin infection does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {Cond("ssti", "Cellulitis", kSnomed, "128045006", {})};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"omadacycline for HAP: not applicable (decision: not in scope)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("omad", "omadacycline", Omadacycline())};
               s.conditions = {Hap()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no tigecycline draft: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem", Meropenem())};
               s.conditions = {Hap()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(TigeHapvapMetaTest, CombinesWithBsiAtCritical) {
  const RuleMeta& m = TigeHapvapMeta();
  EXPECT_EQ(m.catalogue_id, "R04");
  EXPECT_EQ(m.default_indicator, Indicator::kWarning);
  ASSERT_EQ(m.combines_with.size(), 1u);
  EXPECT_EQ(m.combines_with[0].rule_id, "tige-bsi");
  EXPECT_EQ(m.combines_with[0].indicator, Indicator::kCritical);
}

}  // namespace
}  // namespace cds::engine::rules
