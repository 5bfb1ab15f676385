// PatientSnapshot: everything the rules need about one patient at one instant `now`.
//
// BuildSnapshot() turns the parsed FHIR views of a CDS Hooks request (draft orders + prefetch)
// into plain, owning, immutable structs: classified draft orders and active medications,
// microbiology isolates with their susceptibilities and resistance mechanisms, the latest renal
// labs (with a computed Cockcroft-Gault CrCl when none is reported), active conditions, age, sex,
// dialysis and ICU status, and the "Severe" facts of clinical-rules.md §2.
//
// Contract:
// - Pure function of its inputs: `now` is an input, the clock is never read.
// - Total: missing or unusable data is represented as std::nullopt / empty containers, never an
//   exception. Data that was read but could not be used (unconvertible unit, ambiguous link,
//   missing clinicalStatus...) is reported in PatientSnapshot::issues as fhir::Issue warnings
//   whose path is "<ResourceType>/<id>.<element>".
// - Linear in the input size: resources are indexed by id / fullUrl once; no quadratic scans.
// - The inputs are read during the call only; the snapshot owns copies of what it keeps.
//
// Status handling (clinical-rules.md §4.5):
// - Observation status entered-in-error, cancelled, registered and unknown are ignored;
//   preliminary results are kept and marked (`preliminary`).
// - Versions of one Observation (same id, e.g. seen in two prefetch Bundles): the latest wins,
//   ordered by `issued`, then by status rank (entered-in-error > corrected/amended > final >
//   preliminary), then by input order. A winning entered-in-error/cancelled version removes the
//   observation altogether.
// - A corrected/amended Observation with a *different* id supersedes an earlier
//   final/preliminary one with the same supersession key (first code, specimen reference,
//   effective time text), provided exactly one earlier observation has that key (several =
//   ambiguous: all kept, warning). References to the superseded id then resolve to the
//   replacement.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/terminology/terminology.hpp"
#include "fhir/datatypes.hpp"
#include "fhir/dates.hpp"
#include "fhir/issue.hpp"
#include "fhir/resources.hpp"

namespace cds::engine {

// ---------------------------------------------------------------------------------------------
// Inputs.

/// Lookback windows; every window is inclusive at its start (a result exactly `window` old is in)
/// and ends at `now` (results dated after `now` are ignored with a warning).
struct SnapshotOptions {
  /// "Active isolate" (clinical-rules.md §2) and unlinked microbiology results.
  std::chrono::seconds isolate_lookback = std::chrono::days(30);
  /// Positive blood cultures (R03 "positive 600-7 in the lookback").
  std::chrono::seconds blood_culture_lookback = std::chrono::days(30);
  /// Creatinine, CrCl, eGFR, albumin, valproate level.
  std::chrono::seconds lab_lookback = std::chrono::days(7);
  /// Body weight (changes slowly; used for Cockcroft-Gault).
  std::chrono::seconds weight_lookback = std::chrono::days(30);
  /// MedicationAdministration counts as an active medication when given within this window.
  std::chrono::seconds administration_lookback = std::chrono::hours(48);
};

/// One draft order of the hook context. `request` must outlive the BuildSnapshot call.
struct DraftOrderInput {
  const fhir::MedicationRequest* request = nullptr;
  bool selected = false;
};

/// What BuildSnapshot reads. Non-owning: every pointer must outlive the call (only).
struct SnapshotInput {
  std::vector<DraftOrderInput> draft_orders;
  /// The patient; when null, the first Patient found in `bundles`/`resources` is used.
  const fhir::Patient* patient = nullptr;
  /// The hook's encounter; when null, the first in-progress Encounter found in the prefetch is
  /// used (or none).
  const fhir::Encounter* encounter = nullptr;
  /// Prefetch Bundles (any types of entries). Entry fullUrls are used to resolve references.
  std::vector<const fhir::Bundle*> bundles;
  /// Loose prefetch resources (e.g. a `Patient/{{id}}` prefetch slot).
  std::vector<const fhir::Resource*> resources;

  /// Adds the MedicationRequests of `draft_orders`, marking as selected those whose
  /// "MedicationRequest/<id>" is in `selections` (CDS Hooks `context.selections`; a DSTU2
  /// "MedicationOrder/<id>" is accepted too).
  void AddDraftOrders(const fhir::Bundle& draft_bundle, std::span<const std::string> selections);
};

// ---------------------------------------------------------------------------------------------
// Outputs. Plain structs, compared as wholes in tests.

/// A draft order with its classification.
struct DraftOrder {
  fhir::MedicationRequest request;  ///< Copy of the order.
  bool selected = false;
  MedicationClass medication;  ///< Classification of the ordered drug (see ClassifyChoice).

  friend bool operator==(const DraftOrder&, const DraftOrder&) = default;
};

/// Where an active medication was found.
enum class MedicationSource : std::uint8_t {
  kMedicationRequest,         ///< status active or on-hold.
  kMedicationStatement,       ///< status active.
  kMedicationAdministration,  ///< given within SnapshotOptions::administration_lookback.
};
[[nodiscard]] std::string_view ToString(MedicationSource source) noexcept;

/// A medication the patient is on (or was given recently).
struct ActiveMedication {
  MedicationSource source = MedicationSource::kMedicationRequest;
  std::string resource_id;
  std::string status;
  fhir::CodeableConcept code;  ///< The concept classified (MedicationChoice::Code()).
  MedicationClass medication;
  /// authoredOn (request), effective start / dateAsserted (statement), or the administration
  /// time (end of effectivePeriod, else its start, else effectiveDateTime).
  std::optional<fhir::DateTime> time;

  friend bool operator==(const ActiveMedication&, const ActiveMedication&) = default;
};

/// Specimen category of an isolate.
enum class SpecimenType : std::uint8_t { kUnknown, kBlood, kUrine, kCsf, kRespiratory, kOther };
[[nodiscard]] std::string_view ToString(SpecimenType type) noexcept;

/// How a result was attached to its isolate.
enum class LinkMethod : std::uint8_t {
  kNone,            ///< Unlinked.
  kSelf,            ///< A component of the organism Observation itself.
  kHasMember,       ///< organism (or a panel linked to it) hasMember -> result.
  kDerivedFrom,     ///< result (or its panel) derivedFrom -> organism.
  kReportSpecimen,  ///< Same DiagnosticReport.result and same specimen as exactly one organism.
};
[[nodiscard]] std::string_view ToString(LinkMethod method) noexcept;

/// One drug susceptibility result.
struct SusceptibilityResult {
  std::string observation_id;
  int component_index = -1;  ///< >= 0 when read from Observation.component[i].
  fhir::CodeableConcept code;
  std::optional<Agent> agent;  ///< From the LOINC (terminology); nullopt if not classified.
  SusceptibilityMethod method = SusceptibilityMethod::kUnspecified;
  /// The MIC (or zone) with comparator and unit, from valueQuantity / valueInteger or a
  /// valueString such as ">=16".
  std::optional<fhir::Quantity> mic;
  /// The lab's interpretation: Observation.interpretation, else a coded/string value (S/I/R or
  /// SNOMED), else a component's. kUnknown when the lab gave none (never re-derived from the MIC).
  Interpretation interpretation = Interpretation::kUnknown;
  std::string status;
  bool preliminary = false;
  std::optional<fhir::DateTime> time;  ///< effective start, else issued.
  LinkMethod link = LinkMethod::kNone;

  friend bool operator==(const SusceptibilityResult&, const SusceptibilityResult&) = default;
};

/// One resistance mechanism test (carbapenemase phenotype, genes, ESBL).
struct MechanismResult {
  std::string observation_id;
  int component_index = -1;
  fhir::CodeableConcept code;
  Mechanism mechanism = Mechanism::kCarbapenemase;
  std::optional<MechanismMethod> method;
  /// kDetected, kNotDetected or kUnknown.
  Interpretation result = Interpretation::kUnknown;
  std::string status;
  bool preliminary = false;
  std::optional<fhir::DateTime> time;
  LinkMethod link = LinkMethod::kNone;

  [[nodiscard]] bool detected() const noexcept { return result == Interpretation::kDetected; }
  friend bool operator==(const MechanismResult&, const MechanismResult&) = default;
};

/// A microbiology isolate: an organism Observation (culture code with a growth value, or any
/// Observation whose value is a known organism) with its linked results.
struct Isolate {
  std::string observation_id;
  fhir::CodeableConcept code;  ///< Observation.code (600-7, 11475-1...).
  LabKind culture_kind = LabKind::kUnknown;
  fhir::CodeableConcept organism_concept;  ///< The value (coded organism or text).
  OrganismClass organism;
  std::string organism_text;  ///< text, else first display, else canonical name.
  SpecimenType specimen_type = SpecimenType::kUnknown;
  std::string specimen_id;  ///< Specimen resource id, when resolved.
  std::optional<fhir::DateTime>
      collected;  ///< effective start, else specimen collection, else issued.
  std::optional<fhir::DateTime> issued;
  std::string status;
  bool preliminary = false;
  std::vector<std::string> report_ids;  ///< DiagnosticReports listing this Observation.
  std::vector<SusceptibilityResult> susceptibilities;
  std::vector<MechanismResult> mechanisms;

  friend bool operator==(const Isolate&, const Isolate&) = default;
};

/// A numeric lab value, normalised to the unit named in `unit`.
struct LabValue {
  double value = 0.0;
  std::string unit;  ///< Canonical unit ("mg/dL", "mL/min", "kg", "g/dL", "ug/mL"...).
  fhir::Comparator comparator = fhir::Comparator::kNone;
  fhir::DateTime time;  ///< effective start, else issued.
  std::string observation_id;
  std::string status;
  bool preliminary = false;
  double original_value = 0.0;  ///< As reported, before unit conversion.
  std::string original_unit;

  friend bool operator==(const LabValue&, const LabValue&) = default;
};

/// The creatinine clearance the rules use: a reported Cockcroft-Gault value (35591-7) wins;
/// otherwise it is computed as (140 - age) x weight / (72 x SCr mg/dL), x 0.85 if female, from
/// the latest serum creatinine, the latest *actual (total) body weight* (29463-7; no ideal or
/// adjusted weight, height is not prefetched), the age in completed years and
/// Patient.gender. Not computed when any input is missing, sex is not male/female, age < 18,
/// or SCr <= 0.
struct EstimatedCrCl {
  enum class Source : std::uint8_t { kReported, kComputed };
  Source source = Source::kReported;
  double ml_per_min = 0.0;
  std::optional<LabValue> reported;  ///< kReported: the 35591-7 result.
  // kComputed: the inputs used.
  int age_years = 0;
  double weight_kg = 0.0;
  double creatinine_mg_dl = 0.0;
  bool female = false;
  std::string weight_observation_id;
  std::string creatinine_observation_id;

  friend bool operator==(const EstimatedCrCl&, const EstimatedCrCl&) = default;
};

/// Renal function and other labs: the latest usable value of each within its lookback.
struct Labs {
  std::optional<LabValue> creatinine;     ///< mg/dL (µmol/L converted by / 88.4).
  std::optional<LabValue> measured_crcl;  ///< 2164-2, mL/min.
  std::optional<EstimatedCrCl> estimated_crcl;
  std::optional<LabValue> egfr;             ///< mL/min/{1.73_m2}.
  std::optional<LabValue> weight;           ///< kg.
  std::optional<LabValue> albumin;          ///< g/dL.
  std::optional<LabValue> valproate_level;  ///< 4086-5 only, ug/mL.

  friend bool operator==(const Labs&, const Labs&) = default;
};

/// A Condition that counts as active.
struct ActiveCondition {
  std::string id;
  fhir::CodeableConcept code;
  ConditionGroupSet groups;
  std::string clinical_status;  ///< Code, or empty when absent (included, see issues).
  std::string verification_status;
  std::optional<fhir::DateTime> onset;

  friend bool operator==(const ActiveCondition&, const ActiveCondition&) = default;
};

/// ICU detection (heuristic, see snapshot.cpp IsIcuText): the encounter is not
/// finished/cancelled/entered-in-error and its class, type or a current location names an
/// intensive care unit (SNOMED 309904001, or words ICU/MICU/SICU/CICU/NICU/PICU/CCU/ITU,
/// "intensive care", "critical care"). v3 ActCode classes (IMP, ACUTE, EMER...) alone are
/// never ICU.
struct IcuStatus {
  bool in_icu = false;
  std::string encounter_id;
  std::string evidence;  ///< Which element matched, e.g. "Encounter.location[0]: 'MICU 4'".

  friend bool operator==(const IcuStatus&, const IcuStatus&) = default;
};

/// The "Severe" facts of clinical-rules.md §2.
struct SeverityFacts {
  bool sepsis_or_septic_shock = false;  ///< Active Condition in the sepsis group.
  bool positive_blood_culture = false;  ///< An isolate from blood within the lookback.
  bool hap_or_vap = false;  ///< Active HAP or VAP Condition (or pneumonia + nosocomial).
  bool icu = false;

  [[nodiscard]] bool severe() const noexcept {
    return sepsis_or_septic_shock || positive_blood_culture || hap_or_vap || icu;
  }
  friend bool operator==(const SeverityFacts&, const SeverityFacts&) = default;
};

/// Demographics.
struct Demographics {
  std::string patient_id;
  /// Completed years at `now`. For a partial birthDate ("1950", "1950-06") the first day of the
  /// given period is assumed, i.e. the highest possible age (conservative for Cockcroft-Gault);
  /// `age_approximate` is then true.
  std::optional<int> age_years;
  bool age_approximate = false;
  std::string sex;  ///< Patient.gender: male | female | other | unknown, or empty.

  friend bool operator==(const Demographics&, const Demographics&) = default;
};

/// Everything the engine knows about the patient at `now`.
struct PatientSnapshot {
  std::chrono::sys_seconds now{};
  Demographics demographics;
  std::vector<DraftOrder> draft_orders;              ///< Input order.
  std::vector<ActiveMedication> active_medications;  ///< Input order, by source.
  std::vector<Isolate> isolates;  ///< Active isolates, most recent `collected` first.
  /// Results within the isolate lookback that match no isolate (kept, never lost); rapid
  /// gene tests often arrive before the identification.
  std::vector<SusceptibilityResult> unlinked_susceptibilities;
  std::vector<MechanismResult> unlinked_mechanisms;
  /// Observation ids of the isolates from blood within blood_culture_lookback.
  std::vector<std::string> positive_blood_culture_ids;
  Labs labs;
  std::vector<ActiveCondition> conditions;
  bool dialysis = false;          ///< An active condition in the dialysis group (Z99.2, 105502003).
  bool esrd_or_dialysis = false;  ///< ... or in the ESRD/dialysis group (N18.6, 46177005).
  IcuStatus icu;
  SeverityFacts severity;
  fhir::Issues issues;  ///< Warnings about data that could not be used.

  friend bool operator==(const PatientSnapshot&, const PatientSnapshot&) = default;
};

/// Classification of a medication[x]: the concept (MedicationChoice::Code()); when that does not
/// identify a drug, the union over the resolved Medication's ingredients; when the reference is
/// unresolved, its display text.
[[nodiscard]] MedicationClass ClassifyChoice(const Terminology& terminology,
                                             const fhir::MedicationChoice& choice);

/// Builds the snapshot. See the file comment for the contract. Never throws for bad data
/// (std::bad_alloc may propagate).
[[nodiscard]] PatientSnapshot BuildSnapshot(const SnapshotInput& input,
                                            std::chrono::sys_seconds now,
                                            const Terminology& terminology,
                                            const SnapshotOptions& options = {});

}  // namespace cds::engine
