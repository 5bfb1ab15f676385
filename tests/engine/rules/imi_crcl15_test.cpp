#include "engine/rules/dosing/imi_crcl15.hpp"

#include <gtest/gtest.h>

#include "engine/rules/dosing/products_dosing.hpp"
#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

std::vector<Recommendation> Recs() {
  Recommendation mero;
  mero.label = "Cancel imipenem-cilastatin; meropenem 500 mg IV q24h";
  mero.text =
      "Do not give imipenem-cilastatin at CrCl < 15 mL/min unless hemodialysis starts within "
      "48 h. Consider meropenem 500 mg IV every 24 h (the CrCl < 10 mL/min label dose) or "
      "another agent active against the organism.";
  mero.medications = {dosing::Meropenem(500, 24)};
  Recommendation hd;
  hd.label = "Keep only if hemodialysis starts within 48 h";
  hd.text =
      "The record shows no dialysis. If hemodialysis will be instituted within 48 hours, "
      "imipenem-cilastatin may be given at the label dose for patients on hemodialysis.";
  hd.cancel_problem_order = false;
  return {mero, hd};
}

const Evidence kNoDialysis{"Condition", "Condition.code",
                           "No active dialysis condition (Z99.2 / SNOMED 105502003)"};

PatientSnapshot WithImipenem(std::optional<double> crcl) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("imi", "Primaxin 500 mg IV q6h", ImipenemClass())};
  if (crcl) s.labs.estimated_crcl = ReportedCrCl(*crcl);
  return s;
}

class ImiCrcl15Test : public ::testing::TestWithParam<Case> {};
TEST_P(ImiCrcl15Test, Table) { CheckCase(GetParam(), ImiCrcl15Meta(), &EvaluateImiCrcl15); }

INSTANTIATE_TEST_SUITE_P(
    R08, ImiCrcl15Test,
    ::testing::Values(
        Case{"reported CG CrCl 12 without dialysis fires critical", [] { return WithImipenem(12); },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(ImiCrcl15Meta(), {Ref("imi", "Primaxin 500 mg IV q6h")},
                            {"imipenem-cilastatin", "not for CrCl < 15 mL/min without hemodialysis",
                             "", "Cockcroft-Gault CrCl (35591-7) 12 mL/min"},
                            {DraftEv("imi", "Primaxin 500 mg IV q6h"), ReportedCrClEvidence("12"),
                             kNoDialysis},
                            Recs())};
             }},
        Case{"measured CrCl 9 wins over CG 40",
             [] {
               PatientSnapshot s = WithImipenem(40);
               s.labs.measured_crcl = Lab("m24", 9, "mL/min");
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(ImiCrcl15Meta(), {Ref("imi", "Primaxin 500 mg IV q6h")},
                            {"imipenem-cilastatin", "not for CrCl < 15 mL/min without hemodialysis",
                             "", "measured CrCl (2164-2) 9 mL/min"},
                            {DraftEv("imi", "Primaxin 500 mg IV q6h"),
                             {"Observation/m24", "Observation.valueQuantity",
                              "Measured creatinine clearance (2164-2) 9 mL/min, 2026-11-21"},
                             kNoDialysis},
                            Recs())};
             }},
        Case{"ESRD code without dialysis still fires",
             [] {
               PatientSnapshot s = WithImipenem(8);
               s.esrd_or_dialysis = true;
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(ImiCrcl15Meta(), {Ref("imi", "Primaxin 500 mg IV q6h")},
                            {"imipenem-cilastatin", "not for CrCl < 15 mL/min without hemodialysis",
                             "", "Cockcroft-Gault CrCl (35591-7) 8 mL/min"},
                            {DraftEv("imi", "Primaxin 500 mg IV q6h"), ReportedCrClEvidence("8"),
                             kNoDialysis},
                            Recs())};
             }},
        Case{"CrCl exactly 15 does not fire", [] { return WithImipenem(15); },
             RuleOutcome::Kind::kNotFired},
        Case{"CrCl 12 on dialysis does not fire",
             [] {
               PatientSnapshot s = WithImipenem(12);
               s.dialysis = true;
               s.esrd_or_dialysis = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"meropenem at CrCl 8 is not this rule",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem 1 g", MeropenemClass())};
               s.labs.estimated_crcl = ReportedCrCl(8);
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"imipenem-relebactam is not covered",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imr", "Recarbrio 1.25 g", ImrClass())};
               s.labs.estimated_crcl = ReportedCrCl(8);
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no CrCl: not applicable", [] { return WithImipenem(std::nullopt); },
             RuleOutcome::Kind::kNotApplicable},
        Case{"empty snapshot: not applicable", [] { return Base(); },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(ImiCrcl15MetaTest, IsCriticalAndCitesPrimaxin) {
  EXPECT_EQ(ImiCrcl15Meta().id, "imi-crcl15");
  EXPECT_EQ(ImiCrcl15Meta().catalogue_id, "R08");
  EXPECT_EQ(ImiCrcl15Meta().default_indicator, Indicator::kCritical);
  EXPECT_EQ(ImiCrcl15Meta().citation.key, "PRIMAXIN");
}

TEST(ImiCrcl15MetaTest, SuggestsMeropenem500q24h) {
  const ProposedMedication m = dosing::Meropenem(500, 24);
  EXPECT_EQ(m.rxnorm_code, "1722939");
  EXPECT_EQ(m.dose_value, 500);
  EXPECT_EQ(m.dose_unit, "mg");
  EXPECT_EQ(m.period, 24);
  EXPECT_EQ(m.dosage_text, "500 mg IV every 24 h, each dose infused over 30 min");
}

}  // namespace
}  // namespace cds::engine::rules
