#include "engine/rules/site/tige_bsi.hpp"

#include <gtest/gtest.h>

#include "engine/rule_set.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/rules/site/tige_hapvap.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kTige = "Tygacil 50 mg IV q12h";

Isolate BloodKp() {
  Isolate iso = MakeIsolate("bc1", "K. pneumoniae", Kpneumoniae(), SpecimenType::kBlood, 3);
  iso.susceptibilities = {Susc("s1", Agent::kMeropenem, Interpretation::kResistant, 16),
                          Susc("s2", Agent::kCeftazidimeAvibactam, Interpretation::kSusceptible, 2),
                          Susc("s3", Agent::kTigecycline, Interpretation::kSusceptible, 0.5)};
  iso.mechanisms = {Mech("m1", Mechanism::kKpc, true)};
  return iso;
}
ActiveCondition Vap() {
  return Cond("vap", "Ventilator-associated pneumonia", kSnomed, "429271009",
              {ConditionGroup::kVap, ConditionGroup::kPneumonia});
}
ActiveCondition Sepsis() {
  return Cond("sep", "Sepsis", kSnomed, "91302008", {ConditionGroup::kSepsis});
}
ActiveCondition SkinInfection() {
  return Cond("ssti", "Cellulitis of leg", kSnomed, "128045006", {});
}

const Evidence kBloodEv{"Observation/bc1", "Observation.valueCodeableConcept",
                        "Positive blood culture: K. pneumoniae, blood, 2026-11-19"};
const std::string kKpNote =
    " K. pneumoniae, blood, 2026-11-19: susceptible to ceftazidime-avibactam.";

std::vector<Recommendation> BsiRecs(const std::string& drug, bool hap_vap,
                                    const std::string& note) {
  std::string text = "Choose an agent from the organism-specific guidance, per susceptibility. " +
                     std::string(site::kTigeBsiWhy);
  if (hap_vap) text += " " + std::string(site::kTigeHapVapWhy);
  return {Rec("Cancel " + drug + "; use an organism-directed agent", text + note),
          site::KeepOnlyWithIdApproval(drug)};
}

class TigeBsiTest : public ::testing::TestWithParam<Case> {};
TEST_P(TigeBsiTest, Table) { CheckCase(GetParam(), TigeBsiMeta(), &EvaluateTigeBsi); }

INSTANTIATE_TEST_SUITE_P(
    R03, TigeBsiTest,
    ::testing::Values(
        Case{"tigecycline with positive blood culture fires warning",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.isolates = {BloodKp()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeBsiMeta(), {Ref("tige", kTige)},
                     {"tigecycline", "bacteremia: low serum levels, higher mortality",
                      "K. pneumoniae", "positive blood culture 2026-11-19"},
                     {DraftEv("tige", kTige), kBloodEv}, BsiRecs("tigecycline", false, kKpNote))}},
        Case{"eravacycline with a sepsis condition only fires warning",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erav", "Xerava 1 mg/kg", Eravacycline())};
               s.conditions = {Sepsis()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeBsiMeta(), {Ref("erav", "Xerava 1 mg/kg")},
                     {"eravacycline", "bacteremia: low serum levels, higher mortality", "",
                      "Sepsis"},
                     {DraftEv("erav", "Xerava 1 mg/kg"),
                      CondEv("sep", "Active condition: Sepsis (91302008)")},
                     BsiRecs("eravacycline", false, ""))}},
        Case{"bacteremia plus VAP escalates to critical by itself",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.isolates = {BloodKp()};
               s.conditions = {Vap()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeBsiMeta(), {Ref("tige", kTige)},
                     {"tigecycline", "bacteremia with HAP/VAP: not indicated, higher mortality",
                      "K. pneumoniae", "positive blood culture 2026-11-19"},
                     {DraftEv("tige", kTige), kBloodEv,
                      CondEv("vap",
                             "Active condition: Ventilator-associated pneumonia "
                             "(429271009)")},
                     BsiRecs("tigecycline", true, kKpNote), Indicator::kCritical)}},
        Case{"MUST NOT FIRE: tigecycline for skin infection with negative blood cultures",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {SkinInfection()};
               // A "no growth" 600-7 is not an isolate; only a wound isolate exists.
               s.isolates = {MakeIsolate("w1", "S. aureus",
                                         Organism("staphylococcus-aureus", "Staphylococcus aureus",
                                                  {OrganismGroup::kStaphylococcusAureus}),
                                         SpecimenType::kOther, 2)};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"blood culture older than the 30-day lookback does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               Isolate old = BloodKp();
               old.collected->start = kNow - days(31);
               s.isolates = {old};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"stopped tigecycline draft: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.draft_orders[0].request.status = "cancelled";
               s.isolates = {BloodKp()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"minocycline with bacteremia: not applicable (not in scope)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mino", "Minocin 200 mg", Minocycline())};
               s.isolates = {BloodKp()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"omadacycline with bacteremia: not applicable (decision: not in scope)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("omad", "Nuzyra 100 mg IV", Omadacycline())};
               s.isolates = {BloodKp()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"empty snapshot: not applicable",
             [] { return Base(); },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(TigeBsiMetaTest, LookbackIsConfigurable) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("tige", kTige, Tigecycline())};
  s.isolates = {BloodKp()};  // 3 days old
  RuleSetConfig config;
  config.rules["R03"].lookbacks["blood-culture"] = std::chrono::days(2);
  const RuleConfig resolved = ResolveRuleConfig(TigeBsiMeta(), config);
  EXPECT_EQ(EvaluateTigeBsi(s, RuleContext{.now = kNow, .config = &resolved}).kind(),
            RuleOutcome::Kind::kNotFired);
  EXPECT_EQ(TigeBsiMeta().catalogue_id, "R03");
  EXPECT_EQ(TigeBsiMeta().default_indicator, Indicator::kWarning);
  EXPECT_EQ(TigeBsiMeta().citation.key, "TYGACIL");
}

// The mission's combination: bacteremia AND HAP/VAP on one tigecycline order gives exactly ONE
// card, and it is critical (R04 absorbs R03).
TEST(TigeCombinationTest, BacteremiaAndVapGiveExactlyOneCriticalCard) {
  RuleSetOrErrors set = RuleSet::Create({TigeBsiRule(), TigeHapvapRule()});
  ASSERT_TRUE(set.rule_set.has_value());
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("tige", kTige, Tigecycline())};
  s.isolates = {BloodKp()};
  s.conditions = {Vap()};
  const Evaluation eval = set.rule_set->Run(s);
  ASSERT_EQ(eval.findings.size(), 1u);
  const Finding& f = eval.findings[0];
  EXPECT_EQ(f.indicator, Indicator::kCritical);
  EXPECT_EQ(f.meta.id, "tige-hapvap");
  EXPECT_EQ(f.merged_rule_ids, std::vector<std::string>{"tige-bsi"});
  EXPECT_EQ(f.problem.problem, "HAP/VAP with bacteremia: not indicated, higher mortality");
  // Evidence names the condition and the blood culture, each once.
  EXPECT_EQ(f.evidence,
            (std::vector<Evidence>{
                DraftEv("tige", kTige),
                CondEv("vap", "Active condition: Ventilator-associated pneumonia (429271009)"),
                kBloodEv}));
}

TEST(TigeCombinationTest, CriticalEvenWithEscalationDisabled) {
  RuleSetConfig config;
  config.rules["R03"].allow_escalation = false;
  config.rules["R04"].allow_escalation = false;
  RuleSetOrErrors set = RuleSet::Create({TigeBsiRule(), TigeHapvapRule()}, config);
  ASSERT_TRUE(set.rule_set.has_value());
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("tige", kTige, Tigecycline())};
  s.conditions = {Vap(), Sepsis()};
  const Evaluation eval = set.rule_set->Run(s);
  ASSERT_EQ(eval.findings.size(), 1u);
  EXPECT_EQ(eval.findings[0].indicator, Indicator::kCritical);
}

TEST(TigeCombinationTest, OnlyOneRuleEnabledStillCritical) {
  for (const char* disabled : {"R03", "R04"}) {
    RuleSetConfig config;
    config.rules[disabled].enabled = false;
    RuleSetOrErrors set = RuleSet::Create({TigeBsiRule(), TigeHapvapRule()}, config);
    ASSERT_TRUE(set.rule_set.has_value());
    PatientSnapshot s = Base();
    s.draft_orders = {Draft("tige", kTige, Tigecycline())};
    s.isolates = {BloodKp()};
    s.conditions = {Vap()};
    const Evaluation eval = set.rule_set->Run(s);
    ASSERT_EQ(eval.findings.size(), 1u) << disabled;
    EXPECT_EQ(eval.findings[0].indicator, Indicator::kCritical) << disabled;
  }
}

TEST(TigeCombinationTest, SkinInfectionWithNegativeCulturesGivesNoCardAtAll) {
  RuleSetOrErrors set = RuleSet::Create({TigeBsiRule(), TigeHapvapRule()});
  ASSERT_TRUE(set.rule_set.has_value());
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("tige", kTige, Tigecycline())};
  s.conditions = {SkinInfection()};
  EXPECT_TRUE(set.rule_set->Run(s).findings.empty());
}

}  // namespace
}  // namespace cds::engine::rules
