#include "engine/rules/site/tige_bsi.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

const RuleMeta& TigeBsiMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "tige-bsi";
    m.catalogue_id = "R03";
    m.title = "Tigecycline or eravacycline with bacteremia";
    m.version = "1.0.0";
    m.rationale =
        "Tigecycline and eravacycline reach low serum concentrations; tigecycline carries a boxed "
        "warning for increased all-cause mortality (4.0% vs 3.0%). Bacteremia needs an "
        "organism-directed agent.";
    m.citation = Cite("TYGACIL");
    m.further_citations = {Cite("IDSA24")};
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"blood-culture", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateTigeBsi(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = TigeBsiMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, site::IsTigecyclineOrEravacycline);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft tigecycline or eravacycline");

  const std::chrono::seconds window =
      context.Lookback(meta, "blood-culture", std::chrono::days(30));
  const site::Bacteremia bacteremia = site::FindBacteremia(s, window);
  if (!bacteremia.present()) return RuleOutcome::NotFired();
  const std::vector<const ActiveCondition*> hap_vap = site::FindHapVap(s);

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    site::AppendBacteremiaEvidence(bacteremia, spec.evidence);
    for (const ActiveCondition* c : hap_vap) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    const std::string drug = site::AgentName(d->medication);
    spec.problem.drug = drug;
    spec.problem.problem = hap_vap.empty()
                               ? "bacteremia: low serum levels, higher mortality"
                               : "bacteremia with HAP/VAP: not indicated, higher mortality";
    if (!bacteremia.blood_isolates.empty()) {
      const Isolate& first = *bacteremia.blood_isolates.front();
      spec.problem.organism = first.organism_text;
      spec.problem.result = "positive blood culture " + site::DateText(first.collected);
    } else {
      spec.problem.result = site::ConditionText(*bacteremia.conditions.front());
    }
    if (!hap_vap.empty()) spec.escalation = Indicator::kCritical;

    Recommendation change;
    change.label = "Cancel " + drug + "; use an organism-directed agent";
    change.text = "Choose an agent from the organism-specific guidance, per susceptibility. " +
                  std::string(site::kTigeBsiWhy);
    if (!hap_vap.empty()) change.text += " " + std::string(site::kTigeHapVapWhy);
    change.text += site::SusceptibilityNote(bacteremia.blood_isolates);
    spec.recommendations = {std::move(change), site::KeepOnlyWithIdApproval(drug)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule TigeBsiRule() { return Rule{TigeBsiMeta(), &EvaluateTigeBsi}; }

}  // namespace cds::engine::rules
