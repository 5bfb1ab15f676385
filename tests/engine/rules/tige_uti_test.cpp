#include "engine/rules/site/tige_uti.hpp"

#include <gtest/gtest.h>

#include "engine/rules/site/site_common.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kTige = "tigecycline 50 mg IV";
const std::string kWhy =
    "Tigecycline and eravacycline reach low urinary concentrations. Per susceptibility, use an "
    "aminoglycoside (gentamicin or tobramycin 7 mg/kg IV once for pyelonephritis/cUTI, then "
    "pharmacokinetically guided dosing, or 5 mg/kg once for cystitis; amikacin 15 mg/kg; "
    "plazomicin 15 mg/kg) or ceftazidime-avibactam 2.5 g IV q8h over 3 h, meropenem-vaborbactam "
    "4 g IV q8h over 3 h, or imipenem-cilastatin-relebactam 1.25 g IV q6h over 30 min.";

std::vector<Recommendation> Recs(const std::string& drug, const std::string& note) {
  return {
      Rec("Cancel " + drug + "; use an aminoglycoside or a new beta-lactam/inhibitor", kWhy + note),
      site::KeepOnlyWithIdApproval(drug)};
}

Isolate UrineKp() {
  Isolate iso = MakeIsolate("uc1", "K. pneumoniae", Kpneumoniae(), SpecimenType::kUrine, 2);
  iso.susceptibilities = {Susc("s1", Agent::kGentamicin, Interpretation::kSusceptible, 1),
                          Susc("s2", Agent::kAmikacin, Interpretation::kResistant, 64),
                          Susc("s3", Agent::kCeftazidimeAvibactam, Interpretation::kSusceptible),
                          Susc("s4", Agent::kCeftriaxone, Interpretation::kResistant)};
  return iso;
}

class TigeUtiTest : public ::testing::TestWithParam<Case> {};
TEST_P(TigeUtiTest, Table) { CheckCase(GetParam(), TigeUtiMeta(), &EvaluateTigeUti); }

INSTANTIATE_TEST_SUITE_P(
    R16, TigeUtiTest,
    ::testing::Values(
        Case{"tigecycline with a UTI condition and urine culture fires",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {Cond("uti", "Pyelonephritis", kIcd, "N10", {ConditionGroup::kUti})};
               s.isolates = {UrineKp()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeUtiMeta(), {Ref("tige", kTige)},
                     {"tigecycline", "urinary tract infection: low urinary concentrations",
                      "K. pneumoniae", "Pyelonephritis"},
                     {DraftEv("tige", kTige),
                      CondEv("uti", "Active condition: Pyelonephritis (N10)"),
                      {"Observation/uc1", "Observation.valueCodeableConcept",
                       "Positive urine culture: K. pneumoniae, urine, 2026-11-20"}},
                     Recs("tigecycline",
                          " K. pneumoniae, urine, 2026-11-20: susceptible to "
                          "gentamicin and ceftazidime-avibactam."))}},
        Case{"eravacycline with only a positive urine culture (the only isolate) fires",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erav", "Xerava", Eravacycline())};
               Isolate iso = UrineKp();
               iso.susceptibilities.clear();
               s.isolates = {iso};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(TigeUtiMeta(), {Ref("erav", "Xerava")},
                     {"eravacycline", "urinary tract infection: low urinary concentrations",
                      "K. pneumoniae", "positive urine culture 2026-11-20"},
                     {DraftEv("erav", "Xerava"),
                      {"Observation/uc1", "Observation.valueCodeableConcept",
                       "Positive urine culture: K. pneumoniae, urine, 2026-11-20"}},
                     Recs("eravacycline", ""))}},
        Case{"urine culture next to a wound isolate, no UTI condition: does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.isolates = {UrineKp(),
                             MakeIsolate("w1", "E. coli", Ecoli(), SpecimenType::kOther, 1)};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"tigecycline for intra-abdominal infection does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("tige", kTige, Tigecycline())};
               s.conditions = {
                   Cond("iai", "Peritonitis", kIcd, "K65.0", {ConditionGroup::kIntraAbdominal})};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"minocycline for UTI: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mino", "minocycline", Minocycline())};
               s.conditions = {Cond("uti", "UTI", kIcd, "N39.0", {ConditionGroup::kUti})};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
