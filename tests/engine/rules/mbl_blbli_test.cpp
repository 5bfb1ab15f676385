#include "engine/rules/resistance/mbl_blbli.hpp"

#include <gtest/gtest.h>

#include "engine/rules/resistance/products_resistance.hpp"
#include "resistance_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

std::vector<Recommendation> Recs(const PatientSnapshot& s) {
  std::vector<Recommendation> recs = resistance::CreRecommendations(s, true, false);
  Recommendation aza;
  aza.label = "Switch to aztreonam-avibactam (where available)";
  aza.text =
      "Aztreonam-avibactam 2.67 g IV loading dose, then 2 g IV q6h, each dose over 3 h (no "
      "verified RxNorm code: the order is created from text).";
  aza.medications = {resistance::AztreonamAvibactam()};
  recs.push_back(aza);
  return recs;
}

Isolate NdmKpn() {
  Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  i.mechanisms = {Mech("ndm", Mechanism::kNdm), Mech("kpc", Mechanism::kKpc, false)};
  return i;
}

MechanismResult UnlinkedVim() {
  MechanismResult m = Mech("vim", Mechanism::kVim);
  m.link = LinkMethod::kNone;
  fhir::DateTime t;
  t.start = kNow - days(1);
  t.text = "2026-11-22T08:00:00Z";
  m.time = t;
  return m;
}

constexpr const char* kProblem = "inactive against metallo-beta-lactamase producers";

class MblBlbliTest : public ::testing::TestWithParam<Case> {};
TEST_P(MblBlbliTest, Table) { CheckCase(GetParam(), MblBlbliMeta(), &EvaluateMblBlbli); }

INSTANTIATE_TEST_SUITE_P(
    R06, MblBlbliTest,
    ::testing::Values(
        // ---- FIRES ----
        Case{"ceftazidime-avibactam alone for an NDM K pneumoniae",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Avycaz 2.5 g", Cza())};
               s.isolates = {NdmKpn()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(MblBlbliMeta(), {RefOf("c1", "Avycaz 2.5 g")},
                              {"ceftazidime-avibactam", kProblem, "K. pneumoniae", "NDM detected"},
                              {DraftEv("c1", "Avycaz 2.5 g"),
                               MechEv("ndm", "K. pneumoniae, blood, 2026-11-20: NDM detected")},
                              Recs(Base()))}},
        Case{"meropenem-vaborbactam with an unlinked rapid VIM result, aztreonam does not rescue",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("v1", "Vabomere 4 g", Mev()),
                                 Draft("a1", "Aztreonam 2 g", Aztreonam())};
               s.unlinked_mechanisms = {UnlinkedVim()};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {ExpectedFinding(MblBlbliMeta(), {RefOf("v1", "Vabomere 4 g")},
                              {"meropenem-vaborbactam", kProblem, "", "VIM detected"},
                              {DraftEv("v1", "Vabomere 4 g"),
                               MechEv("vim", "Unlinked result, 2026-11-22: VIM detected")},
                              Recs(Base()))}},
        // ---- DOES NOT FIRE ----
        Case{"ceftazidime-avibactam + aztreonam is the recommended regimen",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Avycaz 2.5 g", Cza())};
               s.active_medications = {Active("a1", "Aztreonam 2 g q8h", Aztreonam())};
               s.isolates = {NdmKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"KPC only",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Avycaz 2.5 g", Cza())};
               Isolate i = MakeIsolate("org1", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
               i.mechanisms = {Mech("kpc", Mechanism::kKpc), Mech("ndm", Mechanism::kNdm, false)};
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        // ---- NOT APPLICABLE ----
        Case{"no draft CZA, MEV or IMR",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("f1", "Fetroja 2 g", Cefiderocol())};
               s.isolates = {NdmKpn()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}},
        Case{"MBL result older than the lookback",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("c1", "Avycaz 2.5 g", Cza())};
               Isolate i = NdmKpn();
               i.collected->start = kNow - days(31);
               s.isolates = {i};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
