// Typed, owning views of the FHIR R4 resources the stewardship engine reads.
//
// This header is what engine/ includes: no RapidJSON, no JSON at all. Views are produced by
// fhir/json_parse.hpp and are immutable by convention (consumers receive them by const&).
// Only the elements the engine uses are modelled; everything else is dropped at parse time.
//
// Invariants guaranteed by the parser for every view it returns:
// - string codes (status, intent, gender...) are exactly the FHIR code text;
// - elements the view lists as required are present (otherwise the resource was rejected);
// - DSTU2 MedicationOrder is returned as a MedicationRequest (see `source_release`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "fhir/datatypes.hpp"
#include "fhir/dates.hpp"

namespace cds::fhir {

/// Medication. `code` may be empty (ingredients only) and may be text-only.
struct Medication {
  struct Ingredient {
    CodeableConcept item_concept;  ///< itemCodeableConcept (empty when itemReference is used).
    Reference item_reference;      ///< itemReference (empty when itemCodeableConcept is used).
    std::optional<bool> is_active;
    std::optional<Ratio> strength;

    friend bool operator==(const Ingredient&, const Ingredient&) = default;
  };

  std::string id;
  CodeableConcept code;
  CodeableConcept form;
  std::vector<Ingredient> ingredients;

  friend bool operator==(const Medication&, const Medication&) = default;
};

/// medication[x] of a MedicationRequest/Statement/Administration: a concept, or a reference
/// plus the Medication it resolved to (contained, same Bundle, or a MedicationCatalog).
struct MedicationChoice {
  CodeableConcept codeable_concept;    ///< medicationCodeableConcept.
  Reference reference;                 ///< medicationReference.
  std::optional<Medication> resolved;  ///< Copy of the referenced Medication, when found.

  /// The concept that identifies the drug: medicationCodeableConcept, else the resolved
  /// Medication.code, else an empty concept (unresolved reference: see `reference.display`).
  [[nodiscard]] const CodeableConcept& Code() const noexcept;
  /// True when this is a reference that could not be resolved (yet).
  [[nodiscard]] bool IsUnresolvedReference() const noexcept {
    return codeable_concept.empty() && !reference.empty() && !resolved.has_value();
  }

  friend bool operator==(const MedicationChoice&, const MedicationChoice&) = default;
};

/// Which FHIR release a resource was read from (DSTU2 only for MedicationOrder).
enum class FhirRelease { kR4, kDstu2 };

/// MedicationRequest (R4), also the view of a DSTU2 MedicationOrder.
/// Required (else rejected): status, medication[x], subject (R4; a DSTU2 MedicationOrder may
/// lack `patient`, and a missing status reads as "unknown").
/// `intent` may be empty: the CDS Hooks sandbox omits it (tolerated with a warning); a
/// MedicationOrder has no intent and gets "order".
struct MedicationRequest {
  struct DispenseRequest {
    std::optional<Period> validity_period;
    std::optional<int> number_of_repeats_allowed;
    std::optional<Quantity> quantity;
    std::optional<Quantity> expected_supply_duration;

    friend bool operator==(const DispenseRequest&, const DispenseRequest&) = default;
  };

  FhirRelease source_release = FhirRelease::kR4;
  std::string id;
  std::string status;  ///< active | on-hold | cancelled | completed | entered-in-error | stopped |
                       ///< draft | unknown
  std::string intent;
  std::vector<CodeableConcept> category;  ///< A single object in the JSON is accepted (quirk).
  std::string priority;
  bool do_not_perform = false;
  MedicationChoice medication;
  Reference subject;  ///< DSTU2: `patient`.
  Reference encounter;
  std::optional<DateTime> authored_on;       ///< DSTU2: `dateWritten`.
  Reference requester;                       ///< DSTU2: `prescriber`.
  std::vector<CodeableConcept> reason_code;  ///< A single object is accepted (quirk).
  std::vector<Reference> reason_reference;
  std::vector<Dosage> dosage_instruction;
  std::optional<DispenseRequest> dispense_request;
  std::vector<Medication> contained_medications;  ///< Other contained types are dropped.

  friend bool operator==(const MedicationRequest&, const MedicationRequest&) = default;
};

/// MedicationStatement. Required: status, medication[x], subject.
struct MedicationStatement {
  std::string id;
  std::string status;  ///< active | completed | entered-in-error | intended | stopped | on-hold |
                       ///< unknown | not-taken
  std::vector<CodeableConcept> category;
  MedicationChoice medication;
  Reference subject;
  TimeChoice effective;
  std::optional<DateTime> date_asserted;
  std::vector<CodeableConcept> reason_code;
  std::vector<Dosage> dosage;
  std::vector<Medication> contained_medications;

  friend bool operator==(const MedicationStatement&, const MedicationStatement&) = default;
};

/// MedicationAdministration. Required: status, medication[x], subject, effective[x].
struct MedicationAdministration {
  struct AdministeredDosage {
    std::string text;
    CodeableConcept route;
    std::optional<Quantity> dose;
    std::optional<Ratio> rate_ratio;
    std::optional<Quantity> rate_quantity;

    friend bool operator==(const AdministeredDosage&, const AdministeredDosage&) = default;
  };

  std::string id;
  std::string status;  ///< in-progress | not-done | on-hold | completed | entered-in-error |
                       ///< stopped | unknown
  MedicationChoice medication;
  Reference subject;
  Reference context;  ///< Encounter or EpisodeOfCare.
  TimeChoice effective;
  Reference request;
  std::vector<CodeableConcept> reason_code;
  std::optional<AdministeredDosage> dosage;
  std::vector<Medication> contained_medications;

  friend bool operator==(const MedicationAdministration&,
                         const MedicationAdministration&) = default;
};

/// A lab string value such as ">=16": the raw text and, when it reads as a number with an
/// optional comparator, that number (see ParseQuantityString).
struct StringValue {
  std::string text;
  std::optional<Quantity> numeric;

  friend bool operator==(const StringValue&, const StringValue&) = default;
};

/// Observation.value[x] / component.value[x]. std::monostate: absent or an unmodelled type.
/// Alternatives: valueQuantity, valueCodeableConcept, valueString, valueBoolean, valueInteger,
/// valueRange, valueRatio, valueDateTime, valuePeriod.
using ObservationValue = std::variant<std::monostate, Quantity, CodeableConcept, StringValue, bool,
                                      std::int64_t, Range, Ratio, DateTime, Period>;

/// The value as a number with comparator, if it is one: valueQuantity, valueInteger, or a
/// valueString that reads as a number (">=16").
[[nodiscard]] std::optional<Quantity> NumericValue(const ObservationValue& value);

/// Observation. Required: status, code. Superseding statuses (amended, corrected) and
/// entered-in-error are kept as data; filtering is the engine's job.
struct Observation {
  struct ReferenceRange {
    std::optional<Quantity> low;
    std::optional<Quantity> high;
    std::string text;

    friend bool operator==(const ReferenceRange&, const ReferenceRange&) = default;
  };
  struct Component {
    CodeableConcept code;
    ObservationValue value;
    CodeableConcept data_absent_reason;
    std::vector<CodeableConcept> interpretation;

    friend bool operator==(const Component&, const Component&) = default;
  };

  std::string id;
  std::string status;  ///< registered | preliminary | final | amended | corrected | cancelled |
                       ///< entered-in-error | unknown
  std::vector<CodeableConcept> category;
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  TimeChoice effective;  ///< effectiveDateTime | effectiveInstant (as DateTime) | effectivePeriod.
  std::optional<DateTime> issued;
  ObservationValue value;
  CodeableConcept data_absent_reason;
  std::vector<CodeableConcept> interpretation;
  std::vector<ReferenceRange> reference_range;
  std::vector<Reference> has_member;
  std::vector<Reference> derived_from;
  Reference specimen;
  std::vector<Component> component;

  friend bool operator==(const Observation&, const Observation&) = default;
};

/// DiagnosticReport. Required: status, code.
struct DiagnosticReport {
  std::string id;
  std::string status;  ///< registered | partial | preliminary | final | amended | corrected |
                       ///< appended | cancelled | entered-in-error | unknown
  std::vector<CodeableConcept> category;
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  TimeChoice effective;
  std::optional<DateTime> issued;
  std::vector<Reference> result;
  std::vector<Reference> specimen;

  friend bool operator==(const DiagnosticReport&, const DiagnosticReport&) = default;
};

/// Specimen. Nothing is required.
struct Specimen {
  std::string id;
  std::string status;
  CodeableConcept type;
  Reference subject;
  std::vector<Reference> parent;  ///< The specimen an isolate was derived from.
  std::optional<DateTime> received_time;
  TimeChoice collected;  ///< collection.collectedDateTime | collection.collectedPeriod.

  friend bool operator==(const Specimen&, const Specimen&) = default;
};

/// Condition. Required: subject. onset/abatement given as Age, Range or string are ignored
/// (TimeChoice is then std::monostate).
struct Condition {
  std::string id;
  CodeableConcept clinical_status;
  CodeableConcept verification_status;
  std::vector<CodeableConcept> category;
  CodeableConcept severity;
  CodeableConcept code;
  Reference subject;
  Reference encounter;
  TimeChoice onset;
  TimeChoice abatement;
  std::optional<DateTime> recorded_date;

  friend bool operator==(const Condition&, const Condition&) = default;
};

/// Patient. birth_date keeps its precision (YYYY, YYYY-MM or YYYY-MM-DD).
struct Patient {
  std::string id;
  std::string gender;  ///< male | female | other | unknown, or empty.
  std::optional<DateTime> birth_date;
  std::optional<bool> deceased_boolean;
  std::optional<DateTime> deceased_date_time;

  friend bool operator==(const Patient&, const Patient&) = default;
};

/// Encounter. Required: status, class. R4 `class` is a Coding; a CodeableConcept or an array
/// (R5 style) is tolerated with a warning and its first coding is used.
struct Encounter {
  struct Location {
    Reference location;
    std::string status;
    std::optional<Period> period;

    friend bool operator==(const Location&, const Location&) = default;
  };

  std::string id;
  std::string status;  ///< planned | arrived | triaged | in-progress | onleave | finished |
                       ///< cancelled | entered-in-error | unknown
  Coding class_code;   ///< `class` (IMP, EMER, AMB, ACUTE, ICU...).
  std::vector<CodeableConcept> type;
  Reference subject;
  std::optional<Period> period;
  std::vector<Location> location;

  friend bool operator==(const Encounter&, const Encounter&) = default;
};

/// OperationOutcome: how a prefetch or server error is reported (CDS Hooks 2.0).
struct OperationOutcome {
  struct IssueEntry {
    std::string severity;  ///< fatal | error | warning | information
    std::string code;      ///< invalid | not-found | processing | ...
    CodeableConcept details;
    std::string diagnostics;
    std::vector<std::string> expression;

    friend bool operator==(const IssueEntry&, const IssueEntry&) = default;
  };

  std::string id;
  std::vector<IssueEntry> issue;

  friend bool operator==(const OperationOutcome&, const OperationOutcome&) = default;
};

/// Any resource this layer models. Bundle is not an alternative: a Bundle nested in a
/// Bundle is skipped with a warning (it is never what a CDS Hooks client sends).
using Resource = std::variant<Patient, Encounter, Condition, Observation, DiagnosticReport,
                              Specimen, Medication, MedicationRequest, MedicationStatement,
                              MedicationAdministration, OperationOutcome>;

/// The resourceType of the view ("MedicationRequest" also for a DSTU2 MedicationOrder).
[[nodiscard]] std::string_view ResourceTypeOf(const Resource& resource) noexcept;
/// The logical id of the view (may be empty).
[[nodiscard]] const std::string& IdOf(const Resource& resource) noexcept;

/// Bundle of any type (or none: the sandbox omits `type`).
struct Bundle {
  struct Link {
    std::string relation;
    std::string url;

    friend bool operator==(const Link&, const Link&) = default;
  };
  struct Entry {
    std::size_t index = 0;  ///< Position in the JSON `entry` array (for element paths).
    std::string full_url;
    std::string search_mode;  ///< match | include | outcome, or empty.
    Resource resource;

    friend bool operator==(const Entry&, const Entry&) = default;
  };
  /// An entry that was dropped: its resource was invalid, of an unknown type, or missing.
  /// `resource_type`/`id` are whatever could be read (possibly empty). Lets hooks/ answer 400
  /// when a selected draft order was rejected (kInvalid), while a selected order of a type
  /// this layer does not model (kUnknownType) is merely out of scope.
  struct SkippedEntry {
    enum class Reason {
      kMissing,      ///< No resource, or the entry is not an object.
      kInvalid,      ///< The resource was rejected (or is not a resource object).
      kUnknownType,  ///< A resourceType this layer does not model (e.g. ServiceRequest).
    };
    std::size_t index = 0;
    Reason reason = Reason::kInvalid;
    std::string resource_type;
    std::string id;

    friend bool operator==(const SkippedEntry&, const SkippedEntry&) = default;
  };

  std::string id;
  std::string type;  ///< searchset | collection | batch-response | ..., or empty.
  std::optional<std::int64_t> total;
  std::vector<Link> link;
  std::vector<Entry> entry;
  std::vector<SkippedEntry> skipped;

  /// The url of the `next` link (searchset paging), or empty.
  [[nodiscard]] std::string_view NextLink() const noexcept;

  friend bool operator==(const Bundle&, const Bundle&) = default;
};

/// Pointers to the entries of type T in `bundle`, in entry order. The pointers are valid as
/// long as `bundle` is alive and unmodified.
template <typename T>
[[nodiscard]] std::vector<const T*> ResourcesOf(const Bundle& bundle) {
  std::vector<const T*> out;
  for (const Bundle::Entry& entry : bundle.entry) {
    if (const T* resource = std::get_if<T>(&entry.resource)) out.push_back(resource);
  }
  return out;
}

/// Medications a medicationReference may point to, from outside the referring resource
/// (other Bundle entries, a prefetched Medication search). Owns copies of its Medications.
///
/// A reference matches a Medication added with the same fullUrl, or whose "Medication/" + id
/// equals the reference's type/id (relative "Medication/7" or absolute ".../Medication/7").
/// The first Medication added under a key wins.
class MedicationCatalog {
 public:
  /// Adds `medication`, findable by its id and, when non-empty, by `full_url`.
  void Add(Medication medication, std::string_view full_url = {});
  /// The Medication `reference` points to, or nullptr. Valid until the next Add.
  [[nodiscard]] const Medication* Find(const Reference& reference) const;
  [[nodiscard]] std::size_t size() const noexcept { return medications_.size(); }

 private:
  std::vector<Medication> medications_;
  std::unordered_map<std::string, std::size_t> by_key_;
};

/// Resolves `choice.reference` against `contained` ("#id") and then `catalog` (may be null).
/// Does nothing when the choice is a concept or already resolved. Returns true when
/// `choice.resolved` is set afterwards (or no resolution was needed).
bool ResolveMedication(MedicationChoice& choice, const std::vector<Medication>& contained,
                       const MedicationCatalog* catalog);

/// Resolves the still-unresolved medicationReferences of every MedicationRequest,
/// MedicationStatement and MedicationAdministration in `bundle` against `catalog`. Returns
/// the number of references still unresolved afterwards.
std::size_t ResolveMedications(Bundle& bundle, const MedicationCatalog& catalog);

}  // namespace cds::fhir
