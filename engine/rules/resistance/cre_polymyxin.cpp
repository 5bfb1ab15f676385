#include "engine/rules/resistance/cre_polymyxin.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/resistance/products_resistance.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsIcd10(std::string_view system) { return system == kIcd10CmSystem || system == kIcd10System; }

// Lower-cased text, displays and ICD-10 codes of a condition.
struct ConditionText {
  std::string words;
  std::vector<std::string> icd10;
};
ConditionText Read(const ActiveCondition& c) {
  ConditionText t;
  t.words = Lower(c.code.text);
  for (const fhir::Coding& coding : c.code.coding) {
    t.words += " " + Lower(coding.display);
    if (IsIcd10(coding.system)) t.icd10.push_back(coding.code);
  }
  return t;
}

bool StartsWithAny(const std::string& code, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return code.starts_with(p); });
}

}  // namespace

bool IsUncomplicatedCystitis(const PatientSnapshot& s) {
  bool cystitis = false;
  for (const ActiveCondition& c : s.conditions) {
    const ConditionText t = Read(c);
    if (c.groups.Has(ConditionGroup::kBacteremia) || c.groups.Has(ConditionGroup::kSepsis) ||
        c.groups.Has(ConditionGroup::kSepticShock)) {
      return false;
    }
    for (const std::string& code : t.icd10) {
      if (StartsWithAny(code, {"N10", "N11", "N12", "N13.6", "N15.1", "T83.5"})) return false;
      if (code.starts_with("N30")) cystitis = true;
    }
    for (std::string_view w :
         {"pyelonephritis", "complicated", "catheter", "urosepsis", "renal abscess"}) {
      // "uncomplicated" contains "complicated": only an explicit "uncomplicated" is allowed.
      if (w == "complicated") {
        std::string rest = t.words;
        for (std::size_t p = rest.find("uncomplicated"); p != std::string::npos;
             p = rest.find("uncomplicated")) {
          rest.erase(p, 13);
        }
        if (rest.find("complicated") != std::string::npos) return false;
        continue;
      }
      if (t.words.find(w) != std::string::npos) return false;
    }
    if (t.words.find("cystitis") != std::string::npos) cystitis = true;
  }
  return cystitis;
}

const RuleMeta& CrePolymyxinMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "cre-polymyxin";
    m.catalogue_id = "R02";
    m.title = "Polymyxin for carbapenem-resistant Enterobacterales";
    m.version = "1.0.0";
    m.rationale =
        "Polymyxins are less effective and more toxic than the newer beta-lactam agents for CRE; "
        "in severe infection a polymyxin must not be the only active drug.";
    m.citation = Cite("IDSA24");
    m.further_citations = {Cite("ESCMID22"), Cite("TSUJI19")};
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCrePolymyxin(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = CrePolymyxinMeta();
  const std::vector<const DraftOrder*> drafts =
      Drafts(s, [](const MedicationClass& m) { return m.Is(DrugClass::kPolymyxin); });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft polymyxin order");
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> isolates;
  for (const Isolate* i : IsolatesInLookback(s, context.now, window)) {
    if (IsEnterobacteralesOrUnidentifiedGramNegative(*i)) isolates.push_back(i);
  }
  if (isolates.empty()) {
    return RuleOutcome::NotApplicable("no Enterobacterales isolate within the isolate lookback");
  }
  const Isolate* cre = nullptr;
  for (const Isolate* i : isolates) {
    if (IsCre(*i)) {
      cre = i;
      break;
    }
  }
  if (cre == nullptr) return RuleOutcome::NotFired();
  const bool severe = s.severity.severe();
  const std::vector<RegimenEntry> regimen = BuildRegimen(s);
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    const bool colistin =
        d->medication.HasAgent(Agent::kColistin) || d->medication.HasAgent(Agent::kColistimethate);
    if (colistin && !severe && cre->specimen_type == SpecimenType::kUrine &&
        IsUncomplicatedCystitis(s)) {
      continue;  // colistin for cystitis as a last resort
    }
    FindingSpec spec;
    spec.orders.push_back(Ref(*d));
    spec.evidence.push_back(DraftEvidence(*d));
    for (Evidence& e : CarbapenemEvidence(*cre)) spec.evidence.push_back(std::move(e));
    bool other_active = false;
    for (const OtherAgent& o : OtherGramNegativeAgents(regimen, d, *cre)) {
      if (o.entry->medication->Is(DrugClass::kPolymyxin)) continue;
      if (CountsAsActive(o.activity.activity)) other_active = true;
      spec.evidence.push_back(RegimenEvidence(*o.entry, o.activity));
      if (o.activity.activity == Activity::kUntested) {
        spec.missing_data.push_back(AgentName(*o.entry->medication) +
                                    ": no susceptibility result for " + IsolateHeader(*cre) +
                                    "; not counted as an active second agent.");
      }
    }
    for (Evidence& e : SeverityEvidence(s)) spec.evidence.push_back(std::move(e));
    const bool only = severe && !other_active;
    if (only) spec.escalation = Indicator::kCritical;
    spec.problem =
        Problem{.drug = AgentName(d->medication),
                .problem = only ? "polymyxin as the only active agent in severe CRE infection"
                                : "polymyxin for CRE: a newer beta-lactam agent is preferred",
                .organism = cre->organism_text,
                .result = CarbapenemResultSummary(*cre)};
    spec.recommendations = CreRecommendations(s, MblDetected(*cre), Oxa48Detected(*cre));
    Recommendation keep;
    keep.label = "If a polymyxin must be used: give >= 2 in-vitro-active drugs";
    keep.text =
        "If a polymyxin, aminoglycoside, tigecycline or fosfomycin must be used for severe CRE "
        "infection, combine at least two drugs active in vitro; route polymyxin dosing through "
        "pharmacy (international consensus 2019).";
    keep.cancel_problem_order = false;
    spec.recommendations.push_back(std::move(keep));
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule CrePolymyxinRule() { return Rule{CrePolymyxinMeta(), &EvaluateCrePolymyxin}; }

}  // namespace cds::engine::rules
