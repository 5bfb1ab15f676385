#include "engine/rules/site/tige_hapvap.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

const RuleMeta& TigeHapvapMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "tige-hapvap";
    m.catalogue_id = "R04";
    m.title = "Tigecycline or eravacycline for HAP/VAP";
    m.version = "1.0.0";
    m.rationale =
        "Tigecycline is not indicated for hospital-acquired or ventilator-associated bacterial "
        "pneumonia: VAP mortality was 19.1% vs 12.3% in the registration trial.";
    m.citation = Cite("TYGACIL");
    m.further_citations = {Cite("ESCMID22")};
    m.default_indicator = Indicator::kWarning;
    m.combines_with = {Combination{.rule_id = "tige-bsi", .indicator = Indicator::kCritical}};
    m.lookbacks = {{"blood-culture", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateTigeHapvap(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = TigeHapvapMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, site::IsTigecyclineOrEravacycline);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft tigecycline or eravacycline");

  const std::vector<const ActiveCondition*> hap_vap = site::FindHapVap(s);
  if (hap_vap.empty()) return RuleOutcome::NotFired();
  const std::chrono::seconds window =
      context.Lookback(meta, "blood-culture", std::chrono::days(30));
  const site::Bacteremia bacteremia = site::FindBacteremia(s, window);

  // Respiratory and blood isolates: what the organism-directed choice rests on.
  std::vector<const Isolate*> relevant;
  for (const Isolate& iso : s.isolates) {
    if (iso.specimen_type == SpecimenType::kRespiratory) relevant.push_back(&iso);
  }
  relevant.insert(relevant.end(), bacteremia.blood_isolates.begin(),
                  bacteremia.blood_isolates.end());

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const ActiveCondition* c : hap_vap) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    site::AppendBacteremiaEvidence(bacteremia, spec.evidence);
    const std::string drug = site::AgentName(d->medication);
    spec.problem.drug = drug;
    if (bacteremia.present()) {
      spec.problem.problem = "HAP/VAP with bacteremia: not indicated, higher mortality";
      spec.escalation = Indicator::kCritical;
      if (!bacteremia.blood_isolates.empty()) {
        const Isolate& first = *bacteremia.blood_isolates.front();
        spec.problem.organism = first.organism_text;
        spec.problem.result = "positive blood culture " + site::DateText(first.collected);
      } else {
        spec.problem.result = site::ConditionText(*bacteremia.conditions.front());
      }
    } else {
      spec.problem.problem = "HAP/VAP: not indicated, higher mortality";
      spec.problem.result = site::ConditionText(*hap_vap.front());
    }

    Recommendation change;
    change.label = "Cancel " + drug + "; use an organism-directed agent";
    change.text = "Choose an agent from the organism-specific guidance, per susceptibility. " +
                  std::string(site::kTigeHapVapWhy);
    if (bacteremia.present()) change.text += " " + std::string(site::kTigeBsiWhy);
    change.text += site::SusceptibilityNote(relevant);
    spec.recommendations = {std::move(change), site::KeepOnlyWithIdApproval(drug)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule TigeHapvapRule() { return Rule{TigeHapvapMeta(), &EvaluateTigeHapvap}; }

}  // namespace cds::engine::rules
