#include "engine/rules/dosing/ext_infusion.hpp"

#include <gtest/gtest.h>

#include "engine/rules/dosing/products_dosing.hpp"
#include "engine/rules/products.hpp"
#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

const char* kNoTime =
    "No infusion time in the order (timing.repeat.duration or rateQuantity); a standard 30-min "
    "infusion is assumed.";

Recommendation MeroRec(const std::string& why) {
  Recommendation r;
  r.label = "Meropenem 2 g IV q8h over 3 h";
  r.text = why +
           ": extended infusion keeps concentrations above the MIC for longer (IDSA 2024 Table 1).";
  r.medications = {MeropenemExtendedInfusion()};
  return r;
}

Evidence Infusion(const std::string& id, const std::string& minutes) {
  return {"MedicationRequest/" + id, "MedicationRequest.dosageInstruction.timing.repeat.duration",
          "Infusion time " + minutes + " min"};
}

PatientSnapshot Mero(std::optional<double> minutes) {
  PatientSnapshot s = Base();
  s.draft_orders = {Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8, minutes)};
  return s;
}

Isolate UrineEColi(double mic, fhir::Comparator c = fhir::Comparator::kNone) {
  Isolate i = MakeIsolate("org1", "E. coli", EColi(), SpecimenType::kUrine);
  i.susceptibilities = {Susc("mic1", Agent::kMeropenem, Interpretation::kSusceptible, mic, c)};
  return i;
}

class ExtInfusionTest : public ::testing::TestWithParam<Case> {};
TEST_P(ExtInfusionTest, Table) { CheckCase(GetParam(), ExtInfusionMeta(), &EvaluateExtInfusion); }

INSTANTIATE_TEST_SUITE_P(
    R11, ExtInfusionTest,
    ::testing::Values(
        Case{"E. coli meropenem MIC 2 with a 30-min infusion: info",
             [] {
               PatientSnapshot s = Mero(30);
               s.isolates = {UrineEColi(2)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(ExtInfusionMeta(), {Ref("m", "Merrem 1 g")},
                            {"meropenem", "standard infusion: give as a 3-h extended infusion",
                             "E. coli", "meropenem MIC 2 mg/L"},
                            {DraftEv("m", "Merrem 1 g"),
                             Infusion("m", "30"),
                             {"Observation/mic1", "Observation.valueQuantity",
                              "E. coli, urine, 2026-11-19: meropenem MIC 2 mg/L (S)"}},
                            {MeroRec("MIC at the top of the range")})};
             }},
        Case{"ICU patient, 30-min meropenem, no isolate: warning",
             [] {
               PatientSnapshot s = Mero(30);
               s.severity.icu = true;
               s.icu = IcuStatus{true, "enc1", "Encounter.location[0]: 'MICU 4'"};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Expected(
                   ExtInfusionMeta(), {Ref("m", "Merrem 1 g")},
                   {"meropenem", "standard infusion: give as a 3-h extended infusion", "", ""},
                   {DraftEv("m", "Merrem 1 g"),
                    Infusion("m", "30"),
                    {"Encounter/enc1", "Encounter",
                     "Severe: ICU (Encounter.location[0]: 'MICU 4')"}},
                   {MeroRec("Severe infection")}, {}, Indicator::kWarning)};
             }},
        Case{"septic imipenem without infusion data: info with a missing-data note",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {
                   Dosed(Draft("i", "Primaxin 500 mg", ImipenemClass()), 500, "mg", 6)};
               s.conditions = {Condition("sep", "Septic shock",
                                         {ConditionGroup::kSepsis, ConditionGroup::kSepticShock})};
               s.severity.sepsis_or_septic_shock = true;
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               Recommendation r;
               r.label = "Imipenem-cilastatin 500 mg IV q6h over 3 h";
               r.text =
                   "Severe infection: extended infusion keeps concentrations above the MIC for "
                   "longer (IDSA 2024 Table 1).";
               r.medications = {dosing::ImipenemExtendedInfusion()};
               return std::vector<Finding>{
                   Expected(ExtInfusionMeta(), {Ref("i", "Primaxin 500 mg")},
                            {"imipenem-cilastatin",
                             "standard infusion: give as a 3-h extended infusion", "", ""},
                            {DraftEv("i", "Primaxin 500 mg"),
                             {"Condition/sep", "Condition.code",
                              "Severe: sepsis/septic shock: Septic shock"}},
                            {r}, {kNoTime})};
             }},
        Case{"P. aeruginosa meropenem MIC >=16: carbapenem unreliable",
             [] {
               PatientSnapshot s = Mero(30);
               Isolate i = MakeIsolate("pa", "P. aeruginosa", PAeruginosa(), SpecimenType::kUrine);
               i.susceptibilities = {Susc("mic2", Agent::kMeropenem, Interpretation::kResistant, 16,
                                          fhir::Comparator::kGreaterOrEqual)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               Recommendation r;
               r.label = "Cancel meropenem; choose an agent per susceptibility";
               r.text =
                   "A meropenem MIC above 8 mg/L is beyond what extended infusion can cover: do "
                   "not rely on a carbapenem. Choose an agent per susceptibility (CRE or DTR-P. "
                   "aeruginosa guidance).";
               return std::vector<Finding>{
                   Expected(ExtInfusionMeta(), {Ref("m", "Merrem 1 g")},
                            {"meropenem", "carbapenem unreliable at this MIC", "P. aeruginosa",
                             "meropenem MIC >=16 mg/L"},
                            {DraftEv("m", "Merrem 1 g"),
                             Infusion("m", "30"),
                             {"Observation/mic2", "Observation.valueQuantity",
                              "P. aeruginosa, urine, 2026-11-19: meropenem MIC >=16 mg/L (R)"}},
                            {r})};
             }},
        Case{"3-h infusion in the ICU does not fire",
             [] {
               PatientSnapshot s = Mero(180);
               s.severity.icu = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"E. coli MIC <=0.25, not severe, does not fire",
             [] {
               PatientSnapshot s = Mero(30);
               s.isolates = {UrineEColi(0.25, fhir::Comparator::kLessOrEqual)};
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"dosage text 'extended infusion' without duration does not fire",
             [] {
               PatientSnapshot s = Mero(std::nullopt);
               s.draft_orders[0].request.dosage_instruction[0].text =
                   "2 g IV q8h extended infusion";
               s.severity.icu = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"meropenem-vaborbactam only: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v", "Vabomere", MevClass())};
               s.severity.icu = true;
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"empty snapshot: not applicable", [] { return Base(); },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(ExtInfusionMetaTest, IsInfoAndCitesIdsa) {
  EXPECT_EQ(ExtInfusionMeta().id, "ext-infusion");
  EXPECT_EQ(ExtInfusionMeta().catalogue_id, "R11");
  EXPECT_EQ(ExtInfusionMeta().default_indicator, Indicator::kInfo);
  EXPECT_EQ(ExtInfusionMeta().citation.key, "IDSA24");
}

}  // namespace
}  // namespace cds::engine::rules
