#include "engine/rules/site/site_common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace cds::engine::rules::site {
namespace {

std::string FirstCode(const fhir::CodeableConcept& cc) {
  for (const fhir::Coding& c : cc.coding) {
    if (!c.code.empty()) return c.code;
  }
  return "";
}

bool IsEnterobacterales(const Isolate& iso) {
  return iso.organism.In(OrganismGroup::kEnterobacterales);
}

}  // namespace

std::string DateText(const std::optional<fhir::DateTime>& t) {
  if (!t || t->text.empty()) return "date unknown";
  return t->text.substr(0, 10);
}

std::string_view SpecimenName(SpecimenType type) noexcept {
  switch (type) {
    case SpecimenType::kBlood:
      return "blood";
    case SpecimenType::kUrine:
      return "urine";
    case SpecimenType::kCsf:
      return "CSF";
    case SpecimenType::kRespiratory:
      return "respiratory";
    case SpecimenType::kOther:
      return "other specimen";
    case SpecimenType::kUnknown:
      break;
  }
  return "unknown specimen";
}

bool InWindow(const std::optional<fhir::DateTime>& t, std::chrono::sys_seconds now,
              std::chrono::seconds window) {
  return t && t->start <= now && t->start >= now - window;
}

std::string WindowText(std::chrono::seconds window) {
  const long long s = window.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + " days";
  return std::to_string(s / 3600) + " hours";
}

std::string IsolateText(const Isolate& iso) {
  std::string organism =
      iso.organism_text.empty() ? iso.organism.canonical_name : iso.organism_text;
  if (organism.empty()) organism = "organism";
  return organism + ", " + std::string(SpecimenName(iso.specimen_type)) + ", " +
         DateText(iso.collected) + (iso.preliminary ? " (preliminary)" : "");
}

Evidence IsolateEvidence(const Isolate& iso, std::string_view prefix, std::string_view suffix) {
  return Evidence{"Observation/" + iso.observation_id, "Observation.valueCodeableConcept",
                  std::string(prefix) + IsolateText(iso) + std::string(suffix)};
}

std::string FormatNumber(double v) { return FormatDecimal(v, 3, 32); }

std::string SusceptibilityText(const SusceptibilityResult& r) {
  std::string name = r.agent ? std::string(ToString(*r.agent)) : ConceptText(r.code);
  std::string out = name;
  if (r.mic && r.mic->has_value) {
    const std::string unit = !r.mic->unit.empty() ? r.mic->unit : r.mic->code;
    out += std::string(r.method == SusceptibilityMethod::kDisk ? " zone " : " MIC ") +
           std::string(fhir::ToString(r.mic->comparator)) + FormatNumber(r.mic->value) +
           (unit.empty() ? "" : " " + unit);
  }
  if (r.interpretation != Interpretation::kUnknown) {
    out += r.mic && r.mic->has_value ? " (" + std::string(ToString(r.interpretation)) + ")"
                                     : " " + std::string(ToString(r.interpretation));
  }
  return out;
}

std::string MechanismText(const MechanismResult& m) {
  std::string name(ToString(m.mechanism));
  if (m.mechanism == Mechanism::kCarbapenemase) {
    name = "carbapenemase";
  } else if (m.mechanism == Mechanism::kEsbl) {
    name = "ESBL";
  } else {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  }
  return name + (m.detected() ? " detected" : " not detected");
}

std::string ConditionText(const ActiveCondition& c) {
  std::string text = ConceptText(c.code);
  return text.empty() ? std::string("condition") : text;
}

Evidence ConditionEvidence(const ActiveCondition& c, std::string_view prefix) {
  std::string value = std::string(prefix) + ConditionText(c);
  const std::string code = FirstCode(c.code);
  if (!code.empty() && value.find(code) == std::string::npos) value += " (" + code + ")";
  return Evidence{"Condition/" + c.id, "Condition.code", value};
}

std::vector<const ActiveCondition*> ConditionsIn(const PatientSnapshot& s,
                                                 ConditionGroupSet groups) {
  std::vector<const ActiveCondition*> out;
  for (const ActiveCondition& c : s.conditions) {
    if (c.groups.HasAny(groups)) out.push_back(&c);
  }
  return out;
}

Bacteremia FindBacteremia(const PatientSnapshot& s, std::chrono::seconds window) {
  Bacteremia b;
  for (const Isolate& iso : s.isolates) {
    if (iso.specimen_type == SpecimenType::kBlood && InWindow(iso.collected, s.now, window)) {
      b.blood_isolates.push_back(&iso);
    }
  }
  b.conditions = ConditionsIn(
      s, {ConditionGroup::kBacteremia, ConditionGroup::kSepsis, ConditionGroup::kSepticShock});
  return b;
}

void AppendBacteremiaEvidence(const Bacteremia& b, std::vector<Evidence>& out) {
  for (const Isolate* iso : b.blood_isolates) {
    out.push_back(IsolateEvidence(*iso, "Positive blood culture: "));
  }
  for (const ActiveCondition* c : b.conditions) {
    out.push_back(ConditionEvidence(*c, "Active condition: "));
  }
}

std::vector<const ActiveCondition*> FindHapVap(const PatientSnapshot& s) {
  std::vector<const ActiveCondition*> out =
      ConditionsIn(s, {ConditionGroup::kHap, ConditionGroup::kVap});
  const std::vector<const ActiveCondition*> pneumonia =
      ConditionsIn(s, {ConditionGroup::kPneumonia});
  const std::vector<const ActiveCondition*> nosocomial =
      ConditionsIn(s, {ConditionGroup::kNosocomial});
  if (!pneumonia.empty() && !nosocomial.empty()) {
    for (const ActiveCondition* c : pneumonia) out.push_back(c);
    for (const ActiveCondition* c : nosocomial) out.push_back(c);
  }
  // Unique, in snapshot order.
  std::vector<const ActiveCondition*> unique;
  for (const ActiveCondition& c : s.conditions) {
    if (std::find(out.begin(), out.end(), &c) != out.end()) unique.push_back(&c);
  }
  return unique;
}

std::vector<std::string> CreFacts(const Isolate& iso) {
  std::vector<std::string> facts;
  if (!IsEnterobacterales(iso)) return facts;
  for (const SusceptibilityResult& r : iso.susceptibilities) {
    if (!r.agent) continue;
    const bool carb = *r.agent == Agent::kMeropenem || *r.agent == Agent::kImipenemCilastatin ||
                      *r.agent == Agent::kImipenem;
    const bool erta_r =
        *r.agent == Agent::kErtapenem && (r.interpretation == Interpretation::kResistant ||
                                          r.interpretation == Interpretation::kNonSusceptible);
    if ((carb && IsNotSusceptible(r.interpretation)) || erta_r) {
      facts.push_back(SusceptibilityText(r));
    }
  }
  for (const MechanismResult& m : iso.mechanisms) {
    if (IsCarbapenemase(m.mechanism) && m.detected()) facts.push_back(MechanismText(m));
  }
  return facts;
}

std::vector<std::string> DtrPaFacts(const Isolate& iso) {
  if (!iso.organism.In(OrganismGroup::kPseudomonasAeruginosa)) return {};
  bool carb = false;
  bool beta_lactam = false;
  bool fq = false;
  std::vector<std::string> facts;
  for (const SusceptibilityResult& r : iso.susceptibilities) {
    if (!r.agent || r.interpretation == Interpretation::kUnknown) continue;
    switch (*r.agent) {
      case Agent::kMeropenem:
      case Agent::kImipenemCilastatin:
      case Agent::kImipenem:
        carb = true;
        break;
      case Agent::kPiperacillinTazobactam:
      case Agent::kCeftazidime:
      case Agent::kCefepime:
        beta_lactam = true;
        break;
      case Agent::kCiprofloxacin:
      case Agent::kLevofloxacin:
        fq = true;
        break;
      case Agent::kAztreonam:
        break;
      default:
        continue;  // not one of the eight DTR agents
    }
    if (!IsNotSusceptible(r.interpretation)) return {};
    facts.push_back(SusceptibilityText(r));
  }
  if (!carb || !beta_lactam || !fq) return {};
  return facts;
}

std::vector<std::string> SusceptibleAgents(const Isolate& iso) {
  std::vector<std::string> out;
  for (const SusceptibilityResult& r : iso.susceptibilities) {
    if (!r.agent) continue;
    if (r.interpretation != Interpretation::kSusceptible &&
        r.interpretation != Interpretation::kSusceptibleDoseDependent) {
      continue;
    }
    std::string name(ToString(*r.agent));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

Interpretation InterpretationOf(const Isolate& iso, Agent agent) {
  for (const SusceptibilityResult& r : iso.susceptibilities) {
    if (r.agent == agent && r.interpretation != Interpretation::kUnknown) return r.interpretation;
  }
  return Interpretation::kUnknown;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::optional<CrClValue> FindCrCl(const PatientSnapshot& s, std::chrono::seconds lab_window) {
  if (const std::optional<LabValue>& m = s.labs.measured_crcl;
      m && m->time.start <= s.now && m->time.start >= s.now - lab_window) {
    return CrClValue{m->value,
                     Evidence{"Observation/" + m->observation_id, "Observation.valueQuantity",
                              "Measured creatinine clearance (2164-2) " + FormatNumber(m->value) +
                                  " mL/min, " + DateText(m->time)}};
  }
  if (const std::optional<EstimatedCrCl>& e = s.labs.estimated_crcl) {
    if (e->source == EstimatedCrCl::Source::kReported && e->reported) {
      const LabValue& r = *e->reported;
      if (r.time.start > s.now || r.time.start < s.now - lab_window) return std::nullopt;
      return CrClValue{e->ml_per_min,
                       Evidence{"Observation/" + r.observation_id, "Observation.valueQuantity",
                                "Creatinine clearance, Cockcroft-Gault (35591-7) " +
                                    FormatNumber(e->ml_per_min) + " mL/min, " + DateText(r.time)}};
    }
    return CrClValue{
        e->ml_per_min,
        Evidence{"Observation/" + e->creatinine_observation_id, "Observation.valueQuantity",
                 "Creatinine clearance (Cockcroft-Gault, computed) " + FormatNumber(e->ml_per_min) +
                     " mL/min from creatinine " + FormatNumber(e->creatinine_mg_dl) +
                     " mg/dL, weight " + FormatNumber(e->weight_kg) + " kg, age " +
                     std::to_string(e->age_years) + (e->female ? ", female" : "")}};
  }
  return std::nullopt;
}

bool IsTigecyclineOrEravacycline(const MedicationClass& m) {
  return m.HasAgent(Agent::kTigecycline) || m.HasAgent(Agent::kEravacycline) ||
         m.HasIngredient(Agent::kTigecycline) || m.HasIngredient(Agent::kEravacycline);
}

bool ContainsImipenem(const MedicationClass& m) {
  return m.HasAgent(Agent::kImipenemCilastatin) ||
         m.HasAgent(Agent::kImipenemCilastatinRelebactam) || m.HasAgent(Agent::kImipenem) ||
         m.HasIngredient(Agent::kImipenem);
}

std::string SusceptibilityNote(const std::vector<const Isolate*>& isolates) {
  std::string out;
  for (const Isolate* iso : isolates) {
    std::vector<std::string> agents;
    for (const SusceptibilityResult& r : iso->susceptibilities) {
      if (!r.agent) continue;
      switch (*r.agent) {
        case Agent::kTigecycline:
        case Agent::kEravacycline:
        case Agent::kOmadacycline:
        case Agent::kMinocycline:
        case Agent::kDoxycycline:
          continue;
        default:
          break;
      }
      if (r.interpretation != Interpretation::kSusceptible &&
          r.interpretation != Interpretation::kSusceptibleDoseDependent) {
        continue;
      }
      std::string name(ToString(*r.agent));
      if (std::find(agents.begin(), agents.end(), name) == agents.end()) {
        agents.push_back(std::move(name));
      }
    }
    if (agents.empty()) continue;
    out += " " + IsolateText(*iso) + ": susceptible to " + JoinList(agents) + ".";
  }
  return out;
}

Recommendation KeepOnlyWithIdApproval(std::string_view drug) {
  Recommendation r;
  r.label = "Keep " + std::string(drug) + " only with Infectious Diseases approval";
  r.text =
      "If no alternative is suitable (allergy, resistance), continue only after Infectious "
      "Diseases review, as part of a combination with another in-vitro-active agent, and "
      "document the reason.";
  r.cancel_problem_order = false;
  return r;
}

}  // namespace cds::engine::rules::site
