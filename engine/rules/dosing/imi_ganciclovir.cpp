#include "engine/rules/dosing/imi_ganciclovir.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/rules/dosing/products_dosing.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

bool IsImipenem(const MedicationClass& m) {
  return m.HasIngredient(Agent::kImipenem) || m.HasAgent(Agent::kImipenemCilastatin) ||
         m.HasAgent(Agent::kImipenemCilastatinRelebactam);
}

bool IsGanciclovir(const MedicationClass& m) { return m.ContainsClass(DrugClass::kGanciclovir); }

bool IsImr(const MedicationClass& m) { return m.HasAgent(Agent::kImipenemCilastatinRelebactam); }

constexpr std::string_view kWhy =
    "Generalized seizures have been reported with imipenem-cilastatin and ganciclovir given "
    "together; avoid the combination unless the benefit outweighs the risk.";

}  // namespace

const RuleMeta& ImiGanciclovirMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "imi-ganciclovir";
    m.catalogue_id = "R15";
    m.title = "Imipenem with ganciclovir";
    m.version = "1.0.0";
    m.rationale =
        "Generalized seizures have been reported in patients receiving ganciclovir with "
        "imipenem-cilastatin; the label advises against concomitant use unless the benefit "
        "outweighs the risk. Meropenem has no such warning.";
    m.citation = Cite("PRIMAXIN");
    m.default_indicator = Indicator::kWarning;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateImiGanciclovir(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = ImiGanciclovirMeta();
  std::vector<const DraftOrder*> imi_drafts;
  std::vector<const DraftOrder*> gcv_drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (dosing::IsInactiveStatus(d.request.status)) continue;
    if (IsImipenem(d.medication)) imi_drafts.push_back(&d);
    if (IsGanciclovir(d.medication)) gcv_drafts.push_back(&d);
  }
  if (imi_drafts.empty() && gcv_drafts.empty()) {
    return RuleOutcome::NotApplicable("no draft imipenem or ganciclovir/valganciclovir order");
  }
  std::vector<const ActiveMedication*> active_gcv;
  std::vector<const ActiveMedication*> active_imi;
  for (const ActiveMedication& m : s.active_medications) {
    if (dosing::IsInactiveStatus(m.status)) continue;
    if (IsGanciclovir(m.medication)) active_gcv.push_back(&m);
    if (IsImipenem(m.medication)) active_imi.push_back(&m);
  }

  std::vector<Finding> findings;
  for (const DraftOrder* d : imi_drafts) {
    if (active_gcv.empty() && gcv_drafts.empty()) continue;
    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(*d));
    spec.evidence.push_back(dosing::DraftEvidence(*d));
    std::string antiviral;
    for (const DraftOrder* g : gcv_drafts) {
      spec.orders.push_back(dosing::Ref(*g));
      spec.evidence.push_back(dosing::DraftEvidence(*g));
      if (antiviral.empty()) antiviral = dosing::AgentName(g->medication);
    }
    for (const ActiveMedication* m : active_gcv) {
      spec.evidence.push_back(dosing::ActiveEvidence(*m));
      if (antiviral.empty()) antiviral = dosing::AgentName(m->medication);
    }
    const std::string drug = dosing::AgentName(d->medication);
    spec.problem = Problem{.drug = drug,
                           .problem = "with " + antiviral + ": seizure risk",
                           .organism = "",
                           .result = ""};
    Recommendation change;
    if (IsImr(d->medication)) {
      change.label = "Cancel " + drug + "; choose a non-imipenem agent";
      change.text = std::string(kWhy) +
                    " Choose a non-imipenem agent active against the organism (e.g. "
                    "meropenem-vaborbactam or ceftazidime-avibactam per susceptibility).";
    } else {
      change.label = "Cancel " + drug + "; meropenem 1 g IV q8h";
      change.text = std::string(kWhy) +
                    " Use meropenem instead (1 g IV every 8 h is the usual adult dose; adjust for "
                    "the indication and renal function).";
      change.medications = {dosing::Meropenem(1000, 8)};
    }
    Recommendation keep;
    keep.label = "If imipenem is essential";
    keep.text = "Continue only if the benefit outweighs the seizure risk; monitor for seizures.";
    keep.cancel_problem_order = false;
    spec.recommendations = {std::move(change), std::move(keep)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }

  if (imi_drafts.empty() && !active_imi.empty()) {
    for (const DraftOrder* g : gcv_drafts) {
      FindingSpec spec;
      spec.orders.push_back(dosing::Ref(*g));
      spec.evidence.push_back(dosing::DraftEvidence(*g));
      for (const ActiveMedication* m : active_imi) {
        spec.evidence.push_back(dosing::ActiveEvidence(*m));
      }
      const std::string drug = dosing::AgentName(g->medication);
      const std::string imi = dosing::AgentName(active_imi.front()->medication);
      spec.problem = Problem{.drug = drug,
                             .problem = "with active " + imi + ": seizure risk",
                             .organism = "",
                             .result = ""};
      Recommendation change;
      change.label = "Keep " + drug + "; switch the active " + imi + " to meropenem";
      change.text = std::string(kWhy) +
                    " Ask for the active imipenem order to be replaced with meropenem (or, for "
                    "imipenem-relebactam, another agent active against the organism).";
      change.cancel_problem_order = false;
      Recommendation cancel;
      cancel.label = "Cancel " + drug;
      cancel.text = "Only if the antiviral can be deferred or replaced.";
      spec.recommendations = {std::move(change), std::move(cancel)};
      findings.push_back(MakeFinding(meta, context, std::move(spec)));
    }
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule ImiGanciclovirRule() { return Rule{ImiGanciclovirMeta(), &EvaluateImiGanciclovir}; }

}  // namespace cds::engine::rules
