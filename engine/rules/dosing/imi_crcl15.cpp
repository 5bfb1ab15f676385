#include "engine/rules/dosing/imi_crcl15.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/rules/dosing/products_dosing.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

const RuleMeta& ImiCrcl15Meta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "imi-crcl15";
    m.catalogue_id = "R08";
    m.title = "Imipenem-cilastatin with CrCl below 15 mL/min";
    m.version = "1.0.0";
    m.rationale =
        "Imipenem-cilastatin should not be given to patients with a creatinine clearance below "
        "15 mL/min unless hemodialysis is instituted within 48 hours (seizure risk from "
        "accumulation).";
    m.citation = Cite("PRIMAXIN");
    m.default_indicator = Indicator::kCritical;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateImiCrcl15(const PatientSnapshot& s, const RuleContext& context) {
  std::vector<const DraftOrder*> drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (dosing::IsInactiveStatus(d.request.status)) continue;
    if (d.medication.HasAgent(Agent::kImipenemCilastatin)) drafts.push_back(&d);
  }
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft imipenem-cilastatin order");
  const std::optional<dosing::RenalFunction> crcl = dosing::CreatinineClearance(s);
  if (!crcl) {
    return RuleOutcome::NotApplicable(
        "no creatinine clearance (2164-2, 35591-7, or creatinine + weight + age + sex)");
  }
  if (crcl->value >= 15.0 || s.dialysis) return RuleOutcome::NotFired();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(*d));
    spec.evidence.push_back(dosing::DraftEvidence(*d));
    spec.evidence.push_back(crcl->evidence);
    spec.evidence.push_back(Evidence{"Condition", "Condition.code",
                                     "No active dialysis condition (Z99.2 / SNOMED 105502003)"});
    spec.problem = Problem{.drug = dosing::AgentName(d->medication),
                           .problem = "not for CrCl < 15 mL/min without hemodialysis",
                           .organism = "",
                           .result = crcl->label};
    Recommendation switch_mero;
    switch_mero.label = "Cancel imipenem-cilastatin; meropenem 500 mg IV q24h";
    switch_mero.text =
        "Do not give imipenem-cilastatin at CrCl < 15 mL/min unless hemodialysis starts within "
        "48 h. Consider meropenem 500 mg IV every 24 h (the CrCl < 10 mL/min label dose) or "
        "another agent active against the organism.";
    switch_mero.medications = {dosing::Meropenem(500, 24)};
    Recommendation dialysis;
    dialysis.label = "Keep only if hemodialysis starts within 48 h";
    dialysis.text =
        "The record shows no dialysis. If hemodialysis will be instituted within 48 hours, "
        "imipenem-cilastatin may be given at the label dose for patients on hemodialysis.";
    dialysis.cancel_problem_order = false;
    spec.recommendations = {std::move(switch_mero), std::move(dialysis)};
    findings.push_back(MakeFinding(ImiCrcl15Meta(), context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule ImiCrcl15Rule() { return Rule{ImiCrcl15Meta(), &EvaluateImiCrcl15}; }

}  // namespace cds::engine::rules
