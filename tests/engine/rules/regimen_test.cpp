#include "engine/rules/resistance/regimen.hpp"

#include <gtest/gtest.h>

#include "resistance_fixtures.hpp"

namespace cds::engine::rules::resistance {
namespace {

using namespace rules::testing;  // NOLINT(google-build-using-namespace)

TEST(RegimenTest, BuildsFromDraftsAndActiveAntibacterialsOnly) {
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("m1", "Meropenem", Meropenem()), Draft("x", "Keppra", MedicationClass{}),
                    Draft("c", "Cancelled amikacin", Amikacin())};
  s.draft_orders[2].request.status = "cancelled";
  MedicationClass eye = Polymyxin(Agent::kPolymyxinB);
  eye.non_systemic_hint = true;
  s.active_medications = {Active("a1", "Amikacin", Amikacin()),
                          Active("a2", "Colistin", Polymyxin(Agent::kColistin), "stopped"),
                          Active("a3", "Polymyxin B eye drops", eye),
                          Active("a4", "Vancomycin", Vancomycin())};
  const std::vector<RegimenEntry> r = BuildRegimen(s);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].reference, "MedicationRequest/m1");
  EXPECT_EQ(r[0].draft, &s.draft_orders[0]);
  EXPECT_EQ(r[1].reference, "MedicationRequest/a1");
  EXPECT_EQ(r[1].display, "Active MedicationRequest: Amikacin");
  EXPECT_EQ(r[1].draft, nullptr);
  EXPECT_EQ(r[2].reference, "MedicationRequest/a4");
  // Vancomycin is in the regimen but is not Gram-negative-active.
  Isolate iso = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  const std::vector<OtherAgent> others = OtherGramNegativeAgents(r, &s.draft_orders[0], iso);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].entry->reference, "MedicationRequest/a1");
  EXPECT_EQ(others[0].activity.activity, Activity::kUntested);
}

TEST(RegimenTest, InVitroActivityFromResults) {
  Isolate iso = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  iso.susceptibilities = {Sus("amk", Agent::kAmikacin, Interpretation::kSusceptible, 4),
                          Sus("imi", Agent::kImipenemCilastatin, Interpretation::kResistant, 8),
                          Sus("col", Agent::kColistin, Interpretation::kIntermediate, 0.5),
                          Sus("mero1", Agent::kMeropenem, Interpretation::kSusceptible, 1),
                          Sus("mero2", Agent::kMeropenem, Interpretation::kIntermediate)};
  EXPECT_EQ(InVitroActivity(Amikacin(), iso).activity, Activity::kActive);
  // Imipenem results apply to imipenem-cilastatin orders (and ingredient-level imipenem).
  EXPECT_EQ(InVitroActivity(Imipenem(), iso).activity, Activity::kInactive);
  EXPECT_EQ(InVitroActivity(Class(Agent::kImipenem, {}), iso).activity, Activity::kInactive);
  // Colistin I is the CLSI wild type: active; the result applies to polymyxin B too.
  EXPECT_EQ(InVitroActivity(Polymyxin(Agent::kPolymyxinB), iso).activity, Activity::kActive);
  // Conflicting results: the not-susceptible one wins (conservative).
  const AgentActivity mero = InVitroActivity(Meropenem(), iso);
  EXPECT_EQ(mero.activity, Activity::kInactive);
  EXPECT_EQ(mero.result->observation_id, "mero2");
  EXPECT_EQ(InVitroActivity(Tigecycline(), iso).activity, Activity::kUntested);
}

TEST(RegimenTest, ExpectedActivityFromMechanism) {
  Isolate kpc = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  kpc.mechanisms = {Mech("k", Mechanism::kKpc)};
  EXPECT_EQ(InVitroActivity(Cza(), kpc).activity, Activity::kExpected);
  EXPECT_EQ(InVitroActivity(Mev(), kpc).activity, Activity::kExpected);
  EXPECT_EQ(InVitroActivity(Imr(), kpc).activity, Activity::kExpected);
  EXPECT_EQ(InVitroActivity(Cefiderocol(), kpc).activity, Activity::kExpected);
  Isolate oxa = kpc;
  oxa.mechanisms = {Mech("x", Mechanism::kOxa48)};
  EXPECT_EQ(InVitroActivity(Cza(), oxa).activity, Activity::kExpected);
  EXPECT_EQ(InVitroActivity(Mev(), oxa).activity, Activity::kUntested);
  Isolate ndm = kpc;
  ndm.mechanisms = {Mech("n", Mechanism::kNdm), Mech("k", Mechanism::kKpc)};
  EXPECT_EQ(InVitroActivity(Cza(), ndm).activity, Activity::kUntested);
  EXPECT_EQ(InVitroActivity(Cefiderocol(), ndm).activity, Activity::kExpected);
  // A reported result always beats the expectation.
  kpc.susceptibilities = {Sus("cza", Agent::kCeftazidimeAvibactam, Interpretation::kResistant)};
  EXPECT_EQ(InVitroActivity(Cza(), kpc).activity, Activity::kInactive);
  // Phenotype only (no gene): no expectation.
  Isolate pheno = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  pheno.mechanisms = {Mech("c", Mechanism::kCarbapenemase)};
  EXPECT_EQ(InVitroActivity(Cza(), pheno).activity, Activity::kUntested);
}

TEST(RegimenTest, MicComparisons) {
  const SusceptibilityResult le =
      Sus("a", Agent::kMeropenem, Interpretation::kSusceptible, 1, fhir::Comparator::kLessOrEqual);
  const SusceptibilityResult ge = Sus("b", Agent::kMeropenem, Interpretation::kResistant, 16,
                                      fhir::Comparator::kGreaterOrEqual);
  const SusceptibilityResult le2 =
      Sus("c", Agent::kMeropenem, Interpretation::kSusceptible, 2, fhir::Comparator::kLessOrEqual);
  EXPECT_TRUE(MicAtMost(&le, 1));
  EXPECT_FALSE(MicAtMost(&le2, 1));  // "<=2" might be 2
  EXPECT_FALSE(MicAtMost(&ge, 1));
  EXPECT_TRUE(MicAtLeast(&ge, 4));
  EXPECT_FALSE(MicAtLeast(&le, 1));  // "<=1" might be below 1
  EXPECT_FALSE(MicAtLeast(nullptr, 1));
  EXPECT_EQ(DescribeResult(ge), "meropenem MIC >=16 mg/L (R)");
}

TEST(RegimenTest, CreDefinition) {
  Isolate kpn = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  EXPECT_FALSE(IsCre(kpn));
  kpn.susceptibilities = {Sus("e", Agent::kErtapenem, Interpretation::kResistant)};
  EXPECT_TRUE(IsCre(kpn));
  Isolate gnr = MakeIsolate("g", Gnr(), "Gram-negative rods", SpecimenType::kBlood);
  gnr.susceptibilities = {Sus("m", Agent::kMeropenem, Interpretation::kResistant)};
  EXPECT_FALSE(IsCre(gnr));  // no identification and no carbapenemase
  gnr.mechanisms = {Mech("k", Mechanism::kKpc)};
  EXPECT_TRUE(IsCre(gnr));
  Isolate pa = MakeIsolate("p", Pae(), "P. aeruginosa", SpecimenType::kBlood);
  pa.mechanisms = {Mech("v", Mechanism::kVim)};
  EXPECT_FALSE(IsCre(pa));
  Isolate esbl = MakeIsolate("o", Kpn(), "K. pneumoniae", SpecimenType::kBlood);
  esbl.mechanisms = {Mech("e", Mechanism::kEsbl)};
  EXPECT_FALSE(IsCre(esbl));
}

TEST(RegimenTest, LookbackIsInclusiveAndNeedsADate) {
  PatientSnapshot s = Base();
  s.isolates = {MakeIsolate("a", Kpn(), "K", SpecimenType::kBlood, 30),
                MakeIsolate("b", Kpn(), "K", SpecimenType::kBlood, 31),
                MakeIsolate("c", Kpn(), "K", SpecimenType::kBlood, 1)};
  s.isolates[2].collected.reset();
  const auto in = IsolatesInLookback(s, kNow, days(30));
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0]->observation_id, "a");
}

}  // namespace
}  // namespace cds::engine::rules::resistance
