#include "engine/rules/dosing/duration.hpp"

#include <gtest/gtest.h>

#include "tests/engine/rules/dosing_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace dosing_test;  // NOLINT(google-build-using-namespace): test fixtures

DraftOrder WithBounds(double days_value) {
  DraftOrder d = Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8);
  d.request.dosage_instruction[0].timing->repeat->bounds_duration = Qty(days_value, "d");
  return d;
}

PatientSnapshot Hap(DraftOrder d) {
  PatientSnapshot s = Base();
  s.draft_orders = {std::move(d)};
  s.conditions = {Condition("vap", "Ventilator-associated pneumonia", {ConditionGroup::kVap})};
  s.severity.hap_or_vap = true;
  return s;
}

Recommendation Rec(std::string label, std::string text) {
  Recommendation r;
  r.label = std::move(label);
  r.text = std::move(text);
  r.cancel_problem_order = false;
  return r;
}

class DurationTest : public ::testing::TestWithParam<Case> {};
TEST_P(DurationTest, Table) { CheckCase(GetParam(), DurationMeta(), &EvaluateDuration); }

INSTANTIATE_TEST_SUITE_P(
    R19, DurationTest,
    ::testing::Values(
        Case{
            "VAP with a 14-day meropenem course -> stop at 7 d", [] { return Hap(WithBounds(14)); },
            RuleOutcome::Kind::kFired,
            [] {
              return std::vector<Finding>{Expected(
                  DurationMeta(), {Ref("m", "Merrem 1 g")},
                  {"meropenem", "course of 14 d exceeds the 7 d target (HAP/VAP)", "", ""},
                  {DraftEv("m", "Merrem 1 g"),
                   {"MedicationRequest/m",
                    "MedicationRequest.dosageInstruction.timing.repeat.boundsDuration",
                    "Ordered duration 14 d (boundsDuration 14 d)"},
                   {"Condition/vap", "Condition.code", "HAP/VAP: Ventilator-associated pneumonia"}},
                  {Rec("Set a stop date of 2026-11-30 (7 d) or reassess",
                       "Target for HAP/VAP: 7 d. Stop on 2026-11-30 or reassess then; durations "
                       "should not be longer just because the organism is resistant.")})};
            }},
        Case{"cIAI with a 10-day supply -> about 4 d after source control",
             [] {
               PatientSnapshot s = Base();
               DraftOrder d = Draft("e", "Invanz 1 g", ErtapenemClass());
               d.request.dispense_request = fhir::MedicationRequest::DispenseRequest{};
               d.request.dispense_request->expected_supply_duration = Qty(10, "d");
               s.draft_orders = {d};
               s.conditions = {
                   Condition("iai", "Peritoneal abscess", {ConditionGroup::kIntraAbdominal})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             [] {
               return std::vector<Finding>{Expected(
                   DurationMeta(), {Ref("e", "Invanz 1 g")},
                   {"ertapenem",
                    "course of 10 d exceeds the 4 d target (complicated intra-abdominal "
                    "infection)",
                    "", ""},
                   {DraftEv("e", "Invanz 1 g"),
                    {"MedicationRequest/e",
                     "MedicationRequest.dispenseRequest.expectedSupplyDuration",
                     "Ordered duration 10 d (expectedSupplyDuration 10 d)"},
                    {"Condition/iai", "Condition.code",
                     "Intra-abdominal infection: Peritoneal abscess"}},
                   {Rec("Set a stop date of 2026-11-27 (4 d) or reassess",
                        "Target for complicated intra-abdominal infection (after adequate source "
                        "control): 4 d. Stop on 2026-11-27 or reassess then; durations should not "
                        "be longer just because the organism is resistant.")})};
             }},
        Case{"VAP with a 7-day course does not fire", [] { return Hap(WithBounds(7)); },
             RuleOutcome::Kind::kNotFired},
        Case{"cIAI plus GN bacteremia: the longest target (7 d) applies to 7 d",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {WithBounds(7)};
               s.conditions = {Condition("iai", "Peritonitis", {ConditionGroup::kIntraAbdominal})};
               s.isolates = {MakeIsolate("bc", "E. coli", EColi(), SpecimenType::kBlood)};
               return s;
             },
             RuleOutcome::Kind::kNotFired},
        Case{"S. aureus bacteremia: not applicable",
             [] {
               PatientSnapshot s = Hap(WithBounds(14));
               s.isolates = {MakeIsolate("sa", "S. aureus", SAureus(), SpecimenType::kBlood)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"meningitis: not applicable",
             [] {
               PatientSnapshot s = Hap(WithBounds(14));
               s.conditions.push_back(
                   Condition("men", "Bacterial meningitis", {ConditionGroup::kMeningitisCns}));
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no duration in the order: not applicable",
             [] { return Hap(Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8)); },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no indication with a target: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {WithBounds(14)};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable},
        Case{"no antibacterial draft: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("g", "ganciclovir", GanciclovirClass())};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable}),
    CaseName);

TEST(DurationTest, CountTimesIntervalIsACourseLength) {
  DraftOrder d = Dosed(Draft("m", "Merrem 1 g", MeropenemClass()), 1, "g", 8);
  d.request.dosage_instruction[0].timing->repeat->count = 30;  // 10 days
  const RuleOutcome out = EvaluateDuration(Hap(d), RuleContext{.now = kNow});
  ASSERT_EQ(out.findings().size(), 1u);
  EXPECT_EQ(out.findings()[0].problem.problem, "course of 10 d exceeds the 7 d target (HAP/VAP)");
}

}  // namespace
}  // namespace cds::engine::rules
