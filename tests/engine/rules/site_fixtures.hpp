// Hand-built snapshot pieces for the tests of the `site` rule group (R03, R04, R09, R09b, R13,
// R13b, R16, R17). PatientSnapshot is plain structs; these helpers only fill the fields the
// rules read.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/rule.hpp"
#include "engine/snapshot.hpp"
#include "tests/engine/rules/organism_fixtures.hpp"

namespace cds::engine::rules::site_test {

using std::chrono::days;
using std::chrono::sys_seconds;

inline const sys_seconds kNow{days(20780)};  // 2026-11-22T00:00:00Z

/// "2026-11-<22 - days_ago>" for days_ago in [0, 21].
inline fhir::DateTime DaysAgo(int days_ago) {
  fhir::DateTime t;
  t.start = kNow - days(days_ago);
  t.precision = fhir::DatePrecision::kDay;
  const int day = 22 - days_ago;
  t.text = std::string("2026-11-") + (day < 10 ? "0" : "") + std::to_string(day);
  return t;
}

inline MedicationClass Class(Agent agent, std::initializer_list<DrugClass> classes,
                             std::initializer_list<Agent> ingredients = {},
                             std::initializer_list<DrugClass> ingredient_classes = {}) {
  MedicationClass m;
  m.agents = {agent};
  m.ingredients =
      ingredients.size() == 0 ? std::vector<Agent>{agent} : std::vector<Agent>(ingredients);
  m.classes = DrugClassSet(classes);
  m.ingredient_classes = DrugClassSet(ingredient_classes);
  m.ingredient_classes.InsertAll(m.classes);
  m.source = MatchSource::kText;
  return m;
}
inline MedicationClass Tigecycline() {
  return Class(Agent::kTigecycline, {DrugClass::kTetracyclineClass, DrugClass::kGlycylcyclineLike,
                                     DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Eravacycline() {
  return Class(Agent::kEravacycline, {DrugClass::kTetracyclineClass, DrugClass::kGlycylcyclineLike,
                                      DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Omadacycline() {
  return Class(Agent::kOmadacycline, {DrugClass::kTetracyclineClass, DrugClass::kGlycylcyclineLike,
                                      DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Minocycline() {
  return Class(Agent::kMinocycline, {DrugClass::kTetracyclineClass, DrugClass::kGramNegativeActive,
                                     DrugClass::kAntibacterial});
}
inline MedicationClass Ertapenem() {
  return Class(Agent::kErtapenem,
               {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Meropenem() {
  return Class(Agent::kMeropenem,
               {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass ImipenemCilastatin() {
  return Class(Agent::kImipenemCilastatin,
               {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial},
               {Agent::kImipenem, Agent::kCilastatin});
}
inline MedicationClass Imr() {
  return Class(Agent::kImipenemCilastatinRelebactam,
               {DrugClass::kCarbapenemContaining, DrugClass::kNewBetaLactamInhibitor,
                DrugClass::kBetaLactam, DrugClass::kGramNegativeActive, DrugClass::kAntibacterial},
               {Agent::kImipenem, Agent::kCilastatin, Agent::kRelebactam},
               {DrugClass::kCarbapenem});
}
inline MedicationClass PolymyxinB() {
  return Class(Agent::kPolymyxinB,
               {DrugClass::kPolymyxin, DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass Colistimethate() {
  return Class(Agent::kColistimethate,
               {DrugClass::kPolymyxin, DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}

inline DraftOrder Draft(std::string id, std::string text, MedicationClass m) {
  DraftOrder d;
  d.request.id = std::move(id);
  d.request.status = "draft";
  d.request.intent = "order";
  d.request.medication.codeable_concept.text = std::move(text);
  d.selected = true;
  d.medication = std::move(m);
  return d;
}

inline OrderRef Ref(std::string id, std::string display) {
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

inline ActiveCondition Cond(std::string id, std::string text, std::string system, std::string code,
                            std::initializer_list<ConditionGroup> groups) {
  ActiveCondition c;
  c.id = std::move(id);
  c.code.text = std::move(text);
  fhir::Coding coding;
  coding.system = std::move(system);
  coding.code = std::move(code);
  c.code.coding.push_back(std::move(coding));
  c.groups = ConditionGroupSet(groups);
  c.clinical_status = "active";
  c.verification_status = "confirmed";
  return c;
}
inline const std::string kSnomed = "http://snomed.info/sct";
inline const std::string kIcd = "http://hl7.org/fhir/sid/icd-10-cm";

inline Evidence CondEv(const std::string& id, const std::string& value) {
  return Evidence{"Condition/" + id, "Condition.code", value};
}

using fixtures::Organism;
inline OrganismClass Ecoli() {
  return Organism("escherichia-coli", "Escherichia coli",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass Kpneumoniae() {
  return Organism("klebsiella-pneumoniae", "Klebsiella pneumoniae",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass Paeruginosa() {
  return Organism("pseudomonas-aeruginosa", "Pseudomonas aeruginosa",
                  {OrganismGroup::kPseudomonasAeruginosa, OrganismGroup::kGramNegative,
                   OrganismGroup::kNonFermenter});
}
inline OrganismClass Abaumannii() {
  return Organism("acinetobacter-baumannii", "Acinetobacter baumannii",
                  {OrganismGroup::kAcinetobacterBaumanniiComplex, OrganismGroup::kAcinetobacter,
                   OrganismGroup::kGramNegative, OrganismGroup::kNonFermenter});
}
inline OrganismClass Efaecium() {
  return Organism("enterococcus-faecium", "Enterococcus faecium",
                  {OrganismGroup::kEnterococcus, OrganismGroup::kGramPositive});
}

inline Isolate MakeIsolate(std::string id, std::string text, OrganismClass organism,
                           SpecimenType specimen, int days_ago) {
  Isolate iso;
  iso.observation_id = std::move(id);
  iso.culture_kind = specimen == SpecimenType::kBlood   ? LabKind::kBloodCulture
                     : specimen == SpecimenType::kUrine ? LabKind::kUrineCulture
                                                        : LabKind::kCulture;
  iso.organism_concept.text = text;
  iso.organism = std::move(organism);
  iso.organism_text = std::move(text);
  iso.specimen_type = specimen;
  iso.collected = DaysAgo(days_ago);
  iso.issued = DaysAgo(days_ago);
  iso.status = "final";
  return iso;
}

inline SusceptibilityResult Susc(std::string id, Agent agent, Interpretation interpretation,
                                 std::optional<double> mic = std::nullopt,
                                 fhir::Comparator comparator = fhir::Comparator::kNone) {
  SusceptibilityResult r;
  r.observation_id = std::move(id);
  r.agent = agent;
  r.interpretation = interpretation;
  if (mic) {
    r.method = SusceptibilityMethod::kMic;
    fhir::Quantity q;
    q.value = *mic;
    q.has_value = true;
    q.comparator = comparator;
    q.unit = "mg/L";
    r.mic = q;
  }
  r.status = "final";
  r.link = LinkMethod::kHasMember;
  return r;
}

inline MechanismResult Mech(std::string id, Mechanism mechanism, bool detected) {
  MechanismResult m;
  m.observation_id = std::move(id);
  m.mechanism = mechanism;
  m.result = detected ? Interpretation::kDetected : Interpretation::kNotDetected;
  m.status = "final";
  m.link = LinkMethod::kHasMember;
  return m;
}

inline LabValue Lab(std::string id, double value, std::string unit, int days_ago) {
  LabValue l;
  l.value = l.original_value = value;
  l.unit = l.original_unit = std::move(unit);
  l.time = DaysAgo(days_ago);
  l.observation_id = std::move(id);
  l.status = "final";
  return l;
}

inline PatientSnapshot Base() {
  PatientSnapshot s;
  s.now = kNow;
  s.demographics.patient_id = "p1";
  s.demographics.age_years = 64;
  s.demographics.sex = "female";
  return s;
}

/// A test case of a rule table.
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

/// Runs `evaluate` with the rule's default config and checks kind + whole findings.
inline void CheckCase(const Case& c, const RuleMeta& meta,
                      RuleOutcome (*evaluate)(const PatientSnapshot&, const RuleContext&)) {
  const PatientSnapshot s = c.snapshot();
  const RuleConfig config = DefaultRuleConfig(meta);
  const RuleOutcome out = evaluate(s, RuleContext{.now = kNow, .config = &config});
  EXPECT_EQ(out.kind(), c.kind) << c.note << ": " << out.reason();
  if (c.kind == RuleOutcome::Kind::kNotApplicable) {
    EXPECT_FALSE(out.reason().empty()) << c.note;
  }
  ASSERT_EQ(out.findings().size(), c.findings.size()) << c.note;
  for (std::size_t i = 0; i < c.findings.size(); ++i) {
    EXPECT_EQ(out.findings()[i], c.findings[i]) << c.note;
  }
}

/// The expected finding, built through MakeFinding like the rule's.
inline Finding Expect(const RuleMeta& meta, std::vector<OrderRef> orders, Problem problem,
                      std::vector<Evidence> evidence, std::vector<Recommendation> recs,
                      std::optional<Indicator> escalation = std::nullopt,
                      std::vector<std::string> missing = {}) {
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

inline Recommendation Rec(std::string label, std::string text, bool cancel = true,
                          std::vector<ProposedMedication> meds = {}) {
  Recommendation r;
  r.label = std::move(label);
  r.text = std::move(text);
  r.cancel_problem_order = cancel;
  r.medications = std::move(meds);
  return r;
}

}  // namespace cds::engine::rules::site_test
