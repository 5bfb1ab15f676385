#include "engine/rules/resistance/oxa48_mev_imr.hpp"

#include <gtest/gtest.h>

#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

Isolate Oxa(std::initializer_list<Mechanism> extra = {}) {
  Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kUrine);
  i.mechanisms = {Mech("oxa", Mechanism::kOxa48Like)};
  for (Mechanism m : extra) i.mechanisms.push_back(Mech(std::string(ToString(m)), m));
  return i;
}

class Oxa48MevImrTest : public ::testing::TestWithParam<Case> {};
TEST_P(Oxa48MevImrTest, Table) { CheckCase(GetParam(), Oxa48MevImrMeta(), &EvaluateOxa48MevImr); }

INSTANTIATE_TEST_SUITE_P(
    R07, Oxa48MevImrTest,
    ::testing::Values(
        Case{"imipenem-relebactam for an OXA-48-like producer",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("i1", "Recarbrio 1.25 g", Imr())};
               s.isolates = {Oxa()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(
                 Oxa48MevImrMeta(), {RefOf("i1", "Recarbrio 1.25 g")},
                 {"imipenem-cilastatin-relebactam", "does not cover OXA-48-like carbapenemases",
                  "K. pneumoniae", "OXA-48-like detected"},
                 {DraftEv("i1", "Recarbrio 1.25 g"),
                  MechEv("oxa", "K. pneumoniae, urine, 2026-11-20: OXA-48-like detected")},
                 resistance::CreRecommendations(Base(), false, true))}},
        Case{"meropenem-vaborbactam for KPC does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vabomere 4 g", Mev())};
               Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
               i.mechanisms = {Mech("kpc", Mechanism::kKpc)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"OXA-48 with an NDM co-producer is left to R06",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vabomere 4 g", Mev())};
               s.isolates = {Oxa({Mechanism::kNdm})};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"ceftazidime-avibactam is not in scope",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Avycaz", Cza())};
               s.isolates = {Oxa()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"no carbapenemase result",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vabomere 4 g", Mev())};
               s.isolates = {MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
