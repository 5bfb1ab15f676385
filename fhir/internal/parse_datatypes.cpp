#include "fhir/internal/parse_datatypes.hpp"

#include <array>
#include <initializer_list>
#include <string>

namespace cds::fhir::internal {
namespace {

/// UCUM time units allowed in Timing.repeat.periodUnit/durationUnit.
constexpr auto kTimeUnits =
    std::to_array<std::string_view>({"s", "min", "h", "d", "wk", "mo", "a"});

std::optional<Comparator> ComparatorFromCode(std::string_view code) noexcept {
  if (code == "<") return Comparator::kLess;
  if (code == "<=") return Comparator::kLessOrEqual;
  if (code == ">=") return Comparator::kGreaterOrEqual;
  if (code == ">") return Comparator::kGreater;
  return std::nullopt;
}

/// A time unit code, read from the R4 name or, failing that, the DSTU2 name (`periodUnits`).
/// The DSTU2 name in an R4 resource is tolerated with a warning.
std::string ReadTimeUnit(Context& ctx, const Json& object, const char* r4_name,
                         const char* dstu2_name, const Path& path, Release release) {
  const char* name = r4_name;
  if (!object.HasMember(r4_name) && object.HasMember(dstu2_name)) {
    name = dstu2_name;
    if (release == Release::kR4) {
      ctx.Warning(path.Field(dstu2_name), "DSTU2 element name read as its R4 equivalent");
    }
  }
  std::string unit = ReadString(ctx, object, name, path);
  if (!unit.empty() && !IsOneOf(unit, kTimeUnits)) {
    ctx.Error(path.Field(name),
              QuotedMessage(unit, 16, " is not a UCUM time unit (s|min|h|d|wk|mo|a); ignored"));
    unit.clear();
  }
  return unit;
}

TimingRepeat ParseTimingRepeat(Context& ctx, const Json& json, const Path& path, Release release) {
  TimingRepeat repeat;
  repeat.bounds_duration = ReadQuantity(ctx, json, "boundsDuration", path);
  if (!repeat.bounds_duration && json.HasMember("boundsQuantity")) {  // DSTU2 name
    repeat.bounds_duration = ReadQuantity(ctx, json, "boundsQuantity", path);
  }
  repeat.bounds_range = ReadObject(ctx, json, "boundsRange", path, ParseRange);
  repeat.bounds_period = ReadObject(ctx, json, "boundsPeriod", path, ParsePeriod);
  repeat.count = ReadInt(ctx, json, "count", path);
  repeat.count_max = ReadInt(ctx, json, "countMax", path);
  repeat.duration = ReadDecimal(ctx, json, "duration", path);
  repeat.duration_max = ReadDecimal(ctx, json, "durationMax", path);
  repeat.duration_unit = ReadTimeUnit(ctx, json, "durationUnit", "durationUnits", path, release);
  repeat.frequency = ReadInt(ctx, json, "frequency", path);
  repeat.frequency_max = ReadInt(ctx, json, "frequencyMax", path);
  repeat.period = ReadDecimal(ctx, json, "period", path);
  repeat.period_max = ReadDecimal(ctx, json, "periodMax", path);
  repeat.period_unit = ReadTimeUnit(ctx, json, "periodUnit", "periodUnits", path, release);
  if (release == Release::kDstu2 && json.HasMember("when")) {
    // DSTU2 `when` is a single code.
    if (std::string when = ReadString(ctx, json, "when", path); !when.empty()) {
      repeat.when.push_back(std::move(when));
    }
  } else {
    repeat.when = ReadStringArray(ctx, json, "when", path);
  }
  return repeat;
}

DoseAndRate ParseDoseAndRate(Context& ctx, const Json& json, const Path& path) {
  DoseAndRate dose;
  dose.type = ReadConcept(ctx, json, "type", path);
  dose.dose_quantity = ReadQuantity(ctx, json, "doseQuantity", path);
  dose.dose_range = ReadObject(ctx, json, "doseRange", path, ParseRange);
  dose.rate_quantity = ReadQuantity(ctx, json, "rateQuantity", path);
  dose.rate_ratio = ReadObject(ctx, json, "rateRatio", path, ParseRatio);
  dose.rate_range = ReadObject(ctx, json, "rateRange", path, ParseRange);
  return dose;
}

bool HasAnyMember(const Json& object, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (object.HasMember(name)) return true;
  }
  return false;
}

}  // namespace

Coding ParseCoding(Context& ctx, const Json& json, const Path& path) {
  Coding coding;
  coding.system = ReadString(ctx, json, "system", path);
  coding.version = ReadString(ctx, json, "version", path);
  coding.code = ReadString(ctx, json, "code", path);
  coding.display = ReadString(ctx, json, "display", path);
  return coding;
}

CodeableConcept ParseCodeableConcept(Context& ctx, const Json& json, const Path& path) {
  CodeableConcept concept_value;
  concept_value.coding = ReadArray(ctx, json, "coding", path, ParseCoding);
  concept_value.text = ReadString(ctx, json, "text", path);
  return concept_value;
}

std::optional<Quantity> ParseQuantity(Context& ctx, const Json& json, const Path& path) {
  Quantity quantity;
  if (const std::optional<double> value = ReadDecimal(ctx, json, "value", path)) {
    quantity.value = *value;
    quantity.has_value = true;
  }
  const std::string comparator = ReadString(ctx, json, "comparator", path);
  if (!comparator.empty()) {
    const std::optional<Comparator> parsed = ComparatorFromCode(comparator);
    if (!parsed) {
      ctx.Error(path.Field("comparator"),
                QuotedMessage(comparator, 16,
                              " is not a valid comparator (<|<=|>=|>); quantity ignored"));
      return std::nullopt;
    }
    quantity.comparator = *parsed;
  }
  quantity.unit = ReadString(ctx, json, "unit", path);
  quantity.system = ReadString(ctx, json, "system", path);
  quantity.code = ReadString(ctx, json, "code", path);
  return quantity;
}

Reference ParseReference(Context& ctx, const Json& json, const Path& path) {
  Reference reference;
  reference.reference = ReadString(ctx, json, "reference", path);
  reference.type = ReadString(ctx, json, "type", path);
  reference.display = ReadString(ctx, json, "display", path);
  return reference;
}

Period ParsePeriod(Context& ctx, const Json& json, const Path& path) {
  Period period;
  period.start = ReadDateTime(ctx, json, "start", path);
  period.end = ReadDateTime(ctx, json, "end", path);
  if (period.start && period.end && period.end->EndExclusive() <= period.start->start) {
    ctx.Warning(path, "period ends before it starts");
  }
  return period;
}

Ratio ParseRatio(Context& ctx, const Json& json, const Path& path) {
  Ratio ratio;
  ratio.numerator = ReadQuantity(ctx, json, "numerator", path);
  ratio.denominator = ReadQuantity(ctx, json, "denominator", path);
  return ratio;
}

Range ParseRange(Context& ctx, const Json& json, const Path& path) {
  Range range;
  range.low = ReadQuantity(ctx, json, "low", path);
  range.high = ReadQuantity(ctx, json, "high", path);
  return range;
}

Timing ParseTiming(Context& ctx, const Json& json, const Path& path, Release release) {
  Timing timing;
  timing.repeat =
      ReadObject(ctx, json, "repeat", path, [release](Context& c, const Json& j, const Path& p) {
        return ParseTimingRepeat(c, j, p, release);
      });
  timing.code = ReadConcept(ctx, json, "code", path);
  return timing;
}

Dosage ParseDosage(Context& ctx, const Json& json, const Path& path, Release release) {
  Dosage dosage;
  dosage.sequence = ReadInt(ctx, json, "sequence", path);
  dosage.text = ReadString(ctx, json, "text", path);
  dosage.timing =
      ReadObject(ctx, json, "timing", path, [release](Context& c, const Json& j, const Path& p) {
        return ParseTiming(c, j, p, release);
      });
  if (const std::optional<bool> as_needed = ReadBool(ctx, json, "asNeededBoolean", path)) {
    dosage.as_needed = *as_needed;
  }
  dosage.as_needed_for = ReadConcept(ctx, json, "asNeededCodeableConcept", path);
  if (!dosage.as_needed_for.empty()) dosage.as_needed = true;
  dosage.site = ReadConcept(ctx, json, "site", path);
  dosage.route = ReadConcept(ctx, json, "route", path);
  dosage.method = ReadConcept(ctx, json, "method", path);
  dosage.dose_and_rate = ReadArray(ctx, json, "doseAndRate", path, ParseDoseAndRate);
  // DSTU2 and STU3 put dose[x] and rate[x] on the dosage itself; map them onto one
  // doseAndRate item so consumers read a single layout.
  if (HasAnyMember(json, {"doseQuantity", "doseRange", "rateQuantity", "rateRatio", "rateRange"})) {
    if (release == Release::kR4) {
      ctx.Warning(path, "dose/rate directly on Dosage (DSTU2/STU3 layout) read as doseAndRate");
    }
    dosage.dose_and_rate.push_back(ParseDoseAndRate(ctx, json, path));
  }
  dosage.max_dose_per_period = ReadObject(ctx, json, "maxDosePerPeriod", path, ParseRatio);
  dosage.max_dose_per_administration = ReadQuantity(ctx, json, "maxDosePerAdministration", path);
  return dosage;
}

CodeableConcept ReadConcept(Context& ctx, const Json& object, const char* name,
                            const Path& object_path) {
  return ReadObject(ctx, object, name, object_path, ParseCodeableConcept)
      .value_or(CodeableConcept{});
}

Reference ReadReference(Context& ctx, const Json& object, const char* name,
                        const Path& object_path) {
  return ReadObject(ctx, object, name, object_path, ParseReference).value_or(Reference{});
}

std::optional<Quantity> ReadQuantity(Context& ctx, const Json& object, const char* name,
                                     const Path& object_path) {
  return ReadObject(ctx, object, name, object_path, ParseQuantity);
}

std::vector<CodeableConcept> ReadConcepts(Context& ctx, const Json& object, const char* name,
                                          const Path& object_path) {
  return ReadArray(ctx, object, name, object_path, ParseCodeableConcept);
}

std::vector<Reference> ReadReferences(Context& ctx, const Json& object, const char* name,
                                      const Path& object_path) {
  return ReadArray(ctx, object, name, object_path, ParseReference);
}

TimeChoice ReadTimeChoice(Context& ctx, const Json& object, const Path& object_path,
                          std::string_view prefix, bool allow_instant) {
  TimeChoice result;
  std::string_view chosen;
  ForEachChoice(
      object, prefix, [&](std::string_view name, std::string_view type, const Json& value) {
        const bool is_instant = allow_instant && type == "Instant";
        if (type != "DateTime" && type != "Period" && !is_instant) return;
        const Path path = object_path.Field(name);
        if (!chosen.empty()) {
          ctx.Warning(path,
                      "more than one choice of this element; " + std::string(chosen) + " is used");
          return;
        }
        if (type == "Period") {
          if (auto period = ParseObjectValue(ctx, value, path, ParsePeriod)) {
            result = std::move(*period);
            chosen = name;
          }
          return;
        }
        const DateKind kind = is_instant ? DateKind::kInstant : DateKind::kDateTime;
        if (auto time = DateTimeFrom(ctx, value, path, kind)) {
          result = std::move(*time);
          chosen = name;
        }
      });
  return result;
}

}  // namespace cds::fhir::internal
