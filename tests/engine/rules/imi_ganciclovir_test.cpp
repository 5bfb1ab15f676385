#include "engine/rules/dosing/imi_ganciclovir.hpp"

#include <gtest/gtest.h>

#include "engine/rules/dosing/products_dosing.hpp"
#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

constexpr const char* kWhy =
    "Generalized seizures have been reported with imipenem-cilastatin and ganciclovir given "
    "together; avoid the combination unless the benefit outweighs the risk.";

Recommendation Keep() {
  Recommendation keep;
  keep.label = "If imipenem is essential";
  keep.text = "Continue only if the benefit outweighs the seizure risk; monitor for seizures.";
  keep.cancel_problem_order = false;
  return keep;
}

std::vector<Recommendation> ImiRecs() {
  Recommendation change;
  change.label = "Cancel imipenem-cilastatin; meropenem 1 g IV q8h";
  change.text = std::string(kWhy) +
                " Use meropenem instead (1 g IV every 8 h is the usual adult dose; adjust for the "
                "indication and renal function).";
  change.medications = {dosing::Meropenem(1000, 8)};
  return {change, Keep()};
}

class ImiGanciclovirTest : public ::testing::TestWithParam<Case> {};
TEST_P(ImiGanciclovirTest, Table) {
  CheckCase(GetParam(), ImiGanciclovirMeta(), &EvaluateImiGanciclovir);
}

INSTANTIATE_TEST_SUITE_P(
    R15, ImiGanciclovirTest,
    ::testing::Values(
        Case{"draft imipenem, active ganciclovir",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", "Primaxin 500 mg", ImipenemClass())};
               s.active_medications = {
                   Active("gcv", "active", "ganciclovir 5 mg/kg IV q12h", GanciclovirClass())};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{
                   Expected(ImiGanciclovirMeta(), {Ref("imi", "Primaxin 500 mg")},
                            {"imipenem-cilastatin", "with ganciclovir: seizure risk", "", ""},
                            {DraftEv("imi", "Primaxin 500 mg"),
                             {"MedicationRequest/gcv", "MedicationRequest.medication",
                              "Active MedicationRequest (active): ganciclovir 5 mg/kg IV q12h"}},
                            ImiRecs())};
             }},
        Case{"draft IMR + draft valganciclovir: one finding, no meropenem",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("vgc", "Valcyte 900 mg", ValganciclovirClass()),
                                 Draft("imr", "Recarbrio 1.25 g", ImrClass())};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               Recommendation change;
               change.label = "Cancel imipenem-cilastatin-relebactam; choose a non-imipenem agent";
               change.text = std::string(kWhy) +
                             " Choose a non-imipenem agent active against the organism (e.g. "
                             "meropenem-vaborbactam or ceftazidime-avibactam per susceptibility).";
               return std::vector<Finding>{Expected(
                   ImiGanciclovirMeta(),
                   {Ref("imr", "Recarbrio 1.25 g"), Ref("vgc", "Valcyte 900 mg")},
                   {"imipenem-cilastatin-relebactam", "with valganciclovir: seizure risk", "", ""},
                   {DraftEv("imr", "Recarbrio 1.25 g"), DraftEv("vgc", "Valcyte 900 mg")},
                   {change, Keep()})};
             }},
        Case{"draft ganciclovir, active imipenem (statement)",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("gcv", "ganciclovir IV", GanciclovirClass())};
               s.active_medications = {Active("imi", "active", "imipenem-cilastatin",
                                              ImipenemClass(),
                                              MedicationSource::kMedicationAdministration)};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               Recommendation change;
               change.label =
                   "Keep ganciclovir; switch the active imipenem-cilastatin to meropenem";
               change.text = std::string(kWhy) +
                             " Ask for the active imipenem order to be replaced with meropenem "
                             "(or, for imipenem-relebactam, another agent active against the "
                             "organism).";
               change.cancel_problem_order = false;
               Recommendation cancel;
               cancel.label = "Cancel ganciclovir";
               cancel.text = "Only if the antiviral can be deferred or replaced.";
               return std::vector<Finding>{Expected(
                   ImiGanciclovirMeta(), {Ref("gcv", "ganciclovir IV")},
                   {"ganciclovir", "with active imipenem-cilastatin: seizure risk", "", ""},
                   {DraftEv("gcv", "ganciclovir IV"),
                    {"MedicationAdministration/imi", "MedicationAdministration.medication",
                     "Active MedicationAdministration (active): imipenem-cilastatin"}},
                   {change, cancel})};
             }},
        Case{"stopped ganciclovir does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", "Primaxin 500 mg", ImipenemClass())};
               s.active_medications = {Active("gcv", "stopped", "ganciclovir", GanciclovirClass())};
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"meropenem with ganciclovir does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem 1 g", MeropenemClass())};
               s.active_medications = {Active("gcv", "active", "ganciclovir", GanciclovirClass())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"imipenem without antiviral does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("imi", "Primaxin 500 mg", ImipenemClass())};
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"draft ganciclovir with active meropenem does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("gcv", "ganciclovir IV", GanciclovirClass())};
               s.active_medications = {Active("m", "active", "meropenem", MeropenemClass())};
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"empty snapshot: not applicable", [] { return Base(); },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(ImiGanciclovirMetaTest, IsWarning) {
  EXPECT_EQ(ImiGanciclovirMeta().id, "imi-ganciclovir");
  EXPECT_EQ(ImiGanciclovirMeta().catalogue_id, "R15");
  EXPECT_EQ(ImiGanciclovirMeta().default_indicator, Indicator::kWarning);
}

}  // namespace
}  // namespace cds::engine::rules
