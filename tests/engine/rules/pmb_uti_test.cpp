#include "engine/rules/site/pmb_uti.hpp"

#include <gtest/gtest.h>

#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kPmb = "polymyxin B 1.5 mg/kg IV q12h";
const std::string kWhy =
    "For cystitis caused by CRE or difficult-to-treat-resistant P. aeruginosa, when a polymyxin "
    "is used, colistin is preferred over polymyxin B: colistin is given as its prodrug "
    "colistimethate, which is cleared by the kidneys and converted to its active form (colistin) "
    "in the urinary tract, whereas polymyxin B is cleared mainly by non-renal routes and reaches "
    "low urinary concentrations. Route colistin dosing through pharmacy. Note: the catalogue "
    "marks the wording of this IDSA 2024 recommendation UNVERIFIED (taken from a recollection of "
    "the guidance, not checked against its text).";
const char* kProblem = "cystitis: colistin is preferred over polymyxin B";

std::vector<Recommendation> Recs() {
  return {Rec("If a polymyxin is needed for cystitis, use colistin instead of polymyxin B", kWhy)};
}

Isolate UrineKpc() {
  Isolate iso = MakeIsolate("uc1", "K. pneumoniae", Kpneumoniae(), SpecimenType::kUrine, 2);
  iso.susceptibilities = {Susc("s1", Agent::kMeropenem, Interpretation::kResistant, 16),
                          Susc("s2", Agent::kGentamicin, Interpretation::kResistant, 16)};
  iso.mechanisms = {Mech("m1", Mechanism::kKpc, true)};
  return iso;
}

Isolate UrineDtrPa() {
  Isolate iso = MakeIsolate("uc2", "P. aeruginosa", Paeruginosa(), SpecimenType::kUrine, 1);
  iso.susceptibilities = {Susc("p1", Agent::kPiperacillinTazobactam, Interpretation::kResistant),
                          Susc("p2", Agent::kCefepime, Interpretation::kResistant),
                          Susc("p3", Agent::kMeropenem, Interpretation::kResistant, 16),
                          Susc("p4", Agent::kCiprofloxacin, Interpretation::kResistant)};
  return iso;
}

ActiveCondition Cystitis() {
  return Cond("cys", "Acute cystitis without hematuria", kIcd, "N30.00", {ConditionGroup::kUti});
}

class PmbUtiTest : public ::testing::TestWithParam<Case> {};
TEST_P(PmbUtiTest, Table) { CheckCase(GetParam(), PmbUtiMeta(), &EvaluatePmbUti); }

INSTANTIATE_TEST_SUITE_P(
    R17, PmbUtiTest,
    ::testing::Values(
        Case{"polymyxin B for KPC cystitis fires",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {Cystitis()};
               s.isolates = {UrineKpc()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(PmbUtiMeta(), {Ref("pmb", kPmb)},
                     {"polymyxin B", kProblem, "K. pneumoniae", "Acute cystitis without hematuria"},
                     {DraftEv("pmb", kPmb),
                      {"Observation/uc1", "Observation.valueCodeableConcept",
                       "CRE isolate: K. pneumoniae, urine, 2026-11-20: meropenem MIC 16 mg/L (R) "
                       "and KPC detected"},
                      CondEv("cys", "Active condition: Acute cystitis without hematuria (N30.00)")},
                     Recs())}},
        Case{"polymyxin B for DTR-PA cystitis named in text only fires",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {
                   Cond("cys", "Cystitis", kSnomed, "38822007", {ConditionGroup::kUti})};
               s.isolates = {UrineDtrPa()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(PmbUtiMeta(), {Ref("pmb", kPmb)},
                     {"polymyxin B", kProblem, "P. aeruginosa", "Cystitis"},
                     {DraftEv("pmb", kPmb),
                      {"Observation/uc2", "Observation.valueCodeableConcept",
                       "DTR-P. aeruginosa isolate: P. aeruginosa, urine, 2026-11-21: "
                       "piperacillin-tazobactam R, cefepime R, meropenem MIC 16 mg/L (R) and "
                       "ciprofloxacin R"},
                      CondEv("cys", "Active condition: Cystitis (38822007)")},
                     Recs())}},
        Case{"polymyxin B for KPC pyelonephritis does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {Cystitis(), Cond("pyelo", "Acute pyelonephritis", kIcd, "N10",
                                                {ConditionGroup::kUti})};
               s.isolates = {UrineKpc()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"polymyxin B for KPC cystitis with a positive blood culture does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {Cystitis()};
               Isolate blood = UrineKpc();
               blood.observation_id = "bc1";
               blood.specimen_type = SpecimenType::kBlood;
               blood.culture_kind = LabKind::kBloodCulture;
               s.isolates = {UrineKpc(), blood};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"polymyxin B for cystitis with a carbapenem-susceptible isolate does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {Cystitis()};
               Isolate iso = UrineKpc();
               iso.susceptibilities = {Susc("s1", Agent::kMeropenem, Interpretation::kSusceptible)};
               iso.mechanisms.clear();
               s.isolates = {iso};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"colistimethate for KPC cystitis: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("cms", "colistimethate", Colistimethate())};
               s.conditions = {Cystitis()};
               s.isolates = {UrineKpc()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"polymyxin B without any isolate: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("pmb", kPmb, PolymyxinB())};
               s.conditions = {Cystitis()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
