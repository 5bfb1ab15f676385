#include "engine/rules/site/erta_critical.hpp"

#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/products.hpp"
#include "engine/rules/site/products_site.hpp"
#include "engine/rules/site/site_common.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {

const RuleMeta& ErtaCriticalMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "erta-critical";
    m.catalogue_id = "R13b";
    m.title = "Ertapenem for ESBL-E in a critically ill or hypoalbuminemic patient";
    m.version = "1.0.0";
    m.rationale =
        "IDSA 2024 suggests meropenem or imipenem-cilastatin rather than ertapenem for the initial "
        "doses of ESBL-E therapy in critically ill patients or with albumin below 2.5 g/dL.";
    m.citation = Cite("IDSA24");
    m.default_indicator = Indicator::kInfo;
    m.lookbacks = {{"isolate", std::chrono::days(30)}, {"lab", std::chrono::days(7)}};
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateErtaCritical(const PatientSnapshot& s, const RuleContext& context) {
  const RuleMeta& meta = ErtaCriticalMeta();
  const std::vector<const DraftOrder*> drafts = site::Drafts(s, [](const MedicationClass& m) {
    return m.HasAgent(Agent::kErtapenem) || m.HasIngredient(Agent::kErtapenem);
  });
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft ertapenem");

  const std::chrono::seconds iso_window = context.Lookback(meta, "isolate", std::chrono::days(30));
  std::vector<const Isolate*> esbl_e;
  for (const Isolate& iso : s.isolates) {
    if (!site::InWindow(iso.collected, s.now, iso_window) ||
        !iso.organism.In(OrganismGroup::kEnterobacterales)) {
      continue;
    }
    for (const MechanismResult& m : iso.mechanisms) {
      if (m.mechanism == Mechanism::kEsbl && m.detected()) {
        esbl_e.push_back(&iso);
        break;
      }
    }
  }
  if (esbl_e.empty()) return RuleOutcome::NotFired();

  const std::vector<const ActiveCondition*> shock =
      site::ConditionsIn(s, {ConditionGroup::kSepticShock});
  const std::chrono::seconds lab_window = context.Lookback(meta, "lab", std::chrono::days(7));
  const std::optional<LabValue>& albumin = s.labs.albumin;
  const bool low_albumin =
      albumin && site::InWindow(albumin->time, s.now, lab_window) && albumin->value < 2.5;
  const bool critically_ill = s.icu.in_icu || !shock.empty();
  if (!critically_ill && !low_albumin) return RuleOutcome::NotFired();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    FindingSpec spec;
    spec.orders.push_back(site::Ref(*d));
    spec.evidence.push_back(site::DraftEvidence(*d));
    for (const Isolate* iso : esbl_e) {
      spec.evidence.push_back(
          site::IsolateEvidence(*iso, "ESBL-producing isolate: ", ": ESBL detected"));
    }
    if (s.icu.in_icu) {
      spec.evidence.push_back(Evidence{"Encounter/" + s.icu.encounter_id, "Encounter",
                                       "ICU encounter: " + s.icu.evidence});
    }
    for (const ActiveCondition* c : shock) {
      spec.evidence.push_back(site::ConditionEvidence(*c, "Active condition: "));
    }
    if (low_albumin) {
      spec.evidence.push_back(Evidence{"Observation/" + albumin->observation_id,
                                       "Observation.valueQuantity",
                                       "Albumin (1751-7) " + site::FormatNumber(albumin->value) +
                                           " g/dL, " + site::DateText(albumin->time)});
    }
    spec.problem.drug = "ertapenem";
    spec.problem.problem = critically_ill
                               ? "ESBL-E in a critically ill patient: start with meropenem"
                               : "ESBL-E with albumin < 2.5 g/dL: start with meropenem";
    spec.problem.organism = esbl_e.front()->organism_text;
    spec.problem.result = "ESBL detected";

    const std::string why =
        "IDSA 2024 (ESBL-E): in critically ill patients or with albumin < 2.5 g/dL, use "
        "meropenem or imipenem-cilastatin for the initial doses; ertapenem is highly "
        "protein-bound. Ertapenem can follow once the patient is stable.";
    Recommendation mero;
    mero.label = "Switch to meropenem 1 g q8h for the initial doses";
    mero.text = why + " Meropenem 1 g IV every 8 h (adjust for renal function).";
    mero.medications = {site::MeropenemDose(1, 8)};
    Recommendation imi;
    imi.label = "Or imipenem-cilastatin 500 mg q6h for the initial doses";
    imi.text = why + " Imipenem-cilastatin 500 mg IV every 6 h (adjust for renal function).";
    imi.medications = {ImipenemCilastatin500()};
    spec.recommendations = {std::move(mero), std::move(imi)};
    findings.push_back(MakeFinding(meta, context, std::move(spec)));
  }
  return RuleOutcome::Fired(std::move(findings));
}

Rule ErtaCriticalRule() { return Rule{ErtaCriticalMeta(), &EvaluateErtaCritical}; }

}  // namespace cds::engine::rules
