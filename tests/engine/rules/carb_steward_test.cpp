#include "engine/rules/dosing/carb_steward.hpp"

#include <gtest/gtest.h>

#include "engine/rules/dosing/products_dosing.hpp"
#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

constexpr const char* kWhy = "The isolate is susceptible to a narrower agent; reserve carbapenems.";

Recommendation Rec(std::string label, ProposedMedication m) {
  Recommendation r;
  r.label = std::move(label);
  r.text = kWhy;
  r.medications = {std::move(m)};
  return r;
}

PatientSnapshot WithMero(std::vector<Isolate> isolates) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("m", "Merrem 1 g", MeropenemClass())};
  s.isolates = std::move(isolates);
  return s;
}

Isolate CroSusceptibleEColi(SpecimenType specimen = SpecimenType::kBlood) {
  Isolate i = MakeIsolate("ec", "E. coli", EColi(), specimen);
  i.susceptibilities = {Susc("cro", Agent::kCeftriaxone, Interpretation::kSusceptible, 1,
                             fhir::Comparator::kLessOrEqual),
                        Susc("mem", Agent::kMeropenem, Interpretation::kSusceptible, 0.25,
                             fhir::Comparator::kLessOrEqual)};
  i.mechanisms = {Mech("esbl", Mechanism::kEsbl, false)};
  return i;
}

Isolate EsblKleb(SpecimenType specimen) {
  Isolate i = MakeIsolate("kp", "K. pneumoniae", KPneumoniae(), specimen);
  i.susceptibilities = {
      Susc("cro2", Agent::kCeftriaxone, Interpretation::kResistant, 64,
           fhir::Comparator::kGreaterOrEqual),
      Susc("sxt", Agent::kTrimethoprimSulfamethoxazole, Interpretation::kSusceptible),
      Susc("cip", Agent::kCiprofloxacin, Interpretation::kSusceptible, 0.25),
      Susc("lvx", Agent::kLevofloxacin, Interpretation::kResistant)};
  i.mechanisms = {Mech("esbl2", Mechanism::kEsbl, true)};
  return i;
}

class CarbStewardTest : public ::testing::TestWithParam<Case> {};
TEST_P(CarbStewardTest, Table) { CheckCase(GetParam(), CarbStewardMeta(), &EvaluateCarbSteward); }

INSTANTIATE_TEST_SUITE_P(
    R14, CarbStewardTest,
    ::testing::Values(
        Case{"(a) ceftriaxone-S E. coli, ESBL not detected -> ceftriaxone",
             [] { return WithMero({CroSusceptibleEColi()}); }, RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Expected(
                   CarbStewardMeta(), {Ref("m", "Merrem 1 g")},
                   {"meropenem", "narrower agent active: ceftriaxone", "E. coli", "ceftriaxone S"},
                   {DraftEv("m", "Merrem 1 g"),
                    {"Observation/cro", "Observation.interpretation",
                     "E. coli, blood, 2026-11-19: ceftriaxone MIC <=1 mg/L (S)"},
                    {"Observation/esbl", "Observation.valueCodeableConcept",
                     "E. coli: ESBL not detected"}},
                   {Rec("Switch to ceftriaxone 2 g IV q24h", dosing::Ceftriaxone2g())})};
             }},
        Case{"(b) ESBL K. pneumoniae cUTI, TMP-SMX and cipro S -> both, TMP-SMX first",
             [] {
               PatientSnapshot s = WithMero({EsblKleb(SpecimenType::kUrine)});
               s.conditions = {Condition("uti", "Acute pyelonephritis", {ConditionGroup::kUti})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Expected(
                   CarbStewardMeta(), {Ref("m", "Merrem 1 g")},
                   {"meropenem",
                    "narrower agent active: trimethoprim-sulfamethoxazole, ciprofloxacin",
                    "K. pneumoniae", "trimethoprim-sulfamethoxazole S"},
                   {DraftEv("m", "Merrem 1 g"),
                    {"Observation/sxt", "Observation.interpretation",
                     "K. pneumoniae, urine, 2026-11-19: trimethoprim-sulfamethoxazole (S)"},
                    {"Observation/cip", "Observation.interpretation",
                     "K. pneumoniae, urine, 2026-11-19: ciprofloxacin MIC 0.25 mg/L (S)"},
                    {"Observation/esbl2", "Observation.valueCodeableConcept",
                     "K. pneumoniae: ESBL detected"}},
                   {Rec("Switch to TMP-SMX 160 mg PO q12h", dosing::TmpSmx()),
                    Rec("Switch to ciprofloxacin 500 mg PO q12h", dosing::Ciprofloxacin())})};
             }},
        Case{"(c) E. cloacae cefepime MIC 1 -> cefepime over 3 h",
             [] {
               Isolate i =
                   MakeIsolate("ecl", "E. cloacae complex", ECloacae(), SpecimenType::kBlood);
               i.susceptibilities = {
                   Susc("fep", Agent::kCefepime, Interpretation::kSusceptible, 1),
                   Susc("cro3", Agent::kCeftriaxone, Interpretation::kSusceptible, 1)};
               PatientSnapshot s = WithMero({i});
               s.draft_orders = {Draft("e", "Invanz 1 g", ErtapenemClass())};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(CarbStewardMeta(), {Ref("e", "Invanz 1 g")},
                            {"ertapenem", "narrower agent active: cefepime", "E. cloacae complex",
                             "cefepime S"},
                            {DraftEv("e", "Invanz 1 g"),
                             {"Observation/fep", "Observation.interpretation",
                              "E. cloacae complex, blood, 2026-11-19: cefepime MIC 1 mg/L (S)"}},
                            {Rec("Switch to cefepime 2 g IV q8h over 3 h",
                                 dosing::CefepimeExtendedInfusion())})};
             }},
        Case{"ESBL-E in blood (outside the urinary tract) does not fire",
             [] {
               PatientSnapshot s = WithMero({EsblKleb(SpecimenType::kBlood)});
               s.conditions = {Condition("uti", "UTI", {ConditionGroup::kUti})};
               s.severity.positive_blood_culture = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"ESBL-E urine without a UTI condition does not fire",
             [] { return WithMero({EsblKleb(SpecimenType::kUrine)}); },
             RuleOutcome::Kind::kNotFired},
        Case{"E. cloacae cefepime MIC 4 (SDD) does not fire",
             [] {
               Isolate i = MakeIsolate("ecl", "E. cloacae", ECloacae(), SpecimenType::kBlood);
               i.susceptibilities = {
                   Susc("fep", Agent::kCefepime, Interpretation::kSusceptibleDoseDependent, 4)};
               return WithMero({i});
             },
             RuleOutcome::Kind::kNotFired},
        Case{"second isolate P. aeruginosa keeps it silent",
             [] {
               Isolate pa =
                   MakeIsolate("pa", "P. aeruginosa", PAeruginosa(), SpecimenType::kRespiratory);
               pa.susceptibilities = {
                   Susc("pmem", Agent::kMeropenem, Interpretation::kSusceptible, 0.5)};
               return WithMero({CroSusceptibleEColi(), pa});
             },
             RuleOutcome::Kind::kNotFired},
        Case{"carbapenem-resistant isolate is R01 territory",
             [] {
               Isolate i = CroSusceptibleEColi();
               i.susceptibilities[1].interpretation = Interpretation::kResistant;
               return WithMero({i});
             },
             RuleOutcome::Kind::kNotFired},
        Case{"MEV is not CARB: not applicable",
             [] {
               PatientSnapshot s = WithMero({CroSusceptibleEColi()});
               s.draft_orders = {Draft("v", "Vabomere", MevClass())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no isolate: not applicable", [] { return WithMero({}); },
             RuleOutcome::Kind::kNotApplicable},
        Case{"identification without susceptibilities: not applicable",
             [] { return WithMero({MakeIsolate("ec", "E. coli", EColi(), SpecimenType::kBlood)}); },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(CarbStewardMetaTest, IsInfo) {
  EXPECT_EQ(CarbStewardMeta().id, "carb-steward");
  EXPECT_EQ(CarbStewardMeta().catalogue_id, "R14");
  EXPECT_EQ(CarbStewardMeta().default_indicator, Indicator::kInfo);
}

}  // namespace
}  // namespace cds::engine::rules
