#include "engine/rules/resistance/cre_erta_r_only.hpp"

#include <gtest/gtest.h>

#include "engine/rules/products.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

Isolate ErtaOnly(bool tested_negative, bool imipenem) {
  Isolate i = MakeIsolate("org", Ecoli(), "E. coli", SpecimenType::kUrine);
  i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible, 0.5)};
  if (imipenem) {
    i.susceptibilities.push_back(
        Sus("imi", Agent::kImipenemCilastatin, Interpretation::kSusceptible, 1));
  }
  i.susceptibilities.push_back(Sus("erta", Agent::kErtapenem, Interpretation::kResistant, 2));
  if (tested_negative) i.mechanisms = {Mech("cim", Mechanism::kCarbapenemase, false)};
  return i;
}

std::vector<Recommendation> Recs() {
  Recommendation rec;
  rec.label = "Switch to meropenem 2 g IV q8h over 3 h";
  rec.text =
      "Carbapenemase-negative, ertapenem-resistant isolate with meropenem MIC <= 1: use "
      "extended-infusion meropenem 2 g IV every 8 h, each dose over 3 h. Never ertapenem.";
  rec.medications = {MeropenemExtendedInfusion()};
  return {rec};
}

const Evidence kMero = MicEv("mero", "E. coli, urine, 2026-11-20: meropenem MIC 0.5 mg/L (S)");
const Evidence kImi =
    MicEv("imi", "E. coli, urine, 2026-11-20: imipenem-cilastatin MIC 1 mg/L (S)");
const Evidence kErta = MicEv("erta", "E. coli, urine, 2026-11-20: ertapenem MIC 2 mg/L (R)");
const Evidence kCim = MechEv("cim", "E. coli, urine, 2026-11-20: carbapenemase not detected");
constexpr const char* kResult = "ertapenem not susceptible, meropenem MIC <= 1";
constexpr const char* kNoTest =
    "No carbapenemase test (e.g. LOINC 86930-5 or KPC/NDM/VIM/IMP/OXA-48 genes) reported for "
    "this isolate; request one: a carbapenemase producer needs a newer agent, not meropenem.";
constexpr const char* kNoImi =
    "No imipenem MIC reported; the phenotype rests on the meropenem MIC alone.";
constexpr const char* kNoDuration =
    "Infusion duration not stated in the order (timing.repeat.duration); assumed to be a "
    "standard infusion.";

Finding Fired(std::string id, std::string text, std::string drug, std::string problem,
              std::vector<Evidence> ev, std::vector<std::string> missing) {
  return ExpectedFinding(CreErtaROnlyMeta(), {RefOf(id, text)},
                         {std::move(drug), std::move(problem), "E. coli", kResult}, std::move(ev),
                         Recs(), std::move(missing));
}

class CreErtaROnlyTest : public ::testing::TestWithParam<Case> {};
TEST_P(CreErtaROnlyTest, Table) {
  CheckCase(GetParam(), CreErtaROnlyMeta(), &EvaluateCreErtaROnly);
}

INSTANTIATE_TEST_SUITE_P(
    R01b, CreErtaROnlyTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{"ertapenem for a carbapenemase-negative ertapenem-only resistant E coli",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g IV", Ertapenem())};
               s.isolates = {ErtaOnly(true, true)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired("e1", "Ertapenem 1 g IV", "ertapenem",
                    "ertapenem-resistant Enterobacterales: do not use ertapenem",
                    {DraftEv("e1", "Ertapenem 1 g IV"), kMero, kImi, kErta, kCim}, {})}},
        Case{"meropenem over 30 min, no carbapenemase test, no imipenem MIC",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {
                   WithInfusion(Draft("m1", "Meropenem 1 g IV", Meropenem()), 30, "min")};
               s.isolates = {ErtaOnly(false, false)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired("m1", "Meropenem 1 g IV", "meropenem",
                    "standard infusion for ertapenem-resistant Enterobacterales",
                    {DraftEv("m1", "Meropenem 1 g IV"), kMero, kErta}, {kNoTest, kNoImi})}},
        Case{"meropenem without a stated infusion duration",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g IV", Meropenem())};
               s.isolates = {ErtaOnly(true, true)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired("m1", "Meropenem 1 g IV", "meropenem",
                    "standard infusion for ertapenem-resistant Enterobacterales",
                    {DraftEv("m1", "Meropenem 1 g IV"), kMero, kImi, kErta, kCim}, {kNoDuration})}},
        // ---- DOES NOT FIRE ----
        Case{"meropenem already infused over 3 h",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {
                   WithInfusion(Draft("m1", "Meropenem 2 g IV", Meropenem()), 3, "h")};
               s.isolates = {ErtaOnly(true, true)};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"ertapenem without a carbapenemase test: R01 fires instead",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g IV", Ertapenem())};
               s.isolates = {ErtaOnly(false, true)};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"meropenem MIC 2 is not the phenotype",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g IV", Meropenem())};
               Isolate i = ErtaOnly(true, true);
               i.susceptibilities[0] =
                   Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible, 2);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"KPC detected is not the phenotype (R01)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g IV", Meropenem())};
               Isolate i = ErtaOnly(false, true);
               i.mechanisms = {Mech("kpc", Mechanism::kKpc)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"susceptible organism",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g IV", Ertapenem())};
               Isolate i = ErtaOnly(true, true);
               i.susceptibilities[2] =
                   Sus("erta", Agent::kErtapenem, Interpretation::kSusceptible, 0.25);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"imipenem order is out of scope",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("i1", "Imipenem 500 mg", Imipenem())};
               s.isolates = {ErtaOnly(true, true)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"isolate older than the lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g IV", Ertapenem())};
               Isolate i = ErtaOnly(true, true);
               i.collected->start = kNow - days(45);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no isolate",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g IV", Ertapenem())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(CreErtaROnlyMetaTest, WarningSupersedesNothing) {
  EXPECT_EQ(CreErtaROnlyMeta().id, "cre-erta-r-only");
  EXPECT_EQ(CreErtaROnlyMeta().catalogue_id, "R01b");
  EXPECT_EQ(CreErtaROnlyMeta().default_indicator, Indicator::kWarning);
  EXPECT_TRUE(CreErtaROnlyMeta().supersedes.empty());
}

}  // namespace
}  // namespace cds::engine::rules
