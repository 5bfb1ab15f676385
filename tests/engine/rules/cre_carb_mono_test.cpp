#include "engine/rules/resistance/cre_carb_mono.hpp"

#include <gtest/gtest.h>

#include "engine/rules/products.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)
using resistance::CreRecommendations;

constexpr const char* kProblem = "carbapenem monotherapy for carbapenem-resistant Enterobacterales";

Isolate KpcKpn() {
  Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kResistant, 16)};
  i.mechanisms = {Mech("kpc", Mechanism::kKpc)};
  return i;
}

Finding Fired(std::vector<OrderRef> orders, Problem problem, std::vector<Evidence> evidence,
              std::vector<Recommendation> recs, std::vector<std::string> missing = {}) {
  return ExpectedFinding(CreCarbMonoMeta(), std::move(orders), std::move(problem),
                         std::move(evidence), std::move(recs), std::move(missing));
}

const Evidence kMeroR =
    MicEv("mero", "K. pneumoniae, blood, 2026-11-20: meropenem MIC 16 mg/L (R)");
const Evidence kKpc = MechEv("kpc", "K. pneumoniae, blood, 2026-11-20: KPC detected");

class CreCarbMonoTest : public ::testing::TestWithParam<Case> {};
TEST_P(CreCarbMonoTest, Table) { CheckCase(GetParam(), CreCarbMonoMeta(), &EvaluateCreCarbMono); }

INSTANTIATE_TEST_SUITE_P(
    R01, CreCarbMonoTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{"KPC K pneumoniae meropenem R, meropenem alone",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g IV q8h", Meropenem())};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired({RefOf("m1", "Meropenem 1 g IV q8h")},
                    {"meropenem", kProblem, "K. pneumoniae", "KPC detected"},
                    {DraftEv("m1", "Meropenem 1 g IV q8h"), kMeroR, kKpc},
                    CreRecommendations(Base(), false, false))}},
        Case{"meropenem with an inactive second agent and an untested one is still monotherapy",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g IV q8h", Meropenem()),
                                 Draft("t1", "Tigecycline 100 mg", Tigecycline())};
               s.active_medications = {Active("a1", "Amikacin 1 g IV", Amikacin()),
                                       Active("v1", "Vancomycin 1 g", Vancomycin())};
               Isolate i = KpcKpn();
               i.susceptibilities.push_back(
                   Sus("amk", Agent::kAmikacin, Interpretation::kResistant));
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired({RefOf("m1", "Meropenem 1 g IV q8h")},
                    {"meropenem", kProblem, "K. pneumoniae", "KPC detected"},
                    {DraftEv("m1", "Meropenem 1 g IV q8h"),
                     kMeroR,
                     kKpc,
                     {"MedicationRequest/t1", "MedicationRequest.medication",
                      "Draft order: Tigecycline 100 mg: no susceptibility result for this isolate"},
                     {"MedicationRequest/a1", "MedicationRequest.medication",
                      "Active MedicationRequest: Amikacin 1 g IV: amikacin (R) for this isolate"}},
                    CreRecommendations(Base(), false, false),
                    {"tigecycline: no susceptibility result for K. pneumoniae, blood, 2026-11-20; "
                     "not counted as an active second agent."})}},
        Case{
            "NDM E coli imipenem alone: MBL regimen (R06) with cefiderocol q6h at CrCl 130",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("i1", "Imipenem-cilastatin 500 mg", Imipenem())};
              Isolate i = MakeIsolate("org2", Ecoli(), "E. coli", SpecimenType::kUrine, 10);
              i.susceptibilities = {Sus("imi", Agent::kImipenemCilastatin,
                                        Interpretation::kResistant, 8,
                                        fhir::Comparator::kGreaterOrEqual)};
              i.mechanisms = {Mech("ndm", Mechanism::kNdm)};
              s.isolates = {i};
              LabValue crcl;
              crcl.value = 130;
              crcl.unit = "mL/min";
              s.labs.measured_crcl = crcl;
              return s;
            },
            RuleOutcome::Kind::kFired,
            [] {
              PatientSnapshot s = Base();
              LabValue crcl;
              crcl.value = 130;
              s.labs.measured_crcl = crcl;
              std::vector<Recommendation> recs = CreRecommendations(s, true, false);
              EXPECT_EQ(recs[1].medications[0].period, 6);
              return std::vector<Finding>{Fired(
                  {RefOf("i1", "Imipenem-cilastatin 500 mg")},
                  {"imipenem-cilastatin", kProblem, "E. coli", "NDM detected"},
                  {DraftEv("i1", "Imipenem-cilastatin 500 mg"),
                   MicEv("imi", "E. coli, urine, 2026-11-13: imipenem-cilastatin MIC >=8 mg/L (R)"),
                   MechEv("ndm", "E. coli, urine, 2026-11-13: NDM detected")},
                  recs)};
            }()},
        Case{"ertapenem for ertapenem-R E coli without a carbapenemase test fires (section 0)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Invanz 1 g", Ertapenem())};
               Isolate i = MakeIsolate("org3", Ecoli(), "E. coli", SpecimenType::kUrine);
               i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible,
                                         0.25, fhir::Comparator::kLessOrEqual),
                                     Sus("erta", Agent::kErtapenem, Interpretation::kResistant, 2)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired({RefOf("e1", "Invanz 1 g")},
                    {"ertapenem", kProblem, "E. coli", "ertapenem MIC 2 mg/L (R)"},
                    {DraftEv("e1", "Invanz 1 g"),
                     MicEv("mero", "E. coli, urine, 2026-11-20: meropenem MIC <=0.25 mg/L (S)"),
                     MicEv("erta", "E. coli, urine, 2026-11-20: ertapenem MIC 2 mg/L (R)")},
                    CreRecommendations(Base(), false, false))}},
        Case{"OXA-48 detected on a preliminary Gram-negative rods blood culture",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 2 g", Meropenem())};
               Isolate i =
                   MakeIsolate("org4", Gnr(), "Gram-negative rods", SpecimenType::kBlood, 1);
               i.preliminary = true;
               i.mechanisms = {Mech("oxa", Mechanism::kOxa48Like)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired({RefOf("m1", "Meropenem 2 g")},
                    {"meropenem", kProblem, "Gram-negative rods", "OXA-48-like detected"},
                    {DraftEv("m1", "Meropenem 2 g"),
                     MechEv("oxa",
                            "Gram-negative rods, blood, 2026-11-22 (preliminary): "
                            "OXA-48-like detected")},
                    CreRecommendations(Base(), false, true))}},
        // ---- DOES NOT FIRE ----
        Case{"susceptible organism: no CRE",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
               i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible,
                                         0.25, fhir::Comparator::kLessOrEqual),
                                     Sus("erta", Agent::kErtapenem, Interpretation::kSusceptible,
                                         0.5, fhir::Comparator::kLessOrEqual)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"combination with an in-vitro-active second agent is not monotherapy",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               s.active_medications = {Active("a1", "Amikacin 1 g IV", Amikacin())};
               Isolate i = KpcKpn();
               i.susceptibilities.push_back(
                   Sus("amk", Agent::kAmikacin, Interpretation::kSusceptible, 4));
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"meropenem plus untested ceftazidime-avibactam for KPC: CZA expected active",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem()),
                                 Draft("c1", "Avycaz 2.5 g", Cza())};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"two carbapenems do not make a combination",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               s.active_medications = {Active("e9", "Ertapenem 1 g", Ertapenem())};
               Isolate i = KpcKpn();
               i.susceptibilities.push_back(
                   Sus("erta", Agent::kErtapenem, Interpretation::kSusceptible));
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Fired({RefOf("m1", "Meropenem 1 g")},
                    {"meropenem", kProblem, "K. pneumoniae", "KPC detected"},
                    {DraftEv("m1", "Meropenem 1 g"), kMeroR,
                     InterpEv("erta", "K. pneumoniae, blood, 2026-11-20: ertapenem (S)"), kKpc},
                    CreRecommendations(Base(), false, false))}},
        Case{"exception phenotype, carbapenemase negative, ertapenem order: R01b not R01",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("e1", "Ertapenem 1 g", Ertapenem())};
               Isolate i = MakeIsolate("org3", Ecoli(), "E. coli", SpecimenType::kUrine);
               i.susceptibilities = {
                   Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible, 0.5),
                   Sus("imi", Agent::kImipenemCilastatin, Interpretation::kSusceptible, 1),
                   Sus("erta", Agent::kErtapenem, Interpretation::kResistant, 2)};
               i.mechanisms = {Mech("cim", Mechanism::kCarbapenemase, false)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"meropenem for an ertapenem-only resistant isolate: section 0, no R01",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = MakeIsolate("org3", Ecoli(), "E. coli", SpecimenType::kUrine);
               i.susceptibilities = {
                   Sus("mero", Agent::kMeropenem, Interpretation::kSusceptible, 0.5),
                   Sus("erta", Agent::kErtapenem, Interpretation::kResistant, 2)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"preliminary Gram-negative rods, text only: no CRE",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i =
                   MakeIsolate("org4", Gnr(), "Gram-negative rods", SpecimenType::kBlood, 0);
               i.preliminary = true;
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"stopped carbapenem draft is ignored",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               s.draft_orders[0].request.status = "cancelled";
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"meropenem-vaborbactam for KPC CRE: no draft plain carbapenem",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vabomere 4 g", Mev())};
               s.isolates = {KpcKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"isolate older than the 30-day lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = KpcKpn();
               i.collected->start = kNow - days(31);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"isolate without a collection date",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = KpcKpn();
               i.collected.reset();
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"only a P aeruginosa isolate",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
               Isolate i = MakeIsolate("pa", Pae(), "P. aeruginosa", SpecimenType::kRespiratory);
               i.susceptibilities = {Sus("mero", Agent::kMeropenem, Interpretation::kResistant)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"empty snapshot", [] { return Base(); }, RuleOutcome::Kind::kNotApplicable, {}}),
    CaseName);

TEST(CreCarbMonoMetaTest, CriticalSupersedesStewardAndExtInfusion) {
  const RuleMeta& m = CreCarbMonoMeta();
  EXPECT_EQ(m.id, "cre-carb-mono");
  EXPECT_EQ(m.catalogue_id, "R01");
  EXPECT_EQ(m.default_indicator, Indicator::kCritical);
  EXPECT_EQ(m.supersedes, (std::vector<std::string>{"carb-steward", "ext-infusion"}));
  EXPECT_EQ(m.citation.key, "IDSA24");
}

TEST(CreCarbMonoMetaTest, ConfiguredLookbackIsHonoured) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("m1", "Meropenem 1 g", Meropenem())};
  s.isolates = {KpcKpn()};  // 3 days old
  RuleSetConfig config;
  config.rules["R01"].lookbacks["isolate"] = days(2);
  const RuleConfig resolved = ResolveRuleConfig(CreCarbMonoMeta(), config);
  EXPECT_EQ(EvaluateCreCarbMono(s, RuleContext{.now = kNow, .config = &resolved}).kind(),
            RuleOutcome::Kind::kNotApplicable);
}

}  // namespace
}  // namespace cds::engine::rules
