#include "engine/rules/resistance/regimen.hpp"

#include <algorithm>
#include <cctype>

namespace cds::engine::rules::resistance {
namespace {

std::string_view ResourceType(MedicationSource source) {
  switch (source) {
    case MedicationSource::kMedicationRequest:
      return "MedicationRequest";
    case MedicationSource::kMedicationStatement:
      return "MedicationStatement";
    case MedicationSource::kMedicationAdministration:
      return "MedicationAdministration";
  }
  return "MedicationRequest";
}

bool IsPolymyxin(Agent a) {
  return a == Agent::kColistin || a == Agent::kColistimethate || a == Agent::kPolymyxinB;
}

// Does a result reported for `reported` apply to the ordered `agent`?
bool Applies(Agent reported, Agent agent) {
  if (reported == agent) return true;
  const auto imipenem = [](Agent a) {
    return a == Agent::kImipenem || a == Agent::kImipenemCilastatin;
  };
  if (imipenem(reported) && imipenem(agent)) return true;
  return reported == Agent::kColistin && IsPolymyxin(agent);
}

bool IsSusceptible(Interpretation i, Agent agent) {
  if (i == Interpretation::kSusceptible || i == Interpretation::kSusceptibleDoseDependent) {
    return true;
  }
  return IsPolymyxin(agent) && i == Interpretation::kIntermediate;
}

bool Failing(const SusceptibilityResult& r, Agent agent) {
  return IsNotSusceptible(r.interpretation) && !IsSusceptible(r.interpretation, agent);
}

// Order of preference: not susceptible first (conservative), then final before preliminary.
int Rank(const SusceptibilityResult& r, Agent agent) {
  return (Failing(r, agent) ? 0 : 2) + (r.preliminary ? 1 : 0);
}

std::string FormatNumber(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string MechanismName(Mechanism m) {
  switch (m) {
    case Mechanism::kCarbapenemase:
      return "carbapenemase";
    case Mechanism::kKpc:
      return "KPC";
    case Mechanism::kNdm:
      return "NDM";
    case Mechanism::kVim:
      return "VIM";
    case Mechanism::kImp:
      return "IMP";
    case Mechanism::kOxa48:
      return "OXA-48";
    case Mechanism::kOxa48Like:
      return "OXA-48-like";
    case Mechanism::kOxa23:
      return "OXA-23-like";
    case Mechanism::kOxa24:
      return "OXA-24-like";
    case Mechanism::kOxa58:
      return "OXA-58-like";
    case Mechanism::kEsbl:
      return "ESBL";
  }
  return "mechanism";
}

Activity Expected(const MedicationClass& m, const Isolate& isolate) {
  bool any_gene = false;
  bool all_kpc = true;
  bool all_kpc_or_oxa48 = true;
  for (const MechanismResult* r : Detected(isolate)) {
    if (!IsCarbapenemase(r->mechanism) || r->mechanism == Mechanism::kCarbapenemase) continue;
    any_gene = true;
    if (r->mechanism != Mechanism::kKpc) all_kpc = false;
    if (r->mechanism != Mechanism::kKpc && !IsOxa48Family(r->mechanism)) {
      all_kpc_or_oxa48 = false;
    }
  }
  if (!any_gene) return Activity::kUntested;
  if (m.HasAgent(Agent::kCefiderocol) || m.HasAgent(Agent::kAztreonamAvibactam)) {
    return Activity::kExpected;
  }
  if (m.HasAgent(Agent::kCeftazidimeAvibactam) && all_kpc_or_oxa48) return Activity::kExpected;
  if ((m.HasAgent(Agent::kMeropenemVaborbactam) ||
       m.HasAgent(Agent::kImipenemCilastatinRelebactam)) &&
      all_kpc) {
    return Activity::kExpected;
  }
  return Activity::kUntested;
}

}  // namespace

bool IsSystemicAntibacterial(const MedicationClass& m) noexcept {
  return m.known() && m.Is(DrugClass::kAntibacterial) && !m.Is(DrugClass::kTopicalOnly) &&
         !m.non_systemic_hint;
}

bool IsGramNegativeActive(const MedicationClass& m) noexcept {
  return IsSystemicAntibacterial(m) && m.Is(DrugClass::kGramNegativeActive);
}

std::vector<const Isolate*> IsolatesInLookback(const PatientSnapshot& s,
                                               std::chrono::sys_seconds now,
                                               std::chrono::seconds window) {
  std::vector<const Isolate*> out;
  for (const Isolate& i : s.isolates) {
    if (!i.collected) continue;
    if (i.collected->start < now - window || i.collected->start > now) continue;
    out.push_back(&i);
  }
  return out;
}

const SusceptibilityResult* FindResult(const Isolate& isolate, Agent agent) {
  const SusceptibilityResult* best = nullptr;
  for (const SusceptibilityResult& r : isolate.susceptibilities) {
    if (!r.agent || !Applies(*r.agent, agent) || r.interpretation == Interpretation::kUnknown) {
      continue;
    }
    if (best == nullptr || Rank(r, agent) < Rank(*best, agent)) best = &r;
  }
  return best;
}

const SusceptibilityResult* FindMic(const Isolate& isolate, Agent agent) {
  for (const SusceptibilityResult& r : isolate.susceptibilities) {
    if (!r.agent || !Applies(*r.agent, agent) || !r.mic || !r.mic->has_value) continue;
    if (r.method == SusceptibilityMethod::kDisk) continue;
    return &r;
  }
  return nullptr;
}

bool MicAtMost(const SusceptibilityResult* r, double limit) noexcept {
  if (r == nullptr || !r->mic || !r->mic->has_value) return false;
  switch (r->mic->comparator) {
    case fhir::Comparator::kNone:
    case fhir::Comparator::kLessOrEqual:
      return r->mic->value <= limit;
    case fhir::Comparator::kLess:
      return r->mic->value <= limit;
    case fhir::Comparator::kGreater:
    case fhir::Comparator::kGreaterOrEqual:
      return false;
  }
  return false;
}

bool MicAtLeast(const SusceptibilityResult* r, double limit) noexcept {
  if (r == nullptr || !r->mic || !r->mic->has_value) return false;
  switch (r->mic->comparator) {
    case fhir::Comparator::kNone:
    case fhir::Comparator::kGreaterOrEqual:
    case fhir::Comparator::kGreater:
      return r->mic->value >= limit;
    case fhir::Comparator::kLess:
    case fhir::Comparator::kLessOrEqual:
      return false;
  }
  return false;
}

bool NotSusceptible(const Isolate& isolate, Agent agent) {
  const SusceptibilityResult* r = FindResult(isolate, agent);
  return r != nullptr && Failing(*r, agent);
}

std::vector<const MechanismResult*> Detected(const Isolate& isolate) {
  std::vector<const MechanismResult*> out;
  for (const MechanismResult& m : isolate.mechanisms) {
    if (m.detected()) out.push_back(&m);
  }
  return out;
}

bool CarbapenemaseDetected(const Isolate& isolate) {
  return std::any_of(
      isolate.mechanisms.begin(), isolate.mechanisms.end(),
      [](const MechanismResult& m) { return m.detected() && IsCarbapenemase(m.mechanism); });
}

bool CarbapenemaseTestedNegative(const Isolate& isolate) {
  return std::any_of(
      isolate.mechanisms.begin(), isolate.mechanisms.end(), [](const MechanismResult& m) {
        return m.result == Interpretation::kNotDetected && IsCarbapenemase(m.mechanism);
      });
}

bool MblDetected(const Isolate& isolate) {
  return std::any_of(
      isolate.mechanisms.begin(), isolate.mechanisms.end(),
      [](const MechanismResult& m) { return m.detected() && IsMetalloBetaLactamase(m.mechanism); });
}

bool Oxa48Detected(const Isolate& isolate) {
  return std::any_of(
      isolate.mechanisms.begin(), isolate.mechanisms.end(),
      [](const MechanismResult& m) { return m.detected() && IsOxa48Family(m.mechanism); });
}

bool KpcDetected(const Isolate& isolate) {
  return std::any_of(
      isolate.mechanisms.begin(), isolate.mechanisms.end(),
      [](const MechanismResult& m) { return m.detected() && m.mechanism == Mechanism::kKpc; });
}

bool IsEnterobacteralesOrUnidentifiedGramNegative(const Isolate& isolate) noexcept {
  const OrganismGroupSet& g = isolate.organism.groups;
  if (g.Has(OrganismGroup::kEnterobacterales)) return true;
  return g == OrganismGroupSet{OrganismGroup::kGramNegative};
}

bool IsCre(const Isolate& isolate) {
  if (isolate.organism.In(OrganismGroup::kEnterobacterales)) {
    return NotSusceptible(isolate, Agent::kMeropenem) ||
           NotSusceptible(isolate, Agent::kImipenemCilastatin) ||
           NotSusceptible(isolate, Agent::kErtapenem) || CarbapenemaseDetected(isolate);
  }
  return IsEnterobacteralesOrUnidentifiedGramNegative(isolate) && CarbapenemaseDetected(isolate);
}

std::string IsolateHeader(const Isolate& isolate) {
  std::string out =
      isolate.organism_text.empty() ? isolate.organism.canonical_name : isolate.organism_text;
  if (out.empty()) out = "organism";
  if (isolate.specimen_type != SpecimenType::kUnknown) {
    out += ", " + std::string(ToString(isolate.specimen_type));
  }
  if (isolate.collected && !isolate.collected->text.empty()) {
    out += ", " + isolate.collected->text.substr(0, 10);
  }
  if (isolate.preliminary) out += " (preliminary)";
  return out;
}

std::string DescribeResult(const SusceptibilityResult& r) {
  std::string out = r.agent ? std::string(ToString(*r.agent)) : ConceptText(r.code);
  if (r.mic && r.mic->has_value) {
    const std::string unit = !r.mic->unit.empty() ? r.mic->unit : r.mic->code;
    out += (r.method == SusceptibilityMethod::kDisk ? " zone " : " MIC ") +
           std::string(fhir::ToString(r.mic->comparator)) + FormatNumber(r.mic->value) +
           (unit.empty() ? "" : " " + unit);
  }
  if (r.interpretation != Interpretation::kUnknown) {
    out += " (" + std::string(ToString(r.interpretation)) + ")";
  }
  if (r.preliminary) out += " [preliminary]";
  return out;
}

std::string DescribeMechanism(const MechanismResult& m) {
  std::string result = m.result == Interpretation::kDetected      ? "detected"
                       : m.result == Interpretation::kNotDetected ? "not detected"
                                                                  : "result unknown";
  return MechanismName(m.mechanism) + " " + result + (m.preliminary ? " [preliminary]" : "");
}

Evidence ResultEvidence(const Isolate& isolate, const SusceptibilityResult& r) {
  std::string path = "Observation";
  if (r.component_index >= 0) path += ".component[" + std::to_string(r.component_index) + "]";
  path += (r.mic && r.mic->has_value) ? ".valueQuantity" : ".interpretation";
  return Evidence{"Observation/" + r.observation_id, path,
                  IsolateHeader(isolate) + ": " + DescribeResult(r)};
}

Evidence MechanismEvidence(const Isolate& isolate, const MechanismResult& m) {
  std::string path = "Observation";
  if (m.component_index >= 0) path += ".component[" + std::to_string(m.component_index) + "]";
  path += ".valueCodeableConcept";
  return Evidence{"Observation/" + m.observation_id, path,
                  IsolateHeader(isolate) + ": " + DescribeMechanism(m)};
}

Evidence IsolateEvidence(const Isolate& isolate) {
  return Evidence{"Observation/" + isolate.observation_id, "Observation.valueCodeableConcept",
                  IsolateHeader(isolate)};
}

std::string CarbapenemResultSummary(const Isolate& isolate) {
  std::string out;
  for (const MechanismResult* m : Detected(isolate)) {
    if (!IsCarbapenemase(m->mechanism)) continue;
    if (!out.empty()) out += ", ";
    out += MechanismName(m->mechanism) + " detected";
  }
  if (!out.empty()) return out;
  for (Agent a : {Agent::kMeropenem, Agent::kImipenemCilastatin, Agent::kErtapenem}) {
    const SusceptibilityResult* r = FindResult(isolate, a);
    if (r != nullptr && Failing(*r, a)) return DescribeResult(*r);
  }
  return "";
}

std::vector<Evidence> CarbapenemEvidence(const Isolate& isolate) {
  std::vector<Evidence> out;
  for (Agent a : {Agent::kMeropenem, Agent::kImipenemCilastatin, Agent::kErtapenem}) {
    const SusceptibilityResult* r = FindResult(isolate, a);
    if (r == nullptr) r = FindMic(isolate, a);
    if (r != nullptr) out.push_back(ResultEvidence(isolate, *r));
  }
  for (const MechanismResult& m : isolate.mechanisms) {
    if (!IsCarbapenemase(m.mechanism) || m.result == Interpretation::kUnknown) continue;
    out.push_back(MechanismEvidence(isolate, m));
  }
  return out;
}

namespace {
bool InWindow(const std::optional<fhir::DateTime>& t, std::chrono::sys_seconds now,
              std::chrono::seconds window) {
  return t && t->start >= now - window && t->start <= now;
}
}  // namespace

std::vector<MechanismHit> DetectedMechanisms(const PatientSnapshot& s, std::chrono::sys_seconds now,
                                             std::chrono::seconds window,
                                             bool (*pred)(Mechanism) noexcept) {
  std::vector<MechanismHit> out;
  for (const Isolate* i : IsolatesInLookback(s, now, window)) {
    for (const MechanismResult& m : i->mechanisms) {
      if (m.detected() && pred(m.mechanism)) out.push_back({i, &m});
    }
  }
  for (const MechanismResult& m : s.unlinked_mechanisms) {
    if (m.detected() && pred(m.mechanism) && InWindow(m.time, now, window)) {
      out.push_back({nullptr, &m});
    }
  }
  return out;
}

bool AnyMechanismResult(const PatientSnapshot& s, std::chrono::sys_seconds now,
                        std::chrono::seconds window) {
  for (const Isolate* i : IsolatesInLookback(s, now, window)) {
    if (!i->mechanisms.empty()) return true;
  }
  return std::any_of(s.unlinked_mechanisms.begin(), s.unlinked_mechanisms.end(),
                     [&](const MechanismResult& m) { return InWindow(m.time, now, window); });
}

Evidence HitEvidence(const MechanismHit& hit) {
  if (hit.isolate != nullptr) return MechanismEvidence(*hit.isolate, *hit.result);
  const MechanismResult& m = *hit.result;
  std::string path = "Observation";
  if (m.component_index >= 0) path += ".component[" + std::to_string(m.component_index) + "]";
  path += ".valueCodeableConcept";
  std::string header = "Unlinked result";
  if (m.time && !m.time->text.empty()) header += ", " + m.time->text.substr(0, 10);
  return Evidence{"Observation/" + m.observation_id, path, header + ": " + DescribeMechanism(m)};
}

std::string_view ToString(Activity activity) noexcept {
  switch (activity) {
    case Activity::kActive:
      return "active";
    case Activity::kInactive:
      return "inactive";
    case Activity::kExpected:
      return "expected active";
    case Activity::kUntested:
      return "untested";
  }
  return "untested";
}

AgentActivity InVitroActivity(const MedicationClass& m, const Isolate& isolate) {
  AgentActivity failing;
  for (Agent a : m.agents) {
    const SusceptibilityResult* r = FindResult(isolate, a);
    if (r == nullptr) continue;
    if (IsSusceptible(r->interpretation, a)) return AgentActivity{Activity::kActive, r};
    if (Failing(*r, a) && failing.result == nullptr) failing = {Activity::kInactive, r};
  }
  if (failing.result != nullptr) return failing;
  return AgentActivity{Expected(m, isolate), nullptr};
}

std::vector<RegimenEntry> BuildRegimen(const PatientSnapshot& s) {
  std::vector<RegimenEntry> out;
  for (const DraftOrder& d : s.draft_orders) {
    if (IsInactiveStatus(d.request.status) || !IsSystemicAntibacterial(d.medication)) continue;
    out.push_back(RegimenEntry{.medication = &d.medication,
                               .reference = "MedicationRequest/" + d.request.id,
                               .path = "MedicationRequest.medication",
                               .display = OrderText(d),
                               .draft = &d});
  }
  for (const ActiveMedication& m : s.active_medications) {
    if (IsInactiveStatus(m.status) || !IsSystemicAntibacterial(m.medication)) continue;
    const std::string type(ResourceType(m.source));
    std::string text = ConceptText(m.code);
    if (text.empty()) text = AgentName(m.medication);
    out.push_back(RegimenEntry{.medication = &m.medication,
                               .reference = type + "/" + m.resource_id,
                               .path = type + ".medication",
                               .display = "Active " + type + ": " + text,
                               .draft = nullptr});
  }
  return out;
}

Evidence RegimenEvidence(const RegimenEntry& e, const AgentActivity& a) {
  std::string value = e.draft != nullptr ? "Draft order: " + e.display : e.display;
  if (a.result != nullptr) {
    value += ": " + DescribeResult(*a.result) + " for this isolate";
  } else if (a.activity == Activity::kExpected) {
    value += ": not tested, expected active against the detected carbapenemase";
  } else {
    value += ": no susceptibility result for this isolate";
  }
  return Evidence{e.reference, e.path, value};
}

std::vector<OtherAgent> OtherGramNegativeAgents(const std::vector<RegimenEntry>& regimen,
                                                const DraftOrder* self, const Isolate& isolate) {
  std::vector<OtherAgent> out;
  for (const RegimenEntry& e : regimen) {
    if (self != nullptr && e.draft == self) continue;
    if (!IsGramNegativeActive(*e.medication)) continue;
    out.push_back(OtherAgent{&e, InVitroActivity(*e.medication, isolate)});
  }
  return out;
}

std::vector<Evidence> SeverityEvidence(const PatientSnapshot& s) {
  std::vector<Evidence> out;
  for (const ActiveCondition& c : s.conditions) {
    const bool sepsis =
        c.groups.Has(ConditionGroup::kSepsis) || c.groups.Has(ConditionGroup::kSepticShock);
    const bool pneumonia = c.groups.Has(ConditionGroup::kHap) || c.groups.Has(ConditionGroup::kVap);
    if ((sepsis && s.severity.sepsis_or_septic_shock) || (pneumonia && s.severity.hap_or_vap)) {
      out.push_back(Evidence{"Condition/" + c.id, "Condition.code",
                             "Severe: " + ConceptText(c.code) + " (active Condition)"});
    }
  }
  if (s.severity.positive_blood_culture) {
    for (const std::string& id : s.positive_blood_culture_ids) {
      out.push_back(Evidence{"Observation/" + id, "Observation.valueCodeableConcept",
                             "Severe: positive blood culture"});
    }
  }
  if (s.severity.icu) {
    out.push_back(Evidence{
        s.icu.encounter_id.empty() ? std::string("Encounter") : "Encounter/" + s.icu.encounter_id,
        "Encounter.location",
        "Severe: ICU encounter" +
            (s.icu.evidence.empty() ? std::string() : " (" + s.icu.evidence + ")")});
  }
  return out;
}

std::optional<double> CrClMlMin(const PatientSnapshot& s) noexcept {
  if (s.labs.measured_crcl) return s.labs.measured_crcl->value;
  if (s.labs.estimated_crcl) return s.labs.estimated_crcl->ml_per_min;
  return std::nullopt;
}

}  // namespace cds::engine::rules::resistance
