// Hand-built snapshot pieces for the resistance rule tests (R01, R01b, R02, R06, R07, R12, R18
// and regimen.hpp). PatientSnapshot is plain structs; these helpers only fill what the rules read.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/rule.hpp"
#include "engine/rule_config.hpp"
#include "engine/snapshot.hpp"
#include "tests/engine/rules/organism_fixtures.hpp"

namespace cds::engine::rules::testing {

using std::chrono::days;
using std::chrono::sys_seconds;

inline const sys_seconds kNow{days(20780)};  // 2026-11-23T00:00:00Z

inline MedicationClass Class(Agent agent, std::initializer_list<DrugClass> classes) {
  MedicationClass m;
  m.agents = {agent};
  m.ingredients = {agent};
  m.classes = DrugClassSet(classes);
  m.ingredient_classes = m.classes;
  m.source = MatchSource::kText;
  return m;
}
inline MedicationClass Carb(Agent a) {
  return Class(a, {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining, DrugClass::kBetaLactam,
                   DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Meropenem() { return Carb(Agent::kMeropenem); }
inline MedicationClass Imipenem() {
  MedicationClass m = Carb(Agent::kImipenemCilastatin);
  m.ingredients = {Agent::kImipenem, Agent::kCilastatin};
  return m;
}
inline MedicationClass Ertapenem() { return Carb(Agent::kErtapenem); }
inline MedicationClass NewBlBli(Agent a, bool carbapenem_containing) {
  MedicationClass m = Class(a, {DrugClass::kNewBetaLactamInhibitor, DrugClass::kBetaLactam,
                                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
  if (carbapenem_containing) {
    m.classes.Insert(DrugClass::kCarbapenemContaining);
    m.ingredient_classes.Insert(DrugClass::kCarbapenem);
  }
  return m;
}
inline MedicationClass Mev() { return NewBlBli(Agent::kMeropenemVaborbactam, true); }
inline MedicationClass Imr() { return NewBlBli(Agent::kImipenemCilastatinRelebactam, true); }
inline MedicationClass Cza() { return NewBlBli(Agent::kCeftazidimeAvibactam, false); }
inline MedicationClass Ct() { return NewBlBli(Agent::kCeftolozaneTazobactam, false); }
inline MedicationClass SulDur() {
  MedicationClass m = NewBlBli(Agent::kSulbactamDurlobactam, false);
  m.classes.Insert(DrugClass::kSulbactamAgent);
  m.ingredient_classes.Insert(DrugClass::kSulbactamAgent);
  return m;
}
inline MedicationClass AmpSulb() {
  return Class(Agent::kAmpicillinSulbactam,
               {DrugClass::kSulbactamAgent, DrugClass::kPenicillin, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Cefiderocol() {
  return Class(Agent::kCefiderocol, {DrugClass::kCefiderocol, DrugClass::kBetaLactam,
                                     DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Aztreonam() {
  return Class(Agent::kAztreonam, {DrugClass::kMonobactam, DrugClass::kBetaLactam,
                                   DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Polymyxin(Agent a) {
  return Class(a,
               {DrugClass::kPolymyxin, DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Amikacin() {
  return Class(Agent::kAmikacin, {DrugClass::kAminoglycoside, DrugClass::kGramNegativeActive,
                                  DrugClass::kAntibacterial});
}
inline MedicationClass Tigecycline() {
  return Class(Agent::kTigecycline, {DrugClass::kTetracyclineClass, DrugClass::kGlycylcyclineLike,
                                     DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Minocycline() {
  return Class(Agent::kMinocycline, {DrugClass::kTetracyclineClass, DrugClass::kGramNegativeActive,
                                     DrugClass::kAntibacterial});
}
inline MedicationClass Rifampin() {
  return Class(Agent::kRifampin, {DrugClass::kRifamycin, DrugClass::kAntibacterial});
}
inline MedicationClass Cefepime() {
  return Class(Agent::kCefepime, {DrugClass::kCephalosporin, DrugClass::kBetaLactam,
                                  DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Vancomycin() {
  return Class(Agent::kVancomycin, {DrugClass::kAntibacterial});
}

inline DraftOrder Draft(std::string id, std::string text, MedicationClass m) {
  DraftOrder d;
  d.request.id = std::move(id);
  d.request.status = "draft";
  d.request.medication.codeable_concept.text = std::move(text);
  d.selected = true;
  d.medication = std::move(m);
  return d;
}

/// Adds timing.repeat.duration to the order's first dosage.
inline DraftOrder WithInfusion(DraftOrder d, double duration, std::string unit) {
  fhir::Dosage dose;
  fhir::Timing timing;
  fhir::TimingRepeat repeat;
  repeat.duration = duration;
  repeat.duration_unit = std::move(unit);
  timing.repeat = repeat;
  dose.timing = timing;
  d.request.dosage_instruction.push_back(dose);
  return d;
}

inline ActiveMedication Active(std::string id, std::string text, MedicationClass m,
                               std::string status = "active") {
  ActiveMedication a;
  a.source = MedicationSource::kMedicationRequest;
  a.resource_id = std::move(id);
  a.status = std::move(status);
  a.code.text = std::move(text);
  a.medication = std::move(m);
  return a;
}

using fixtures::Organism;
inline OrganismClass Kpn() {
  return Organism("klebsiella-pneumoniae", "Klebsiella pneumoniae",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass Ecoli() {
  return Organism("escherichia-coli", "Escherichia coli",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass Pae() {
  return Organism("pseudomonas-aeruginosa", "Pseudomonas aeruginosa",
                  {OrganismGroup::kPseudomonasAeruginosa, OrganismGroup::kGramNegative,
                   OrganismGroup::kNonFermenter});
}
inline OrganismClass Ab() {
  return Organism("acinetobacter-baumannii", "Acinetobacter baumannii",
                  {OrganismGroup::kAcinetobacterBaumanniiComplex, OrganismGroup::kAcinetobacter,
                   OrganismGroup::kGramNegative, OrganismGroup::kNonFermenter});
}
inline OrganismClass Gnr() {
  return Organism("gram-negative-bacilli", "Gram-negative bacilli", {OrganismGroup::kGramNegative});
}

/// An isolate collected `age_days` before kNow ("2026-11-19" for 3 days).
inline Isolate MakeIsolate(std::string id, OrganismClass organism, std::string text,
                           SpecimenType specimen, int age_days = 3) {
  Isolate i;
  i.observation_id = std::move(id);
  i.organism = std::move(organism);
  i.organism_text = std::move(text);
  i.specimen_type = specimen;
  fhir::DateTime t;
  t.start = kNow - days(age_days);
  const std::chrono::year_month_day ymd{std::chrono::floor<days>(t.start)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  t.text = buf;
  i.collected = t;
  i.status = "final";
  return i;
}

/// A susceptibility result; mic < 0 means "no MIC".
inline SusceptibilityResult Sus(std::string id, Agent agent, Interpretation interpretation,
                                double mic = -1,
                                fhir::Comparator comparator = fhir::Comparator::kNone) {
  SusceptibilityResult r;
  r.observation_id = std::move(id);
  r.agent = agent;
  r.interpretation = interpretation;
  if (mic >= 0) {
    fhir::Quantity q;
    q.value = mic;
    q.has_value = true;
    q.comparator = comparator;
    q.unit = "mg/L";
    r.mic = q;
    r.method = SusceptibilityMethod::kMic;
  }
  r.status = "final";
  r.link = LinkMethod::kHasMember;
  return r;
}

inline MechanismResult Mech(std::string id, Mechanism mechanism, bool detected = true) {
  MechanismResult m;
  m.observation_id = std::move(id);
  m.mechanism = mechanism;
  m.method = mechanism == Mechanism::kCarbapenemase ? MechanismMethod::kPhenotypic
                                                    : MechanismMethod::kGene;
  m.result = detected ? Interpretation::kDetected : Interpretation::kNotDetected;
  m.status = "final";
  m.link = LinkMethod::kHasMember;
  return m;
}

inline PatientSnapshot Base() {
  PatientSnapshot s;
  s.now = kNow;
  return s;
}

inline OrderRef RefOf(std::string id, std::string display) {
  return OrderRef{.resource_type = "MedicationRequest",
                  .id = std::move(id),
                  .selected = true,
                  .draft = true,
                  .display = std::move(display)};
}

inline Evidence DraftEv(const std::string& id, const std::string& text) {
  return Evidence{"MedicationRequest/" + id, "MedicationRequest.medication",
                  "Draft order: " + text};
}
inline Evidence MicEv(const std::string& id, const std::string& value) {
  return Evidence{"Observation/" + id, "Observation.valueQuantity", value};
}
inline Evidence InterpEv(const std::string& id, const std::string& value) {
  return Evidence{"Observation/" + id, "Observation.interpretation", value};
}
inline Evidence MechEv(const std::string& id, const std::string& value) {
  return Evidence{"Observation/" + id, "Observation.valueCodeableConcept", value};
}

/// Builds an expected finding the same way rules do.
inline Finding ExpectedFinding(const RuleMeta& meta, std::vector<OrderRef> orders, Problem problem,
                               std::vector<Evidence> evidence, std::vector<Recommendation> recs,
                               std::vector<std::string> missing = {},
                               std::optional<Indicator> escalation = std::nullopt) {
  FindingSpec spec;
  spec.orders = std::move(orders);
  spec.problem = std::move(problem);
  spec.evidence = std::move(evidence);
  spec.recommendations = std::move(recs);
  spec.missing_data = std::move(missing);
  spec.escalation = escalation;
  const RuleConfig config = DefaultRuleConfig(meta);
  return MakeFinding(meta, RuleContext{.now = kNow, .config = &config}, std::move(spec));
}

struct Case {
  const char* note;
  std::function<PatientSnapshot()> snapshot;
  RuleOutcome::Kind kind;
  std::vector<Finding> findings;
};

inline std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.note;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

inline std::string Describe(const Evidence& e) {
  return "{" + e.reference + " | " + e.path + " | " + e.value + "}";
}

/// Field-by-field comparison with readable messages (Finding has no printer).
inline void ExpectSameFinding(const Finding& got, const Finding& want, const char* note) {
  EXPECT_EQ(got.meta.id, want.meta.id) << note;
  EXPECT_EQ(ToString(got.indicator), ToString(want.indicator)) << note;
  ASSERT_EQ(got.orders.size(), want.orders.size()) << note;
  for (std::size_t i = 0; i < got.orders.size(); ++i) {
    EXPECT_EQ(got.orders[i].id, want.orders[i].id) << note;
    EXPECT_EQ(got.orders[i].display, want.orders[i].display) << note;
  }
  EXPECT_EQ(got.problem.drug, want.problem.drug) << note;
  EXPECT_EQ(got.problem.problem, want.problem.problem) << note;
  EXPECT_EQ(got.problem.organism, want.problem.organism) << note;
  EXPECT_EQ(got.problem.result, want.problem.result) << note;
  std::string got_ev;
  std::string want_ev;
  for (const Evidence& e : got.evidence) got_ev += Describe(e) + "\n";
  for (const Evidence& e : want.evidence) want_ev += Describe(e) + "\n";
  EXPECT_EQ(got_ev, want_ev) << note;
  EXPECT_EQ(got.missing_data, want.missing_data) << note;
  ASSERT_EQ(got.recommendations.size(), want.recommendations.size()) << note;
  for (std::size_t i = 0; i < got.recommendations.size(); ++i) {
    EXPECT_EQ(got.recommendations[i].label, want.recommendations[i].label) << note;
    EXPECT_EQ(got.recommendations[i].text, want.recommendations[i].text) << note;
    EXPECT_TRUE(got.recommendations[i] == want.recommendations[i]) << note << " rec " << i;
  }
  EXPECT_TRUE(got == want) << note << ": whole finding differs";
}

/// Runs `evaluate` with the rule's default config and compares kind and whole findings.
template <typename Evaluate>
void CheckCase(const Case& c, const RuleMeta& meta, Evaluate evaluate) {
  const PatientSnapshot s = c.snapshot();
  const RuleConfig config = DefaultRuleConfig(meta);
  const RuleOutcome out = evaluate(s, RuleContext{.now = kNow, .config = &config});
  EXPECT_EQ(out.kind(), c.kind) << c.note << ": " << out.reason();
  ASSERT_EQ(out.findings().size(), c.findings.size()) << c.note;
  for (std::size_t i = 0; i < c.findings.size(); ++i) {
    ExpectSameFinding(out.findings()[i], c.findings[i], c.note);
  }
  if (c.kind == RuleOutcome::Kind::kNotApplicable) {
    EXPECT_FALSE(out.reason().empty()) << c.note;
  }
}

}  // namespace cds::engine::rules::testing
