#include "fhir/internal/parse_datatypes.hpp"

#include <array>
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

constexpr auto kCodingFields = MakeFields("system", "version", "code", "display");
constexpr auto kCodeableConceptFields = MakeFields("coding", "text");
constexpr auto kQuantityFields = MakeFields("value", "comparator", "unit", "system", "code");
constexpr auto kReferenceFields = MakeFields("reference", "type", "display");
constexpr auto kPeriodFields = MakeFields("start", "end");
constexpr auto kRatioFields = MakeFields("numerator", "denominator");
constexpr auto kRangeFields = MakeFields("low", "high");
constexpr auto kTimingFields = MakeFields("repeat", "code");
constexpr auto kTimingRepeatFields =
    MakeFields("boundsDuration", "boundsQuantity", "boundsRange", "boundsPeriod", "count",
               "countMax", "duration", "durationMax", "durationUnit", "durationUnits", "frequency",
               "frequencyMax", "period", "periodMax", "periodUnit", "periodUnits", "when");
constexpr auto kDoseAndRateFields =
    MakeFields("type", "doseQuantity", "doseRange", "rateQuantity", "rateRatio", "rateRange");
constexpr auto kDosageFields =
    MakeFields("sequence", "text", "timing", "asNeededBoolean", "asNeededCodeableConcept", "site",
               "route", "method", "doseAndRate", "doseQuantity", "doseRange", "rateQuantity",
               "rateRatio", "rateRange", "maxDosePerPeriod", "maxDosePerAdministration");

/// A time unit code, read from the R4 name or, failing that, the DSTU2 name (`periodUnits`).
/// The DSTU2 name in an R4 resource is tolerated with a warning.
std::string ReadTimeUnit(Context& ctx, Field r4, Field dstu2, const Path& path, Release release) {
  Field field = r4;
  if (r4.value == nullptr && dstu2.value != nullptr) {
    field = dstu2;
    if (release == Release::kR4) {
      ctx.Warning(path.Field(dstu2.name), "DSTU2 element name read as its R4 equivalent");
    }
  }
  std::string unit = ReadString(ctx, field, path);
  if (!unit.empty() && !IsOneOf(unit, kTimeUnits)) {
    ctx.Error(path.Field(field.name),
              QuotedMessage(unit, 16, " is not a UCUM time unit (s|min|h|d|wk|mo|a); ignored"));
    unit.clear();
  }
  return unit;
}

TimingRepeat ParseTimingRepeat(Context& ctx, const Json& json, const Path& path, Release release) {
  const Members<kTimingRepeatFields> m(json);
  TimingRepeat repeat;
  repeat.bounds_duration = ReadQuantity(ctx, m["boundsDuration"], path);
  if (!repeat.bounds_duration && m.Has("boundsQuantity")) {  // DSTU2 name
    repeat.bounds_duration = ReadQuantity(ctx, m["boundsQuantity"], path);
  }
  repeat.bounds_range = ReadObject(ctx, m["boundsRange"], path, ParseRange);
  repeat.bounds_period = ReadObject(ctx, m["boundsPeriod"], path, ParsePeriod);
  repeat.count = ReadInt(ctx, m["count"], path);
  repeat.count_max = ReadInt(ctx, m["countMax"], path);
  repeat.duration = ReadDecimal(ctx, m["duration"], path);
  repeat.duration_max = ReadDecimal(ctx, m["durationMax"], path);
  repeat.duration_unit = ReadTimeUnit(ctx, m["durationUnit"], m["durationUnits"], path, release);
  repeat.frequency = ReadInt(ctx, m["frequency"], path);
  repeat.frequency_max = ReadInt(ctx, m["frequencyMax"], path);
  repeat.period = ReadDecimal(ctx, m["period"], path);
  repeat.period_max = ReadDecimal(ctx, m["periodMax"], path);
  repeat.period_unit = ReadTimeUnit(ctx, m["periodUnit"], m["periodUnits"], path, release);
  if (release == Release::kDstu2 && m.Has("when")) {
    // DSTU2 `when` is a single code.
    if (std::string when = ReadString(ctx, m["when"], path); !when.empty()) {
      repeat.when.push_back(std::move(when));
    }
  } else {
    repeat.when = ReadStringArray(ctx, m["when"], path);
  }
  return repeat;
}

DoseAndRate ParseDoseAndRate(Context& ctx, const Json& json, const Path& path) {
  const Members<kDoseAndRateFields> m(json);
  DoseAndRate dose;
  dose.type = ReadConcept(ctx, m["type"], path);
  dose.dose_quantity = ReadQuantity(ctx, m["doseQuantity"], path);
  dose.dose_range = ReadObject(ctx, m["doseRange"], path, ParseRange);
  dose.rate_quantity = ReadQuantity(ctx, m["rateQuantity"], path);
  dose.rate_ratio = ReadObject(ctx, m["rateRatio"], path, ParseRatio);
  dose.rate_range = ReadObject(ctx, m["rateRange"], path, ParseRange);
  return dose;
}

}  // namespace

Coding ParseCoding(Context& ctx, const Json& json, const Path& path) {
  const Members<kCodingFields> m(json);
  // Designated initializers are evaluated in order, so issues keep the element order.
  return Coding{.system = ReadString(ctx, m["system"], path),
                .version = ReadString(ctx, m["version"], path),
                .code = ReadString(ctx, m["code"], path),
                .display = ReadString(ctx, m["display"], path)};
}

CodeableConcept ParseCodeableConcept(Context& ctx, const Json& json, const Path& path) {
  const Members<kCodeableConceptFields> m(json);
  return CodeableConcept{.coding = ReadArray(ctx, m["coding"], path, ParseCoding),
                         .text = ReadString(ctx, m["text"], path)};
}

bool ParseQuantityInto(Context& ctx, const Json& json, const Path& path, Quantity& quantity) {
  const Members<kQuantityFields> m(json);
  if (const std::optional<double> value = ReadDecimal(ctx, m["value"], path)) {
    quantity.value = *value;
    quantity.has_value = true;
  }
  if (const Json* comparator = Member(ctx, m["comparator"], path)) {
    const Path comparator_path = path.Field("comparator");
    if (!comparator->IsString()) {
      WrongType(ctx, comparator_path, "a string", *comparator);
    } else if (const std::string_view code = StringOf(*comparator); !code.empty()) {
      const std::optional<Comparator> parsed = ComparatorFromCode(code);
      if (!parsed) {
        ctx.Error(
            comparator_path,
            QuotedMessage(code, 16, " is not a valid comparator (<|<=|>=|>); quantity ignored"));
        return false;
      }
      quantity.comparator = *parsed;
    }
  }
  quantity.unit = ReadString(ctx, m["unit"], path);
  quantity.system = ReadString(ctx, m["system"], path);
  quantity.code = ReadString(ctx, m["code"], path);
  return true;
}

std::optional<Quantity> ParseQuantity(Context& ctx, const Json& json, const Path& path) {
  std::optional<Quantity> quantity(std::in_place);  // Built in place, returned without a move.
  if (!ParseQuantityInto(ctx, json, path, *quantity)) quantity.reset();
  return quantity;
}

Reference ParseReference(Context& ctx, const Json& json, const Path& path) {
  const Members<kReferenceFields> m(json);
  return Reference{.reference = ReadString(ctx, m["reference"], path),
                   .type = ReadString(ctx, m["type"], path),
                   .display = ReadString(ctx, m["display"], path)};
}

Period ParsePeriod(Context& ctx, const Json& json, const Path& path) {
  const Members<kPeriodFields> m(json);
  Period period;
  period.start = ReadDateTime(ctx, m["start"], path);
  period.end = ReadDateTime(ctx, m["end"], path);
  if (period.start && period.end && period.end->EndExclusive() <= period.start->start) {
    ctx.Warning(path, "period ends before it starts");
  }
  return period;
}

Ratio ParseRatio(Context& ctx, const Json& json, const Path& path) {
  const Members<kRatioFields> m(json);
  return Ratio{.numerator = ReadQuantity(ctx, m["numerator"], path),
               .denominator = ReadQuantity(ctx, m["denominator"], path)};
}

Range ParseRange(Context& ctx, const Json& json, const Path& path) {
  const Members<kRangeFields> m(json);
  return Range{.low = ReadQuantity(ctx, m["low"], path),
               .high = ReadQuantity(ctx, m["high"], path)};
}

Timing ParseTiming(Context& ctx, const Json& json, const Path& path, Release release) {
  const Members<kTimingFields> m(json);
  Timing timing;
  timing.repeat =
      ReadObject(ctx, m["repeat"], path, [release](Context& c, const Json& j, const Path& p) {
        return ParseTimingRepeat(c, j, p, release);
      });
  timing.code = ReadConcept(ctx, m["code"], path);
  return timing;
}

Dosage ParseDosage(Context& ctx, const Json& json, const Path& path, Release release) {
  const Members<kDosageFields> m(json);
  Dosage dosage;
  dosage.sequence = ReadInt(ctx, m["sequence"], path);
  dosage.text = ReadString(ctx, m["text"], path);
  dosage.timing =
      ReadObject(ctx, m["timing"], path, [release](Context& c, const Json& j, const Path& p) {
        return ParseTiming(c, j, p, release);
      });
  if (const std::optional<bool> as_needed = ReadBool(ctx, m["asNeededBoolean"], path)) {
    dosage.as_needed = *as_needed;
  }
  dosage.as_needed_for = ReadConcept(ctx, m["asNeededCodeableConcept"], path);
  if (!dosage.as_needed_for.empty()) dosage.as_needed = true;
  dosage.site = ReadConcept(ctx, m["site"], path);
  dosage.route = ReadConcept(ctx, m["route"], path);
  dosage.method = ReadConcept(ctx, m["method"], path);
  dosage.dose_and_rate = ReadArray(ctx, m["doseAndRate"], path, ParseDoseAndRate);
  // DSTU2 and STU3 put dose[x] and rate[x] on the dosage itself; map them onto one
  // doseAndRate item so consumers read a single layout.
  if (m.Has("doseQuantity") || m.Has("doseRange") || m.Has("rateQuantity") || m.Has("rateRatio") ||
      m.Has("rateRange")) {
    if (release == Release::kR4) {
      ctx.Warning(path, "dose/rate directly on Dosage (DSTU2/STU3 layout) read as doseAndRate");
    }
    dosage.dose_and_rate.push_back(ParseDoseAndRate(ctx, json, path));
  }
  dosage.max_dose_per_period = ReadObject(ctx, m["maxDosePerPeriod"], path, ParseRatio);
  dosage.max_dose_per_administration = ReadQuantity(ctx, m["maxDosePerAdministration"], path);
  return dosage;
}

CodeableConcept ReadConcept(Context& ctx, Field field, const Path& object_path) {
  return ReadObject(ctx, field, object_path, ParseCodeableConcept).value_or(CodeableConcept{});
}

Reference ReadReference(Context& ctx, Field field, const Path& object_path) {
  return ReadObject(ctx, field, object_path, ParseReference).value_or(Reference{});
}

std::optional<Quantity> ReadQuantity(Context& ctx, Field field, const Path& object_path) {
  return ReadObject(ctx, field, object_path, ParseQuantity);
}

std::vector<CodeableConcept> ReadConcepts(Context& ctx, Field field, const Path& object_path) {
  return ReadArray(ctx, field, object_path, ParseCodeableConcept);
}

std::vector<Reference> ReadReferences(Context& ctx, Field field, const Path& object_path) {
  return ReadArray(ctx, field, object_path, ParseReference);
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
