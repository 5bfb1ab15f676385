#include "engine/rules/site/imi_cns.hpp"

#include <gtest/gtest.h>

#include "engine/rule_set.hpp"
#include "engine/rules/site/imi_seizure.hpp"
#include "engine/rules/site/products_site.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kImi = "Primaxin 500 mg IV q6h";
const std::string kWhy =
    "Imipenem-cilastatin is not indicated for meningitis (PRIMAXIN, Limitations of Use) and "
    "lowers the seizure threshold; meropenem is approved for bacterial meningitis (MERREM). ";

ActiveCondition Meningitis() {
  return Cond("men", "Bacterial meningitis", kSnomed, "95883001", {ConditionGroup::kMeningitisCns});
}

Recommendation AdultRec(std::optional<double> crcl) {
  const ProposedMedication m = site::MeropenemMeningitis(crcl);
  return Rec("Switch to meropenem 2 g q8h",
             kWhy + "Meropenem 2 g IV every 8 h; here: " + m.dosage_text + ".", true, {m});
}

class ImiCnsTest : public ::testing::TestWithParam<Case> {};
TEST_P(ImiCnsTest, Table) { CheckCase(GetParam(), ImiCnsMeta(), &EvaluateImiCns); }

INSTANTIATE_TEST_SUITE_P(
    R09, ImiCnsTest,
    ::testing::Values(
        Case{"adult with meningitis fires warning, meropenem 2 g q8h",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               s.conditions = {Meningitis()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ImiCnsMeta(), {Ref("imi", kImi)},
                     {"imipenem-cilastatin",
                      "not indicated for meningitis/CNS infection (seizure risk)", "",
                      "Bacterial meningitis"},
                     {DraftEv("imi", kImi),
                      CondEv("men", "Active condition: Bacterial meningitis (95883001)")},
                     {AdultRec(std::nullopt)})}},
        Case{"child of 6 with meningitis fires critical, weight-based dose",
             [] {
               PatientSnapshot s = Base();
               s.demographics.age_years = 6;
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               s.conditions = {Meningitis()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ImiCnsMeta(), {Ref("imi", kImi)},
                     {"imipenem-cilastatin",
                      "not indicated for meningitis/CNS infection (seizure risk)", "",
                      "Bacterial meningitis"},
                     {DraftEv("imi", kImi),
                      CondEv("men", "Active condition: Bacterial meningitis (95883001)"),
                      {"Patient/p1", "Patient.birthDate", "Age 6 years (pediatric)"}},
                     {Rec("Switch to meropenem 40 mg/kg q8h (max 2 g)",
                          kWhy + "Pediatric dose: meropenem 40 mg/kg IV every 8 h, maximum 2 g "
                                 "per dose.",
                          true, {site::MeropenemMeningitisPediatric()})},
                     Indicator::kCritical)}},
        Case{"IMR with a CSF isolate, CrCl 40, age unknown: renally adjusted, missing-data note",
             [] {
               PatientSnapshot s = Base();
               s.demographics.age_years.reset();
               s.draft_orders = {Draft("imr", "Recarbrio 1.25 g", Imr())};
               s.isolates = {
                   MakeIsolate("csf1", "P. aeruginosa", Paeruginosa(), SpecimenType::kCsf, 1)};
               s.labs.measured_crcl = Lab("crcl", 40, "mL/min", 1);
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ImiCnsMeta(), {Ref("imr", "Recarbrio 1.25 g")},
                     {"imipenem-cilastatin-relebactam",
                      "not indicated for meningitis/CNS infection (seizure risk)", "P. aeruginosa",
                      "positive CSF culture 2026-11-21"},
                     {DraftEv("imr", "Recarbrio 1.25 g"),
                      {"Observation/csf1", "Observation.valueCodeableConcept",
                       "CSF culture: P. aeruginosa, CSF, 2026-11-21"},
                      {"Observation/crcl", "Observation.valueQuantity",
                       "Measured creatinine clearance (2164-2) 40 mL/min, 2026-11-21"}},
                     {AdultRec(40.0)}, std::nullopt,
                     {"Age unknown (Patient.birthDate): the pediatric escalation to critical was "
                      "not assessed."})}},
        Case{"imipenem for pneumonia does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               s.conditions = {
                   Cond("pna", "Pneumonia", kIcd, "J18.9", {ConditionGroup::kPneumonia})};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"meropenem for meningitis: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem", Meropenem())};
               s.conditions = {Meningitis()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(ImiCnsSetTest, CombinesWithSeizureIntoOneCard) {
  RuleSetOrErrors set = RuleSet::Create({ImiCnsRule(), ImiSeizureRule()});
  ASSERT_TRUE(set.rule_set.has_value());
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
  s.conditions = {Meningitis(),
                  Cond("epi", "Epilepsy", kSnomed, "84757009", {ConditionGroup::kEpilepsySeizure})};
  const Evaluation eval = set.rule_set->Run(s);
  ASSERT_EQ(eval.findings.size(), 1u);
  const Finding& f = eval.findings[0];
  EXPECT_EQ(f.meta.id, "imi-cns");
  EXPECT_EQ(f.indicator, Indicator::kWarning);
  EXPECT_EQ(f.merged_rule_ids, std::vector<std::string>{"imi-seizure"});
  EXPECT_EQ(f.evidence.back(), CondEv("epi", "Active condition: Epilepsy (84757009)"));
}

}  // namespace
}  // namespace cds::engine::rules
