#include "engine/rules/dosing/ext_infusion.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "engine/rules/citations.hpp"
#include "engine/rules/dosing/dosing_common.hpp"
#include "engine/rules/dosing/products_dosing.hpp"
#include "engine/rules/products.hpp"
#include "engine/snapshot.hpp"

namespace cds::engine::rules {
namespace {

enum class MicLevel { kNone, kTop, kUnreliable };

struct MicFinding {
  MicLevel level = MicLevel::kNone;
  double value = 0.0;
  const Isolate* isolate = nullptr;
  const SusceptibilityResult* result = nullptr;
};

MicLevel Classify(const Isolate& i, const fhir::Quantity& mic) {
  const double v = mic.value;
  const fhir::Comparator c = mic.comparator;
  if (c == fhir::Comparator::kLess || c == fhir::Comparator::kLessOrEqual) return MicLevel::kNone;
  if (v > 8 || (v >= 8 && c == fhir::Comparator::kGreater)) return MicLevel::kUnreliable;
  const bool at_least = c == fhir::Comparator::kGreaterOrEqual || c == fhir::Comparator::kGreater;
  double lo = 0;
  double hi = 0;
  if (i.organism.In(OrganismGroup::kEnterobacterales)) {
    lo = 1;
    hi = 2;
  } else if (i.organism.In(OrganismGroup::kPseudomonasAeruginosa)) {
    lo = 2;
    hi = 8;
  } else {
    return MicLevel::kNone;
  }
  if (v >= lo && (v <= hi || at_least)) return MicLevel::kTop;
  return MicLevel::kNone;
}

MicFinding WorstMic(const PatientSnapshot& s) {
  MicFinding best;
  for (const Isolate& i : s.isolates) {
    if (!i.organism.In(OrganismGroup::kEnterobacterales) &&
        !i.organism.In(OrganismGroup::kPseudomonasAeruginosa)) {
      continue;
    }
    for (const SusceptibilityResult& r : i.susceptibilities) {
      if (r.agent != Agent::kMeropenem || !r.mic || !r.mic->has_value) continue;
      const MicLevel level = Classify(i, *r.mic);
      if (level == MicLevel::kNone) continue;
      if (best.isolate == nullptr || level > best.level ||
          (level == best.level && r.mic->value > best.value)) {
        best = MicFinding{level, r.mic->value, &i, &r};
      }
    }
  }
  return best;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool TextSaysExtended(const fhir::Dosage* dosage) {
  if (dosage == nullptr) return false;
  const std::string t = Lower(dosage->text);
  for (const char* word : {"extended", "prolonged", "continuous", "over 3", "over 4", "3 h", "3-h",
                           "180 min", "240 min"}) {
    if (t.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string MicText(const MicFinding& m) {
  return "meropenem MIC " + std::string(fhir::ToString(m.result->mic->comparator)) +
         dosing::FormatNumber(m.result->mic->value) + " mg/L";
}

void AddSevereEvidence(const PatientSnapshot& s, std::vector<Evidence>& evidence) {
  for (const ActiveCondition& c : s.conditions) {
    if (s.severity.sepsis_or_septic_shock && c.groups.Has(ConditionGroup::kSepsis)) {
      evidence.push_back({"Condition/" + c.id, "Condition.code",
                          "Severe: sepsis/septic shock: " + dosing::ConceptText(c.code)});
      break;
    }
  }
  if (s.severity.positive_blood_culture && !s.positive_blood_culture_ids.empty()) {
    evidence.push_back({"Observation/" + s.positive_blood_culture_ids.front(),
                        "Observation.valueCodeableConcept", "Severe: positive blood culture"});
  }
  for (const ActiveCondition& c : s.conditions) {
    if (s.severity.hap_or_vap &&
        (c.groups.Has(ConditionGroup::kHap) || c.groups.Has(ConditionGroup::kVap))) {
      evidence.push_back({"Condition/" + c.id, "Condition.code",
                          "Severe: HAP/VAP: " + dosing::ConceptText(c.code)});
      break;
    }
  }
  if (s.severity.icu) {
    evidence.push_back(
        {"Encounter/" + s.icu.encounter_id, "Encounter", "Severe: ICU (" + s.icu.evidence + ")"});
  }
}

}  // namespace

const RuleMeta& ExtInfusionMeta() {
  static const RuleMeta kMeta = [] {
    RuleMeta m;
    m.id = "ext-infusion";
    m.catalogue_id = "R11";
    m.title = "Extended infusion of meropenem or imipenem";
    m.version = "1.0.0";
    m.rationale =
        "Extended (3-hour) infusions keep carbapenem concentrations above the MIC for longer; "
        "they are advised in severe infections and when the MIC is at the top of the "
        "susceptible/intermediate range. Above a meropenem MIC of 8 mg/L a carbapenem is "
        "unreliable.";
    m.citation = Cite("IDSA24");
    m.further_citations = {Cite("ESCMID22")};
    m.default_indicator = Indicator::kInfo;
    return m;
  }();
  return kMeta;
}

RuleOutcome EvaluateExtInfusion(const PatientSnapshot& s, const RuleContext& context) {
  std::vector<const DraftOrder*> drafts;
  for (const DraftOrder& d : s.draft_orders) {
    if (dosing::IsInactiveStatus(d.request.status)) continue;
    if (d.medication.HasAgent(Agent::kMeropenem) ||
        d.medication.HasAgent(Agent::kImipenemCilastatin)) {
      drafts.push_back(&d);
    }
  }
  if (drafts.empty()) return RuleOutcome::NotApplicable("no draft meropenem or imipenem order");
  const MicFinding mic = WorstMic(s);
  const bool severe = s.severity.severe();

  std::vector<Finding> findings;
  for (const DraftOrder* d : drafts) {
    const fhir::Dosage* dosage = dosing::MaintenanceDosage(d->request);
    // Not a conditional expression: GCC 12 -O2 then misreports the optional as uninitialized.
    std::optional<double> minutes;
    if (dosage != nullptr) minutes = dosing::InfusionMinutes(*dosage);
    if (minutes && *minutes > 60) continue;
    if (!minutes && TextSaysExtended(dosage)) continue;
    if (mic.level != MicLevel::kUnreliable && !severe && mic.level != MicLevel::kTop) continue;

    const bool meropenem = d->medication.HasAgent(Agent::kMeropenem);
    const std::string drug = dosing::AgentName(d->medication);
    FindingSpec spec;
    spec.orders.push_back(dosing::Ref(*d));
    spec.evidence.push_back(dosing::DraftEvidence(*d));
    if (minutes) {
      spec.evidence.push_back({"MedicationRequest/" + d->request.id,
                               "MedicationRequest.dosageInstruction.timing.repeat.duration",
                               "Infusion time " + dosing::FormatNumber(*minutes) + " min"});
    } else {
      spec.missing_data.push_back(
          "No infusion time in the order (timing.repeat.duration or rateQuantity); a standard "
          "30-min infusion is assumed.");
    }
    if (mic.isolate != nullptr) {
      const Isolate& i = *mic.isolate;
      spec.evidence.push_back(
          {"Observation/" + mic.result->observation_id, "Observation.valueQuantity",
           i.organism_text + ", " + std::string(ToString(i.specimen_type)) + ", " +
               (i.collected ? i.collected->text : std::string("date unknown")) + ": " +
               MicText(mic) + " (" + std::string(ToString(mic.result->interpretation)) + ")"});
      spec.problem.organism = i.organism_text;
      spec.problem.result = MicText(mic);
    }
    if (severe) AddSevereEvidence(s, spec.evidence);
    spec.problem.drug = drug;
    Recommendation rec;
    if (mic.level == MicLevel::kUnreliable) {
      spec.problem.problem = "carbapenem unreliable at this MIC";
      rec.label = "Cancel " + drug + "; choose an agent per susceptibility";
      rec.text =
          "A meropenem MIC above 8 mg/L is beyond what extended infusion can cover: do not rely "
          "on a carbapenem. Choose an agent per susceptibility (CRE or DTR-P. aeruginosa "
          "guidance).";
    } else {
      spec.problem.problem = "standard infusion: give as a 3-h extended infusion";
      rec.label = meropenem ? "Meropenem 2 g IV q8h over 3 h"
                            : "Imipenem-cilastatin 500 mg IV q6h over 3 h";
      rec.text = std::string(severe ? "Severe infection" : "MIC at the top of the range") +
                 ": extended infusion keeps concentrations above the MIC for longer (IDSA 2024 "
                 "Table 1).";
      rec.medications = {meropenem ? MeropenemExtendedInfusion()
                                   : dosing::ImipenemExtendedInfusion()};
    }
    spec.recommendations = {std::move(rec)};
    if (severe && minutes) spec.escalation = Indicator::kWarning;
    findings.push_back(MakeFinding(ExtInfusionMeta(), context, std::move(spec)));
  }
  if (findings.empty()) return RuleOutcome::NotFired();
  return RuleOutcome::Fired(std::move(findings));
}

Rule ExtInfusionRule() { return Rule{ExtInfusionMeta(), &EvaluateExtInfusion}; }

}  // namespace cds::engine::rules
