#include "engine/rules/resistance/dtr_pa.hpp"

#include <gtest/gtest.h>

#include "engine/rules/products.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

// Not susceptible to everything except levofloxacin (untested).
Isolate Dtr() {
  Isolate i = MakeIsolate("pa", Pae(), "P. aeruginosa", SpecimenType::kRespiratory);
  i.susceptibilities = {Sus("tzp", Agent::kPiperacillinTazobactam, Interpretation::kResistant),
                        Sus("caz", Agent::kCeftazidime, Interpretation::kResistant),
                        Sus("fep", Agent::kCefepime, Interpretation::kIntermediate),
                        Sus("atm", Agent::kAztreonam, Interpretation::kResistant),
                        Sus("mem", Agent::kMeropenem, Interpretation::kResistant, 16),
                        Sus("ipm", Agent::kImipenemCilastatin, Interpretation::kResistant),
                        Sus("cip", Agent::kCiprofloxacin, Interpretation::kResistant)};
  return i;
}

std::vector<Recommendation> Recs() {
  auto rec = [](std::string label, std::string text, ProposedMedication m) {
    Recommendation r;
    r.label = std::move(label);
    r.text = std::move(text);
    r.medications = {std::move(m)};
    return r;
  };
  return {rec("Switch to ceftolozane-tazobactam",
              "Ceftolozane-tazobactam 3 g IV q8h, each dose over 3 h (cystitis: 1.5 g q8h over "
              "1 h).",
              resistance::CeftolozaneTazobactamHighDose()),
          rec("Switch to ceftazidime-avibactam",
              "Ceftazidime-avibactam 2.5 g IV q8h, each dose over 3 h.", CeftazidimeAvibactam()),
          rec("Switch to imipenem-cilastatin-relebactam",
              "Imipenem-cilastatin-relebactam 1.25 g IV q6h over 30 min (no verified RxNorm "
              "code: the order is created from text).",
              ImipenemRelebactam()),
          rec("Alternative: cefiderocol", "Cefiderocol 2 g IV q8h over 3 h (q6h if CrCl >= 120).",
              resistance::CefiderocolForCrCl(Base()))};
}

std::vector<Evidence> PanelEvidence() {
  const std::string h = "P. aeruginosa, respiratory, 2026-11-20: ";
  return {InterpEv("tzp", h + "piperacillin-tazobactam (R)"),
          InterpEv("caz", h + "ceftazidime (R)"),
          InterpEv("fep", h + "cefepime (I)"),
          InterpEv("atm", h + "aztreonam (R)"),
          MicEv("mem", h + "meropenem MIC 16 mg/L (R)"),
          InterpEv("ipm", h + "imipenem-cilastatin (R)"),
          InterpEv("cip", h + "ciprofloxacin (R)")};
}

std::vector<Evidence> With(Evidence first, std::vector<Evidence> rest) {
  rest.insert(rest.begin(), std::move(first));
  return rest;
}

class DtrPaTest : public ::testing::TestWithParam<Case> {};
TEST_P(DtrPaTest, Table) { CheckCase(GetParam(), DtrPaMeta(), &EvaluateDtrPa); }

INSTANTIATE_TEST_SUITE_P(
    R18, DtrPaTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{
            "cefepime for DTR P aeruginosa (levofloxacin untested)",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("f1", "Cefepime 2 g", Cefepime())};
              s.isolates = {Dtr()};
              return s;
            },
            RuleOutcome::Kind::kFired,
            {ExpectedFinding(DtrPaMeta(), {RefOf("f1", "Cefepime 2 g")},
                             {"cefepime", "difficult-to-treat P. aeruginosa: not a preferred agent",
                              "P. aeruginosa", "not susceptible to all first-line agents"},
                             With(DraftEv("f1", "Cefepime 2 g"), PanelEvidence()), Recs(),
                             {"levofloxacin: not tested for P. aeruginosa, respiratory, "
                              "2026-11-20; DTR judged on the other agents."})}},
        Case{"meropenem for P aeruginosa with meropenem MIC 4 (not DTR)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = MakeIsolate("pa", Pae(), "P. aeruginosa", SpecimenType::kBlood);
               i.susceptibilities = {
                   Sus("fep", Agent::kCefepime, Interpretation::kSusceptible, 2),
                   Sus("mem", Agent::kMeropenem, Interpretation::kIntermediate, 4)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 DtrPaMeta(), {RefOf("m1", "Meropenem 1 g")},
                 {"meropenem", "carbapenem for P. aeruginosa with meropenem/imipenem MIC >= 4",
                  "P. aeruginosa", "carbapenem MIC >= 4 or not susceptible"},
                 {DraftEv("m1", "Meropenem 1 g"),
                  MicEv("fep", "P. aeruginosa, blood, 2026-11-20: cefepime MIC 2 mg/L (S)"),
                  MicEv("mem", "P. aeruginosa, blood, 2026-11-20: meropenem MIC 4 mg/L (I)")},
                 Recs())}},
        // ---- DOES NOT FIRE ----
        Case{"ceftolozane-tazobactam for DTR P aeruginosa",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("t1", "Zerbaxa 3 g", Ct())};
               s.isolates = {Dtr()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"amikacin added to an active ceftazidime-avibactam backbone",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("a1", "Amikacin", Amikacin())};
               s.active_medications = {Active("c1", "Avycaz", Cza())};
               s.isolates = {Dtr()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"aztreonam susceptible: not DTR",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("f1", "Cefepime 2 g", Cefepime())};
               Isolate i = Dtr();
               i.susceptibilities[3] = Sus("atm", Agent::kAztreonam, Interpretation::kSusceptible);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"piperacillin-tazobactam untested: no evidence of DTR",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("f1", "Cefepime 2 g", Cefepime())};
               Isolate i = Dtr();
               i.susceptibilities.erase(i.susceptibilities.begin());
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"susceptible P aeruginosa",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = MakeIsolate("pa", Pae(), "P. aeruginosa", SpecimenType::kBlood);
               i.susceptibilities = {
                   Sus("mem", Agent::kMeropenem, Interpretation::kSusceptible, 0.5)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"no P aeruginosa isolate",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("f1", "Cefepime 2 g", Cefepime())};
               s.isolates = {MakeIsolate("k", Kpn(), "K. pneumoniae", SpecimenType::kBlood)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"P aeruginosa older than the lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("f1", "Cefepime 2 g", Cefepime())};
               Isolate i = Dtr();
               i.collected->start = kNow - days(31);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no Gram-negative draft",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vancomycin", Vancomycin())};
               s.isolates = {Dtr()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
