#include "engine/rules/resistance/cre_carb_mono.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/resistance/cre_erta_r_only.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {

const RuleMeta& CreCarbMonoMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "cre-carb-mono";
    m.catalogue_id = "R01";
    m.title = "Carbapenem monotherapy for carbapenem-resistant Enterobacterales";
    m.version = "1.0.0";
    m.rationale =
        "Meropenem, imipenem or ertapenem alone is unreliable against carbapenem-resistant "
        "Enterobacterales; IDSA recommends a newer agent chosen by carbapenemase class.";
    m.citation = Cite("IDSA24");
    m.further_citations = {Cite("ESCMID22")};
    m.default_indicator = Indicator::kCritical;
    m.supersedes = {"carb-steward", "ext-infusion"};
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCreCarbMono(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = CreCarbMonoMeta();
  const std::vector<const DraftOrder*> drafts =
      Drafts(s, [](const MedicationClass& m) { return m.Is(DrugClass::kCarbapenem); });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft carbapenem order");
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> isolates;
  for (const Isolate* i : IsolatesInLookback(s, context.now, window)) {
    if (IsEnterobacteralesOrUnidentifiedGramNegative(*i)) isolates.push_back(i);
  }
  if (isolates.empty()) {
    return RuleOutcome::NotApplicable("no Enterobacterales isolate within the isolate lookback");
  }
  const std::vector<RegimenEntry> regimen = BuildRegimen(s);
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    const bool ertapenem = d->medication.HasAgent(Agent::kErtapenem);
    for (const Isolate* iso : isolates) {
      if (!IsCre(*iso)) continue;
      const bool trigger = NotSusceptible(*iso, Agent::kMeropenem) ||
                           NotSusceptible(*iso, Agent::kImipenemCilastatin) ||
                           CarbapenemaseDetected(*iso) || ertapenem;
      if (!trigger) continue;
      const ErtapenemOnly exception = ErtapenemOnlyPhenotype(*iso);
      if (exception.phenotype && exception.carbapenemase_tested_negative) continue;  // R01b
      std::vector<OtherAgent> others;
      bool combination = false;
      for (const OtherAgent& o : OtherGramNegativeAgents(regimen, d, *iso)) {
        if (o.entry->medication->Is(DrugClass::kCarbapenem)) continue;
        if (CountsAsActive(o.activity.activity)) combination = true;
        others.push_back(o);
      }
      if (combination) continue;  // an in-vitro-active second agent: not monotherapy
      FindingSpec spec;
      spec.orders.push_back(Ref(*d));
      spec.evidence.push_back(DraftEvidence(*d));
      for (Evidence& e : CarbapenemEvidence(*iso)) spec.evidence.push_back(std::move(e));
      for (const OtherAgent& o : others) {
        spec.evidence.push_back(RegimenEvidence(*o.entry, o.activity));
        if (o.activity.activity == Activity::kUntested) {
          spec.missing_data.push_back(AgentName(*o.entry->medication) +
                                      ": no susceptibility result for " + IsolateHeader(*iso) +
                                      "; not counted as an active second agent.");
        }
      }
      spec.problem = Problem{.drug = AgentName(d->medication),
                             .problem =
                                 "carbapenem monotherapy for carbapenem-resistant "
                                 "Enterobacterales",
                             .organism = iso->organism_text,
                             .result = CarbapenemResultSummary(*iso)};
      spec.recommendations = CreRecommendations(s, MblDetected(*iso), Oxa48Detected(*iso));
      findings.push_back(MakeFinding(meta, context, std::move(spec)));
      break;
    }
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule CreCarbMonoRule() { return Rule{CreCarbMonoMeta(), &EvaluateCreCarbMono}; }

}  // namespace cds::engine::rules
