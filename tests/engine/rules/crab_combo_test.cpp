#include "engine/rules/resistance/crab_combo.hpp"

#include <gtest/gtest.h>

#include "engine/rules/products.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

Isolate Crab(bool meropenem_mic = true) {
  Isolate i = MakeIsolate("ab", Ab(), "A. baumannii", SpecimenType::kRespiratory);
  if (meropenem_mic) {
    i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kResistant, 16)};
  } else {
    i.susceptibilities = {Sus("imi", Agent::kImipenemCilastatin, Interpretation::kResistant)};
  }
  return i;
}

const Evidence kMeroR =
    MicEv("mero", "A. baumannii, respiratory, 2026-11-20: meropenem MIC 16 mg/L (R)");

std::vector<Recommendation> Recs() {
  auto rec = [](std::string label, std::string text, std::vector<ProposedMedication> meds) {
    Recommendation r;
    r.label = std::move(label);
    r.text = std::move(text);
    r.medications = std::move(meds);
    return r;
  };
  return {rec("Switch to sulbactam-durlobactam + imipenem-cilastatin",
              "Sulbactam-durlobactam 2 g (1 g + 1 g) IV q6h over 3 h with imipenem-cilastatin "
              "500 mg IV q6h.",
              {SulbactamDurlobactam(), ImipenemCilastatin500()}),
          rec("Switch to sulbactam-durlobactam + meropenem",
              "Sulbactam-durlobactam 2 g (1 g + 1 g) IV q6h over 3 h with meropenem 2 g IV q8h.",
              {SulbactamDurlobactam(), MeropenemExtendedInfusion()}),
          rec("Alternative: high-dose ampicillin-sulbactam + a second active agent",
              "Ampicillin-sulbactam 9 g IV q8h over 4 h (9 g sulbactam/day) plus at least one of "
              "polymyxin B, minocycline 200 mg q12h, tigecycline 200 mg load then 100 mg q12h, "
              "or cefiderocol.",
              {resistance::AmpicillinSulbactamHighDose()})};
}

Evidence Untested(const std::string& id, const std::string& text) {
  return {"MedicationRequest/" + id, "MedicationRequest.medication",
          "Draft order: " + text + ": no susceptibility result for this isolate"};
}

void Icu(PatientSnapshot& s) {
  s.severity.icu = true;
  s.icu = IcuStatus{true, "enc1", "Encounter.location[0]: 'MICU 4'"};
}
const Evidence kIcu{"Encounter/enc1", "Encounter.location",
                    "Severe: ICU encounter (Encounter.location[0]: 'MICU 4')"};

class CrabComboTest : public ::testing::TestWithParam<Case> {};
TEST_P(CrabComboTest, Table) { CheckCase(GetParam(), CrabComboMeta(), &EvaluateCrabCombo); }

INSTANTIATE_TEST_SUITE_P(
    R12, CrabComboTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{"a: polymyxin B draft with active meropenem and no sulbactam agent",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {
                   Draft("p1", "Polymyxin B 1.5 mg/kg", Polymyxin(Agent::kPolymyxinB))};
               s.active_medications = {Active("a1", "Meropenem 2 g", Meropenem())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 CrabComboMeta(), {RefOf("p1", "Polymyxin B 1.5 mg/kg")},
                 {"polymyxin-b",
                  "polymyxin + carbapenem without a sulbactam agent for CRAB (not recommended)",
                  "A. baumannii", "meropenem MIC 16 mg/L (R)"},
                 {kMeroR,
                  Untested("p1", "Polymyxin B 1.5 mg/kg"),
                  {"MedicationRequest/a1", "MedicationRequest.medication",
                   "Active MedicationRequest: Meropenem 2 g: meropenem MIC 16 mg/L (R) for this "
                   "isolate"}},
                 Recs(), {}, Indicator::kCritical)}},
        Case{"b: colistimethate + rifampin drafts",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {
                   Draft("c1", "Colistimethate 150 mg", Polymyxin(Agent::kColistimethate)),
                   Draft("r1", "Rifampin 600 mg", Rifampin())};
               s.isolates = {Crab(false)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 CrabComboMeta(),
                 {RefOf("c1", "Colistimethate 150 mg"), RefOf("r1", "Rifampin 600 mg")},
                 {"colistimethate", "polymyxin + rifampin for CRAB (not recommended)",
                  "A. baumannii", "imipenem-cilastatin (R)"},
                 {InterpEv("imi", "A. baumannii, respiratory, 2026-11-20: imipenem-cilastatin (R)"),
                  Untested("c1", "Colistimethate 150 mg"),
                  {"MedicationRequest/r1", "MedicationRequest.medication",
                   "Draft order: Rifampin 600 mg"}},
                 Recs(), {}, Indicator::kCritical)}},
        Case{"c: minocycline alone in the ICU",
             [] {
               PatientSnapshot s = Base();
               Icu(s);
               s.draft_orders = {Draft("m1", "Minocycline 200 mg", Minocycline())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(CrabComboMeta(), {RefOf("m1", "Minocycline 200 mg")},
                              {"minocycline", "single-agent therapy for severe CRAB infection",
                               "A. baumannii", "meropenem MIC 16 mg/L (R)"},
                              {kMeroR, Untested("m1", "Minocycline 200 mg"), kIcu}, Recs())}},
        Case{"c: meropenem (R) plus ampicillin-sulbactam in the ICU counts as one active agent",
             [] {
               PatientSnapshot s = Base();
               Icu(s);
               s.draft_orders = {Draft("s1", "Unasyn 9 g", AmpSulb())};
               s.active_medications = {Active("a1", "Meropenem 2 g", Meropenem())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 CrabComboMeta(), {RefOf("s1", "Unasyn 9 g")},
                 {"ampicillin-sulbactam", "single-agent therapy for severe CRAB infection",
                  "A. baumannii", "meropenem MIC 16 mg/L (R)"},
                 {kMeroR,
                  Untested("s1", "Unasyn 9 g"),
                  {"MedicationRequest/a1", "MedicationRequest.medication",
                   "Active MedicationRequest: Meropenem 2 g: meropenem MIC 16 mg/L (R) for this "
                   "isolate"},
                  kIcu},
                 Recs())}},
        // ---- DOES NOT FIRE ----
        Case{"sulbactam-durlobactam + imipenem in the ICU: the preferred regimen",
             [] {
               PatientSnapshot s = Base();
               Icu(s);
               s.draft_orders = {Draft("sd", "Xacduro 2 g", SulDur()),
                                 Draft("i1", "Imipenem-cilastatin 500 mg", Imipenem())};
               Isolate i = Crab();
               i.susceptibilities.push_back(
                   Sus("imi", Agent::kImipenemCilastatin, Interpretation::kResistant, 32));
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"sulbactam-durlobactam draft with active meropenem",
             [] {
               PatientSnapshot s = Base();
               Icu(s);
               s.draft_orders = {Draft("sd", "Xacduro 2 g", SulDur())};
               s.active_medications = {Active("a1", "Meropenem 2 g", Meropenem())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"polymyxin + meropenem + ampicillin-sulbactam: sulbactam present",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB)),
                                 Draft("s1", "Unasyn 9 g", AmpSulb())};
               s.active_medications = {Active("a1", "Meropenem 2 g", Meropenem())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"polymyxin + minocycline in the ICU: two agents",
             [] {
               PatientSnapshot s = Base();
               Icu(s);
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB)),
                                 Draft("m1", "Minocycline", Minocycline())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"single agent while not severe",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Minocycline", Minocycline())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"carbapenem-susceptible A baumannii",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB)),
                                 Draft("m1", "Meropenem", Meropenem())};
               Isolate i = MakeIsolate("ab", Ab(), "A. baumannii", SpecimenType::kRespiratory);
               i.susceptibilities = {
                   Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible, 1)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"no A baumannii isolate",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB))};
               s.isolates = {MakeIsolate("k", Kpn(), "K. pneumoniae", SpecimenType::kBlood)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"A baumannii older than the lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("p1", "Polymyxin B", Polymyxin(Agent::kPolymyxinB)),
                                 Draft("m1", "Meropenem", Meropenem())};
               Isolate i = Crab();
               i.collected->start = kNow - days(40);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no Gram-negative draft",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vancomycin", Vancomycin())};
               s.active_medications = {Active("a1", "Meropenem 2 g", Meropenem())};
               s.isolates = {Crab()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(CrabComboMetaTest, Ids) {
  EXPECT_EQ(CrabComboMeta().id, "crab-combo");
  EXPECT_EQ(CrabComboMeta().catalogue_id, "R12");
  EXPECT_EQ(CrabComboMeta().citation.key, "ESCMID22");
}

}  // namespace
}  // namespace cds::engine::rules
