#include "engine/rules/resistance/dtr_pa.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/products.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {
namespace {

constexpr Agent kPanel[] = {Agent::kPiperacillinTazobactam,
                            Agent::kCeftazidime,
                            Agent::kCefepime,
                            Agent::kAztreonam,
                            Agent::kMeropenem,
                            Agent::kImipenemCilastatin,
                            Agent::kCiprofloxacin,
                            Agent::kLevofloxacin};

bool IsPreferred(const MedicationClass& m) {
  return m.HasAgent(Agent::kCeftolozaneTazobactam) || m.HasAgent(Agent::kCeftazidimeAvibactam) ||
         m.HasAgent(Agent::kImipenemCilastatinRelebactam) || m.HasAgent(Agent::kCefiderocol);
}

bool CarbapenemMicHigh(const Isolate& iso) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  for (Agent a : {Agent::kMeropenem, Agent::kImipenemCilastatin}) {
    const SusceptibilityResult* mic = FindMic(iso, a);
    if (MicAtLeast(mic, 4)) return true;
    if (mic == nullptr && NotSusceptible(iso, a)) return true;
  }
  return false;
}

Recommendation Rec(std::string label, std::string text, std::vector<ProposedMedication> meds) {
  Recommendation r;
  r.label = std::move(label);
  r.text = std::move(text);
  r.medications = std::move(meds);
  return r;
}

}  // namespace

bool IsDifficultToTreat(const Isolate& iso, std::vector<Agent>* untested) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const auto ns = [&](Agent a) { return NotSusceptible(iso, a); };
  for (Agent a : kPanel) {
    const SusceptibilityResult* r = FindResult(iso, a);
    if (r == nullptr) {
      if (untested != nullptr) untested->push_back(a);
      continue;
    }
    if (!IsNotSusceptible(r->interpretation)) return false;  // S or SDD
  }
  return ns(Agent::kPiperacillinTazobactam) && ns(Agent::kCeftazidime) && ns(Agent::kCefepime) &&
         (ns(Agent::kMeropenem) || ns(Agent::kImipenemCilastatin)) &&
         (ns(Agent::kCiprofloxacin) || ns(Agent::kLevofloxacin));
}

const RuleMeta& DtrPaMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "dtr-pa";
    m.catalogue_id = "R18";
    m.title = "Difficult-to-treat P. aeruginosa without a preferred agent";
    m.version = "1.0.0";
    m.rationale =
        "P. aeruginosa not susceptible to every first-line agent (DTR) needs "
        "ceftolozane-tazobactam, ceftazidime-avibactam, imipenem-relebactam or cefiderocol; a "
        "carbapenem is unreliable once the meropenem/imipenem MIC is >= 4.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kCritical;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateDtrPa(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = DtrPaMeta();
  const std::vector<const DraftOrder*> drafts = Drafts(s, &IsGramNegativeActive);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft Gram-negative-active order");
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> pa;
  for (const Isolate* i : IsolatesInLookback(s, context.now, window)) {
    if (i->organism.In(OrganismGroup::kPseudomonasAeruginosa)) pa.push_back(i);
  }
  if (pa.empty()) {
    return RuleOutcome::NotApplicable("no P. aeruginosa isolate within the isolate lookback");
  }
  const std::vector<RegimenEntry> regimen = BuildRegimen(s);
  const bool backbone = std::any_of(regimen.begin(), regimen.end(), [](const RegimenEntry& e) {
    return IsPreferred(*e.medication);
  });
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    if (IsPreferred(d->medication)) continue;
    for (const Isolate* iso : pa) {
      std::vector<Agent> untested;
      const bool dtr = !backbone && IsDifficultToTreat(*iso, &untested);
      const bool carb_high = d->medication.Is(DrugClass::kCarbapenem) && CarbapenemMicHigh(*iso);
      if (!dtr && !carb_high) continue;
      FindingSpec spec;
      spec.orders.push_back(Ref(*d));
      spec.evidence.push_back(DraftEvidence(*d));
      for (Agent a : kPanel) {
        const SusceptibilityResult* r = FindResult(*iso, a);
        if (r == nullptr) r = FindMic(*iso, a);
        if (r != nullptr) spec.evidence.push_back(ResultEvidence(*iso, *r));
      }
      if (dtr) {
        for (Agent a : untested) {
          spec.missing_data.push_back(std::string(ToString(a)) + ": not tested for " +
                                      IsolateHeader(*iso) + "; DTR judged on the other agents.");
        }
      }
      spec.problem =
          Problem{.drug = AgentName(d->medication),
                  .problem = dtr ? "difficult-to-treat P. aeruginosa: not a preferred agent"
                                 : "carbapenem for P. aeruginosa with meropenem/imipenem MIC >= 4",
                  .organism = iso->organism_text,
                  .result = dtr ? "not susceptible to all first-line agents"
                                : "carbapenem MIC >= 4 or not susceptible"};
      spec.recommendations = {
          Rec("Switch to ceftolozane-tazobactam",
              "Ceftolozane-tazobactam 3 g IV q8h, each dose over 3 h (cystitis: 1.5 g q8h over "
              "1 h).",
              {CeftolozaneTazobactamHighDose()}),
          Rec("Switch to ceftazidime-avibactam",
              "Ceftazidime-avibactam 2.5 g IV q8h, each dose over 3 h.", {CeftazidimeAvibactam()}),
          Rec("Switch to imipenem-cilastatin-relebactam",
              "Imipenem-cilastatin-relebactam 1.25 g IV q6h over 30 min (no verified RxNorm "
              "code: the order is created from text).",
              {ImipenemRelebactam()}),
          Rec("Alternative: cefiderocol", "Cefiderocol 2 g IV q8h over 3 h (q6h if CrCl >= 120).",
              {CefiderocolForCrCl(s)})};
      findings.push_back(MakeFinding(meta, context, std::move(spec)));
      break;
    }
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule DtrPaRule() { return Rule{DtrPaMeta(), &EvaluateDtrPa}; }

}  // namespace cds::engine::rules
