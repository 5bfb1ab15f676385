#include "engine/rules/resistance/cre_polymyxin.hpp"

#include <gtest/gtest.h>

#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

Isolate KpcKpn(SpecimenType specimen = SpecimenType::kBlood) {
  Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", specimen);
  i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kResistant, 16)};
  i.mechanisms = {Mech("kpc", Mechanism::kKpc)};
  return i;
}

std::vector<Recommendation> Recs() {
  std::vector<Recommendation> recs = resistance::CreRecommendations(Base(), false, false);
  Recommendation keep;
  keep.label = "If a polymyxin must be used: give >= 2 in-vitro-active drugs";
  keep.text =
      "If a polymyxin, aminoglycoside, tigecycline or fosfomycin must be used for severe CRE "
      "infection, combine at least two drugs active in vitro; route polymyxin dosing through "
      "pharmacy (international consensus 2019).";
  keep.cancel_problem_order = false;
  recs.push_back(keep);
  return recs;
}

ActiveCondition Condition(std::string id, std::string code, std::string text) {
  ActiveCondition c;
  c.id = std::move(id);
  c.code.text = text;
  fhir::Coding coding;
  coding.system = std::string(kIcd10CmSystem);
  coding.code = std::move(code);
  coding.display = std::move(text);
  c.code.coding = {coding};
  c.groups = ConditionGroupSet{ConditionGroup::kUti};
  c.clinical_status = "active";
  return c;
}

constexpr const char* kOnly = "polymyxin as the only active agent in severe CRE infection";
constexpr const char* kPreferred = "polymyxin for CRE: a newer beta-lactam agent is preferred";
const Evidence kMeroBlood =
    MicEv("mero", "K. pneumoniae, blood, 2026-11-20: meropenem MIC 16 mg/L (R)");
const Evidence kKpcBlood = MechEv("kpc", "K. pneumoniae, blood, 2026-11-20: KPC detected");
const Evidence kMeroUrine =
    MicEv("mero", "K. pneumoniae, urine, 2026-11-20: meropenem MIC 16 mg/L (R)");
const Evidence kKpcUrine = MechEv("kpc", "K. pneumoniae, urine, 2026-11-20: KPC detected");

class CrePolymyxinTest : public ::testing::TestWithParam<Case> {};
TEST_P(CrePolymyxinTest, Table) {
  CheckCase(GetParam(), CrePolymyxinMeta(), &EvaluateCrePolymyxin);
}

INSTANTIATE_TEST_SUITE_P(
    R02, CrePolymyxinTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{"severe (positive blood culture), colistimethate the only active agent: critical",
             [] {
               PatientSnapshot s = Base();
               s.severity.positive_blood_culture = true;
               s.positive_blood_culture_ids = {"org1"};
               s.draft_orders = {
                   Draft("c1", "Colistimethate 150 mg", Polymyxin(Agent::kColistimethate))};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(CrePolymyxinMeta(), {RefOf("c1", "Colistimethate 150 mg")},
                              {"colistimethate", kOnly, "K. pneumoniae", "KPC detected"},
                              {DraftEv("c1", "Colistimethate 150 mg"),
                               kMeroBlood,
                               kKpcBlood,
                               {"Observation/org1", "Observation.valueCodeableConcept",
                                "Severe: positive blood culture"}},
                              Recs(), {}, Indicator::kCritical)}},
        Case{"severe with an in-vitro-active aminoglycoside: warning",
             [] {
               PatientSnapshot s = Base();
               s.severity.icu = true;
               s.icu = IcuStatus{true, "enc1", "Encounter.class: ICU"};
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB))};
               s.active_medications = {Active("a1", "Amikacin 1 g", Amikacin())};
               Isolate i = KpcKpn();
               i.susceptibilities.push_back(
                   Sus("amk", Agent::kAmikacin, Interpretation::kSusceptible, 4));
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 CrePolymyxinMeta(), {RefOf("p1", "Polymyxin B")},
                 {"polymyxin-b", kPreferred, "K. pneumoniae", "KPC detected"},
                 {DraftEv("p1", "Polymyxin B"),
                  kMeroBlood,
                  kKpcBlood,
                  {"MedicationRequest/a1", "MedicationRequest.medication",
                   "Active MedicationRequest: Amikacin 1 g: amikacin MIC 4 mg/L (S) for this "
                   "isolate"},
                  {"Encounter/enc1", "Encounter.location",
                   "Severe: ICU encounter (Encounter.class: ICU)"}},
                 Recs())}},
        Case{"colistin for a generic UTI (N39.0) is not the cystitis exception: warning",
             [] {
               PatientSnapshot s = Base();
               s.conditions = {Condition("uti", "N39.0", "Urinary tract infection")};
               s.draft_orders = {Draft("c1", "Colistin", Polymyxin(Agent::kColistin))};
               s.isolates = {KpcKpn(SpecimenType::kUrine)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(CrePolymyxinMeta(), {RefOf("c1", "Colistin")},
                              {"colistin", kPreferred, "K. pneumoniae", "KPC detected"},
                              {DraftEv("c1", "Colistin"), kMeroUrine, kKpcUrine}, Recs())}},
        Case{"polymyxin B for cystitis is not covered by the colistin exception",
             [] {
               PatientSnapshot s = Base();
               s.conditions = {Condition("cy", "N30.00", "Acute cystitis")};
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB))};
               s.isolates = {KpcKpn(SpecimenType::kUrine)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(CrePolymyxinMeta(), {RefOf("p1", "Polymyxin B")},
                              {"polymyxin-b", kPreferred, "K. pneumoniae", "KPC detected"},
                              {DraftEv("p1", "Polymyxin B"), kMeroUrine, kKpcUrine}, Recs())}},
        Case{"colistin for cystitis with pyelonephritis too: warning",
             [] {
               PatientSnapshot s = Base();
               s.conditions = {Condition("cy", "N30.00", "Acute cystitis"),
                               Condition("py", "N10", "Acute pyelonephritis")};
               s.draft_orders = {Draft("c1", "Colistin", Polymyxin(Agent::kColistin))};
               s.isolates = {KpcKpn(SpecimenType::kUrine)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(CrePolymyxinMeta(), {RefOf("c1", "Colistin")},
                              {"colistin", kPreferred, "K. pneumoniae", "KPC detected"},
                              {DraftEv("c1", "Colistin"), kMeroUrine, kKpcUrine}, Recs())}},
        // ---- DOES NOT FIRE ----
        Case{"colistin for cystitis as a last resort",
             [] {
               PatientSnapshot s = Base();
               s.conditions = {Condition("cy", "N30.00", "Acute cystitis without hematuria")};
               s.draft_orders = {Draft("c1", "Colistin", Polymyxin(Agent::kColistin))};
               s.isolates = {KpcKpn(SpecimenType::kUrine)};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"susceptible organism",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Colistin", Polymyxin(Agent::kColistin))};
               Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
               i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"topical polymyxin is not a polymyxin order",
             [] {
               PatientSnapshot s = Base();
               MedicationClass eye = Polymyxin(Agent::kPolymyxinB);
               eye.non_systemic_hint = true;
               s.draft_orders = {Draft("e1", "Polymyxin B ophthalmic", eye)};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"isolate older than the lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Colistin", Polymyxin(Agent::kColistin))};
               Isolate i = KpcKpn();
               i.collected->start = kNow - days(60);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no polymyxin draft",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem", Meropenem())};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(CrePolymyxinCystitisTest, OnlyAffirmedUncomplicatedCystitis) {
  PatientSnapshot s = Base();
  s.conditions = {Condition("a", "N39.0", "UTI")};
  EXPECT_FALSE(IsUncomplicatedCystitis(s));
  s.conditions = {Condition("a", "N30.00", "Acute cystitis")};
  EXPECT_TRUE(IsUncomplicatedCystitis(s));
  s.conditions = {Condition("a", "", "Uncomplicated cystitis")};
  EXPECT_TRUE(IsUncomplicatedCystitis(s));
  s.conditions = {Condition("a", "", "Complicated cystitis")};
  EXPECT_FALSE(IsUncomplicatedCystitis(s));
  s.conditions = {Condition("a", "N30.00", "Acute cystitis"),
                  Condition("b", "T83.511A", "Infection due to indwelling urethral catheter")};
  EXPECT_FALSE(IsUncomplicatedCystitis(s));
  ActiveCondition sepsis = Condition("c", "A41.9", "Sepsis");
  sepsis.groups = ConditionGroupSet{ConditionGroup::kSepsis};
  s.conditions = {Condition("a", "N30.00", "Acute cystitis"), sepsis};
  EXPECT_FALSE(IsUncomplicatedCystitis(s));
}

}  // namespace
}  // namespace cds::engine::rules
