#include "engine/rules/interactions/carb_vpa.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "engine/rule_config.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

using std::chrono::days;
using std::chrono::sys_seconds;

const sys_seconds kNow{days(20780)};  // 2026-11-23

MedicationClass Class(Agent agent, std::initializer_list<DrugClass> classes,
                      std::initializer_list<DrugClass> ingredient_classes = {}) {
  MedicationClass m;
  m.agents = {agent};
  m.ingredients = {agent};
  m.classes = DrugClassSet(classes);
  m.ingredient_classes = DrugClassSet(ingredient_classes);
  m.ingredient_classes.InsertAll(m.classes);
  m.source = MatchSource::kText;
  return m;
}
MedicationClass Meropenem() {
  return Class(Agent::kMeropenem, {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining});
}
MedicationClass Mev() {
  return Class(Agent::kMeropenemVaborbactam, {DrugClass::kCarbapenemContaining},
               {DrugClass::kCarbapenem});
}
MedicationClass Divalproex() {
  return Class(Agent::kDivalproexSodium, {DrugClass::kValproate, DrugClass::kAnticonvulsant});
}
MedicationClass Levetiracetam() {
  return Class(Agent::kLevetiracetam, {DrugClass::kAnticonvulsant});
}

DraftOrder Draft(std::string id, std::string text, MedicationClass m) {
  DraftOrder d;
  d.request.id = std::move(id);
  d.request.status = "draft";
  d.request.medication.codeable_concept.text = std::move(text);
  d.selected = true;
  d.medication = std::move(m);
  return d;
}

ActiveMedication Active(std::string id, std::string status, std::string text, MedicationClass m) {
  ActiveMedication a;
  a.source = MedicationSource::kMedicationStatement;
  a.resource_id = std::move(id);
  a.status = std::move(status);
  a.code.text = std::move(text);
  a.medication = std::move(m);
  return a;
}

LabValue Level(double value) {
  LabValue l;
  l.value = l.original_value = value;
  l.unit = l.original_unit = "ug/mL";
  l.time.start = kNow - days(1);
  l.time.text = "2026-11-21";
  l.observation_id = "vpa-level";
  l.status = "final";
  return l;
}

// Expected findings are built through MakeFinding too (Regal's whole-finding comparison).
Finding Expected(std::vector<OrderRef> orders, Problem problem, std::vector<Evidence> evidence,
                 std::vector<Recommendation> recs, std::vector<std::string> missing) {
  FindingSpec spec;
  spec.orders = std::move(orders);
  spec.problem = std::move(problem);
  spec.evidence = std::move(evidence);
  spec.recommendations = std::move(recs);
  spec.missing_data = std::move(missing);
  return MakeFinding(CarbVpaMeta(), RuleContext{.now = kNow}, std::move(spec));
}

constexpr const char* kNoOvercome =
    "Raising the valproate dose does not overcome the interaction; valproate levels fall within "
    "about 24 h and can stay low for days after the carbapenem is stopped.";

std::vector<Recommendation> CarbRecs(const std::string& drug) {
  Recommendation cancel;
  cancel.label = "Cancel " + drug + "; choose a non-carbapenem antibiotic";
  cancel.text =
      std::string("Use a non-carbapenem antibiotic active against the organism. ") + kNoOvercome;
  Recommendation unavoidable;
  unavoidable.label = "If a carbapenem is unavoidable";
  unavoidable.text =
      "Add or bridge a non-interacting anticonvulsant with neurology input and monitor for "
      "seizures.";
  unavoidable.cancel_problem_order = false;
  return {cancel, unavoidable};
}

OrderRef Ref(std::string id, std::string display) {
  return OrderRef{.resource_type = "MedicationRequest",
                  .id = std::move(id),
                  .selected = true,
                  .draft = true,
                  .display = std::move(display)};
}

const char* kNoLevel =
    "No valproate level (LOINC 4086-5) in the last 7 days; consider measuring one.";

struct Case {
  const char* note;
  std::function<PatientSnapshot()> snapshot;
  RuleOutcome::Kind kind;
  std::vector<Finding> findings;
};

class CarbVpaTest : public ::testing::TestWithParam<Case> {};

TEST_P(CarbVpaTest, Table) {
  const Case& c = GetParam();
  const PatientSnapshot s = c.snapshot();
  const RuleConfig config = DefaultRuleConfig(CarbVpaMeta());
  const RuleOutcome out = EvaluateCarbVpa(s, RuleContext{.now = kNow, .config = &config});
  EXPECT_EQ(out.kind(), c.kind) << c.note << ": " << out.reason();
  ASSERT_EQ(out.findings().size(), c.findings.size()) << c.note;
  for (std::size_t i = 0; i < c.findings.size(); ++i) {
    EXPECT_EQ(out.findings()[i], c.findings[i]) << c.note;
  }
}

PatientSnapshot Base() {
  PatientSnapshot s;
  s.now = kNow;
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    R05, CarbVpaTest,
    ::testing::Values(
        Case{"draft meropenem, active divalproex, level known",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "Meropenem 1 g IV", Meropenem())};
               s.active_medications = {Active("dep", "active", "Depakote ER 500 mg", Divalproex())};
               s.labs.valproate_level = Level(62);
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expected({Ref("mero", "Meropenem 1 g IV")},
                       {"meropenem", "lowers valproate levels (divalproex-sodium): seizure risk",
                        "", "valproate level 62 ug/mL"},
                       {{"MedicationRequest/mero", "MedicationRequest.medication",
                         "Draft order: Meropenem 1 g IV"},
                        {"MedicationStatement/dep", "MedicationStatement.medication",
                         "Active MedicationStatement (active): Depakote ER 500 mg"},
                        {"Observation/vpa-level", "Observation.valueQuantity",
                         "Valproate level (4086-5) 62 ug/mL, 2026-11-21"}},
                       CarbRecs("meropenem"), {})}},
        Case{"draft MEV + draft divalproex: one finding on the carbapenem, no level",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("vpa", "Depakote 500 mg", Divalproex()),
                                 Draft("mev", "Vabomere 4 g", Mev())};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expected({Ref("mev", "Vabomere 4 g"), Ref("vpa", "Depakote 500 mg")},
                       {"meropenem-vaborbactam",
                        "lowers valproate levels (divalproex-sodium): seizure risk", "", ""},
                       {{"MedicationRequest/mev", "MedicationRequest.medication",
                         "Draft order: Vabomere 4 g"},
                        {"MedicationRequest/vpa", "MedicationRequest.medication",
                         "Draft order: Depakote 500 mg"}},
                       CarbRecs("meropenem-vaborbactam"), {kNoLevel})}},
        Case{"draft divalproex, active meropenem",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("vpa", "Depakote 500 mg", Divalproex())};
               s.active_medications = {Active("m1", "active", "meropenem", Meropenem())};
               s.active_medications[0].source = MedicationSource::kMedicationRequest;
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               Recommendation cancel;
               cancel.label = "Cancel divalproex-sodium; choose a non-interacting anticonvulsant";
               cancel.text = std::string(
                                 "Ask neurology for an anticonvulsant that does not "
                                 "interact (e.g. levetiracetam) while the carbapenem "
                                 "continues. ") +
                             kNoOvercome;
               Recommendation change;
               change.label = "Or change the antibiotic";
               change.text =
                   "Replace the carbapenem with a non-carbapenem antibiotic so that "
                   "valproate can continue.";
               change.cancel_problem_order = false;
               return std::vector<Finding>{Expected(
                   {Ref("vpa", "Depakote 500 mg")},
                   {"divalproex-sodium", "levels fall with active meropenem: seizure risk", "", ""},
                   {{"MedicationRequest/vpa", "MedicationRequest.medication",
                     "Draft order: Depakote 500 mg"},
                    {"MedicationRequest/m1", "MedicationRequest.medication",
                     "Active MedicationRequest (active): meropenem"}},
                   {cancel, change}, {kNoLevel})};
             }()},
        Case{"stopped valproate does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "Meropenem 1 g IV", Meropenem())};
               s.active_medications = {Active("dep", "stopped", "Depakote", Divalproex())};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"entered-in-error valproate does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "Meropenem 1 g IV", Meropenem())};
               s.active_medications = {Active("dep", "entered-in-error", "Depakote", Divalproex())};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"levetiracetam instead of valproate does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "Meropenem 1 g IV", Meropenem())};
               s.active_medications = {Active("lev", "active", "Keppra", Levetiracetam())};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"draft valproate without carbapenem does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("vpa", "Depakote", Divalproex())};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"no draft carbapenem or valproate: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("lev", "Keppra", Levetiracetam())};
               s.active_medications = {Active("dep", "active", "Depakote", Divalproex())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"empty snapshot: not applicable",
             [] { return Base(); },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.note;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(CarbVpaMetaTest, IsCriticalAndCitesLabels) {
  const RuleMeta& m = CarbVpaMeta();
  EXPECT_EQ(m.id, "carb-vpa");
  EXPECT_EQ(m.catalogue_id, "R05");
  EXPECT_EQ(m.default_indicator, Indicator::kCritical);
  EXPECT_EQ(m.citation.key, "MERREM");
  EXPECT_TRUE(m.citation.url.starts_with("https://"));
  for (const Citation& c : m.further_citations) EXPECT_TRUE(c.url.starts_with("https://"));
}

TEST(CarbVpaMetaTest, OldLevelIsOutsideTheConfiguredLookback) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("mero", "Meropenem 1 g IV", Meropenem())};
  s.active_medications = {Active("dep", "active", "Depakote", Divalproex())};
  s.labs.valproate_level = Level(62);
  RuleSetConfig config;
  config.rules["R05"].lookbacks["valproate-level"] = std::chrono::hours(12);
  const RuleConfig resolved = ResolveRuleConfig(CarbVpaMeta(), config);
  const RuleOutcome out = EvaluateCarbVpa(s, RuleContext{.now = kNow, .config = &resolved});
  ASSERT_EQ(out.findings().size(), 1u);
  EXPECT_EQ(out.findings()[0].problem.result, "");
  EXPECT_THAT(out.findings()[0].missing_data,
              ::testing::ElementsAre("No valproate level (LOINC 4086-5) in the last 12 hours; "
                                     "consider measuring one."));
}

}  // namespace
}  // namespace cds::engine::rules
