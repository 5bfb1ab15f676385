// Hand-built snapshots for the dosing group's rule tests (R08, R10, R11, R14, R15, R19).
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
#include "engine/rule_config.hpp"
#include "engine/snapshot.hpp"
#include "tests/engine/rules/organism_fixtures.hpp"

namespace cds::engine::rules::dosing_test {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::sys_seconds;

inline const sys_seconds kNow{days(20780)};  // 2026-11-23T00:00Z

inline MedicationClass Class(std::vector<Agent> agents, std::initializer_list<DrugClass> classes,
                             std::vector<Agent> ingredients = {},
                             std::initializer_list<DrugClass> ingredient_classes = {}) {
  MedicationClass m;
  m.agents = agents;
  m.ingredients = ingredients.empty() ? agents : ingredients;
  m.classes = DrugClassSet(classes);
  m.ingredient_classes = DrugClassSet(ingredient_classes);
  m.ingredient_classes.InsertAll(m.classes);
  m.source = MatchSource::kText;
  return m;
}
inline MedicationClass Carb(Agent a, std::vector<Agent> ingredients = {}) {
  return Class({a},
               {DrugClass::kCarbapenem, DrugClass::kCarbapenemContaining, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial},
               std::move(ingredients));
}
inline MedicationClass MeropenemClass() { return Carb(Agent::kMeropenem); }
inline MedicationClass ImipenemClass() {
  return Carb(Agent::kImipenemCilastatin,
              {Agent::kCilastatin, Agent::kImipenem, Agent::kImipenemCilastatin});
}
inline MedicationClass ErtapenemClass() { return Carb(Agent::kErtapenem); }
inline MedicationClass NewBl(Agent a, std::vector<Agent> ingredients,
                             std::initializer_list<DrugClass> ingredient_classes = {}) {
  return Class({a},
               {DrugClass::kNewBetaLactamInhibitor, DrugClass::kBetaLactam,
                DrugClass::kGramNegativeActive, DrugClass::kAntibacterial},
               std::move(ingredients), ingredient_classes);
}
inline MedicationClass ImrClass() {
  MedicationClass m =
      NewBl(Agent::kImipenemCilastatinRelebactam,
            {Agent::kCilastatin, Agent::kImipenem, Agent::kRelebactam}, {DrugClass::kCarbapenem});
  m.classes.Insert(DrugClass::kCarbapenemContaining);
  m.ingredient_classes.Insert(DrugClass::kCarbapenemContaining);
  return m;
}
inline MedicationClass MevClass() {
  MedicationClass m = NewBl(Agent::kMeropenemVaborbactam, {Agent::kMeropenem, Agent::kVaborbactam},
                            {DrugClass::kCarbapenem});
  m.classes.Insert(DrugClass::kCarbapenemContaining);
  return m;
}
inline MedicationClass CzaClass() {
  return NewBl(Agent::kCeftazidimeAvibactam, {Agent::kAvibactam, Agent::kCeftazidime});
}
inline MedicationClass CtClass() {
  return NewBl(Agent::kCeftolozaneTazobactam, {Agent::kCeftolozane, Agent::kTazobactam});
}
inline MedicationClass CefiderocolClass() {
  return Class({Agent::kCefiderocol}, {DrugClass::kCefiderocol, DrugClass::kCephalosporin,
                                       DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass CeftriaxoneClass() {
  return Class({Agent::kCeftriaxone}, {DrugClass::kCephalosporin, DrugClass::kBetaLactam,
                                       DrugClass::kGramNegativeActive, DrugClass::kAntibacterial});
}
inline MedicationClass VancomycinClass() {
  return Class({Agent::kVancomycin}, {DrugClass::kAntibacterial});
}
inline MedicationClass GanciclovirClass() {
  return Class({Agent::kGanciclovir}, {DrugClass::kGanciclovir});
}
inline MedicationClass ValganciclovirClass() {
  return Class({Agent::kValganciclovir}, {DrugClass::kGanciclovir});
}
inline MedicationClass AcyclovirLikeUnknown() { return MedicationClass{}; }

inline DraftOrder Draft(std::string id, std::string text, MedicationClass m) {
  DraftOrder d;
  d.request.id = std::move(id);
  d.request.status = "draft";
  d.request.medication.codeable_concept.text = std::move(text);
  d.selected = true;
  d.medication = std::move(m);
  return d;
}

inline fhir::Quantity Qty(double value, std::string unit) {
  fhir::Quantity q;
  q.value = value;
  q.has_value = true;
  q.unit = unit;
  q.code = std::move(unit);
  q.system = "http://unitsofmeasure.org";
  return q;
}

/// Adds a dosage: `dose` `unit` every `period` h (frequency 1), optional infusion minutes.
inline DraftOrder Dosed(DraftOrder d, double dose, std::string unit, double period_h,
                        std::optional<double> infusion_min = std::nullopt) {
  fhir::Dosage dosage;
  fhir::DoseAndRate dr;
  dr.dose_quantity = Qty(dose, std::move(unit));
  dosage.dose_and_rate.push_back(dr);
  fhir::TimingRepeat r;
  r.frequency = 1;
  r.period = period_h;
  r.period_unit = "h";
  if (infusion_min) {
    r.duration = *infusion_min;
    r.duration_unit = "min";
  }
  dosage.timing = fhir::Timing{.repeat = r, .code = {}};
  d.request.dosage_instruction.push_back(std::move(dosage));
  return d;
}

inline ActiveMedication Active(std::string id, std::string status, std::string text,
                               MedicationClass m,
                               MedicationSource source = MedicationSource::kMedicationRequest) {
  ActiveMedication a;
  a.source = source;
  a.resource_id = std::move(id);
  a.status = std::move(status);
  a.code.text = std::move(text);
  a.medication = std::move(m);
  return a;
}

inline LabValue Lab(std::string id, double value, std::string unit) {
  LabValue l;
  l.value = l.original_value = value;
  l.unit = l.original_unit = std::move(unit);
  l.time.start = kNow - days(1);
  l.time.text = "2026-11-21";
  l.observation_id = std::move(id);
  l.status = "final";
  return l;
}

/// A reported Cockcroft-Gault CrCl (35591-7).
inline EstimatedCrCl ReportedCrCl(double ml_min) {
  EstimatedCrCl e;
  e.source = EstimatedCrCl::Source::kReported;
  e.ml_per_min = ml_min;
  e.reported = Lab("cg", ml_min, "mL/min");
  return e;
}
/// Evidence dosing::CreatinineClearance gives for ReportedCrCl.
inline Evidence ReportedCrClEvidence(const std::string& text) {
  return Evidence{"Observation/cg", "Observation.valueQuantity",
                  "Cockcroft-Gault creatinine clearance (35591-7) " + text + " mL/min, 2026-11-21"};
}

using fixtures::Organism;
inline OrganismClass EColi() {
  return Organism("escherichia-coli", "Escherichia coli",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass KPneumoniae() {
  return Organism("klebsiella-pneumoniae", "Klebsiella pneumoniae",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative});
}
inline OrganismClass ECloacae() {
  return Organism("enterobacter-cloacae-complex", "Enterobacter cloacae complex",
                  {OrganismGroup::kEnterobacterales, OrganismGroup::kGramNegative,
                   OrganismGroup::kAmpCHighRisk});
}
inline OrganismClass PAeruginosa() {
  return Organism("pseudomonas-aeruginosa", "Pseudomonas aeruginosa",
                  {OrganismGroup::kPseudomonasAeruginosa, OrganismGroup::kGramNegative,
                   OrganismGroup::kNonFermenter});
}
inline OrganismClass SAureus() {
  return Organism("staphylococcus-aureus", "Staphylococcus aureus",
                  {OrganismGroup::kStaphylococcusAureus, OrganismGroup::kGramPositive});
}

inline Isolate MakeIsolate(std::string id, std::string text, OrganismClass organism,
                           SpecimenType specimen) {
  Isolate i;
  i.observation_id = std::move(id);
  i.organism = std::move(organism);
  i.organism_text = std::move(text);
  i.specimen_type = specimen;
  fhir::DateTime t;
  t.start = kNow - days(3);
  t.text = "2026-11-19";
  i.collected = t;
  i.status = "final";
  return i;
}

/// A susceptibility with an optional MIC ("<=", ">=" or "" comparator).
inline SusceptibilityResult Susc(std::string id, Agent agent, Interpretation interpretation,
                                 std::optional<double> mic = std::nullopt,
                                 fhir::Comparator comparator = fhir::Comparator::kNone) {
  SusceptibilityResult r;
  r.observation_id = std::move(id);
  r.agent = agent;
  r.interpretation = interpretation;
  if (mic) {
    fhir::Quantity q = Qty(*mic, "ug/mL");
    q.comparator = comparator;
    r.mic = q;
    r.method = SusceptibilityMethod::kMic;
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
  return m;
}

inline ActiveCondition Condition(std::string id, std::string text,
                                 std::initializer_list<ConditionGroup> groups) {
  ActiveCondition c;
  c.id = std::move(id);
  c.code.text = std::move(text);
  c.groups = ConditionGroupSet(groups);
  c.clinical_status = "active";
  c.verification_status = "confirmed";
  return c;
}

inline PatientSnapshot Base() {
  PatientSnapshot s;
  s.now = kNow;
  return s;
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

/// One table row: a snapshot, the expected outcome kind and the expected findings.
struct Case {
  const char* note;
  std::function<PatientSnapshot()> snapshot;
  RuleOutcome::Kind kind;
  std::function<std::vector<Finding>()> findings = [] { return std::vector<Finding>{}; };
};

inline std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.note;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

/// Runs `evaluate` with the rule's default config and compares kind and whole findings.
template <typename Evaluate>
void CheckCase(const Case& c, const RuleMeta& meta, Evaluate evaluate) {
  const PatientSnapshot s = c.snapshot();
  const RuleConfig config = DefaultRuleConfig(meta);
  const RuleOutcome out = evaluate(s, RuleContext{.now = kNow, .config = &config});
  EXPECT_EQ(out.kind(), c.kind) << c.note << ": " << out.reason();
  if (c.kind == RuleOutcome::Kind::kNotApplicable) {
    EXPECT_FALSE(out.reason().empty()) << c.note;
  }
  const std::vector<Finding> expected = c.findings();
  ASSERT_EQ(out.findings().size(), expected.size()) << c.note;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(out.findings()[i], expected[i]) << c.note;
  }
}

/// An expected finding built through MakeFinding (whole-finding comparison).
inline Finding Expected(const RuleMeta& meta, std::vector<OrderRef> orders, Problem problem,
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

}  // namespace cds::engine::rules::dosing_test
