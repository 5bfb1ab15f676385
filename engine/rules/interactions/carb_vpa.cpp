#include "engine/rules/interactions/carb_vpa.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

bool IsCarbPlus(const MedicationClass& m) {
  return m.Is(DrugClass::kCarbapenemContaining) || m.ContainsClass(DrugClass::kCarbapenem);
}

bool IsValproate(const MedicationClass& m) { return m.ContainsClass(DrugClass::kValproate); }

std::string_view ResourceType(MedicationSource source) {
  switch (source) {
    case MedicationSource::kMedicationRequest:
      return "MedicationRequest";
    case MedicationSource::kMedicationStatement:
      return "MedicationStatement";
    case MedicationSource::kMedicationAdministration:
      return "MedicationAdministration";
  }
  return "MedicationRequest";
}

Evidence ActiveEvidence(const ActiveMedication& m) {
  std::string text = ConceptText(m.code);
  if (text.empty()) text = AgentName(m.medication);
  std::string value = "Active " + std::string(ResourceType(m.source)) + " (" +
                      (m.status.empty() ? std::string("status unknown") : m.status) + "): " + text;
  if (m.time && !m.time->text.empty()) value += ", " + m.time->text;
  const std::string type(ResourceType(m.source));
  return Evidence{type + "/" + m.resource_id, type + ".medication", value};
}

std::string FormatValue(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Adds the latest valproate level (evidence + summary result) or a missing-data note.
void AddLevel(const PatientSnapshot& s, const RuleContext& context, FindingSpec& spec) {
  const std::chrono::seconds lookback =
      context.Lookback(CarbVpaMeta(), "valproate-level", std::chrono::days(7));
  const std::optional<LabValue>& level = s.labs.valproate_level;
  if (level && level->time.start >= context.now - lookback && level->time.start <= context.now) {
    std::string value = std::string(fhir::ToString(level->comparator)) +
                        FormatValue(level->original_value) + " " + level->original_unit;
    spec.problem.result = "valproate level " + value;
    spec.evidence.push_back(Evidence{"Observation/" + level->observation_id,
                                     "Observation.valueQuantity",
                                     "Valproate level (4086-5) " + value + ", " + level->time.text +
                                         (level->preliminary ? " (preliminary)" : "")});
  } else {
    const bool whole_days = lookback.count() % 86400 == 0;
    spec.missing_data.push_back(
        "No valproate level (LOINC 4086-5) in the last " +
        std::to_string(whole_days ? lookback.count() / 86400 : lookback.count() / 3600) +
        (whole_days ? " days" : " hours") + "; consider measuring one.");
  }
}

constexpr std::string_view kNoOvercome =
    "Raising the valproate dose does not overcome the interaction; valproate levels fall within "
    "about 24 h and can stay low for days after the carbapenem is stopped.";

}  // namespace

const RuleMeta& CarbVpaMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "carb-vpa";
    m.catalogue_id = "R05";
    m.title = "Carbapenem with valproate";
    m.version = "1.0.0";
    m.rationale =
        "All carbapenems, including meropenem-vaborbactam and imipenem-cilastatin-relebactam, "
        "rapidly lower valproate concentrations, with loss of seizure control; concomitant use "
        "is not recommended.";
    m.citation = Cite("MERREM");
    m.further_citations = {Cite("VPA"), Cite("MHRA10")};
    m.default_indicator = Indicator::kCritical;
    m.lookbacks = {{"valproate-level", std::chrono::days(7)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCarbVpa(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = CarbVpaMeta();
  bool any_relevant_draft = false;
  std::vector<const DraftOrder*> vpa_drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (IsInactiveStatus(d.request.status)) continue;
    if (IsCarbPlus(d.medication) || IsValproate(d.medication)) any_relevant_draft = true;
    if (IsValproate(d.medication)) {
      vpa_drafts.push_back(&d);
    }
  }
  if (!any_relevant_draft) {
    return RuleOutcome::NotApplicable("no draft carbapenem or valproate order");
  }
  std::vector<const ActiveMedication*> active_vpa;
  std::vector<const ActiveMedication*> active_carb;
  for (const ActiveMedication& m : s.active_medications) {
    if (IsInactiveStatus(m.status)) continue;
    if (IsValproate(m.medication)) active_vpa.push_back(&m);
    if (IsCarbPlus(m.medication)) active_carb.push_back(&m);
  }

  std::vector<Finding> findings;
  bool any_carb_draft = false;
  for (const DraftOrder& d : s.draft_orders) {
    if (IsInactiveStatus(d.request.status) || !IsCarbPlus(d.medication)) continue;
    any_carb_draft = true;
    if (active_vpa.empty() && vpa_drafts.empty()) continue;
    FindingSpec spec;
    spec.orders.push_back(Ref(d));
    spec.evidence.push_back(DraftEvidence(d));
    std::string vpa_name;
    for (const DraftOrder* v : vpa_drafts) {
      if (v == &d) continue;
      spec.orders.push_back(Ref(*v));
      spec.evidence.push_back(DraftEvidence(*v));
      if (vpa_name.empty()) vpa_name = AgentName(v->medication);
    }
    for (const ActiveMedication* m : active_vpa) {
      spec.evidence.push_back(ActiveEvidence(*m));
      if (vpa_name.empty()) vpa_name = AgentName(m->medication);
    }
    const std::string drug = AgentName(d.medication);
    spec.problem = Problem{.drug = drug,
                           .problem = "lowers valproate levels (" + vpa_name + "): seizure risk",
                           .organism = "",
                           .result = ""};
    AddLevel(s, context, spec);
    Recommendation cancel;
    cancel.label = "Cancel " + drug + "; choose a non-carbapenem antibiotic";
    cancel.text =
        "Use a non-carbapenem antibiotic active against the organism. " + std::string(kNoOvercome);
    Recommendation unavoidable;
    unavoidable.label = "If a carbapenem is unavoidable";
    unavoidable.text =
        "Add or bridge a non-interacting anticonvulsant with neurology input and monitor for "
        "seizures.";
    unavoidable.cancel_problem_order = false;
    spec.recommendations = {std::move(cancel), std::move(unavoidable)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }

  // Valproate drafts for a patient on an active carbapenem (draft + draft is covered above).
  if (!any_carb_draft && !active_carb.empty()) {
    for (const DraftOrder* v : vpa_drafts) {
      FindingSpec spec;
      spec.orders.push_back(Ref(*v));
      spec.evidence.push_back(DraftEvidence(*v));
      for (const ActiveMedication* m : active_carb) spec.evidence.push_back(ActiveEvidence(*m));
      const std::string drug = AgentName(v->medication);
      const std::string carb = AgentName(active_carb.front()->medication);
      spec.problem = Problem{.drug = drug,
                             .problem = "levels fall with active " + carb + ": seizure risk",
                             .organism = "",
                             .result = ""};
      AddLevel(s, context, spec);
      Recommendation cancel;
      cancel.label = "Cancel " + drug + "; choose a non-interacting anticonvulsant";
      cancel.text =
          "Ask neurology for an anticonvulsant that does not interact (e.g. "
          "levetiracetam) while the carbapenem continues. " +
          std::string(kNoOvercome);
      Recommendation change;
      change.label = "Or change the antibiotic";
      change.text =
          "Replace the carbapenem with a non-carbapenem antibiotic so that valproate "
          "can continue.";
      change.cancel_problem_order = false;
      spec.recommendations = {std::move(cancel), std::move(change)};
      findings.push_back(MakeFinding(meta, context, std::move(spec)));
    }
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule CarbVpaRule() { return Rule{CarbVpaMeta(), &EvaluateCarbVpa}; }

}  // namespace cds::engine::rules
