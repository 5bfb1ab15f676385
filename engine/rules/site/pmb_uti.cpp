#include "engine/rules/site/pmb_uti.hpp"

#include <cctype>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/resistance/cre_polymyxin.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

bool IsUrine(const Isolate& iso) {
  return iso.specimen_type == SpecimenType::kUrine || iso.culture_kind == LabKind::kUrineCulture;
}

bool ContainsCystitis(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("cystitis") != std::string::npos;
}

// The conditions that name cystitis (N30.* or "cystitis"), for evidence.
std::vector<const ActiveCondition*> CystitisConditions(const PatientSnapshot& s) {
  std::vector<const ActiveCondition*> out;
  for (const ActiveCondition& c : s.conditions) {
    bool match = ContainsCystitis(c.code.text);
    for (const fhir::Coding& coding : c.code.coding) {
      if (ContainsCystitis(coding.display)) match = true;
      if ((coding.system == kIcd10CmSystem || coding.system == kIcd10System) &&
          coding.code.starts_with("N30")) {
        match = true;
      }
    }
    if (match) out.push_back(&c);
  }
  return out;
}

constexpr std::string_view kWhy =
    "For cystitis caused by CRE or difficult-to-treat-resistant P. aeruginosa, when a polymyxin "
    "is used, colistin is preferred over polymyxin B: colistin is given as its prodrug "
    "colistimethate, which is cleared by the kidneys and converted to its active form (colistin) "
    "in the urinary tract, whereas polymyxin B is cleared mainly by non-renal routes and reaches "
    "low urinary concentrations. Route colistin dosing through pharmacy. Note: the catalogue "
    "marks the wording of this IDSA 2024 recommendation UNVERIFIED (taken from a recollection of "
    "the guidance, not checked against its text).";

}  // namespace

const RuleMeta& PmbUtiMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "pmb-uti";
    m.catalogue_id = "R17";
    m.title = "Polymyxin B for CRE or DTR-P. aeruginosa cystitis";
    m.version = "1.0.0";
    m.rationale =
        "Polymyxin B reaches low urinary concentrations; colistin (given as colistimethate, "
        "converted to its active form in urine) is preferred for cystitis (UNVERIFIED wording).";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kInfo;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluatePmbUti(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = PmbUtiMeta();
  const std::vector<const DraftOrder*> drafts =
      site::Drafts(s, [](const MedicationClass& m) { return m.HasAgent(Agent::kPolymyxinB); });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft polymyxin B order");

  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  bool any_isolate = false;
  const Isolate* target = nullptr;
  std::vector<std::string> facts;
  for (const Isolate& iso : s.isolates) {
    if (!site::InWindow(iso.collected, s.now, window)) continue;
    any_isolate = true;
    if (target != nullptr || !IsUrine(iso)) continue;
    std::vector<std::string> f = site::CreFacts(iso);
    if (f.empty()) f = site::DtrPaFacts(iso);
    if (!f.empty()) {
      target = &iso;
      facts = std::move(f);
    }
  }
  if (!any_isolate) {
    return RuleOutcome::NotApplicable("no isolate within the " + site::WindowText(window) +
                                      " isolate lookback");
  }
  if (target == nullptr) return RuleOutcome::NotFired();
  if (!IsUncomplicatedCystitis(s) || site::FindBacteremia(s, window).present()) {
    return RuleOutcome::NotFired();
  }
  const std::vector<const ActiveCondition*> cystitis = CystitisConditions(s);
  const bool cre = !site::CreFacts(*target).empty();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    spec.evidence.push_back(site::IsolateEvidence(
        *target,
        cre ? "CRE isolate: " : "DTR-P. aeruginosa isolate: ", ": " + site::JoinList(facts)));
    for (const ActiveCondition* c : cystitis) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    spec.problem.drug = "polymyxin B";
    spec.problem.problem = "cystitis: colistin is preferred over polymyxin B";
    spec.problem.organism = target->organism_text;
    spec.problem.result = cystitis.empty() ? "cystitis" : site::ConditionText(*cystitis.front());
    Recommendation change;
    change.label = "If a polymyxin is needed for cystitis, use colistin instead of polymyxin B";
    change.text = std::string(kWhy);
    spec.recommendations = {std::move(change)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule PmbUtiRule() { return Rule{PmbUtiMeta(), &EvaluatePmbUti}; }

}  // namespace cds::engine::rules
