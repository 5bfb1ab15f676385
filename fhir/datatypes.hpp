// FHIR R4 general-purpose data types as immutable-by-convention value types.
// These are the vocabulary shared by fhir/ (parsing) and engine/ (terminology, rules);
// they own their data and never refer back to the JSON they came from.
//
// Conventions: an empty string means "absent"; a complex element that may be absent is a
// std::optional; repeated elements are vectors (empty when absent).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fhir/dates.hpp"

namespace cds::fhir {

/// Coding: a code from a code system. Empty strings mean "absent".
struct Coding {
  std::string system;
  std::string version;
  std::string code;
  std::string display;

  friend bool operator==(const Coding&, const Coding&) = default;
};

/// CodeableConcept: codings plus free text (the text alone is common in real orders).
struct CodeableConcept {
  std::vector<Coding> coding;
  std::string text;

  [[nodiscard]] bool empty() const noexcept { return coding.empty() && text.empty(); }
  friend bool operator==(const CodeableConcept&, const CodeableConcept&) = default;
};

/// Quantity.comparator: how to read the value ("<=0.25" means "at most 0.25").
enum class Comparator { kNone, kLess, kLessOrEqual, kGreaterOrEqual, kGreater };

/// The FHIR spelling of a comparator ("<", "<=", ">=", ">"; "" for kNone).
[[nodiscard]] std::string_view ToString(Comparator comparator) noexcept;

/// Quantity (also used for Duration, Age, SimpleQuantity): a measured amount.
/// `value` is meaningful only when `has_value` is true.
struct Quantity {
  double value = 0.0;
  bool has_value = false;
  Comparator comparator = Comparator::kNone;
  std::string unit;    ///< Human-readable unit ("mg", "ug/mL").
  std::string system;  ///< Usually UCUM, http://unitsofmeasure.org.
  std::string code;    ///< Coded unit ("mg", "ug/mL", "h").

  friend bool operator==(const Quantity&, const Quantity&) = default;
};

/// Reads a lab result string such as ">=16", "<= 0.25", "> 8", "16" or "0.5 mg/L" as a
/// Quantity: an optional comparator, optional spaces, a decimal number, then an optional unit
/// (kept in `unit`). Also accepts "≤"/"≥" and "=<"/"=>". Returns nullopt when the text does not
/// start (after the comparator) with a number, e.g. "Positive" or "R". Never throws.
[[nodiscard]] std::optional<Quantity> ParseQuantityString(std::string_view text);

/// Reference to another resource. Empty strings mean absent.
struct Reference {
  std::string
      reference;  ///< Literal: "Medication/123", "#med1", "urn:uuid:…", "https://…/Patient/9".
  std::string type;  ///< Reference.type, e.g. "Medication".
  std::string display;

  [[nodiscard]] bool empty() const noexcept { return reference.empty() && type.empty(); }
  friend bool operator==(const Reference&, const Reference&) = default;
};

/// The parts of a literal reference, as returned by SplitReference.
struct ReferenceParts {
  enum class Kind {
    kNone,       ///< No literal reference.
    kContained,  ///< "#id": a resource contained in the referring resource.
    kRelative,   ///< "Type/id" (optionally "/_history/v").
    kAbsolute,   ///< "http(s)://base/Type/id": `base` holds "http(s)://base".
    kUrn,        ///< "urn:uuid:…" or "urn:oid:…": matches a Bundle entry fullUrl only.
    kOther,      ///< Anything else (kept, but matches only by exact text).
  };
  Kind kind = Kind::kNone;
  std::string type;     ///< Resource type from the literal, or Reference.type when absent.
  std::string id;       ///< Logical id (for kContained, the id without '#').
  std::string base;     ///< Service base URL, for kAbsolute.
  std::string version;  ///< "_history" version id, when given.

  friend bool operator==(const ReferenceParts&, const ReferenceParts&) = default;
};

/// Splits a literal reference into its parts. Pure; never throws.
[[nodiscard]] ReferenceParts SplitReference(const Reference& reference);

/// Period: an interval; either end may be absent (open).
struct Period {
  std::optional<DateTime> start;
  std::optional<DateTime> end;

  friend bool operator==(const Period&, const Period&) = default;
};

/// Ratio: numerator / denominator (e.g. "1 g / 8 h", "4 g per 24 h" as maxDosePerPeriod).
struct Ratio {
  std::optional<Quantity> numerator;
  std::optional<Quantity> denominator;

  friend bool operator==(const Ratio&, const Ratio&) = default;
};

/// Range: low..high, either may be absent.
struct Range {
  std::optional<Quantity> low;
  std::optional<Quantity> high;

  friend bool operator==(const Range&, const Range&) = default;
};

/// A choice of a point or an interval in time: effective[x], onset[x], collected[x], ...
/// std::monostate means absent or given in a form this layer ignores (e.g. onsetAge).
using TimeChoice = std::variant<std::monostate, DateTime, Period>;

/// The earliest known instant of a TimeChoice (the DateTime, or Period.start), if any.
[[nodiscard]] std::optional<DateTime> StartOf(const TimeChoice& time);

/// Timing.repeat. Durations/periods are decimals; counts/frequencies are integers.
struct TimingRepeat {
  std::optional<Quantity> bounds_duration;
  std::optional<Range> bounds_range;
  std::optional<Period> bounds_period;
  std::optional<int> count;
  std::optional<int> count_max;
  std::optional<double> duration;  ///< Length of one administration (infusion time).
  std::optional<double> duration_max;
  std::string duration_unit;     ///< s | min | h | d | wk | mo | a
  std::optional<int> frequency;  ///< Administrations per period.
  std::optional<int> frequency_max;
  std::optional<double> period;
  std::optional<double> period_max;
  std::string period_unit;  ///< s | min | h | d | wk | mo | a
  std::vector<std::string> when;

  friend bool operator==(const TimingRepeat&, const TimingRepeat&) = default;
};

/// Timing: the repeat rule and/or a code (BID, TID, Q8H...).
struct Timing {
  std::optional<TimingRepeat> repeat;
  CodeableConcept code;

  friend bool operator==(const Timing&, const Timing&) = default;
};

/// Dosage.doseAndRate[]: at most one dose[x] and one rate[x] are set in valid data.
struct DoseAndRate {
  CodeableConcept type;
  std::optional<Quantity> dose_quantity;
  std::optional<Range> dose_range;
  std::optional<Quantity> rate_quantity;
  std::optional<Ratio> rate_ratio;
  std::optional<Range> rate_range;

  friend bool operator==(const DoseAndRate&, const DoseAndRate&) = default;
};

/// Dosage (R4). DSTU2/STU3 dosages (dose and rate directly on the dosage, `periodUnits`) are
/// mapped onto this shape by the parser.
struct Dosage {
  std::optional<int> sequence;
  std::string text;
  std::optional<Timing> timing;
  bool as_needed = false;         ///< asNeededBoolean, or true when asNeededCodeableConcept is set.
  CodeableConcept as_needed_for;  ///< asNeededCodeableConcept.
  CodeableConcept site;
  CodeableConcept route;
  CodeableConcept method;
  std::vector<DoseAndRate> dose_and_rate;
  std::optional<Ratio> max_dose_per_period;
  std::optional<Quantity> max_dose_per_administration;

  friend bool operator==(const Dosage&, const Dosage&) = default;
};

}  // namespace cds::fhir
