#include "engine/rules/site/imi_seizure.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/products_site.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

// The R10 renal dose band of the ordered imipenem product.
std::string ImipenemRenalText(bool imr, std::optional<double> crcl) {
  if (!crcl) return "No creatinine clearance is available: dose for renal function once known.";
  const double c = *crcl;
  std::string band;
  if (imr) {
    band = c >= 90   ? "1.25 g every 6 h"
           : c >= 60 ? "1 g every 6 h"
           : c >= 30 ? "0.75 g every 6 h"
           : c >= 15 ? "0.5 g every 6 h"
                     : "not recommended below 15 mL/min unless on hemodialysis";
    return "Imipenem-cilastatin-relebactam at CrCl " + site::FormatNumber(c) + " mL/min: " + band +
           ".";
  }
  band = c >= 90   ? "500 mg every 6 h or 1 g every 8 h"
         : c >= 60 ? "400-500 mg every 6 h"
         : c >= 30 ? "300 mg every 6 h or 500 mg every 8 h"
         : c >= 15 ? "200 mg every 6 h or 500 mg every 12 h"
                   : "do not give unless hemodialysis starts within 48 h";
  return "Imipenem-cilastatin at CrCl " + site::FormatNumber(c) + " mL/min: " + band + ".";
}

}  // namespace

const RuleMeta& ImiSeizureMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "imi-seizure";
    m.catalogue_id = "R09b";
    m.title = "Imipenem with a seizure disorder or CrCl below 30";
    m.version = "1.0.0";
    m.rationale =
        "Imipenem has the highest seizure propensity of the carbapenems, more so with a seizure "
        "disorder or reduced renal function; meropenem is preferred.";
    m.citation = Cite("PRIMAXIN");
    m.default_indicator = Indicator::kInfo;
    m.lookbacks = {{"lab", std::chrono::days(7)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateImiSeizure(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = ImiSeizureMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, site::ContainsImipenem);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft imipenem order");

  const std::vector<const ActiveCondition*> seizure =
      site::ConditionsIn(s, {ConditionGroup::kEpilepsySeizure});
  const std::optional<site::CrClValue> crcl =
      site::FindCrCl(s, context.Lookback(meta, "lab", std::chrono::days(7)));
  if (seizure.empty() && !crcl) {
    return RuleOutcome::NotApplicable("no seizure disorder recorded and no creatinine clearance");
  }
  const bool low_crcl = crcl && crcl->ml_per_min < 30;
  if (seizure.empty() && !low_crcl) return RuleOutcome::NotFired();
  const std::optional<double> crcl_value =
      crcl ? std::optional<double>(crcl->ml_per_min) : std::nullopt;

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const ActiveCondition* c : seizure) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    if (crcl) spec.evidence.push_back(crcl->evidence);
    spec.problem.drug = site::AgentName(d->medication);
    if (!seizure.empty() && low_crcl) {
      spec.problem.problem = "seizure disorder and CrCl < 30: seizure risk";
    } else if (!seizure.empty()) {
      spec.problem.problem = "seizure disorder: seizure risk";
    } else {
      spec.problem.problem = "CrCl < 30: seizure risk";
    }
    spec.problem.result = !seizure.empty()
                              ? site::ConditionText(*seizure.front())
                              : "CrCl " + site::FormatNumber(crcl->ml_per_min) + " mL/min";

    const ProposedMedication mero_med = site::MeropenemRenal(crcl_value);
    Recommendation mero;
    mero.label = "Switch to meropenem";
    mero.text =
        "Meropenem has a lower seizure propensity than imipenem (PRIMAXIN CNS warnings). "
        "Meropenem " +
        mero_med.dosage_text + ".";
    mero.medications = {mero_med};
    Recommendation keep;
    keep.label = "Keep imipenem, dosed for renal function";
    keep.text =
        ImipenemRenalText(d->medication.HasAgent(Agent::kImipenemCilastatinRelebactam), crcl_value);
    keep.cancel_problem_order = false;
    spec.recommendations = {std::move(mero), std::move(keep)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule ImiSeizureRule() { return Rule{ImiSeizureMeta(), &EvaluateImiSeizure}; }

}  // namespace cds::engine::rules
