#include "engine/rules/site/erta_nonfermenter.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/products_site.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

bool IsPaOrAcinetobacter(const Isolate& iso) {
  return iso.organism.In(OrganismGroup::kPseudomonasAeruginosa) ||
         iso.organism.In(OrganismGroup::kAcinetobacter) ||
         iso.organism.In(OrganismGroup::kAcinetobacterBaumanniiComplex);
}
bool IsAcinetobacter(const Isolate& iso) {
  return iso.organism.In(OrganismGroup::kAcinetobacter) ||
         iso.organism.In(OrganismGroup::kAcinetobacterBaumanniiComplex);
}
bool HasEsbl(const Isolate& iso) {
  for (const MechanismResult& m : iso.mechanisms) {
    if (m.mechanism == Mechanism::kEsbl && m.detected()) return true;
  }
  return false;
}

}  // namespace

const RuleMeta& ErtaNonfermenterMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "erta-nonfermenter";
    m.catalogue_id = "R13";
    m.title =
        "Ertapenem for Pseudomonas, Acinetobacter, Enterococcus, HAP/VAP or neutropenic fever";
    m.version = "1.0.0";
    m.rationale =
        "Ertapenem has no useful activity against P. aeruginosa, Acinetobacter or enterococci, so "
        "it does not treat these organisms or the empiric indications that must cover them.";
    m.citation = Cite("IDSA24");
    m.further_citations = {Cite("ATS16")};
    m.default_indicator = Indicator::kCritical;
    m.supersedes = {"erta-critical"};
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateErtaNonfermenter(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = ErtaNonfermenterMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, [](const MedicationClass& m) {
    return m.HasAgent(Agent::kErtapenem) || m.HasIngredient(Agent::kErtapenem);
  });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft ertapenem");

  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> pa_like;
  std::vector<const Isolate*> entero;
  bool esbl = false;
  for (const Isolate& iso : s.isolates) {
    if (!site::InWindow(iso.collected, s.now, window)) continue;
    if (HasEsbl(iso)) esbl = true;
    if (IsPaOrAcinetobacter(iso)) pa_like.push_back(&iso);
    if (iso.organism.In(OrganismGroup::kEnterococcus)) entero.push_back(&iso);
  }
  const std::vector<const ActiveCondition*> hap_vap = site::FindHapVap(s);
  const std::vector<const ActiveCondition*> nf =
      site::ConditionsIn(s, {ConditionGroup::kNeutropenicFever});
  if (pa_like.empty() && entero.empty() && hap_vap.empty() && nf.empty()) {
    return RuleOutcome::NotFired();
  }
  std::vector<const Isolate*> targets;
  for (const Isolate& iso : s.isolates) {
    for (const auto* list : {&pa_like, &entero}) {
      if (std::find(list->begin(), list->end(), &iso) != list->end()) targets.push_back(&iso);
    }
  }

  // Which antipseudomonal options the susceptibilities allow.
  bool cefepime_ok = !esbl;
  bool meropenem_ok = true;
  for (const Isolate* iso : pa_like) {
    const Interpretation fep = site::InterpretationOf(*iso, Agent::kCefepime);
    if (IsNotSusceptible(fep)) cefepime_ok = false;
    if (IsAcinetobacter(*iso) && fep != Interpretation::kSusceptible) cefepime_ok = false;
    if (IsNotSusceptible(site::InterpretationOf(*iso, Agent::kMeropenem))) meropenem_ok = false;
  }
  const bool needs_antipseudomonal = !pa_like.empty() || !hap_vap.empty() || !nf.empty();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const Isolate* iso : targets) {
      std::vector<std::string> results;
      for (const SusceptibilityResult& r : iso->susceptibilities) {
        if (r.agent == Agent::kErtapenem || r.agent == Agent::kCefepime ||
            r.agent == Agent::kMeropenem) {
          results.push_back(site::SusceptibilityText(r));
        }
      }
      spec.evidence.push_back(site::IsolateEvidence(
          *iso, "Active isolate: ", results.empty() ? "" : ": " + site::JoinList(results)));
    }
    for (const ActiveCondition* c : hap_vap) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    for (const ActiveCondition* c : nf) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    spec.problem.drug = "ertapenem";
    if (!targets.empty()) {
      spec.problem.problem = "no activity against P. aeruginosa, Acinetobacter or enterococci";
      spec.problem.organism = targets.front()->organism_text;
      spec.problem.result = std::string(site::SpecimenName(targets.front()->specimen_type)) + ", " +
                            site::DateText(targets.front()->collected);
    } else {
      spec.problem.problem = hap_vap.empty() ? "neutropenic fever needs antipseudomonal cover"
                                             : "HAP/VAP needs antipseudomonal cover";
      spec.problem.result = site::ConditionText(hap_vap.empty() ? *nf.front() : *hap_vap.front());
    }

    const std::string why =
        "Ertapenem has no useful activity against P. aeruginosa, Acinetobacter or enterococci. ";
    if (needs_antipseudomonal) {
      if (cefepime_ok) {
        Recommendation r;
        r.label = "Switch to cefepime 2 g q8h over 3 h";
        r.text = why +
                 "Use an antipseudomonal agent per susceptibility: cefepime 2 g IV every 8 h, "
                 "each dose infused over 3 h.";
        r.medications = {site::Cefepime2gExtended()};
        spec.recommendations.push_back(std::move(r));
      }
      if (meropenem_ok) {
        Recommendation r;
        r.label = "Switch to meropenem 1 g q8h";
        r.text = why +
                 "Use an antipseudomonal agent per susceptibility: meropenem 1 g IV every "
                 "8 h (adjust for renal function).";
        r.medications = {site::MeropenemDose(1, 8)};
        spec.recommendations.push_back(std::move(r));
      }
      if (!cefepime_ok && !meropenem_ok) {
        Recommendation r;
        r.label = "Cancel ertapenem; choose an agent active in vitro";
        r.text = why +
                 "The isolate is not susceptible to cefepime or meropenem: choose an agent it is "
                 "susceptible to (see the DTR-P. aeruginosa / CRAB guidance).";
        spec.recommendations.push_back(std::move(r));
      }
    }
    if (!entero.empty()) {
      Recommendation r;
      r.label = "Cancel ertapenem; treat the enterococcus per susceptibility";
      r.text = why +
               "Use an enterococcal agent per susceptibility: ampicillin if susceptible, otherwise "
               "vancomycin (neither cefepime nor a carbapenem is reliable against enterococci).";
      spec.recommendations.push_back(std::move(r));
    }
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule ErtaNonfermenterRule() { return Rule{ErtaNonfermenterMeta(), &EvaluateErtaNonfermenter}; }

}  // namespace cds::engine::rules
