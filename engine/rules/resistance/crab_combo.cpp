#include "engine/rules/resistance/crab_combo.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/products.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {
namespace {

bool IsPolymyxin(const MedicationClass& m) { return m.Is(DrugClass::kPolymyxin); }
bool IsMeroImi(const MedicationClass& m) {
  return m.HasAgent(Agent::kMeropenem) || m.HasAgent(Agent::kImipenemCilastatin) ||
         m.HasIngredient(Agent::kMeropenem) || m.HasIngredient(Agent::kImipenem);
}
bool IsSulbactam(const MedicationClass& m) { return m.ContainsClass(DrugClass::kSulbactamAgent); }
bool IsRifampin(const MedicationClass& m) {
  return m.HasAgent(Agent::kRifampin) || m.Is(DrugClass::kRifamycin);
}
bool InScope(const MedicationClass& m) {
  return resistance::IsGramNegativeActive(m) ||
         (resistance::IsSystemicAntibacterial(m) && IsRifampin(m));
}

Recommendation Rec(std::string label, std::string text, std::vector<ProposedMedication> meds) {
  Recommendation r;
  r.label = std::move(label);
  r.text = std::move(text);
  r.medications = std::move(meds);
  return r;
}

std::vector<Recommendation> CrabRecommendations() {
  return {Rec("Switch to sulbactam-durlobactam + imipenem-cilastatin",
              "Sulbactam-durlobactam 2 g (1 g + 1 g) IV q6h over 3 h with imipenem-cilastatin "
              "500 mg IV q6h.",
              {SulbactamDurlobactam(), ImipenemCilastatin500()}),
          Rec("Switch to sulbactam-durlobactam + meropenem",
              "Sulbactam-durlobactam 2 g (1 g + 1 g) IV q6h over 3 h with meropenem 2 g IV q8h.",
              {SulbactamDurlobactam(), MeropenemExtendedInfusion()}),
          Rec("Alternative: high-dose ampicillin-sulbactam + a second active agent",
              "Ampicillin-sulbactam 9 g IV q8h over 4 h (9 g sulbactam/day) plus at least one of "
              "polymyxin B, minocycline 200 mg q12h, tigecycline 200 mg load then 100 mg q12h, "
              "or cefiderocol.",
              {resistance::AmpicillinSulbactamHighDose()})};
}

}  // namespace

const RuleMeta& CrabComboMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "crab-combo";
    m.catalogue_id = "R12";
    m.title = "Ineffective regimen for carbapenem-resistant A. baumannii";
    m.version = "1.0.0";
    m.rationale =
        "For CRAB, polymyxin + meropenem and polymyxin + rifampin did not improve outcomes and "
        "single agents are unreliable in severe infection; sulbactam-durlobactam with a "
        "carbapenem is preferred.";
    m.citation = Cite("ESCMID22");
    m.further_citations = {Cite("IDSA24")};
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCrabCombo(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = CrabComboMeta();
  const std::vector<const DraftOrder*> drafts = Drafts(s, &InScope);
  if (drafts.empty()) {
    return RuleOutcome::NotApplicable("no draft Gram-negative-active or rifampin order");
  }
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> acinetobacter;
  for (const Isolate* i : IsolatesInLookback(s, context.now, window)) {
    if (i->organism.In(OrganismGroup::kAcinetobacterBaumanniiComplex)) acinetobacter.push_back(i);
  }
  if (acinetobacter.empty()) {
    return RuleOutcome::NotApplicable("no A. baumannii isolate within the isolate lookback");
  }
  const Isolate* crab = nullptr;
  for (const Isolate* i : acinetobacter) {
    if (NotSusceptible(*i, Agent::kMeropenem) || NotSusceptible(*i, Agent::kImipenemCilastatin) ||
        CarbapenemaseDetected(*i)) {
      crab = i;
      break;
    }
  }
  if (crab == nullptr) return RuleOutcome::NotFired();

  const std::vector<RegimenEntry> regimen = BuildRegimen(s);
  const auto any = [&](bool (*pred)(const MedicationClass&)) {
    return std::any_of(regimen.begin(), regimen.end(),
                       [&](const RegimenEntry& e) { return pred(*e.medication); });
  };
  const bool polymyxin = any(&IsPolymyxin);
  const bool mero_imi = any(&IsMeroImi);
  const bool sulbactam = any(&IsSulbactam);
  const bool sul_dur = std::any_of(regimen.begin(), regimen.end(), [](const RegimenEntry& e) {
    return e.medication->HasAgent(Agent::kSulbactamDurlobactam);
  });
  if (sul_dur && mero_imi) return RuleOutcome::NotFired();  // the preferred regimen
  const bool branch_a = polymyxin && mero_imi && !sulbactam;
  const bool branch_b = polymyxin && any(&IsRifampin);

  // (c): distinct GN-active agents not reported inactive.
  std::vector<Agent> agents;
  std::vector<std::pair<const RegimenEntry*, AgentActivity>> gn;
  for (const RegimenEntry& e : regimen) {
    if (!IsGramNegativeActive(*e.medication)) continue;
    const AgentActivity a = InVitroActivity(*e.medication, *crab);
    gn.emplace_back(&e, a);
    if (a.activity == Activity::kInactive) continue;
    for (Agent ag : e.medication->agents) {
      if (std::find(agents.begin(), agents.end(), ag) == agents.end()) agents.push_back(ag);
    }
  }
  const bool branch_c = s.severity.severe() && agents.size() <= 1 && !gn.empty();
  if (!branch_a && !branch_b && !branch_c) return RuleOutcome::NotFired();

  const auto participates = [&](const DraftOrder* d) {
    const MedicationClass& m = d->medication;
    if (branch_a && (IsPolymyxin(m) || IsMeroImi(m))) return true;
    if (branch_b && (IsPolymyxin(m) || IsRifampin(m))) return true;
    return branch_c && !branch_a && !branch_b && IsGramNegativeActive(m);
  };
  FindingSpec spec;
  for (const DraftOrder* d : drafts) {
    if (participates(d)) spec.orders.push_back(Ref(*d));
  }
  if (spec.orders.empty()) spec.orders.push_back(Ref(*drafts.front()));
  for (const DraftOrder* d : drafts) {
    if (d->request.id == spec.orders.front().id) {
      spec.problem.drug = AgentName(d->medication);
      break;
    }
  }
  for (Evidence& e : CarbapenemEvidence(*crab)) spec.evidence.push_back(std::move(e));
  for (const auto& [entry, activity] : gn)
    spec.evidence.push_back(RegimenEvidence(*entry, activity));
  for (const RegimenEntry& e : regimen) {
    if (IsRifampin(*e.medication)) {
      spec.evidence.push_back(
          Evidence{e.reference, e.path, (e.draft != nullptr ? "Draft order: " : "") + e.display});
    }
  }
  std::string problem;
  if (branch_a) problem = "polymyxin + carbapenem without a sulbactam agent";
  if (branch_b) problem += std::string(problem.empty() ? "" : "; ") + "polymyxin + rifampin";
  if (branch_a || branch_b) {
    problem += " for CRAB (not recommended)";
    spec.escalation = Indicator::kCritical;
  } else {
    problem = "single-agent therapy for severe CRAB infection";
    for (Evidence& e : SeverityEvidence(s)) spec.evidence.push_back(std::move(e));
  }
  spec.problem.problem = problem;
  spec.problem.organism = crab->organism_text;
  spec.problem.result = CarbapenemResultSummary(*crab);
  spec.recommendations = CrabRecommendations();
  return RuleOutcome::Fired({MakeFinding(meta, context, std::move(spec))});
}

Rule CrabComboRule() { return Rule{CrabComboMeta(), &EvaluateCrabCombo}; }

}  // namespace cds::engine::rules
