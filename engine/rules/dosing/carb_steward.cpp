#include "engine/rules/dosing/carb_steward.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/rules/dosing/products_dosing.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

const SusceptibilityResult* Find(const Isolate& i, Agent agent) {
  for (const SusceptibilityResult& r : i.susceptibilities) {
    if (r.agent == agent) return &r;
  }
  return nullptr;
}

bool IsCarbapenemAgent(Agent a) {
  return a == Agent::kMeropenem || a == Agent::kImipenemCilastatin || a == Agent::kErtapenem ||
         a == Agent::kDoripenem;
}

struct Option {
  Agent agent;
  const SusceptibilityResult* result;
};

bool UrinarySource(const PatientSnapshot& s, const Isolate& i) {
  const bool urine =
      i.specimen_type == SpecimenType::kUrine || i.culture_kind == LabKind::kUrineCulture;
  const bool uti = std::any_of(s.conditions.begin(), s.conditions.end(),
                               [](const auto& c) { return c.groups.Has(ConditionGroup::kUti); });
  return urine && uti && !s.severity.positive_blood_culture;
}

std::vector<Option> Options(const PatientSnapshot& s, const Isolate& i) {
  for (const SusceptibilityResult& r : i.susceptibilities) {
    if (r.agent && IsCarbapenemAgent(*r.agent) && IsNotSusceptible(r.interpretation)) return {};
  }
  bool esbl = false;
  for (const MechanismResult& m : i.mechanisms) {
    if (m.detected() && IsCarbapenemase(m.mechanism)) return {};
    if (m.detected() && m.mechanism == Mechanism::kEsbl) esbl = true;
  }
  if (!i.organism.In(OrganismGroup::kEnterobacterales)) return {};
  const SusceptibilityResult* cro = Find(i, Agent::kCeftriaxone);
  if (i.organism.In(OrganismGroup::kAmpCHighRisk)) {
    const SusceptibilityResult* fep = Find(i, Agent::kCefepime);
    if (esbl || fep == nullptr || !fep->mic || !fep->mic->has_value ||
        IsNotSusceptible(fep->interpretation)) {
      return {};
    }
    const fhir::Comparator c = fep->mic->comparator;
    const bool le2 = fep->mic->value <= 2 &&
                     (c == fhir::Comparator::kNone || c == fhir::Comparator::kLessOrEqual ||
                      c == fhir::Comparator::kLess);
    if (le2) return {{Agent::kCefepime, fep}};
    return {};
  }
  if (cro != nullptr && cro->interpretation == Interpretation::kSusceptible && !esbl) {
    return {{Agent::kCeftriaxone, cro}};
  }
  const bool esbl_e = esbl || (cro != nullptr && IsNotSusceptible(cro->interpretation));
  if (!esbl_e || !UrinarySource(s, i)) return {};
  std::vector<Option> out;
  for (Agent a :
       {Agent::kTrimethoprimSulfamethoxazole, Agent::kCiprofloxacin, Agent::kLevofloxacin}) {
    const SusceptibilityResult* r = Find(i, a);
    if (r != nullptr && r->interpretation == Interpretation::kSusceptible) out.push_back({a, r});
  }
  return out;
}

std::string ResultText(const Isolate& i, const SusceptibilityResult& r) {
  std::string mic;
  if (r.mic && r.mic->has_value) {
    mic = " MIC " + std::string(fhir::ToString(r.mic->comparator)) +
          dosing::FormatNumber(r.mic->value) + " mg/L";
  }
  return i.organism_text + ", " + std::string(ToString(i.specimen_type)) + ", " +
         (i.collected ? i.collected->text : std::string("date unknown")) + ": " +
         std::string(ToString(*r.agent)) + mic + " (" + std::string(ToString(r.interpretation)) +
         ")";
}

Recommendation RecFor(Agent a) {
  Recommendation r;
  r.text = "The isolate is susceptible to a narrower agent; reserve carbapenems.";
  switch (a) {
    case Agent::kCeftriaxone:
      r.label = "Switch to ceftriaxone 2 g IV q24h";
      r.medications = {dosing::Ceftriaxone2g()};
      break;
    case Agent::kCefepime:
      r.label = "Switch to cefepime 2 g IV q8h over 3 h";
      r.medications = {dosing::CefepimeExtendedInfusion()};
      break;
    case Agent::kTrimethoprimSulfamethoxazole:
      r.label = "Switch to TMP-SMX 160 mg PO q12h";
      r.medications = {dosing::TmpSmx()};
      break;
    case Agent::kCiprofloxacin:
      r.label = "Switch to ciprofloxacin 500 mg PO q12h";
      r.medications = {dosing::Ciprofloxacin()};
      break;
    default:
      r.label = "Switch to levofloxacin 750 mg PO q24h";
      r.medications = {dosing::Levofloxacin()};
      break;
  }
  return r;
}

}  // namespace

const RuleMeta& CarbStewardMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "carb-steward";
    m.catalogue_id = "R14";
    m.title = "Carbapenem where a narrower agent is active";
    m.version = "1.0.0";
    m.rationale =
        "Carbapenems should be reserved for resistant organisms; when the isolate is "
        "susceptible to a narrower preferred agent, switching reduces selection of "
        "carbapenem resistance.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kInfo;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCarbSteward(const PatientSnapshot& s, const RuleContext& context) {
  std::vector<const DraftOrder*> drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (!dosing::IsInactiveStatus(d.request.status) && d.medication.Is(DrugClass::kCarbapenem)) {
      drafts.push_back(&d);
    }
  }
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft carbapenem (CARB) order");
  std::vector<const Isolate*> gn;
  bool any_results = false;
  for (const Isolate& i : s.isolates) {
    if (!i.organism.In(OrganismGroup::kGramNegative)) continue;
    gn.push_back(&i);
    if (!i.susceptibilities.empty() || !i.mechanisms.empty()) any_results = true;
  }
  if (gn.empty()) return RuleOutcome::NotApplicable("no active Gram-negative isolate");
  if (!any_results) return RuleOutcome::NotApplicable("susceptibility results pending");

  std::vector<Option> common = Options(s, *gn.front());
  std::vector<std::vector<Option>> per_isolate = {common};
  for (std::size_t k = 1; k < gn.size(); ++k) {
    std::vector<Option> next = Options(s, *gn[k]);
    std::erase_if(common, [&](const Option& o) {
      return std::none_of(next.begin(), next.end(),
                          [&](const Option& n) { return n.agent == o.agent; });
    });
    per_isolate.push_back(std::move(next));
  }
  if (common.empty()) return RuleOutcome::NotFired();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(*d));
    spec.evidence.push_back(dosing::DraftEvidence(*d));
    for (std::size_t k = 0; k < gn.size(); ++k) {
      for (const Option& o : per_isolate[k]) {
        if (std::none_of(common.begin(), common.end(),
                         [&](const Option& c) { return c.agent == o.agent; })) {
          continue;
        }
        spec.evidence.push_back({"Observation/" + o.result->observation_id,
                                 "Observation.interpretation", ResultText(*gn[k], *o.result)});
      }
      for (const MechanismResult& m : gn[k]->mechanisms) {
        if (m.mechanism != Mechanism::kEsbl) continue;
        spec.evidence.push_back(
            {"Observation/" + m.observation_id, "Observation.valueCodeableConcept",
             gn[k]->organism_text + ": ESBL " + (m.detected() ? "detected" : "not detected")});
      }
    }
    std::string agents;
    for (const Option& o : common) {
      spec.recommendations.push_back(RecFor(o.agent));
      agents += (agents.empty() ? "" : ", ") + std::string(ToString(o.agent));
    }
    spec.problem = Problem{.drug = dosing::AgentName(d->medication),
                           .problem = "narrower agent active: " + agents,
                           .organism = gn.front()->organism_text,
                           .result = std::string(ToString(common.front().agent)) + " S"};
    findings.push_back(MakeFinding(CarbStewardMeta(), context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule CarbStewardRule() { return Rule{CarbStewardMeta(), &EvaluateCarbSteward}; }

}  // namespace cds::engine::rules
