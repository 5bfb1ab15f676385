#include "engine/rules/site/erta_nonfermenter.hpp"

#include <gtest/gtest.h>

#include "engine/rule_set.hpp"
#include "engine/rules/site/erta_critical.hpp"
#include "engine/rules/site/products_site.hpp"
#include "site_fixtures.hpp"

namespace cds::engine::rules {
namespace {

using namespace site_test;  // NOLINT(build/namespaces): test fixtures

const char* kErta = "Invanz 1 g IV daily";
const std::string kWhy =
    "Ertapenem has no useful activity against P. aeruginosa, Acinetobacter or enterococci. ";

Recommendation CefepimeRec() {
  return Rec("Switch to cefepime 2 g q8h over 3 h",
             kWhy +
                 "Use an antipseudomonal agent per susceptibility: cefepime 2 g IV every 8 h, "
                 "each dose infused over 3 h.",
             true, {site::Cefepime2gExtended()});
}
Recommendation MeropenemRec() {
  return Rec("Switch to meropenem 1 g q8h",
             kWhy +
                 "Use an antipseudomonal agent per susceptibility: meropenem 1 g IV every 8 h "
                 "(adjust for renal function).",
             true, {site::MeropenemDose(1, 8)});
}
Recommendation EnteroRec() {
  return Rec("Cancel ertapenem; treat the enterococcus per susceptibility",
             kWhy +
                 "Use an enterococcal agent per susceptibility: ampicillin if susceptible, "
                 "otherwise vancomycin (neither cefepime nor a carbapenem is reliable against "
                 "enterococci).");
}

Isolate UrinePa() {
  Isolate iso = MakeIsolate("pa1", "P. aeruginosa", Paeruginosa(), SpecimenType::kUrine, 2);
  iso.susceptibilities = {Susc("s1", Agent::kCefepime, Interpretation::kSusceptible, 2),
                          Susc("s2", Agent::kMeropenem, Interpretation::kSusceptible, 1)};
  return iso;
}

class ErtaNonfermenterTest : public ::testing::TestWithParam<Case> {};
TEST_P(ErtaNonfermenterTest, Table) {
  CheckCase(GetParam(), ErtaNonfermenterMeta(), &EvaluateErtaNonfermenter);
}

INSTANTIATE_TEST_SUITE_P(
    R13, ErtaNonfermenterTest,
    ::testing::Values(
        Case{
            "ertapenem with P. aeruginosa fires critical with cefepime first",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("erta", kErta, Ertapenem())};
              s.isolates = {UrinePa()};
              return s;
            },
            RuleOutcome::Kind::kFired,
            {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                    {"ertapenem", "no activity against P. aeruginosa, Acinetobacter or enterococci",
                     "P. aeruginosa", "urine, 2026-11-20"},
                    {DraftEv("erta", kErta),
                     {"Observation/pa1", "Observation.valueCodeableConcept",
                      "Active isolate: P. aeruginosa, urine, 2026-11-20: cefepime MIC 2 mg/L (S) "
                      "and meropenem MIC 1 mg/L (S)"}},
                    {CefepimeRec(), MeropenemRec()})}},
        Case{
            "cefepime-resistant P. aeruginosa: meropenem only",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("erta", kErta, Ertapenem())};
              Isolate iso = UrinePa();
              iso.susceptibilities[0].interpretation = Interpretation::kResistant;
              iso.susceptibilities[0].mic->value = 32;
              iso.susceptibilities[0].mic->comparator = fhir::Comparator::kGreaterOrEqual;
              s.isolates = {iso};
              return s;
            },
            RuleOutcome::Kind::kFired,
            {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                    {"ertapenem", "no activity against P. aeruginosa, Acinetobacter or enterococci",
                     "P. aeruginosa", "urine, 2026-11-20"},
                    {DraftEv("erta", kErta),
                     {"Observation/pa1", "Observation.valueCodeableConcept",
                      "Active isolate: P. aeruginosa, urine, 2026-11-20: cefepime MIC >=32 mg/L "
                      "(R) and meropenem MIC 1 mg/L (S)"}},
                    {MeropenemRec()})}},
        Case{
            "enterococcus only: enterococcal agent, no cefepime",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("erta", kErta, Ertapenem())};
              s.isolates = {MakeIsolate("ef", "E. faecium", Efaecium(), SpecimenType::kUrine, 1)};
              return s;
            },
            RuleOutcome::Kind::kFired,
            {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                    {"ertapenem", "no activity against P. aeruginosa, Acinetobacter or enterococci",
                     "E. faecium", "urine, 2026-11-21"},
                    {DraftEv("erta", kErta),
                     {"Observation/ef", "Observation.valueCodeableConcept",
                      "Active isolate: E. faecium, urine, 2026-11-21"}},
                    {EnteroRec()})}},
        Case{
            "Acinetobacter without a cefepime result: meropenem only",
            [] {
              PatientSnapshot s = Base();
              s.draft_orders = {Draft("erta", kErta, Ertapenem())};
              s.isolates = {
                  MakeIsolate("ab", "A. baumannii", Abaumannii(), SpecimenType::kRespiratory, 1)};
              return s;
            },
            RuleOutcome::Kind::kFired,
            {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                    {"ertapenem", "no activity against P. aeruginosa, Acinetobacter or enterococci",
                     "A. baumannii", "respiratory, 2026-11-21"},
                    {DraftEv("erta", kErta),
                     {"Observation/ab", "Observation.valueCodeableConcept",
                      "Active isolate: A. baumannii, respiratory, 2026-11-21"}},
                    {MeropenemRec()})}},
        Case{"VAP without isolates fires",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.conditions = {Cond("vap", "VAP", kIcd, "J95.851",
                                    {ConditionGroup::kVap, ConditionGroup::kPneumonia})};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                     {"ertapenem", "HAP/VAP needs antipseudomonal cover", "", "VAP"},
                     {DraftEv("erta", kErta), CondEv("vap", "Active condition: VAP (J95.851)")},
                     {CefepimeRec(), MeropenemRec()})}},
        Case{"neutropenic fever with an ESBL E. coli: meropenem, no cefepime",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.conditions = {Cond("nf", "Febrile neutropenia", kSnomed, "409089005",
                                    {ConditionGroup::kNeutropenicFever})};
               Isolate ec = MakeIsolate("ec", "E. coli", Ecoli(), SpecimenType::kBlood, 1);
               ec.mechanisms = {Mech("esbl", Mechanism::kEsbl, true)};
               s.isolates = {ec};
               return s;
             },
             RuleOutcome::Kind::kFired,
             {Expect(ErtaNonfermenterMeta(), {Ref("erta", kErta)},
                     {"ertapenem", "neutropenic fever needs antipseudomonal cover", "",
                      "Febrile neutropenia"},
                     {DraftEv("erta", kErta),
                      CondEv("nf", "Active condition: Febrile neutropenia (409089005)")},
                     {MeropenemRec()})}},
        Case{"ertapenem for ESBL E. coli pyelonephritis does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               s.conditions = {Cond("uti", "Pyelonephritis", kIcd, "N10", {ConditionGroup::kUti})};
               Isolate ec = MakeIsolate("ec", "E. coli", Ecoli(), SpecimenType::kUrine, 1);
               ec.mechanisms = {Mech("esbl", Mechanism::kEsbl, true)};
               s.isolates = {ec};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"P. aeruginosa older than the isolate lookback does not fire",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("erta", kErta, Ertapenem())};
               Isolate iso = UrinePa();
               iso.collected->start = kNow - days(45);
               s.isolates = {iso};
               return s;
             },
             RuleOutcome::Kind::kNotFired,
             {}},
        Case{"meropenem with P. aeruginosa: not applicable",
             [] {
               PatientSnapshot s = Base();
               s.draft_orders = {Draft("mero", "meropenem", Meropenem())};
               s.isolates = {UrinePa()};
               return s;
             },
             RuleOutcome::Kind::kNotApplicable,
             {}}),
    CaseName);

TEST(ErtaNonfermenterSetTest, SupersedesErtaCritical) {
  RuleSetOrErrors set = RuleSet::Create({ErtaNonfermenterRule(), ErtaCriticalRule()});
  ASSERT_TRUE(set.rule_set.has_value());
  PatientSnapshot s = Base();
  s.draft_orders = {Draft("erta", kErta, Ertapenem())};
  Isolate ec = MakeIsolate("ec", "E. coli", Ecoli(), SpecimenType::kBlood, 1);
  ec.mechanisms = {Mech("esbl", Mechanism::kEsbl, true)};
  s.isolates = {ec, UrinePa()};
  s.icu = IcuStatus{.in_icu = true, .encounter_id = "enc", .evidence = "MICU"};
  const Evaluation eval = set.rule_set->Run(s);
  ASSERT_EQ(eval.findings.size(), 1u);
  EXPECT_EQ(eval.findings[0].meta.id, "erta-nonfermenter");
  EXPECT_EQ(eval.findings[0].indicator, Indicator::kCritical);
  EXPECT_EQ(eval.findings[0].merged_rule_ids, std::vector<std::string>{"erta-critical"});
}

}  // namespace
}  // namespace cds::engine::rules
