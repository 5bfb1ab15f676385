#include "engine/rules/site/erta_critical.hpp"

#include <gtest/gtest.h>

#include "engine/rules/products.hpp"
#include "engine/rules/site/products_site.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kErta = "ertapenem 1000 MG Injection";
const std::string kWhy =
    "IDSA 2024 (ESBL-E): in critically ill patients or with albumin < 2.5 g/dL, use meropenem or "
    "imipenem-cilastatin for the initial doses; ertapenem is highly protein-bound. Ertapenem can "
    "follow once the patient is stable.";

std::vector<Recommendation> Recs() {
  return {Rec("Switch to meropenem 1 g q8h for the initial doses",
              kWhy + " Meropenem 1 g IV every 8 h (adjust for renal function).", true,
              {site::MeropenemDose(1, 8)}),
          Rec("Or imipenem-cilastatin 500 mg q6h for the initial doses",
              kWhy + " Imipenem-cilastatin 500 mg IV every 6 h (adjust for renal function).", true,
              {ImipenemCilastatin500()})};
}

Isolate EsblEcoli() {
  Isolate iso = MakeIsolate("ec", "E. coli", Ecoli(), SpecimenType::kBlood, 2);
  iso.mechanisms = {Mech("esbl", Mechanism::kEsbl, true)};
  return iso;
}
const Evidence kEsblEv{"Observation/ec", "Observation.valueCodeableConcept",
                       "ESBL-producing isolate: E. coli, blood, 2026-11-20: ESBL detected"};

class ErtaCriticalTest : public ::testing::TestWithParam<Case> {};
TEST_P(ErtaCriticalTest, Table) {
  CheckCase(GetParam(), ErtaCriticalMeta(), &EvaluateErtaCritical);
}

INSTANTIATE_TEST_SUITE_P(
    R13b, ErtaCriticalTest,
    ::testing::Values(
        Case{"ESBL E. coli in an ICU patient fires info",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.isolates = {EsblEcoli()};
               s.icu = IcuStatus{.in_icu = true,
                                 .encounter_id = "enc1",
                                 .evidence = "Encounter.location[0]: 'MICU 4'"};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ErtaCriticalMeta(), {Ref("erta", kErta)},
                     {"ertapenem", "ESBL-E in a critically ill patient: start with meropenem",
                      "E. coli", "ESBL detected"},
                     {DraftEv("erta", kErta),
                      kEsblEv,
                      {"Encounter/enc1", "Encounter",
                       "ICU encounter: Encounter.location[0]: 'MICU 4'"}},
                     Recs())}},
        Case{"ESBL E. coli with albumin 2.1 fires info",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.isolates = {EsblEcoli()};
               s.labs.albumin = Lab("alb", 2.1, "g/dL", 1);
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ErtaCriticalMeta(), {Ref("erta", kErta)},
                     {"ertapenem", "ESBL-E with albumin < 2.5 g/dL: start with meropenem",
                      "E. coli", "ESBL detected"},
                     {DraftEv("erta", kErta),
                      kEsblEv,
                      {"Observation/alb", "Observation.valueQuantity",
                       "Albumin (1751-7) 2.1 g/dL, 2026-11-21"}},
                     Recs())}},
        Case{"ESBL E. coli with septic shock fires info",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.isolates = {EsblEcoli()};
               s.conditions = {Cond("shock", "Septic shock", kIcd, "R65.21",
                                    {ConditionGroup::kSepsis, ConditionGroup::kSepticShock})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ErtaCriticalMeta(), {Ref("erta", kErta)},
                     {"ertapenem", "ESBL-E in a critically ill patient: start with meropenem",
                      "E. coli", "ESBL detected"},
                     {DraftEv("erta", kErta), kEsblEv,
                      CondEv("shock", "Active condition: Septic shock (R65.21)")},
                     Recs())}},
        Case{"ESBL E. coli, ward patient, albumin 3.4: does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.isolates = {EsblEcoli()};
               s.labs.albumin = Lab("alb", 3.4, "g/dL", 1);
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"low albumin older than the lab lookback does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.isolates = {EsblEcoli()};
               s.labs.albumin = Lab("alb", 2.0, "g/dL", 10);
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"ICU patient with an ESBL-negative E. coli does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               Isolate iso = EsblEcoli();
               iso.mechanisms[0].result = Interpretation::kNotDetected;
               s.isolates = {iso};
               s.icu.in_icu = true;
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"no ertapenem draft: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem", Meropenem())};
               s.isolates = {EsblEcoli()};
               s.icu.in_icu = true;
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

}  // namespace
}  // namespace cds::engine::rules
