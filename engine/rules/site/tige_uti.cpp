#include "engine/rules/site/tige_uti.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

bool IsUrine(const Isolate& iso) {
  return iso.specimen_type == SpecimenType::kUrine || iso.culture_kind == LabKind::kUrineCulture;
}

// The urine isolates' susceptible agents among aminoglycosides and BLBLI-new.
std::string UrineNote(const std::vector<const Isolate*>& isolates) {
  std::string out;
  for (const Isolate* iso : isolates) {
    std::vector<std::string> agents;
    for (const SusceptibilityResult& r : iso->susceptibilities) {
      if (!r.agent) continue;
      switch (*r.agent) {
        case Agent::kGentamicin:
        case Agent::kTobramycin:
        case Agent::kAmikacin:
        case Agent::kPlazomicin:
        case Agent::kCeftazidimeAvibactam:
        case Agent::kMeropenemVaborbactam:
        case Agent::kImipenemCilastatinRelebactam:
          break;
        default:
          continue;
      }
      if (r.interpretation != Interpretation::kSusceptible) continue;
      std::string name(ToString(*r.agent));
      if (std::find(agents.begin(), agents.end(), name) == agents.end()) agents.push_back(name);
    }
    if (!agents.empty()) {
      out += " " + site::IsolateText(*iso) + ": susceptible to " + site::JoinList(agents) + ".";
    }
  }
  return out;
}

}  // namespace

const RuleMeta& TigeUtiMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "tige-uti";
    m.catalogue_id = "R16";
    m.title = "Tigecycline or eravacycline for a urinary tract infection";
    m.version = "1.0.0";
    m.rationale =
        "Tigecycline and eravacycline reach low urinary concentrations; aminoglycosides or the "
        "new beta-lactam/beta-lactamase inhibitors are preferred for resistant UTI.";
    m.citation = Cite("IDSA24");
    m.further_citations = {Cite("ESCMID22")};
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateTigeUti(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = TigeUtiMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, site::IsTigecyclineOrEravacycline);
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft tigecycline or eravacycline");

  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> urine;
  bool other_isolate = false;
  for (const Isolate& iso : s.isolates) {
    if (!site::InWindow(iso.collected, s.now, window)) continue;
    if (IsUrine(iso)) {
      urine.push_back(&iso);
    } else {
      other_isolate = true;
    }
  }
  const std::vector<const ActiveCondition*> uti = site::ConditionsIn(s, {ConditionGroup::kUti});
  const bool urine_is_target = !urine.empty() && !other_isolate;
  if (uti.empty() && !urine_is_target) return RuleOutcome::NotFired();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const ActiveCondition* c : uti) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    for (const Isolate* iso : urine) {
      spec.evidence.push_back(site::IsolateEvidence(*iso, "Positive urine culture: "));
    }
    const std::string drug = site::AgentName(d->medication);
    spec.problem.drug = drug;
    spec.problem.problem = "urinary tract infection: low urinary concentrations";
    if (!urine.empty()) spec.problem.organism = urine.front()->organism_text;
    spec.problem.result =
        !uti.empty() ? site::ConditionText(*uti.front())
                     : "positive urine culture " + site::DateText(urine.front()->collected);
    Recommendation change;
    change.label = "Cancel " + drug + "; use an aminoglycoside or a new beta-lactam/inhibitor";
    change.text =
        "Tigecycline and eravacycline reach low urinary concentrations. Per susceptibility, use "
        "an aminoglycoside (gentamicin or tobramycin 7 mg/kg IV once for pyelonephritis/cUTI, "
        "then pharmacokinetically guided dosing, or 5 mg/kg once for cystitis; amikacin 15 mg/kg; "
        "plazomicin 15 mg/kg) or ceftazidime-avibactam 2.5 g IV q8h over 3 h, "
        "meropenem-vaborbactam 4 g IV q8h over 3 h, or imipenem-cilastatin-relebactam 1.25 g IV "
        "q6h over 30 min." +
        UrineNote(urine);
    spec.recommendations = {std::move(change), site::KeepOnlyWithIdApproval(drug)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule TigeUtiRule() { return Rule{TigeUtiMeta(), &EvaluateTigeUti}; }

}  // namespace cds::engine::rules
