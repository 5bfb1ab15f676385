#include "engine/rules/resistance/cre_erta_r_only.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/products.hpp"
#include "engine/rules/resistance/regimen.hpp"

namespace cds::engine::rules {
namespace {

using resistance::Drafts;

// Infusion duration in hours from the first dosageInstruction that states one.
std::optional<double> InfusionHours(const DraftOrder& d) {
  for (const fhir::Dosage& dose : d.request.dosage_instruction) {
    if (!dose.timing || !dose.timing->repeat || !dose.timing->repeat->duration) continue;
    const double v = *dose.timing->repeat->duration;
    const std::string& u = dose.timing->repeat->duration_unit;
    if (u == "h") return v;
    if (u == "min") return v / 60.0;
    if (u == "s") return v / 3600.0;
    if (u == "d") return v * 24.0;
  }
  return std::nullopt;
}

}  // namespace

ErtapenemOnly ErtapenemOnlyPhenotype(const Isolate& iso) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  ErtapenemOnly out;
  out.carbapenemase_tested_negative = CarbapenemaseTestedNegative(iso);
  const SusceptibilityResult* imi_mic = FindMic(iso, Agent::kImipenemCilastatin);
  out.imipenem_mic_reported = imi_mic != nullptr;
  const SusceptibilityResult* erta_mic = FindMic(iso, Agent::kErtapenem);
  out.phenotype = iso.organism.In(OrganismGroup::kEnterobacterales) &&
                  !CarbapenemaseDetected(iso) && !NotSusceptible(iso, Agent::kMeropenem) &&
                  MicAtMost(FindMic(iso, Agent::kMeropenem), 1) &&
                  !NotSusceptible(iso, Agent::kImipenemCilastatin) &&
                  (imi_mic == nullptr || MicAtMost(imi_mic, 1)) &&
                  (NotSusceptible(iso, Agent::kErtapenem) || MicAtLeast(erta_mic, 1));
  return out;
}

const RuleMeta& CreErtaROnlyMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "cre-erta-r-only";
    m.catalogue_id = "R01b";
    m.title = "Ertapenem-only resistant Enterobacterales: extended-infusion meropenem";
    m.version = "1.0.0";
    m.rationale =
        "For carbapenemase-negative Enterobacterales that are resistant to ertapenem but have "
        "meropenem and imipenem MICs <= 1, IDSA suggests extended-infusion meropenem; ertapenem "
        "should not be used.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kWarning;
    m.lookbacks = {{"isolate", std::chrono::days(30)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateCreErtaROnly(const PatientSnapshot& s, const RuleContext& context) {
  using namespace resistance;  // NOLINT(google-build-using-namespace)
  const RuleMeta& meta = CreErtaROnlyMeta();
  const std::vector<const DraftOrder*> drafts = Drafts(s, [](const MedicationClass& m) {
    return m.HasAgent(Agent::kErtapenem) || m.HasAgent(Agent::kMeropenem);
  });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft ertapenem or meropenem order");
  const std::chrono::seconds window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> isolates;
  for (const Isolate* i : IsolatesInLookback(s, context.now, window)) {
    if (i->organism.In(OrganismGroup::kEnterobacterales)) isolates.push_back(i);
  }
  if (isolates.empty()) {
    return RuleOutcome::NotApplicable("no Enterobacterales isolate within the isolate lookback");
  }
  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    const bool ertapenem = d->medication.HasAgent(Agent::kErtapenem);
    const std::optional<double> hours = ertapenem ? std::nullopt : InfusionHours(*d);
    if (!ertapenem && hours && *hours >= 3.0) continue;  // already extended infusion
    for (const Isolate* iso : isolates) {
      const ErtapenemOnly p = ErtapenemOnlyPhenotype(*iso);
      if (!p.phenotype) continue;
      if (ertapenem && !p.carbapenemase_tested_negative) continue;  // R01 fires critical
      FindingSpec spec;
      spec.orders.push_back(Ref(*d));
      spec.evidence.push_back(DraftEvidence(*d));
      for (Evidence& e : CarbapenemEvidence(*iso)) spec.evidence.push_back(std::move(e));
      const std::string drug = AgentName(d->medication);
      spec.problem = Problem{
          .drug = drug,
          .problem = ertapenem ? "ertapenem-resistant Enterobacterales: do not use ertapenem"
                               : "standard infusion for ertapenem-resistant Enterobacterales",
          .organism = iso->organism_text,
          .result = "ertapenem not susceptible, meropenem MIC <= 1"};
      if (!p.carbapenemase_tested_negative) {
        spec.missing_data.push_back(
            "No carbapenemase test (e.g. LOINC 86930-5 or KPC/NDM/VIM/IMP/OXA-48 genes) "
            "reported for this isolate; request one: a carbapenemase producer needs a "
            "newer agent, not meropenem.");
      }
      if (!p.imipenem_mic_reported) {
        spec.missing_data.push_back(
            "No imipenem MIC reported; the phenotype rests on the meropenem MIC alone.");
      }
      if (!ertapenem && !hours) {
        spec.missing_data.push_back(
            "Infusion duration not stated in the order (timing.repeat.duration); assumed to be a "
            "standard infusion.");
      }
      Recommendation rec;
      rec.label = "Switch to meropenem 2 g IV q8h over 3 h";
      rec.text =
          "Carbapenemase-negative, ertapenem-resistant isolate with meropenem MIC <= 1: use "
          "extended-infusion meropenem 2 g IV every 8 h, each dose over 3 h. Never ertapenem.";
      rec.medications = {MeropenemExtendedInfusion()};
      spec.recommendations = {std::move(rec)};
      findings.push_back(MakeFinding(meta, context, std::move(spec)));
      break;
    }
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule CreErtaROnlyRule() { return Rule{CreErtaROnlyMeta(), &EvaluateCreErtaROnly}; }

}  // namespace cds::engine::rules
