#include "engine/snapshot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <unordered_map>
#include <utility>
#include <variant>

namespace cds::engine {
namespace {

using std::chrono::sys_seconds;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
constexpr std::string_view kSnomed = "http://snomed.info/sct";

// ---------------------------------------------------------------------------------------------
// Small helpers.

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

/// Calls `fn(word)` for every lower-cased word of `text` (runs of ASCII letters/digits), in
/// order, for keyword heuristics. One buffer for all words: no vector of strings per text.
template <typename Fn>
void ForEachWord(std::string_view text, Fn fn) {
  std::string word;
  for (char c : text) {
    const char l = Lower(c);
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
      word += l;
    } else if (!word.empty()) {
      fn(std::string_view(word));
      word.clear();
    }
  }
  if (!word.empty()) fn(std::string_view(word));
}

/// The target of a literal reference, without allocation: "Type/id", ".../Type/id[/_history/v]".
/// Contained ("#x") and URN references have no type/id (they match by fullUrl only).
struct RefTarget {
  std::string_view type;
  std::string_view id;
};

RefTarget TargetOf(std::string_view ref) noexcept {
  if (ref.empty() || ref.front() == '#' || ref.starts_with("urn:")) return {};
  if (const std::size_t h = ref.find("/_history/"); h != std::string_view::npos) {
    ref = ref.substr(0, h);
  }
  const std::size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == ref.size()) return {};
  const std::string_view id = ref.substr(slash + 1);
  const std::string_view rest = ref.substr(0, slash);
  const std::size_t slash2 = rest.rfind('/');
  return {slash2 == std::string_view::npos ? rest : rest.substr(slash2 + 1), id};
}

/// Index of resources of one type by id and by fullUrl.
class RefIndex {
 public:
  explicit RefIndex(std::string_view type) : type_(type) {}
  void Add(std::string_view id, std::string_view full_url, std::size_t index) {
    if (!id.empty()) by_id_.try_emplace(id, index);
    if (!full_url.empty()) by_url_.try_emplace(full_url, index);
  }
  /// Makes references to `id` resolve to `index` (supersession), overriding.
  void Alias(std::string_view id, std::size_t index) { by_id_[id] = index; }
  [[nodiscard]] std::size_t FindId(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? kNone : it->second;
  }
  void Reserve(std::size_t n) {
    by_id_.reserve(n);
    by_url_.reserve(n);
  }
  [[nodiscard]] std::size_t Find(const fhir::Reference& reference) const {
    const std::string_view ref = reference.reference;
    if (ref.empty()) return kNone;
    const RefTarget target = TargetOf(ref);
    if (!target.id.empty() && (target.type == type_ || target.type.empty())) {
      if (auto it = by_id_.find(target.id); it != by_id_.end()) return it->second;
    }
    if (auto it = by_url_.find(ref); it != by_url_.end()) return it->second;
    return kNone;
  }

 private:
  std::string_view type_;
  std::unordered_map<std::string_view, std::size_t> by_id_;
  std::unordered_map<std::string_view, std::size_t> by_url_;
};

template <typename T>
struct Item {
  const T* resource = nullptr;
  std::string_view full_url;
};

/// The prefetch, flattened by resource type, in input order.
struct Collected {
  std::vector<Item<fhir::Observation>> observations;
  std::vector<Item<fhir::DiagnosticReport>> reports;
  std::vector<Item<fhir::Specimen>> specimens;
  std::vector<const fhir::Condition*> conditions;
  std::vector<const fhir::MedicationRequest*> requests;
  std::vector<const fhir::MedicationStatement*> statements;
  std::vector<const fhir::MedicationAdministration*> administrations;
  std::vector<const fhir::Patient*> patients;
  std::vector<const fhir::Encounter*> encounters;
  fhir::MedicationCatalog medications;

  void Add(const fhir::Resource& resource, std::string_view full_url) {
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, fhir::Observation>) {
            observations.push_back({&r, full_url});
          } else if constexpr (std::is_same_v<T, fhir::DiagnosticReport>) {
            reports.push_back({&r, full_url});
          } else if constexpr (std::is_same_v<T, fhir::Specimen>) {
            specimens.push_back({&r, full_url});
          } else if constexpr (std::is_same_v<T, fhir::Condition>) {
            conditions.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::MedicationRequest>) {
            requests.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::MedicationStatement>) {
            statements.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::MedicationAdministration>) {
            administrations.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::Patient>) {
            patients.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::Encounter>) {
            encounters.push_back(&r);
          } else if constexpr (std::is_same_v<T, fhir::Medication>) {
            medications.Add(r, full_url);
          }
        },
        resource);
  }
};

class IssueSink {
 public:
  explicit IssueSink(fhir::Issues& issues) : issues_(issues) {}
  void Warn(std::string_view type, std::string_view id, std::string_view element,
            std::string message) const {
    std::string path(type);
    path += '/';
    path += id.empty() ? std::string_view("(no id)") : id;
    if (!element.empty()) {
      path += '.';
      path += element;
    }
    issues_.push_back(fhir::Issue{fhir::Severity::kWarning, std::move(path), std::move(message)});
  }

 private:
  fhir::Issues& issues_;
};

std::string_view FirstCodingCode(const fhir::CodeableConcept& cc) noexcept {
  for (const fhir::Coding& coding : cc.coding) {
    if (!coding.code.empty()) return coding.code;
  }
  return {};
}

/// A status concept's code (clinicalStatus, verificationStatus), lower-cased; text as fallback.
std::string StatusCode(const fhir::CodeableConcept& cc) {
  std::string_view code = FirstCodingCode(cc);
  if (code.empty()) code = cc.text;
  return LowerAscii(code);
}

std::optional<fhir::DateTime> TimeOf(const fhir::Observation& obs) {
  if (auto start = fhir::StartOf(obs.effective)) return start;
  return obs.issued;
}

bool InWindow(const std::optional<fhir::DateTime>& time, sys_seconds now,
              std::chrono::seconds window) {
  return time && time->start <= now && time->start >= now - window;
}

/// Observation statuses that carry a usable result.
bool IsResultStatus(std::string_view status) noexcept {
  return status == "final" || status == "preliminary" || status == "amended" ||
         status == "corrected";
}

int StatusRank(std::string_view status) noexcept {
  if (status == "entered-in-error" || status == "cancelled") return 4;
  if (status == "corrected" || status == "amended") return 3;
  if (status == "final") return 2;
  if (status == "preliminary") return 1;
  return 0;
}

bool IsCorrection(std::string_view status) noexcept {
  return status == "corrected" || status == "amended";
}

// ---------------------------------------------------------------------------------------------
// Units.

/// Unit text for matching: the UCUM code when present, else the unit; lower-cased, no spaces,
/// micro signs as 'u'.
std::string UnitKey(const fhir::Quantity& q) {
  const std::string_view raw = !q.code.empty() ? std::string_view(q.code) : q.unit;
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == ' ') continue;
    // U+00B5 MICRO SIGN (C2 B5) and U+03BC GREEK SMALL LETTER MU (CE BC).
    if (i + 1 < raw.size() && ((c == 0xC2 && static_cast<unsigned char>(raw[i + 1]) == 0xB5) ||
                               (c == 0xCE && static_cast<unsigned char>(raw[i + 1]) == 0xBC))) {
      out += 'u';
      ++i;
      continue;
    }
    out += Lower(static_cast<char>(c));
  }
  if (out.starts_with("mcg/")) out.replace(0, 3, "ug");
  return out;
}

struct Converted {
  double value;
  std::string_view unit;
};

std::optional<Converted> ConvertCreatinine(double v, std::string_view key) {
  if (key == "mg/dl") return Converted{v, "mg/dL"};
  if (key == "umol/l") return Converted{v / 88.4, "mg/dL"};
  if (key == "mmol/l") return Converted{v * 1000.0 / 88.4, "mg/dL"};
  if (key == "mg/l") return Converted{v / 10.0, "mg/dL"};
  return std::nullopt;
}

std::optional<Converted> ConvertClearance(double v, std::string_view key) {
  if (key.starts_with("ml/min")) {
    return Converted{v, key.size() > 6 ? std::string_view("mL/min/{1.73_m2}") : "mL/min"};
  }
  if (key.starts_with("ml/s")) {
    return Converted{v * 60.0, key.size() > 4 ? std::string_view("mL/min/{1.73_m2}") : "mL/min"};
  }
  return std::nullopt;
}

std::optional<Converted> ConvertEgfr(double v, std::string_view key) {
  if (key.starts_with("ml/min")) return Converted{v, "mL/min/{1.73_m2}"};
  return std::nullopt;
}

std::optional<Converted> ConvertWeight(double v, std::string_view key) {
  if (key == "kg") return Converted{v, "kg"};
  if (key == "g") return Converted{v / 1000.0, "kg"};
  if (key == "[lb_av]" || key == "lb" || key == "lbs") return Converted{v * 0.45359237, "kg"};
  return std::nullopt;
}

std::optional<Converted> ConvertAlbumin(double v, std::string_view key) {
  if (key == "g/dl") return Converted{v, "g/dL"};
  if (key == "g/l") return Converted{v / 10.0, "g/dL"};
  return std::nullopt;
}

std::optional<Converted> ConvertValproate(double v, std::string_view key) {
  if (key == "ug/ml" || key == "mg/l") return Converted{v, "ug/mL"};
  // Valproic acid 144.21 g/mol: 1 umol/L = 0.14421 ug/mL.
  if (key == "umol/l") return Converted{v * 0.14421, "ug/mL"};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Specimens and ICU heuristics.

SpecimenType SpecimenTypeOfConcept(const fhir::CodeableConcept& cc) {
  for (const fhir::Coding& coding : cc.coding) {
    if (coding.system != kSnomed) continue;
    const std::string_view c = coding.code;
    if (c == "119297000" || c == "122555007" || c == "122552005" || c == "119361006" ||
        c == "119364003") {
      return SpecimenType::kBlood;
    }
    if (c == "122575003" || c == "122880004" || c == "278020009") return SpecimenType::kUrine;
    if (c == "258450006") return SpecimenType::kCsf;
    if (c == "119334006" || c == "258607008" || c == "119335007" || c == "445447003") {
      return SpecimenType::kRespiratory;
    }
  }
  // The words of the text and every display (as if joined with spaces).
  bool any_word = false;
  bool csf = false;
  bool blood = false;
  bool urine = false;
  bool respiratory = false;
  auto see = [&](std::string_view w) {
    any_word = true;
    csf = csf || w == "csf" || w == "cerebrospinal";
    blood = blood || w == "blood" || w == "plasma" || w == "serum";
    urine = urine || w == "urine";
    respiratory = respiratory || w == "sputum" || w == "bronchoalveolar" || w == "bal" ||
                  w == "tracheal" || w == "respiratory" || w == "aspirate";
  };
  ForEachWord(cc.text, see);
  for (const fhir::Coding& coding : cc.coding) ForEachWord(coding.display, see);
  if (!any_word) return SpecimenType::kUnknown;
  if (csf) return SpecimenType::kCsf;
  if (blood) return SpecimenType::kBlood;
  if (urine) return SpecimenType::kUrine;
  if (respiratory) return SpecimenType::kRespiratory;
  return SpecimenType::kOther;
}

/// Whole-word ICU keywords; see IcuStatus.
bool IsIcuText(std::string_view text) {
  bool icu = false;
  bool after_intensive_or_critical = false;  // the previous word, for "intensive care"
  ForEachWord(text, [&](std::string_view w) {
    if (w == "icu" || w == "micu" || w == "sicu" || w == "cicu" || w == "nicu" || w == "picu" ||
        w == "ccu" || w == "itu" || w == "cvicu" || w == "nsicu" || w == "ticu" ||
        (after_intensive_or_critical && w == "care")) {
      icu = true;
    }
    after_intensive_or_critical = w == "intensive" || w == "critical";
  });
  return icu;
}

bool IsIcuConcept(const fhir::CodeableConcept& cc) {
  for (const fhir::Coding& coding : cc.coding) {
    if (coding.system == kSnomed && coding.code == "309904001") return true;
    if (IsIcuText(coding.display)) return true;
  }
  return IsIcuText(cc.text);
}

IcuStatus DetectIcu(const fhir::Encounter* encounter, sys_seconds now) {
  IcuStatus icu;
  if (encounter == nullptr) return icu;
  icu.encounter_id = encounter->id;
  const std::string_view status = encounter->status;
  if (status == "finished" || status == "cancelled" || status == "entered-in-error" ||
      status == "planned") {
    return icu;
  }
  auto hit = [&](std::string evidence) {
    icu.in_icu = true;
    icu.evidence = std::move(evidence);
  };
  // A local class code/display naming the ICU (v3 ActCode has no ICU class).
  if (IsIcuText(encounter->class_code.code) || IsIcuText(encounter->class_code.display)) {
    hit("Encounter.class: '" + encounter->class_code.code + "'");
    return icu;
  }
  for (std::size_t i = 0; i < encounter->type.size(); ++i) {
    if (IsIcuConcept(encounter->type[i])) {
      hit("Encounter.type[" + std::to_string(i) + "]");
      return icu;
    }
  }
  for (std::size_t i = 0; i < encounter->location.size(); ++i) {
    const fhir::Encounter::Location& loc = encounter->location[i];
    if (loc.status == "completed" || loc.status == "planned") continue;
    if (loc.period && loc.period->end && loc.period->end->EndExclusive() <= now) continue;
    if (IsIcuText(loc.location.display)) {
      hit("Encounter.location[" + std::to_string(i) + "]: '" + loc.location.display + "'");
      return icu;
    }
  }
  return icu;
}

// ---------------------------------------------------------------------------------------------
// Observation roles.

enum class Role : std::uint8_t { kOther, kOrganism, kSusceptibility, kMechanism, kPanel, kLab };

bool IsMicroInterpretation(Interpretation i) noexcept {
  return i == Interpretation::kSusceptible || i == Interpretation::kIntermediate ||
         i == Interpretation::kResistant || i == Interpretation::kSusceptibleDoseDependent ||
         i == Interpretation::kNonSusceptible;
}

bool IsPresence(Interpretation i) noexcept {
  return i == Interpretation::kDetected || i == Interpretation::kNotDetected;
}

/// Interpretation of a value (coded, string or boolean) filtered by `accept`.
template <typename Accept>
Interpretation InterpretValue(const Terminology& term, const fhir::ObservationValue& value,
                              Accept accept) {
  Interpretation i = Interpretation::kUnknown;
  if (const auto* cc = std::get_if<fhir::CodeableConcept>(&value)) {
    i = term.NormalizeInterpretation(*cc);
  } else if (const auto* s = std::get_if<fhir::StringValue>(&value)) {
    i = term.NormalizeInterpretation(s->text);
  } else if (const auto* b = std::get_if<bool>(&value)) {
    i = *b ? Interpretation::kDetected : Interpretation::kNotDetected;
  }
  return accept(i) ? i : Interpretation::kUnknown;
}

template <typename Accept>
Interpretation InterpretConcepts(const Terminology& term,
                                 const std::vector<fhir::CodeableConcept>& concepts,
                                 Accept accept) {
  for (const fhir::CodeableConcept& cc : concepts) {
    const Interpretation i = term.NormalizeInterpretation(cc);
    if (accept(i)) return i;
  }
  return Interpretation::kUnknown;
}

/// Does a culture value report growth (an organism), as opposed to "no growth"/"negative"?
bool ReportsGrowth(const Terminology& term, const fhir::ObservationValue& value) {
  std::string_view text;
  Interpretation i = Interpretation::kUnknown;
  if (const auto* cc = std::get_if<fhir::CodeableConcept>(&value)) {
    if (cc->empty()) return false;
    i = term.NormalizeInterpretation(*cc);
    text = cc->text;
    if (text.empty() && !cc->coding.empty()) text = cc->coding.front().display;
  } else if (const auto* s = std::get_if<fhir::StringValue>(&value)) {
    if (s->text.empty()) return false;
    i = term.NormalizeInterpretation(s->text);
    text = s->text;
  } else {
    return false;
  }
  if (i == Interpretation::kNoGrowth || i == Interpretation::kNotDetected) return false;
  bool negative = false;
  bool after_no = false;  // the previous word, for "no growth" / "no organisms"
  ForEachWord(text, [&](std::string_view w) {
    if (w == "negative" || w == "sterile" || (after_no && (w == "growth" || w == "organisms"))) {
      negative = true;
    }
    after_no = w == "no";
  });
  return !negative;
}

fhir::CodeableConcept OrganismConcept(const fhir::ObservationValue& value) {
  if (const auto* cc = std::get_if<fhir::CodeableConcept>(&value)) return *cc;
  fhir::CodeableConcept out;
  if (const auto* s = std::get_if<fhir::StringValue>(&value)) out.text = s->text;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The builder.

struct Link {
  std::size_t isolate_obs = kNone;  ///< Index (into live observations) of the organism.
  LinkMethod method = LinkMethod::kNone;
};

class Builder {
 public:
  Builder(const SnapshotInput& input, sys_seconds now, const Terminology& term,
          const SnapshotOptions& options)
      : input_(input), now_(now), term_(term), options_(options), sink_(snapshot_.issues) {
    snapshot_.now = now;
  }

  PatientSnapshot Build() {
    Collect();
    BuildDemographics();
    BuildDraftOrders();
    BuildActiveMedications();
    BuildConditions();
    SelectObservations();
    IndexObservations();
    BuildMicrobiology();
    BuildLabs();
    snapshot_.icu = DetectIcu(SelectEncounter(), now_);
    BuildSeverity();
    return std::move(snapshot_);
  }

 private:
  // --- Collection -----------------------------------------------------------------------------
  void Collect() {
    for (const fhir::Bundle* bundle : input_.bundles) {
      if (bundle == nullptr) continue;
      for (const fhir::Bundle::Entry& entry : bundle->entry) c_.Add(entry.resource, entry.full_url);
    }
    for (const fhir::Resource* resource : input_.resources) {
      if (resource != nullptr) c_.Add(*resource, {});
    }
  }

  // --- Demographics ---------------------------------------------------------------------------
  void BuildDemographics() {
    const fhir::Patient* patient = input_.patient;
    if (patient == nullptr && !c_.patients.empty()) patient = c_.patients.front();
    if (patient == nullptr) return;
    Demographics& d = snapshot_.demographics;
    d.patient_id = patient->id;
    d.sex = patient->gender;
    if (!patient->birth_date) return;
    using namespace std::chrono;
    const fhir::DateTime& birth = *patient->birth_date;
    const year_month_day b{floor<days>(birth.start + birth.utc_offset)};
    const year_month_day n{floor<days>(now_ + birth.utc_offset)};
    if (b > n) {
      sink_.Warn("Patient", patient->id, "birthDate", "birth date after now; age unknown");
      return;
    }
    int years = static_cast<int>(n.year()) - static_cast<int>(b.year());
    if (n.month() < b.month() || (n.month() == b.month() && n.day() < b.day())) --years;
    d.age_years = years;
    d.age_approximate = birth.precision == fhir::DatePrecision::kYear ||
                        birth.precision == fhir::DatePrecision::kMonth;
  }

  // --- Medications ----------------------------------------------------------------------------
  MedicationClass Classify(const fhir::MedicationChoice& choice) {
    if (choice.IsUnresolvedReference()) {
      if (const fhir::Medication* med = c_.medications.Find(choice.reference)) {
        fhir::MedicationChoice resolved = choice;
        resolved.resolved = *med;
        return ClassifyChoice(term_, resolved);
      }
    }
    return ClassifyChoice(term_, choice);
  }

  void BuildDraftOrders() {
    for (const DraftOrderInput& in : input_.draft_orders) {
      if (in.request == nullptr) continue;
      snapshot_.draft_orders.push_back(
          DraftOrder{*in.request, in.selected, Classify(in.request->medication)});
    }
  }

  bool IsDraftId(std::string_view id) const {
    if (id.empty()) return false;
    for (const DraftOrderInput& in : input_.draft_orders) {
      if (in.request != nullptr && in.request->id == id) return true;
    }
    return false;
  }

  void BuildActiveMedications() {
    auto& out = snapshot_.active_medications;
    for (const fhir::MedicationRequest* r : c_.requests) {
      if ((r->status != "active" && r->status != "on-hold") || r->do_not_perform) continue;
      if (IsDraftId(r->id)) continue;
      out.push_back({MedicationSource::kMedicationRequest, r->id, r->status, r->medication.Code(),
                     Classify(r->medication), r->authored_on});
    }
    for (const fhir::MedicationStatement* s : c_.statements) {
      if (s->status != "active") continue;
      std::optional<fhir::DateTime> time = fhir::StartOf(s->effective);
      if (!time) time = s->date_asserted;
      out.push_back({MedicationSource::kMedicationStatement, s->id, s->status, s->medication.Code(),
                     Classify(s->medication), std::move(time)});
    }
    for (const fhir::MedicationAdministration* a : c_.administrations) {
      if (a->status == "not-done" || a->status == "entered-in-error") continue;
      std::optional<fhir::DateTime> time;
      bool running = false;
      if (const auto* dt = std::get_if<fhir::DateTime>(&a->effective)) {
        time = *dt;
      } else if (const auto* p = std::get_if<fhir::Period>(&a->effective)) {
        time = p->end ? p->end : p->start;
        running = !p->end && a->status == "in-progress";
      }
      if (!time) continue;
      if (time->start > now_) continue;  // scheduled, not given
      if (!running && time->start < now_ - options_.administration_lookback) continue;
      out.push_back({MedicationSource::kMedicationAdministration, a->id, a->status,
                     a->medication.Code(), Classify(a->medication), std::move(time)});
    }
  }

  // --- Conditions -----------------------------------------------------------------------------
  void BuildConditions() {
    for (const fhir::Condition* c : c_.conditions) {
      const std::string clinical = StatusCode(c->clinical_status);
      const std::string verification = StatusCode(c->verification_status);
      if (verification == "refuted" || verification == "entered-in-error") continue;
      if (clinical.empty()) {
        // R4 con-4: an abated condition must be inactive/resolved/remission.
        if (!std::holds_alternative<std::monostate>(c->abatement)) continue;
        sink_.Warn("Condition", c->id, "clinicalStatus",
                   "clinicalStatus missing; condition treated as active");
      } else if (clinical != "active" && clinical != "recurrence" && clinical != "relapse") {
        continue;
      }
      ActiveCondition ac{c->id,    c->code,      term_.ClassifyCondition(c->code),
                         clinical, verification, fhir::StartOf(c->onset)};
      if (ac.groups.Has(ConditionGroup::kDialysis)) snapshot_.dialysis = true;
      if (ac.groups.Has(ConditionGroup::kEsrdDialysis) ||
          ac.groups.Has(ConditionGroup::kDialysis)) {
        snapshot_.esrd_or_dialysis = true;
      }
      snapshot_.conditions.push_back(std::move(ac));
    }
  }

  // --- Observation selection (versions, supersession) -----------------------------------------
  static bool Newer(const fhir::Observation& a, const fhir::Observation& b) {
    // Is `a` a later version than `b` (a comes later in the input)?
    const auto ai = a.issued ? a.issued->start : sys_seconds::min();
    const auto bi = b.issued ? b.issued->start : sys_seconds::min();
    if (ai != bi) return ai > bi;
    return StatusRank(a.status) >= StatusRank(b.status);
  }

  static std::string SupersessionKey(const fhir::Observation& o) {
    std::string_view code = FirstCodingCode(o.code);
    if (code.empty()) code = o.code.text;
    std::string_view effective;
    if (const auto* dt = std::get_if<fhir::DateTime>(&o.effective)) {
      effective = dt->text;
    } else if (const auto* p = std::get_if<fhir::Period>(&o.effective); p && p->start) {
      effective = p->start->text;
    }
    if (code.empty() || effective.empty()) return {};
    std::string key(code);
    key += '|';
    key += o.specimen.reference;
    key += '|';
    key += effective;
    return key;
  }

  void SelectObservations() {
    const auto& all = c_.observations;
    // Same id: pick the winning version.
    std::unordered_map<std::string_view, std::size_t> winner;
    winner.reserve(all.size());
    std::vector<bool> keep(all.size(), true);
    for (std::size_t i = 0; i < all.size(); ++i) {
      const fhir::Observation& o = *all[i].resource;
      if (o.id.empty()) continue;
      auto [it, inserted] = winner.try_emplace(o.id, i);
      if (inserted) continue;
      if (Newer(o, *all[it->second].resource)) {
        keep[it->second] = false;
        it->second = i;
      } else {
        keep[i] = false;
      }
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (keep[i] && IsResultStatus(all[i].resource->status)) live_.push_back(i);
    }
    // Corrections with a different id. The keys are only built when there is a correction,
    // which most prefetches do not contain.
    const bool any_correction = std::any_of(live_.begin(), live_.end(), [&](std::size_t i) {
      return IsCorrection(all[i].resource->status);
    });
    std::vector<bool> superseded(live_.size(), false);
    if (any_correction) {
      std::unordered_map<std::string, std::vector<std::size_t>> by_key;  // live positions
      for (std::size_t pos = 0; pos < live_.size(); ++pos) {
        const fhir::Observation& o = *all[live_[pos]].resource;
        if (IsCorrection(o.status)) continue;
        if (std::string key = SupersessionKey(o); !key.empty()) {
          by_key[std::move(key)].push_back(pos);
        }
      }
      for (std::size_t pos = 0; pos < live_.size(); ++pos) {
        const fhir::Observation& o = *all[live_[pos]].resource;
        if (!IsCorrection(o.status)) continue;
        const std::string key = SupersessionKey(o);
        if (key.empty()) continue;
        auto it = by_key.find(key);
        if (it == by_key.end()) continue;
        if (it->second.size() > 1) {
          sink_.Warn("Observation", o.id, "status",
                     "correction matches several earlier results (same code, specimen and "
                     "time); none superseded");
          continue;
        }
        superseded[it->second.front()] = true;
        aliases_.push_back({all[live_[it->second.front()]].resource->id, o.id});
      }
    }
    std::vector<std::size_t> kept;
    kept.reserve(live_.size());
    for (std::size_t pos = 0; pos < live_.size(); ++pos) {
      if (!superseded[pos]) kept.push_back(live_[pos]);
    }
    live_ = std::move(kept);
  }

  // --- Indexing -------------------------------------------------------------------------------
  const fhir::Observation& Obs(std::size_t i) const { return *c_.observations[live_[i]].resource; }

  void IndexObservations() {
    const std::size_t n = live_.size();
    obs_index_.Reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& item = c_.observations[live_[i]];
      obs_index_.Add(item.resource->id, item.full_url, i);
    }
    for (const auto& [old_id, new_id] : aliases_) {
      const std::size_t target = obs_index_.FindId(new_id);
      if (target != kNone) obs_index_.Alias(old_id, target);
    }
    for (std::size_t i = 0; i < c_.specimens.size(); ++i) {
      specimen_index_.Add(c_.specimens[i].resource->id, c_.specimens[i].full_url, i);
    }
    info_.resize(n);
    role_.resize(n, Role::kOther);
    parent_.assign(n, kNone);
    reports_of_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const fhir::Observation& o = Obs(i);
      info_[i] = term_.ClassifyLab(o.code);
      role_[i] = RoleOf(o, info_[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (const fhir::Reference& member : Obs(i).has_member) {
        const std::size_t m = obs_index_.Find(member);
        if (m != kNone && m != i && parent_[m] == kNone) parent_[m] = i;
      }
    }
    report_organisms_.resize(c_.reports.size());
    for (std::size_t r = 0; r < c_.reports.size(); ++r) {
      const fhir::DiagnosticReport& report = *c_.reports[r].resource;
      if (report.status == "entered-in-error" || report.status == "cancelled") continue;
      for (const fhir::Reference& result : report.result) {
        const std::size_t i = obs_index_.Find(result);
        if (i == kNone) continue;
        reports_of_[i].push_back(r);
        if (role_[i] == Role::kOrganism) report_organisms_[r].push_back(i);
      }
    }
  }

  Role RoleOf(const fhir::Observation& o, const LabInfo& info) const {
    switch (info.kind) {
      case LabKind::kBloodCulture:
      case LabKind::kUrineCulture:
      case LabKind::kCulture:
        return ReportsGrowth(term_, o.value) ? Role::kOrganism : Role::kOther;
      case LabKind::kSusceptibility:
        return Role::kSusceptibility;
      case LabKind::kResistanceMechanism:
        return Role::kMechanism;
      case LabKind::kSusceptibilityPanel:
        return Role::kPanel;
      case LabKind::kUnknown:
        break;
      default:
        return Role::kLab;
    }
    if (const auto* cc = std::get_if<fhir::CodeableConcept>(&o.value)) {
      if (term_.ClassifyOrganism(*cc).known()) return Role::kOrganism;
    }
    if (!o.has_member.empty() || !o.component.empty()) return Role::kPanel;
    return Role::kOther;
  }

  /// Identity of the specimen of observation i: its own specimen, else its first report's.
  std::string_view SpecimenKey(std::size_t i) const {
    const fhir::Reference* ref = &Obs(i).specimen;
    if (ref->reference.empty() && !reports_of_[i].empty()) {
      const auto& specimens = c_.reports[reports_of_[i].front()].resource->specimen;
      if (!specimens.empty()) ref = &specimens.front();
    }
    if (ref->reference.empty()) return {};
    const std::size_t s = specimen_index_.Find(*ref);
    if (s != kNone && !c_.specimens[s].resource->id.empty()) return c_.specimens[s].resource->id;
    return ref->reference;
  }

  Link FindIsolate(std::size_t i, int depth) {
    if (role_[i] == Role::kOrganism) return {i, LinkMethod::kSelf};
    if (depth > 4) return {};
    if (const std::size_t p = parent_[i]; p != kNone) {
      if (role_[p] == Role::kOrganism) return {p, LinkMethod::kHasMember};
      const Link up = FindIsolate(p, depth + 1);
      if (up.isolate_obs != kNone) return up;
    }
    for (const fhir::Reference& ref : Obs(i).derived_from) {
      const std::size_t t = obs_index_.Find(ref);
      if (t == kNone || t == i) continue;
      if (role_[t] == Role::kOrganism) return {t, LinkMethod::kDerivedFrom};
      const Link up = FindIsolate(t, depth + 1);
      if (up.isolate_obs != kNone) return up;
    }
    const std::string_view specimen = SpecimenKey(i);
    for (const std::size_t r : reports_of_[i]) {
      std::size_t found = kNone;
      int count = 0;
      for (const std::size_t org : report_organisms_[r]) {
        if (SpecimenKey(org) != specimen) continue;
        if (found != org) ++count;
        found = org;
      }
      if (count == 1) return {found, LinkMethod::kReportSpecimen};
      if (count > 1 && depth == 0) {
        sink_.Warn("Observation", Obs(i).id, "specimen",
                   "report " + c_.reports[r].resource->id +
                       " lists several organisms with this specimen; result left unlinked");
      }
    }
    return {};
  }

  // --- Microbiology ---------------------------------------------------------------------------
  void FillSusceptibility(SusceptibilityResult& s, const fhir::ObservationValue& value,
                          const std::vector<fhir::CodeableConcept>& interpretation) const {
    if (auto q = fhir::NumericValue(value); q && q->has_value) s.mic = std::move(q);
    s.interpretation = InterpretConcepts(term_, interpretation, IsMicroInterpretation);
    if (s.interpretation == Interpretation::kUnknown) {
      s.interpretation = InterpretValue(term_, value, IsMicroInterpretation);
    }
  }

  void FillMechanism(MechanismResult& m, const fhir::ObservationValue& value,
                     const std::vector<fhir::CodeableConcept>& interpretation) const {
    m.result = InterpretValue(term_, value, IsPresence);
    if (m.result == Interpretation::kUnknown) {
      m.result = InterpretConcepts(term_, interpretation, IsPresence);
    }
  }

  /// Appends the results carried by observation i (itself and its components) to `sus`/`mech`,
  /// each with the link of i.
  void ResultsOf(std::size_t i, LinkMethod link, std::vector<SusceptibilityResult>& sus,
                 std::vector<MechanismResult>& mech) const {
    const fhir::Observation& o = Obs(i);
    const std::optional<fhir::DateTime> time = TimeOf(o);
    const bool preliminary = o.status == "preliminary";
    std::optional<std::size_t> self_sus;
    if (role_[i] == Role::kSusceptibility) {
      SusceptibilityResult s;
      s.observation_id = o.id;
      s.code = o.code;
      s.agent = info_[i].agent;
      s.method = info_[i].method;
      FillSusceptibility(s, o.value, o.interpretation);
      s.status = o.status;
      s.preliminary = preliminary;
      s.time = time;
      s.link = link;
      self_sus = sus.size();
      sus.push_back(std::move(s));
    } else if (role_[i] == Role::kMechanism) {
      MechanismResult m;
      m.observation_id = o.id;
      m.code = o.code;
      m.mechanism = info_[i].mechanism.value_or(Mechanism::kCarbapenemase);
      m.method = info_[i].mechanism_method;
      FillMechanism(m, o.value, o.interpretation);
      m.status = o.status;
      m.preliminary = preliminary;
      m.time = time;
      m.link = link;
      if (!info_[i].mechanism) {
        sink_.Warn("Observation", o.id, "code", "resistance test without a known mechanism");
      }
      mech.push_back(std::move(m));
    }
    for (std::size_t k = 0; k < o.component.size(); ++k) {
      const fhir::Observation::Component& comp = o.component[k];
      const LabInfo ci = term_.ClassifyLab(comp.code);
      if (self_sus) {
        // Components of a susceptibility Observation complete it (MIC, interpretation) unless
        // they name another drug.
        SusceptibilityResult& s = sus[*self_sus];
        const bool other_drug =
            ci.kind == LabKind::kSusceptibility && ci.agent && s.agent && *ci.agent != *s.agent;
        if (!other_drug) {
          if (!s.mic) {
            if (auto q = fhir::NumericValue(comp.value); q && q->has_value) s.mic = std::move(q);
          }
          if (s.interpretation == Interpretation::kUnknown) {
            s.interpretation = InterpretConcepts(term_, comp.interpretation, IsMicroInterpretation);
            if (s.interpretation == Interpretation::kUnknown) {
              s.interpretation = InterpretValue(term_, comp.value, IsMicroInterpretation);
            }
          }
          continue;
        }
      }
      if (ci.kind == LabKind::kSusceptibility) {
        SusceptibilityResult s;
        s.observation_id = o.id;
        s.component_index = static_cast<int>(k);
        s.code = comp.code;
        s.agent = ci.agent;
        s.method = ci.method;
        FillSusceptibility(s, comp.value, comp.interpretation);
        s.status = o.status;
        s.preliminary = preliminary;
        s.time = time;
        s.link = link;
        sus.push_back(std::move(s));
      } else if (ci.kind == LabKind::kResistanceMechanism && ci.mechanism) {
        MechanismResult m;
        m.observation_id = o.id;
        m.component_index = static_cast<int>(k);
        m.code = comp.code;
        m.mechanism = *ci.mechanism;
        m.method = ci.mechanism_method;
        FillMechanism(m, comp.value, comp.interpretation);
        m.status = o.status;
        m.preliminary = preliminary;
        m.time = time;
        m.link = link;
        mech.push_back(std::move(m));
      }
    }
  }

  SpecimenType SpecimenTypeOf(std::size_t i, std::string& specimen_id,
                              std::optional<fhir::DateTime>& collected) const {
    const fhir::Reference* ref = &Obs(i).specimen;
    if (ref->reference.empty() && !reports_of_[i].empty()) {
      const auto& specimens = c_.reports[reports_of_[i].front()].resource->specimen;
      if (!specimens.empty()) ref = &specimens.front();
    }
    std::size_t s = specimen_index_.Find(*ref);
    if (s != kNone) specimen_id = c_.specimens[s].resource->id;
    // Follow Specimen.parent (an isolate specimen) a few levels for the source type.
    for (int depth = 0; s != kNone && depth < 4; ++depth) {
      const fhir::Specimen& specimen = *c_.specimens[s].resource;
      if (!collected) collected = fhir::StartOf(specimen.collected);
      const SpecimenType type = SpecimenTypeOfConcept(specimen.type);
      if (type != SpecimenType::kUnknown && type != SpecimenType::kOther) return type;
      if (specimen.parent.empty()) {
        if (type == SpecimenType::kOther) return type;
        break;
      }
      s = specimen_index_.Find(specimen.parent.front());
    }
    if (info_[i].kind == LabKind::kBloodCulture) return SpecimenType::kBlood;
    if (info_[i].kind == LabKind::kUrineCulture) return SpecimenType::kUrine;
    const SpecimenType from_code = SpecimenTypeOfConcept(Obs(i).code);
    return from_code == SpecimenType::kOther ? SpecimenType::kUnknown : from_code;
  }

  void BuildMicrobiology() {
    const std::size_t n = live_.size();
    std::vector<std::size_t> isolate_of(n, kNone);  // organism obs -> position in `isolates`
    std::vector<Isolate> isolates;
    std::vector<bool> in_lookback;
    for (std::size_t i = 0; i < n; ++i) {
      if (role_[i] != Role::kOrganism) continue;
      const fhir::Observation& o = Obs(i);
      Isolate iso;
      iso.observation_id = o.id;
      iso.code = o.code;
      iso.culture_kind = info_[i].kind;
      iso.organism_concept = OrganismConcept(o.value);
      iso.organism = term_.ClassifyOrganism(iso.organism_concept);
      iso.organism_text = iso.organism_concept.text;
      for (const fhir::Coding& coding : iso.organism_concept.coding) {
        if (!iso.organism_text.empty()) break;
        iso.organism_text = coding.display;
      }
      if (iso.organism_text.empty()) iso.organism_text = iso.organism.canonical_name;
      std::optional<fhir::DateTime> specimen_collected;
      iso.specimen_type = SpecimenTypeOf(i, iso.specimen_id, specimen_collected);
      iso.collected = fhir::StartOf(o.effective);
      if (!iso.collected) iso.collected = specimen_collected;
      if (!iso.collected) iso.collected = o.issued;
      iso.issued = o.issued;
      iso.status = o.status;
      iso.preliminary = o.status == "preliminary";
      for (const std::size_t r : reports_of_[i])
        iso.report_ids.push_back(c_.reports[r].resource->id);
      if (iso.specimen_type == SpecimenType::kBlood &&
          InWindow(iso.collected, now_, options_.blood_culture_lookback)) {
        snapshot_.positive_blood_culture_ids.push_back(o.id);
      }
      isolate_of[i] = isolates.size();
      in_lookback.push_back(InWindow(iso.collected, now_, options_.isolate_lookback));
      if (iso.collected && iso.collected->start > now_) {
        sink_.Warn("Observation", o.id, "effective", "result dated after now; ignored");
      }
      isolates.push_back(std::move(iso));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Role role = role_[i];
      if (role == Role::kLab) continue;
      if (role == Role::kOther && Obs(i).component.empty()) continue;
      const Link link = FindIsolate(i, 0);
      if (link.isolate_obs != kNone) {
        Isolate& iso = isolates[isolate_of[link.isolate_obs]];
        ResultsOf(i, link.method, iso.susceptibilities, iso.mechanisms);
        continue;
      }
      const std::size_t sus_before = snapshot_.unlinked_susceptibilities.size();
      const std::size_t mech_before = snapshot_.unlinked_mechanisms.size();
      ResultsOf(i, LinkMethod::kNone, snapshot_.unlinked_susceptibilities,
                snapshot_.unlinked_mechanisms);
      const std::optional<fhir::DateTime> time = TimeOf(Obs(i));
      if (time && !InWindow(time, now_, options_.isolate_lookback)) {
        snapshot_.unlinked_susceptibilities.resize(sus_before);
        snapshot_.unlinked_mechanisms.resize(mech_before);
      }
    }
    for (std::size_t k = 0; k < isolates.size(); ++k) {
      if (in_lookback[k]) snapshot_.isolates.push_back(std::move(isolates[k]));
    }
    std::stable_sort(snapshot_.isolates.begin(), snapshot_.isolates.end(),
                     [](const Isolate& a, const Isolate& b) {
                       const auto at = a.collected ? a.collected->start : sys_seconds::min();
                       const auto bt = b.collected ? b.collected->start : sys_seconds::min();
                       return at > bt;
                     });
  }

  // --- Labs -----------------------------------------------------------------------------------
  using Converter = std::optional<Converted> (*)(double, std::string_view);

  struct LabSlot {
    std::optional<LabValue>* target;
    std::chrono::seconds window;
    Converter convert;
  };

  void ConsiderLab(std::size_t i, const LabSlot& slot) {
    const fhir::Observation& o = Obs(i);
    const std::optional<fhir::DateTime> time = TimeOf(o);
    if (!InWindow(time, now_, slot.window)) return;
    const std::optional<LabValue>& current = *slot.target;
    if (current && current->time.start > time->start) return;  // keep the latest (ties: later)
    const std::optional<fhir::Quantity> q = fhir::NumericValue(o.value);
    if (!q || !q->has_value) return;
    const std::string key = UnitKey(*q);
    const std::optional<Converted> converted = slot.convert(q->value, key);
    if (!converted) {
      sink_.Warn("Observation", o.id, "valueQuantity.unit",
                 "unit '" + (q->code.empty() ? q->unit : q->code) + "' not convertible for " +
                     std::string(ToString(info_[i].kind)) + "; result ignored");
      return;
    }
    LabValue v;
    v.value = converted->value;
    v.unit = std::string(converted->unit);
    v.comparator = q->comparator;
    v.time = *time;
    v.observation_id = o.id;
    v.status = o.status;
    v.preliminary = o.status == "preliminary";
    v.original_value = q->value;
    v.original_unit = q->code.empty() ? q->unit : q->code;
    *slot.target = std::move(v);
  }

  void BuildLabs() {
    Labs& labs = snapshot_.labs;
    std::optional<LabValue> reported_cg;
    const auto lab = options_.lab_lookback;
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (role_[i] != Role::kLab) continue;
      switch (info_[i].kind) {
        case LabKind::kCreatinineMass:
        case LabKind::kCreatinineMolar:
          ConsiderLab(i, {&labs.creatinine, lab, &ConvertCreatinine});
          break;
        case LabKind::kCrClMeasured:
          ConsiderLab(i, {&labs.measured_crcl, lab, &ConvertClearance});
          break;
        case LabKind::kCrClCockcroftGault:
          ConsiderLab(i, {&reported_cg, lab, &ConvertClearance});
          break;
        case LabKind::kEgfr:
          ConsiderLab(i, {&labs.egfr, lab, &ConvertEgfr});
          break;
        case LabKind::kWeight:
          ConsiderLab(i, {&labs.weight, options_.weight_lookback, &ConvertWeight});
          break;
        case LabKind::kAlbumin:
          ConsiderLab(i, {&labs.albumin, lab, &ConvertAlbumin});
          break;
        case LabKind::kValproateLevel:
          ConsiderLab(i, {&labs.valproate_level, lab, &ConvertValproate});
          break;
        default:
          break;
      }
    }
    if (reported_cg) {
      EstimatedCrCl e;
      e.source = EstimatedCrCl::Source::kReported;
      e.ml_per_min = reported_cg->value;
      e.reported = std::move(reported_cg);
      labs.estimated_crcl = std::move(e);
      return;
    }
    const Demographics& d = snapshot_.demographics;
    const bool female = d.sex == "female";
    if (!labs.creatinine || !labs.weight || !d.age_years || *d.age_years < 18 ||
        (d.sex != "male" && !female) || labs.creatinine->value <= 0.0) {
      return;
    }
    EstimatedCrCl e;
    e.source = EstimatedCrCl::Source::kComputed;
    e.age_years = *d.age_years;
    e.weight_kg = labs.weight->value;
    e.creatinine_mg_dl = labs.creatinine->value;
    e.female = female;
    e.weight_observation_id = labs.weight->observation_id;
    e.creatinine_observation_id = labs.creatinine->observation_id;
    e.ml_per_min = (140.0 - e.age_years) * e.weight_kg / (72.0 * e.creatinine_mg_dl);
    if (female) e.ml_per_min *= 0.85;
    labs.estimated_crcl = std::move(e);
  }

  // --- Encounter, severity --------------------------------------------------------------------
  const fhir::Encounter* SelectEncounter() const {
    if (input_.encounter != nullptr) return input_.encounter;
    for (const fhir::Encounter* e : c_.encounters) {
      if (e->status == "in-progress") return e;
    }
    return nullptr;
  }

  void BuildSeverity() {
    SeverityFacts& s = snapshot_.severity;
    // ICD-10-CM has no HAP code: HAP is pneumonia (J18.9, J15.x) plus the nosocomial condition
    // code Y95, which EHRs usually record as a condition of its own.
    bool pneumonia = false;
    bool nosocomial = false;
    for (const ActiveCondition& c : snapshot_.conditions) {
      if (c.groups.Has(ConditionGroup::kSepsis) || c.groups.Has(ConditionGroup::kSepticShock)) {
        s.sepsis_or_septic_shock = true;
      }
      if (c.groups.Has(ConditionGroup::kHap) || c.groups.Has(ConditionGroup::kVap)) {
        s.hap_or_vap = true;
      }
      pneumonia = pneumonia || c.groups.Has(ConditionGroup::kPneumonia);
      nosocomial = nosocomial || c.groups.Has(ConditionGroup::kNosocomial);
    }
    if (pneumonia && nosocomial) s.hap_or_vap = true;
    s.positive_blood_culture = !snapshot_.positive_blood_culture_ids.empty();
    s.icu = snapshot_.icu.in_icu;
  }

  const SnapshotInput& input_;
  sys_seconds now_;
  const Terminology& term_;
  const SnapshotOptions& options_;
  PatientSnapshot snapshot_;
  IssueSink sink_;
  Collected c_;

  std::vector<std::size_t> live_;  ///< Indices into c_.observations of the kept observations.
  std::vector<std::pair<std::string_view, std::string_view>> aliases_;  ///< old id -> new id
  RefIndex obs_index_{"Observation"};
  RefIndex specimen_index_{"Specimen"};
  std::vector<LabInfo> info_;
  std::vector<Role> role_;
  std::vector<std::size_t> parent_;
  std::vector<std::vector<std::size_t>> reports_of_;
  std::vector<std::vector<std::size_t>> report_organisms_;
};

void MergeClass(MedicationClass& into, const MedicationClass& from) {
  into.agents.insert(into.agents.end(), from.agents.begin(), from.agents.end());
  into.ingredients.insert(into.ingredients.end(), from.ingredients.begin(), from.ingredients.end());
  into.classes.InsertAll(from.classes);
  into.ingredient_classes.InsertAll(from.ingredient_classes);
  into.non_systemic_hint = into.non_systemic_hint || from.non_systemic_hint;
  into.unconfirmed_codes.insert(into.unconfirmed_codes.end(), from.unconfirmed_codes.begin(),
                                from.unconfirmed_codes.end());
  if (into.source == MatchSource::kNone) into.source = from.source;
}

void SortUnique(std::vector<Agent>& agents) {
  std::sort(agents.begin(), agents.end());
  agents.erase(std::unique(agents.begin(), agents.end()), agents.end());
}

}  // namespace

std::string_view ToString(MedicationSource source) noexcept {
  switch (source) {
    case MedicationSource::kMedicationRequest:
      return "MedicationRequest";
    case MedicationSource::kMedicationStatement:
      return "MedicationStatement";
    case MedicationSource::kMedicationAdministration:
      return "MedicationAdministration";
  }
  return "unknown";
}

std::string_view ToString(SpecimenType type) noexcept {
  switch (type) {
    case SpecimenType::kUnknown:
      return "unknown";
    case SpecimenType::kBlood:
      return "blood";
    case SpecimenType::kUrine:
      return "urine";
    case SpecimenType::kCsf:
      return "csf";
    case SpecimenType::kRespiratory:
      return "respiratory";
    case SpecimenType::kOther:
      return "other";
  }
  return "unknown";
}

std::string_view ToString(LinkMethod method) noexcept {
  switch (method) {
    case LinkMethod::kNone:
      return "none";
    case LinkMethod::kSelf:
      return "self";
    case LinkMethod::kHasMember:
      return "hasMember";
    case LinkMethod::kDerivedFrom:
      return "derivedFrom";
    case LinkMethod::kReportSpecimen:
      return "report+specimen";
  }
  return "none";
}

MedicationClass ClassifyChoice(const Terminology& terminology,
                               const fhir::MedicationChoice& choice) {
  const fhir::CodeableConcept& code = choice.Code();
  MedicationClass result;
  if (!code.empty()) result = terminology.ClassifyMedication(code);
  if (result.known()) return result;
  if (choice.resolved && !choice.resolved->ingredients.empty()) {
    MedicationClass merged;
    for (const fhir::Medication::Ingredient& ingredient : choice.resolved->ingredients) {
      if (ingredient.item_concept.empty()) continue;
      MergeClass(merged, terminology.ClassifyMedication(ingredient.item_concept));
    }
    if (merged.known()) {
      SortUnique(merged.agents);
      SortUnique(merged.ingredients);
      return merged;
    }
  }
  if (code.empty() && !choice.reference.display.empty()) {
    return terminology.ClassifyMedicationText(choice.reference.display);
  }
  return result;
}

void SnapshotInput::AddDraftOrders(const fhir::Bundle& draft_bundle,
                                   std::span<const std::string> selections) {
  for (const fhir::MedicationRequest* request :
       fhir::ResourcesOf<fhir::MedicationRequest>(draft_bundle)) {
    bool selected = false;
    for (const std::string& selection : selections) {
      const RefTarget target = TargetOf(selection);
      if (target.id == request->id && !request->id.empty() &&
          (target.type == "MedicationRequest" || target.type == "MedicationOrder")) {
        selected = true;
        break;
      }
    }
    draft_orders.push_back({request, selected});
  }
}

PatientSnapshot BuildSnapshot(const SnapshotInput& input, std::chrono::sys_seconds now,
                              const Terminology& terminology, const SnapshotOptions& options) {
  return Builder(input, now, terminology, options).Build();
}

}  // namespace cds::engine
