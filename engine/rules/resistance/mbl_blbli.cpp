#include "engine/rules/resistance/mbl_blbli.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {
namespace {

bool IsNewBlBliForMbl(const MedicationClass& m) {
  return m.HasAgent(Agent::kCeftazidimeAvibactam) || m.HasAgent(Agent::kMeropenemVaborbactam) ||
         m.HasAgent(Agent::kImipenemCilastatinRelebactam);
}

}  // namespace

const RuleMeta& MblBlbliMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "mbl-blbli";
    m.catalogue_id = "R06";
    m.title = "Ceftazidime-avibactam, meropenem-vaborbactam or imipenem-relebactam for an MBL";
    m.version = "1.0.0";
    m.rationale =
        "Avibactam, vaborbactam and relebactam do not inhibit metallo-beta-lactamases (NDM, VIM, "
        "IMP); IDSA recommends ceftazidime-avibactam plus aztreonam, or cefiderocol.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kCritical;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateMblBlbli(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = MblBlbliMeta();
  const std::vector<const DraftOrder*> drafts = Drafts(s, &IsNewBlBliForMbl);
  if (drafts.empty()) {
    return RuleOutcome::NotApplicable(
        "no draft ceftazidime-avibactam, meropenem-vaborbactam or imipenem-relebactam order");
  }
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  if (!AnyMechanismResult(s, context.now, window)) {
    return RuleOutcome::NotApplicable("no carbapenemase result within the isolate lookback");
  }
  const std::vector<MechanismHit> hits =
      DetectedMechanisms(s, context.now, window, &IsMetalloBetaLactamase);
  if (hits.empty()) return RuleOutcome::NotFired();
  const std::vector<RegimenEntry> regimen = BuildRegimen(s);
  bool aztreonam = false;
  for (const RegimenEntry& e : regimen) {
    if (e.medication->HasAgent(Agent::kAztreonam) ||
        e.medication->HasAgent(Agent::kAztreonamAvibactam)) {
      aztreonam = true;
    }
  }
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    if (d->medication.HasAgent(Agent::kCeftazidimeAvibactam) && aztreonam) continue;
    FindingSpec spec;
    spec.orders.push_back(Ref(*d));
    spec.evidence.push_back(DraftEvidence(*d));
    std::string result;
    for (const MechanismHit& h : hits) {
      spec.evidence.push_back(HitEvidence(h));
      if (result.empty()) result = DescribeMechanism(*h.result);
    }
    const MechanismHit& first = hits.front();
    spec.problem =
        Problem{.drug = AgentName(d->medication),
                .problem = "inactive against metallo-beta-lactamase producers",
                .organism = first.isolate != nullptr ? first.isolate->organism_text : std::string(),
                .result = result};
    spec.recommendations = CreRecommendations(s, true, false);
    Recommendation aza;
    aza.label = "Switch to aztreonam-avibactam (where available)";
    aza.text =
        "Aztreonam-avibactam 2.67 g IV loading dose, then 2 g IV q6h, each dose over 3 h (no "
        "verified RxNorm code: the order is created from text).";
    aza.medications = {AztreonamAvibactam()};
    spec.recommendations.push_back(std::move(aza));
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule MblBlbliRule() { return Rule{MblBlbliMeta(), &EvaluateMblBlbli}; }

}  // namespace cds::engine::rules
