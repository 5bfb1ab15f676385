#include "engine/rules/site/imi_seizure.hpp"

#include <gtest/gtest.h>

#include "engine/rules/site/products_site.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kImi = "imipenem 500 MG / cilastatin 500 MG Injection";

std::vector<Recommendation> Recs(std::optional<double> crcl, const std::string& keep) {
  const ProposedMedication m = site::MeropenemRenal(crcl);
  return {Rec("Switch to meropenem",
              "Meropenem has a lower seizure propensity than imipenem (PRIMAXIN CNS warnings). "
              "Meropenem " +
                  m.dosage_text + ".",
              true, {m}),
          Rec("Keep imipenem, dosed for renal function", keep, false)};
}

ActiveCondition Epilepsy() {
  return Cond("epi", "Epilepsy", kIcd, "G40.909", {ConditionGroup::kEpilepsySeizure});
}

class ImiSeizureTest : public ::testing::TestWithParam<Case> {};
TEST_P(ImiSeizureTest, Table) { CheckCase(GetParam(), ImiSeizureMeta(), &EvaluateImiSeizure); }

INSTANTIATE_TEST_SUITE_P(
    R09b, ImiSeizureTest,
    ::testing::Values(
        Case{"epilepsy fires info, meropenem 1 g q8h",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               s.conditions = {Epilepsy()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ImiSeizureMeta(), {Ref("imi", kImi)},
                     {"imipenem-cilastatin", "seizure disorder: seizure risk", "", "Epilepsy"},
                     {DraftEv("imi", kImi), CondEv("epi", "Active condition: Epilepsy (G40.909)")},
                     Recs(std::nullopt,
                          "No creatinine clearance is available: dose for renal "
                          "function once known."))}},
        Case{"computed CrCl 22 fires info with renal doses",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               EstimatedCrCl e;
               e.source = EstimatedCrCl::Source::kComputed;
               e.ml_per_min = 22;
               e.age_years = 64;
               e.weight_kg = 60;
               e.creatinine_mg_dl = 2.9;
               e.female = true;
               e.creatinine_observation_id = "scr";
               s.labs.estimated_crcl = e;
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ImiSeizureMeta(), {Ref("imi", kImi)},
                     {"imipenem-cilastatin", "CrCl < 30: seizure risk", "", "CrCl 22 mL/min"},
                     {DraftEv("imi", kImi),
                      {"Observation/scr", "Observation.valueQuantity",
                       "Creatinine clearance (Cockcroft-Gault, computed) 22 mL/min from "
                       "creatinine 2.9 mg/dL, weight 60 kg, age 64, female"}},
                     Recs(22.0,
                          "Imipenem-cilastatin at CrCl 22 mL/min: 200 mg every 6 h or "
                          "500 mg every 12 h."))}},
        Case{"CrCl 75 without seizure disorder does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               s.labs.measured_crcl = Lab("crcl", 75, "mL/min", 1);
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"no seizure condition and no CrCl: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", kImi, ImipenemCilastatin())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"meropenem with epilepsy: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem", Meropenem())};
               s.conditions = {Epilepsy()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(ImiSeizureProductsTest, MeropenemRenalBands) {
  EXPECT_EQ(site::MeropenemRenal(std::nullopt).dosage_text, "1 g IV every 8 h");
  EXPECT_EQ(site::MeropenemRenal(40.0).dosage_text,
            "1 g IV every 12 h (adjusted for CrCl 40 mL/min)");
  EXPECT_EQ(site::MeropenemRenal(22.0).dosage_text,
            "500 mg IV every 12 h (adjusted for CrCl 22 mL/min)");
  EXPECT_EQ(site::MeropenemRenal(8.0).dosage_text,
            "500 mg IV every 24 h (adjusted for CrCl 8 mL/min)");
  EXPECT_EQ(site::MeropenemMeningitis(40.0).dosage_text,
            "2 g IV every 12 h (adjusted for CrCl 40 mL/min) (meningitis dose)");
}

}  // namespace
}  // namespace cds::engine::rules
