#include "engine/rules/resistance/oxa48_mev_imr.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {

const RuleMeta& Oxa48MevImrMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "oxa48-mev-imr";
    m.catalogue_id = "R07";
    m.title = "Meropenem-vaborbactam or imipenem-relebactam for an OXA-48-like producer";
    m.version = "1.0.0";
    m.rationale =
        "Vaborbactam and relebactam do not inhibit OXA-48-like carbapenemases; "
        "ceftazidime-avibactam is preferred, cefiderocol is the alternative.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateOxa48MevImr(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = Oxa48MevImrMeta();
  const std::vector<const DraftOrder*> drafts = Drafts(s, [](const MedicationClass& m) {
    return m.HasAgent(Agent::kMeropenemVaborbactam) ||
           m.HasAgent(Agent::kImipenemCilastatinRelebactam);
  });
  if (drafts.empty()) {
    return RuleOutcome::NotApplicable(
        "no draft meropenem-vaborbactam or imipenem-relebactam order");
  }
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  if (!AnyMechanismResult(s, context.now, window)) {
    return RuleOutcome::NotApplicable("no carbapenemase result within the isolate lookback");
  }
  const std::vector<MechanismHit> hits = DetectedMechanisms(s, context.now, window, &IsOxa48Family);
  if (hits.empty()) return RuleOutcome::NotFired();
  if (!DetectedMechanisms(s, context.now, window, &IsMetalloBetaLactamase).empty()) {
    return RuleOutcome::NotFired();  // R06 owns MBL co-producers
  }
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(Ref(*d));
    spec.evidence.push_back(DraftEvidence(*d));
    for (const MechanismHit& h : hits) spec.evidence.push_back(HitEvidence(h));
    const MechanismHit& first = hits.front();
    spec.problem =
        Problem{.drug = AgentName(d->medication),
                .problem = "does not cover OXA-48-like carbapenemases",
                .organism = first.isolate != nullptr ? first.isolate->organism_text : std::string(),
                .result = DescribeMechanism(*first.result)};
    spec.recommendations = CreRecommendations(s, false, true);
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule Oxa48MevImrRule() { return Rule{Oxa48MevImrMeta(), &EvaluateOxa48MevImr}; }

}  // namespace cds::engine::rules
