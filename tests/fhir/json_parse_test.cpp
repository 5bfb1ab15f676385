#include "fhir/json_parse.hpp"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::fhir {

void PrintTo(const JsonTextError& e, std::ostream* os) {
  *os << "{kind " << static_cast<int>(e.kind) << ", offset " << e.offset << ", '" << e.message
      << "'}";
}

namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using testing::Contains;
using testing::Field;
using testing::IsEmpty;
using testing::Not;

// ---------------------------------------------------------------------------------------------
// Helpers

auto IssueAt(Severity severity, const std::string& path) {
  return testing::AllOf(Field(&Issue::severity, severity), Field(&Issue::path, path));
}

std::string Describe(const Issues& issues) {
  std::string out;
  for (const Issue& i : issues) {
    out += "[" + std::string(ToString(i.severity)) + "] " + i.path + ": " + i.message + "\n";
  }
  return out;
}

template <typename T>
T ParseOk(std::string_view json, const ParseOptions& options = {}) {
  ParseResult<Resource> result = ParseResource(json, {}, options);
  EXPECT_TRUE(result.ok()) << Describe(result.issues);
  EXPECT_FALSE(HasErrors(result.issues)) << Describe(result.issues);
  if (!result.value || !std::holds_alternative<T>(*result.value)) return T{};
  return std::get<T>(std::move(*result.value));
}

constexpr std::string_view kMicString = R"({
  "resourceType": "Observation", "id": "s1", "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "6652-2"}]},
  "valueString": ">=16"
})";

// ---------------------------------------------------------------------------------------------
// Observation values

TEST(ObservationValue, StringWithComparatorKeepsTextAndNumber) {
  const Observation observation = ParseOk<Observation>(kMicString);
  const auto* text = std::get_if<StringValue>(&observation.value);
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->text, ">=16");
  ASSERT_TRUE(text->numeric.has_value());
  EXPECT_EQ(text->numeric->comparator, Comparator::kGreaterOrEqual);
  EXPECT_DOUBLE_EQ(text->numeric->value, 16.0);
}

TEST(ObservationValue, StringsOfEveryCommonShape) {
  struct Case {
    const char* value_string;
    bool numeric;
    Comparator comparator;
    double value;
  };
  for (const Case& c :
       {Case{"<=0.25", true, Comparator::kLessOrEqual, 0.25},
        Case{"> 8", true, Comparator::kGreater, 8}, Case{"16", true, Comparator::kNone, 16},
        Case{"Positive", false, Comparator::kNone, 0}}) {
    const std::string json = R"({"resourceType": "Observation", "status": "final",
      "code": {"text": "MIC"}, "valueString": ")" +
                             std::string(c.value_string) + R"("})";
    const Observation observation = ParseOk<Observation>(json);
    const std::optional<Quantity> number = NumericValue(observation.value);
    ASSERT_EQ(number.has_value(), c.numeric) << c.value_string;
    if (!c.numeric) continue;
    EXPECT_EQ(number->comparator, c.comparator) << c.value_string;
    EXPECT_DOUBLE_EQ(number->value, c.value) << c.value_string;
  }
}

TEST(ObservationValue, QuantityComparatorAndEveryOtherType) {
  const Observation quantity = ParseOk<Observation>(R"({"resourceType": "Observation",
    "status": "final", "code": {"text": "x"},
    "valueQuantity": {"value": 0.25, "comparator": "<=", "unit": "ug/mL",
                      "system": "http://unitsofmeasure.org", "code": "ug/mL"}})");
  const auto* q = std::get_if<Quantity>(&quantity.value);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->comparator, Comparator::kLessOrEqual);
  EXPECT_EQ(q->code, "ug/mL");

  const auto value_of = [](const std::string& member) {
    return ParseOk<Observation>(R"({"resourceType": "Observation", "status": "final",
      "code": {"text": "x"}, )" +
                                member + "}")
        .value;
  };
  EXPECT_TRUE(std::holds_alternative<bool>(value_of(R"("valueBoolean": true)")));
  EXPECT_EQ(std::get<std::int64_t>(value_of(R"("valueInteger": 3)")), 3);
  EXPECT_TRUE(std::holds_alternative<Range>(value_of(R"("valueRange": {"low": {"value": 1}})")));
  EXPECT_TRUE(std::holds_alternative<Ratio>(
      value_of(R"("valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 2}})")));
  EXPECT_TRUE(std::holds_alternative<CodeableConcept>(
      value_of(R"("valueCodeableConcept": {"text": "R"})")));
  EXPECT_TRUE(std::holds_alternative<DateTime>(value_of(R"("valueDateTime": "2026-03-01")")));
  EXPECT_TRUE(std::holds_alternative<Period>(value_of(R"("valuePeriod": {"start": "2026"})")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(value_of(R"("valueTime": "10:00:00")")));
}

TEST(ObservationValue, TwoValuesKeepTheFirstWithAWarning) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "Observation",
    "status": "final", "code": {"text": "x"}, "valueQuantity": {"value": 2},
    "valueString": "4"})");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(std::holds_alternative<Quantity>(std::get<Observation>(*result.value).value));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "valueString")));
}

TEST(Observation, ComponentsLinksAndInterpretation) {
  const Observation observation = ParseOk<Observation>(R"({
    "resourceType": "Observation", "id": "panel", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "18769-0"}]},
    "effectiveInstant": "2026-03-02T06:40:00Z", "issued": "2026-03-02T08:00:00Z",
    "hasMember": [{"reference": "Observation/a"}, {"reference": "Observation/b"}],
    "derivedFrom": [{"reference": "Observation/org"}],
    "specimen": {"reference": "Specimen/iso-1"},
    "interpretation": [{"coding": [{"code": "R"}]}],
    "dataAbsentReason": {"text": "see components"},
    "component": [
      {"code": {"text": "KPC"}, "valueCodeableConcept": {"text": "Detected"},
       "interpretation": [{"text": "abnormal"}]}
    ]})");
  EXPECT_EQ(observation.has_member.size(), 2u);
  EXPECT_EQ(observation.derived_from.at(0).reference, "Observation/org");
  EXPECT_EQ(observation.specimen.reference, "Specimen/iso-1");
  EXPECT_EQ(observation.interpretation.at(0).coding.at(0).code, "R");
  EXPECT_EQ(observation.data_absent_reason.text, "see components");
  ASSERT_TRUE(std::holds_alternative<DateTime>(observation.effective));
  ASSERT_TRUE(observation.issued.has_value());
  ASSERT_EQ(observation.component.size(), 1u);
  EXPECT_EQ(std::get<CodeableConcept>(observation.component[0].value).text, "Detected");
  EXPECT_EQ(observation.component[0].interpretation.at(0).text, "abnormal");
}

TEST(Observation, ComponentWithoutCodeIsDroppedWithAnError) {
  const ParseResult<Resource> result = ParseResource(R"({
    "resourceType": "Observation", "status": "final", "code": {"text": "panel"},
    "component": [
      {"code": {"text": "KPC"}, "valueCodeableConcept": {"text": "Detected"}},
      {"valueString": "no code here"}
    ]})",
                                                     "prefetch.labs.entry[0].resource");
  ASSERT_TRUE(result.ok());
  const Observation& observation = std::get<Observation>(*result.value);
  ASSERT_EQ(observation.component.size(), 1u);
  EXPECT_EQ(observation.component[0].code.text, "KPC");
  EXPECT_THAT(
      result.issues,
      Contains(IssueAt(Severity::kError, "prefetch.labs.entry[0].resource.component[1].code")));
}

TEST(Observation, SupersedingAndErroneousStatusesAreKeptAsData) {
  for (const char* status : {"corrected", "amended", "entered-in-error", "cancelled", "preliminary",
                             "registered", "unknown"}) {
    const std::string json = R"({"resourceType": "Observation", "status": ")" +
                             std::string(status) + R"(", "code": {"text": "x"}})";
    EXPECT_EQ(ParseOk<Observation>(json).status, status);
  }
  const DiagnosticReport report = ParseOk<DiagnosticReport>(R"({"resourceType":
    "DiagnosticReport", "status": "appended", "code": {"text": "Blood culture"}})");
  EXPECT_EQ(report.status, "appended");
}

// ---------------------------------------------------------------------------------------------
// Errors and their paths

TEST(Errors, MissingRequiredElementRejectsTheResource) {
  const ParseResult<Resource> result = ParseResource(
      R"({"resourceType": "Observation", "status": "final"})", "prefetch.labs.entry[3].resource");
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.issues,
              Contains(IssueAt(Severity::kError, "prefetch.labs.entry[3].resource.code")));
}

TEST(Errors, WrongJsonTypeIsAnErrorAndTheElementIsIgnored) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "Observation",
    "status": "final", "code": {"text": "weight"}, "subject": "Patient/1",
    "valueQuantity": {"value": "82", "unit": "kg"}})",
                                                     "prefetch.labs.entry[3].resource");
  ASSERT_TRUE(result.ok());
  const Observation& observation = std::get<Observation>(*result.value);
  EXPECT_TRUE(observation.subject.empty());
  EXPECT_FALSE(std::get<Quantity>(observation.value).has_value);
  EXPECT_THAT(result.issues,
              Contains(IssueAt(Severity::kError, "prefetch.labs.entry[3].resource.subject")));
  EXPECT_THAT(
      result.issues,
      Contains(IssueAt(Severity::kError, "prefetch.labs.entry[3].resource.valueQuantity.value")));
}

TEST(Errors, UnknownElementsAreIgnoredSilently) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "Patient",
    "id": "p", "extension": [{"url": "http://x", "valueString": "y"}], "_gender": {},
    "maritalStatus": {"text": "M"}, "photo": [1, 2, 3]})");
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(result.issues, IsEmpty());
}

TEST(Errors, NullIsAWarningAndIgnored) {
  const ParseResult<Resource> result = ParseResource(
      R"({"resourceType": "Patient", "id": "p", "gender": null, "birthDate": "1950"})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(std::get<Patient>(*result.value).gender, "");
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "gender")));
  EXPECT_FALSE(HasErrors(result.issues));
}

TEST(Errors, IntegralDecimalIsAcceptedFractionalIsNot) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "MedicationRequest",
    "status": "draft", "intent": "order", "medicationCodeableConcept": {"text": "x"},
    "subject": {"reference": "Patient/1"},
    "dosageInstruction": [{"timing": {"repeat": {"frequency": 2.0, "frequencyMax": 2.5}}}]})");
  ASSERT_TRUE(result.ok());
  const TimingRepeat& repeat =
      *std::get<MedicationRequest>(*result.value).dosage_instruction.at(0).timing->repeat;
  EXPECT_EQ(repeat.frequency, 2);
  EXPECT_EQ(repeat.frequency_max, std::nullopt);
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kError,
                                              "dosageInstruction[0].timing.repeat.frequencyMax")));
}

TEST(Errors, ResourceTypeProblems) {
  EXPECT_THAT(ParseResource(R"({"id": "x"})").issues,
              Contains(IssueAt(Severity::kError, "resourceType")));
  EXPECT_THAT(ParseResource(R"({"resourceType": 7})").issues,
              Contains(IssueAt(Severity::kError, "resourceType")));
  EXPECT_THAT(ParseResource(R"(["not", "an", "object"])", "ctx").issues,
              Contains(IssueAt(Severity::kError, "ctx")));
  const ParseResult<Resource> bundle = ParseResource(R"({"resourceType": "Bundle"})");
  EXPECT_FALSE(bundle.ok());
  EXPECT_TRUE(HasErrors(bundle.issues));
}

TEST(Errors, UnknownResourceTypeIsAWarning) {
  const ParseResult<Resource> result =
      ParseResource(R"({"resourceType": "ServiceRequest", "id": "sr1"})", "draft");
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(HasErrors(result.issues));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "draft.resourceType")));
}

TEST(Errors, InvalidJsonTextIsFatal) {
  for (const char* text : {"", "{", "{\"resourceType\": \"Patient\",}", "nul", "\"\xff\xfe\""}) {
    const ParseResult<Resource> result = ParseResource(text, "request.body");
    EXPECT_FALSE(result.ok()) << text;
    ASSERT_EQ(result.issues.size(), 1u) << text;
    EXPECT_EQ(result.issues[0].severity, Severity::kFatal);
    EXPECT_EQ(result.issues[0].path, "request.body");
  }
}

// Strings and whitespace are scanned 16 bytes at a time: escapes, multi-byte characters and
// control characters must be found wherever they fall relative to a block, and the scans must
// stop at the end of the text.
TEST(Errors, StringsAndWhitespaceAtEveryOffsetOfA16ByteBlock) {
  for (std::size_t shift = 0; shift < 40; ++shift) {
    const std::string pad(shift, 'x');
    const std::string spaces(shift, ' ');
    const std::string text = "{" + spaces + R"("resourceType")" + spaces + ":" + "\n\t\r" +
                             R"("Patient", "id": ")" + pad + R"(a\"b\\c\n\u00e9\u2264)" + pad +
                             "\xC3\xA9\"" + spaces + "}" + spaces;
    const ParseResult<Resource> result = ParseResource(text);
    ASSERT_TRUE(result.ok()) << shift << Describe(result.issues);
    EXPECT_EQ(std::get<Patient>(*result.value).id,
              pad + "a\"b\\c\n\xC3\xA9\xE2\x89\xA4" + pad + "\xC3\xA9")
        << shift;

    const std::string control = R"({"resourceType": "Patient", "id": ")" + pad + "\x01\"}";
    const ParseResult<Resource> bad = ParseResource(control, "body");
    ASSERT_EQ(bad.issues.size(), 1u) << shift;
    EXPECT_EQ(bad.issues[0].message, "invalid JSON at byte " + std::to_string(control.size() - 3) +
                                         ": Invalid escape character in string.")
        << shift;

    const std::string prefix = R"({"resourceType": "Patient", "id": ")" + pad;
    for (const char* bad_utf8 : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x89"}) {
      const ParseResult<Resource> invalid = ParseResource(prefix + bad_utf8 + "\"}", "body");
      ASSERT_EQ(invalid.issues.size(), 1u) << shift;
      EXPECT_EQ(invalid.issues[0].message, "invalid JSON at byte " + std::to_string(prefix.size()) +
                                               ": Invalid encoding in string.")
          << shift;
    }
    const ParseResult<Resource> nul = ParseResource(prefix + std::string(1, '\0') + "\"}", "body");
    ASSERT_EQ(nul.issues.size(), 1u) << shift;
    EXPECT_EQ(nul.issues[0].severity, Severity::kFatal);

    const std::string unterminated = R"({"resourceType": "Patient", "id": ")" + pad;
    EXPECT_FALSE(ParseResource(unterminated).ok()) << shift;
    EXPECT_FALSE(ParseResource("{" + spaces).ok()) << shift;
  }
}

TEST(Errors, DeeplyNestedJsonNeitherCrashesNorRecurses) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  EXPECT_FALSE(ParseResource(deep).ok());
  const std::string nested_extension = R"({"resourceType": "Patient", "id": "p", "extension": )" +
                                       std::string(50'000, '[') + std::string(50'000, ']') + "}";
  EXPECT_TRUE(ParseResource(nested_extension).ok());
}

// The in-situ parser hooks/ keeps request bodies with: the same 16-byte scans over the
// caller's string, which gets padding for the parse and its size back afterwards.
TEST(ParseJsonTextInSitu, StringsAtEveryOffsetPointIntoTheTextAndItsSizeIsKept) {
  for (std::size_t shift = 0; shift < 40; ++shift) {
    const std::string pad(shift, 'x');
    const std::string spaces(shift, ' ');
    std::string text = "{" + spaces + R"("k")" + spaces + ":" + "\n\t\r" + R"([")" + pad +
                       R"(a\"b\\c\n\u00e9\u2264)" + pad + "\xC3\xA9\", \"" + pad + "\"]" + spaces +
                       "}" + spaces;
    const std::size_t size = text.size();
    rapidjson::Document doc;
    ASSERT_EQ(ParseJsonTextInSitu(text, doc, 64), std::nullopt) << shift;
    EXPECT_EQ(text.size(), size) << shift;
    const rapidjson::Value& k = doc["k"];
    ASSERT_TRUE(k.IsArray() && k.Size() == 2) << shift;
    EXPECT_EQ(std::string(k[0].GetString(), k[0].GetStringLength()),
              pad + "a\"b\\c\n\xC3\xA9\xE2\x89\xA4" + pad + "\xC3\xA9")
        << shift;
    EXPECT_EQ(std::string(k[1].GetString()), pad) << shift;
    EXPECT_GE(k[1].GetString(), text.data()) << shift;
    EXPECT_LT(k[1].GetString(), text.data() + text.size()) << shift;
  }
}

TEST(ParseJsonTextInSitu, EachKindOfRejectionWithItsOffset) {
  using Kind = JsonTextError::Kind;
  struct Case {
    std::string text;
    std::size_t max_depth;
    JsonTextError expected;
  };
  const Case cases[] = {
      // Encoding is checked over the whole text first, also outside strings and after a
      // syntax error (the same 400 either way).
      {"[1,\xC3]", 64, {Kind::kInvalidEncoding, 3, "Invalid encoding in string."}},
      {"[x, \"\xFF\"]", 64, {Kind::kInvalidEncoding, 5, "Invalid encoding in string."}},
      {std::string("{\"a\":1}\0x", 9), 64, {Kind::kNulByte, 7, "NUL byte."}},
      {"[[[]]]", 2, {Kind::kTooDeep, 0, ""}},
      {std::string(100, '[') + std::string(100, ']'), 99, {Kind::kTooDeep, 0, ""}},
      {"{\"a\":1} x",
       64,
       {Kind::kSyntax, 8, "The document root must not be followed by other values."}},
      {"[\"abc", 64, {Kind::kSyntax, 5, "Missing a closing quotation mark in string."}},
      {"", 64, {Kind::kSyntax, 0, "The document is empty."}},
  };
  for (const Case& c : cases) {
    std::string text = c.text;
    rapidjson::Document doc;
    EXPECT_EQ(ParseJsonTextInSitu(text, doc, c.max_depth), c.expected) << c.text;
    EXPECT_EQ(text.size(), c.text.size()) << c.text;
  }
}

TEST(ParseJsonTextInSitu, LimitsAboveTheRecursionLimitParseIteratively) {
  std::string deep = std::string(5'000, '[') + std::string(5'000, ']');
  rapidjson::Document doc;
  EXPECT_EQ(ParseJsonTextInSitu(deep, doc, 5'000), std::nullopt);
  std::string deeper = std::string(5'001, '[') + std::string(5'001, ']');
  EXPECT_EQ(ParseJsonTextInSitu(deeper, doc, 5'000),
            (JsonTextError{JsonTextError::Kind::kTooDeep, 0, ""}));
}

TEST(Errors, ParseResourceAsChecksTheType) {
  rapidjson::Document document;
  document.Parse(R"({"resourceType": "Patient", "id": "p"})");
  const ParseResult<Observation> wrong = ParseResourceAs<Observation>(document, "prefetch.patient");
  EXPECT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.issues, Contains(IssueAt(Severity::kError, "prefetch.patient.resourceType")));
  const ParseResult<Patient> right = ParseResourceAs<Patient>(document, "prefetch.patient");
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right.value->id, "p");
}

// ---------------------------------------------------------------------------------------------
// Medication orders and their quirks

constexpr std::string_view kDoseAndRateArray = R"({
  "resourceType": "MedicationRequest", "status": "draft", "intent": "order",
  "medicationCodeableConcept": {"text": "cefepime 2 g IV q8h"},
  "subject": {"reference": "Patient/1"},
  "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "g"},
                                          "rateQuantity": {"value": 100, "unit": "mL/h"}}]}]})";
constexpr std::string_view kDoseAndRateObject = R"({
  "resourceType": "MedicationRequest", "status": "draft", "intent": "order",
  "medicationCodeableConcept": {"text": "cefepime 2 g IV q8h"},
  "subject": {"reference": "Patient/1"},
  "dosageInstruction": [{"doseAndRate": {"doseQuantity": {"value": 2, "unit": "g"},
                                         "rateQuantity": {"value": 100, "unit": "mL/h"}}}]})";

TEST(MedicationRequestQuirks, DoseAndRateObjectReadsLikeAnArray) {
  const MedicationRequest from_array = ParseOk<MedicationRequest>(kDoseAndRateArray);
  const ParseResult<Resource> from_object = ParseResource(kDoseAndRateObject, "draftOrders");
  ASSERT_TRUE(from_object.ok());
  EXPECT_FALSE(HasErrors(from_object.issues));
  EXPECT_THAT(
      from_object.issues,
      Contains(IssueAt(Severity::kWarning, "draftOrders.dosageInstruction[0].doseAndRate")));
  const MedicationRequest& request = std::get<MedicationRequest>(*from_object.value);
  EXPECT_EQ(request.dosage_instruction, from_array.dosage_instruction);
  ASSERT_EQ(request.dosage_instruction.at(0).dose_and_rate.size(), 1u);
  EXPECT_DOUBLE_EQ(request.dosage_instruction[0].dose_and_rate[0].dose_quantity->value, 2.0);
  EXPECT_DOUBLE_EQ(request.dosage_instruction[0].dose_and_rate[0].rate_quantity->value, 100.0);
}

TEST(MedicationRequestQuirks, CategoryAndReasonCodeAsObjectsAndNoIntent) {
  const ParseResult<Resource> result = ParseResource(R"({
    "resourceType": "MedicationRequest", "id": "request-123", "status": "draft",
    "subject": {"reference": "Patient/123"},
    "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category", "code": "community"}]},
    "reasonCode": {"text": "UTI"},
    "medicationCodeableConcept": {"text": "nitrofurantoin"}})");
  ASSERT_TRUE(result.ok()) << Describe(result.issues);
  EXPECT_FALSE(HasErrors(result.issues));
  const MedicationRequest& request = std::get<MedicationRequest>(*result.value);
  ASSERT_EQ(request.category.size(), 1u);
  EXPECT_EQ(request.category[0].coding.at(0).code, "community");
  ASSERT_EQ(request.reason_code.size(), 1u);
  EXPECT_EQ(request.reason_code[0].text, "UTI");
  EXPECT_EQ(request.intent, "");
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "category")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "reasonCode")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "intent")));
}

TEST(MedicationRequestQuirks, FullDosageIsRead) {
  const MedicationRequest request = ParseOk<MedicationRequest>(R"({
    "resourceType": "MedicationRequest", "status": "active", "intent": "order",
    "medicationCodeableConcept": {"text": "meropenem 2 g"}, "subject": {"reference": "Patient/1"},
    "dosageInstruction": [{
      "text": "2 g IV q8h over 3 h", "asNeededCodeableConcept": {"text": "fever"},
      "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h", "periodMax": 12,
                            "duration": 3, "durationUnit": "h", "count": 21, "boundsPeriod":
                            {"start": "2026-03-04T10:00:00Z", "end": "2026-03-11T10:00:00Z"}},
                 "code": {"text": "Q8H"}},
      "route": {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]},
      "doseAndRate": [{"doseRange": {"low": {"value": 1}, "high": {"value": 2}},
                       "rateRatio": {"numerator": {"value": 2, "unit": "g"},
                                     "denominator": {"value": 3, "unit": "h"}}}],
      "maxDosePerPeriod": {"numerator": {"value": 6, "unit": "g"},
                           "denominator": {"value": 1, "unit": "d"}}}]})");
  const Dosage& dosage = request.dosage_instruction.at(0);
  EXPECT_TRUE(dosage.as_needed);
  const TimingRepeat& repeat = dosage.timing->repeat.value();
  EXPECT_EQ(repeat.frequency, 1);
  EXPECT_EQ(repeat.period, 8.0);
  EXPECT_EQ(repeat.period_max, 12.0);
  EXPECT_EQ(repeat.period_unit, "h");
  EXPECT_EQ(repeat.duration, 3.0);
  EXPECT_EQ(repeat.duration_unit, "h");
  EXPECT_EQ(repeat.count, 21);
  ASSERT_TRUE(repeat.bounds_period.has_value());
  EXPECT_EQ(dosage.timing->code.text, "Q8H");
  EXPECT_EQ(dosage.route.coding.at(0).code, "47625008");
  EXPECT_EQ(dosage.dose_and_rate.at(0).dose_range->high->value, 2.0);
  EXPECT_EQ(dosage.dose_and_rate.at(0).rate_ratio->denominator->unit, "h");
  EXPECT_EQ(dosage.max_dose_per_period->numerator->value, 6.0);
}

TEST(MedicationRequestQuirks, OlderLayoutsInAnR4ResourceAreMappedWithWarnings) {
  const ParseResult<Resource> result = ParseResource(R"({
    "resourceType": "MedicationRequest", "status": "draft", "intent": "order",
    "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/1"},
    "dosageInstruction": [{"timing": {"repeat": {"period": 8, "periodUnits": "h"}},
                           "doseQuantity": {"value": 1, "unit": "g"}}]})");
  ASSERT_TRUE(result.ok());
  const Dosage& dosage = std::get<MedicationRequest>(*result.value).dosage_instruction.at(0);
  EXPECT_EQ(dosage.timing->repeat->period_unit, "h");
  EXPECT_EQ(dosage.dose_and_rate.at(0).dose_quantity->value, 1.0);
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning,
                                              "dosageInstruction[0].timing.repeat.periodUnits")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "dosageInstruction[0]")));
  EXPECT_FALSE(HasErrors(result.issues));
}

TEST(MedicationOrderDstu2, MapsOntoTheMedicationRequestView) {
  const ParseResult<Resource> result = ParseResource(R"({
    "resourceType": "MedicationOrder", "id": "request-123", "status": "draft",
    "patient": {"reference": "Patient/smart-1288992"},
    "encounter": {"reference": "Encounter/e1"},
    "prescriber": {"reference": "Practitioner/p1"},
    "dateWritten": "2026-11-21",
    "reasonCodeableConcept": {"text": "CAP"},
    "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "311296"}]},
    "dosageInstruction": [{
      "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnits": "d",
                            "duration": 90, "durationUnits": "min"}},
      "doseQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "{pill}"},
      "rateRatio": {"numerator": {"value": 750, "unit": "mg"}, "denominator": {"value": 90, "unit": "min"}}}],
    "dispenseRequest": {"quantity": {"value": 7}}})");
  ASSERT_TRUE(result.ok()) << Describe(result.issues);
  EXPECT_THAT(result.issues, IsEmpty()) << Describe(result.issues);
  const MedicationRequest& request = std::get<MedicationRequest>(*result.value);
  EXPECT_EQ(request.source_release, FhirRelease::kDstu2);
  EXPECT_EQ(request.id, "request-123");
  EXPECT_EQ(request.status, "draft");
  EXPECT_EQ(request.intent, "order");
  EXPECT_EQ(request.subject.reference, "Patient/smart-1288992");
  EXPECT_EQ(request.encounter.reference, "Encounter/e1");
  EXPECT_EQ(request.requester.reference, "Practitioner/p1");
  ASSERT_TRUE(request.authored_on.has_value());
  EXPECT_EQ(request.authored_on->precision, DatePrecision::kDay);
  EXPECT_EQ(request.reason_code.at(0).text, "CAP");
  EXPECT_EQ(request.medication.Code().coding.at(0).code, "311296");
  const Dosage& dosage = request.dosage_instruction.at(0);
  EXPECT_EQ(dosage.timing->repeat->period_unit, "d");
  EXPECT_EQ(dosage.timing->repeat->duration_unit, "min");
  ASSERT_EQ(dosage.dose_and_rate.size(), 1u);
  EXPECT_EQ(dosage.dose_and_rate[0].dose_quantity->code, "{pill}");
  EXPECT_EQ(dosage.dose_and_rate[0].rate_ratio->numerator->value, 750.0);
  EXPECT_EQ(request.dispense_request->quantity->value, 7.0);
}

TEST(MedicationOrderDstu2, StatusIsOptionalButMustBeADstu2Code) {
  const ParseResult<Resource> no_status = ParseResource(R"({"resourceType": "MedicationOrder",
    "medicationCodeableConcept": {"text": "x"}})");
  ASSERT_TRUE(no_status.ok());
  EXPECT_EQ(std::get<MedicationRequest>(*no_status.value).status, "unknown");
  EXPECT_THAT(no_status.issues, Contains(IssueAt(Severity::kWarning, "status")));

  for (const char* status :
       {"active", "on-hold", "completed", "entered-in-error", "stopped", "draft"}) {
    const std::string json = R"({"resourceType": "MedicationOrder", "status": ")" +
                             std::string(status) +
                             R"(", "medicationCodeableConcept": {"text": "x"}})";
    EXPECT_EQ(ParseOk<MedicationRequest>(json).status, status);
  }
  EXPECT_FALSE(ParseResource(R"({"resourceType": "MedicationOrder", "status": "cancelled",
    "medicationCodeableConcept": {"text": "x"}})")
                   .ok());
}

TEST(MedicationOrderDstu2, ParseResourceAsMedicationRequestAcceptsIt) {
  rapidjson::Document document;
  document.Parse(R"({"resourceType": "MedicationOrder", "status": "active",
                     "medicationCodeableConcept": {"text": "x"}})");
  const ParseResult<MedicationRequest> result = ParseResourceAs<MedicationRequest>(document, "");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value->source_release, FhirRelease::kDstu2);
}

// ---------------------------------------------------------------------------------------------
// medicationReference resolution

constexpr std::string_view kContainedRequest = R"({
  "resourceType": "MedicationRequest", "id": "mr1", "status": "draft", "intent": "order",
  "contained": [{"resourceType": "Medication", "id": "med1", "code": {"text": "contained"}}],
  "medicationReference": {"reference": "#med1"}, "subject": {"reference": "Patient/1"}})";

TEST(MedicationReference, ResolvedAgainstContained) {
  const MedicationRequest request = ParseOk<MedicationRequest>(kContainedRequest);
  ASSERT_TRUE(request.medication.resolved.has_value());
  EXPECT_EQ(request.medication.Code().text, "contained");
  EXPECT_EQ(request.contained_medications.size(), 1u);
}

TEST(MedicationReference, ResolvedAgainstTheBundleByFullUrlOrId) {
  const ParseResult<Bundle> result = ParseBundle(R"({"resourceType": "Bundle",
    "type": "collection", "entry": [
    {"resource": {"resourceType": "MedicationStatement", "status": "active",
      "medicationReference": {"reference": "urn:uuid:abc"}, "subject": {"reference": "Patient/1"}}},
    {"resource": {"resourceType": "MedicationAdministration", "status": "completed",
      "medicationReference": {"reference": "Medication/m2"}, "subject": {"reference": "Patient/1"},
      "effectiveDateTime": "2026-03-04T02:00:00Z"}},
    {"fullUrl": "urn:uuid:abc", "resource": {"resourceType": "Medication", "code": {"text": "by urn"}}},
    {"fullUrl": "https://ehr/fhir/Medication/m2",
     "resource": {"resourceType": "Medication", "id": "m2", "code": {"text": "by id"}}}]})");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(HasErrors(result.issues)) << Describe(result.issues);
  const Bundle& bundle = *result.value;
  EXPECT_EQ(std::get<MedicationStatement>(bundle.entry.at(0).resource).medication.Code().text,
            "by urn");
  EXPECT_EQ(std::get<MedicationAdministration>(bundle.entry.at(1).resource).medication.Code().text,
            "by id");
}

TEST(MedicationReference, ResolvedAgainstExternalMedicationsAfterTheBundle) {
  MedicationCatalog prefetched;
  prefetched.Add(Medication{"m1", {{}, "external m1"}, {}, {}});
  prefetched.Add(Medication{"m2", {{}, "external m2"}, {}, {}});
  ParseOptions options;
  options.external_medications = &prefetched;
  const ParseResult<Bundle> result = ParseBundle(R"({"resourceType": "Bundle", "entry": [
    {"resource": {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
      "medicationReference": {"reference": "Medication/m1"}, "subject": {"reference": "Patient/1"}}},
    {"resource": {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
      "medicationReference": {"reference": "Medication/m2"}, "subject": {"reference": "Patient/1"}}},
    {"resource": {"resourceType": "Medication", "id": "m2", "code": {"text": "bundle m2"}}},
    {"resource": {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
      "medicationReference": {"reference": "Medication/m3"}, "subject": {"reference": "Patient/1"}}}
    ]})",
                                                 "context.draftOrders", options);
  ASSERT_TRUE(result.ok());
  const std::vector<const MedicationRequest*> requests =
      ResourcesOf<MedicationRequest>(*result.value);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0]->medication.Code().text, "external m1");
  EXPECT_EQ(requests[1]->medication.Code().text, "bundle m2");
  EXPECT_TRUE(requests[2]->medication.IsUnresolvedReference());
  EXPECT_THAT(result.issues,
              Contains(IssueAt(Severity::kWarning,
                               "context.draftOrders.entry[3].resource.medicationReference")));

  // A single resource resolves against the external catalog as well.
  const ParseResult<Resource> single = ParseResource(R"({"resourceType": "MedicationRequest",
    "status": "draft", "intent": "order", "medicationReference": {"reference": "Medication/m1"},
    "subject": {"reference": "Patient/1"}})",
                                                     "", options);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(std::get<MedicationRequest>(*single.value).medication.Code().text, "external m1");
}

TEST(MedicationReference, ContainedWinsOverBundleAndExternal) {
  MedicationCatalog prefetched;
  prefetched.Add(Medication{"med1", {{}, "external"}, {}, {}});
  ParseOptions options;
  options.external_medications = &prefetched;
  const std::string bundle_json = R"({"resourceType": "Bundle", "entry": [{"resource": )" +
                                  std::string(kContainedRequest) +
                                  R"(}, {"resource": {"resourceType": "Medication", "id": "med1",
                                  "code": {"text": "bundle"}}}]})";
  const ParseResult<Bundle> result = ParseBundle(bundle_json, "", options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(ResourcesOf<MedicationRequest>(*result.value).at(0)->medication.Code().text,
            "contained");
}

// ---------------------------------------------------------------------------------------------
// Bundles

TEST(BundleParse, WithoutTypeIsAcceptedWithAWarning) {
  const ParseResult<Bundle> result = ParseBundle(R"({"resourceType": "Bundle", "entry": [
    {"resource": {"resourceType": "Patient", "id": "p1"}}]})",
                                                 "context.draftOrders");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value->type, "");
  EXPECT_EQ(result.value->entry.size(), 1u);
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "context.draftOrders.type")));
  EXPECT_FALSE(HasErrors(result.issues));
}

TEST(BundleParse, SearchsetLinksTotalAndSearchMode) {
  const ParseResult<Bundle> result = ParseBundle(R"({"resourceType": "Bundle", "id": "b",
    "type": "searchset", "total": 240,
    "link": [{"relation": "self", "url": "https://x/fhir/Observation?p=1"},
             {"relation": "next", "url": "https://x/fhir?_getpages=abc&_page=2"}],
    "entry": [{"fullUrl": "https://x/fhir/Patient/p1", "search": {"mode": "include"},
               "resource": {"resourceType": "Patient", "id": "p1"}}]})");
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(result.issues, IsEmpty());
  const Bundle& bundle = *result.value;
  EXPECT_EQ(bundle.total, 240);
  EXPECT_EQ(bundle.NextLink(), "https://x/fhir?_getpages=abc&_page=2");
  EXPECT_EQ(bundle.entry.at(0).full_url, "https://x/fhir/Patient/p1");
  EXPECT_EQ(bundle.entry.at(0).search_mode, "include");
}

TEST(BundleParse, BadEntriesAreSkippedWithWarningsNeverSinkingTheBundle) {
  const ParseResult<Bundle> result = ParseBundle(R"({"resourceType": "Bundle",
    "type": "searchset", "entry": [
    {"resource": {"resourceType": "Observation", "id": "ok", "status": "final",
                  "code": {"text": "eGFR"}, "valueQuantity": {"value": "38"}}},
    {"resource": {"resourceType": "Observation", "id": "broken", "status": "final"}},
    {"resource": {"resourceType": "ServiceRequest", "id": "sr1"}},
    {"resource": {"resourceType": "Bundle", "id": "nested"}},
    {"fullUrl": "urn:uuid:none"},
    "junk",
    {"resource": {"resourceType": "Patient", "id": "p1"}}]})",
                                                 "prefetch.labs");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(HasErrors(result.issues)) << Describe(result.issues);
  const Bundle& bundle = *result.value;
  ASSERT_EQ(bundle.entry.size(), 2u);
  EXPECT_EQ(bundle.entry[0].index, 0u);
  EXPECT_EQ(bundle.entry[1].index, 6u);
  EXPECT_EQ(IdOf(bundle.entry[1].resource), "p1");

  using Reason = Bundle::SkippedEntry::Reason;
  ASSERT_EQ(bundle.skipped.size(), 5u);
  EXPECT_EQ(bundle.skipped[0],
            (Bundle::SkippedEntry{1, Reason::kInvalid, "Observation", "broken"}));
  EXPECT_EQ(bundle.skipped[1],
            (Bundle::SkippedEntry{2, Reason::kUnknownType, "ServiceRequest", "sr1"}));
  EXPECT_EQ(bundle.skipped[2], (Bundle::SkippedEntry{3, Reason::kInvalid, "Bundle", "nested"}));
  EXPECT_EQ(bundle.skipped[3], (Bundle::SkippedEntry{4, Reason::kMissing, "", ""}));
  EXPECT_EQ(bundle.skipped[4].index, 5u);

  // Element-level problems of kept entries are reported (downgraded) with their full path.
  EXPECT_THAT(
      result.issues,
      Contains(IssueAt(Severity::kWarning, "prefetch.labs.entry[0].resource.valueQuantity.value")));
  EXPECT_THAT(result.issues,
              Contains(IssueAt(Severity::kWarning, "prefetch.labs.entry[1].resource.code")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "prefetch.labs.entry[1]")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning,
                                              "prefetch.labs.entry[2].resource.resourceType")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "prefetch.labs.entry[5]")));
}

TEST(BundleParse, NotABundleIsRejected) {
  const ParseResult<Bundle> patient = ParseBundle(R"({"resourceType": "Patient"})", "prefetch.p");
  EXPECT_FALSE(patient.ok());
  EXPECT_THAT(patient.issues, Contains(IssueAt(Severity::kError, "prefetch.p.resourceType")));
  const ParseResult<Bundle> entries = ParseBundle(R"({"resourceType": "Bundle", "entry": 3})");
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT(entries.issues, Contains(IssueAt(Severity::kError, "entry")));
  EXPECT_FALSE(ParseBundle("[]").ok());
  EXPECT_FALSE(ParseBundle("not json").ok());
}

// ---------------------------------------------------------------------------------------------
// Dates in resources

TEST(Dates, PartialBirthDatesKeepTheirPrecision) {
  struct Case {
    const char* birth_date;
    DatePrecision precision;
  };
  for (const Case& c : {Case{"1947", DatePrecision::kYear}, Case{"1958-07", DatePrecision::kMonth},
                        Case{"1958-07-23", DatePrecision::kDay}}) {
    const std::string json =
        R"({"resourceType": "Patient", "birthDate": ")" + std::string(c.birth_date) + R"("})";
    const Patient patient = ParseOk<Patient>(json);
    ASSERT_TRUE(patient.birth_date.has_value()) << c.birth_date;
    EXPECT_EQ(patient.birth_date->precision, c.precision) << c.birth_date;
    EXPECT_EQ(patient.birth_date->text, c.birth_date);
  }
}

TEST(Dates, TimezoneLessDateTimeUsesTheExplicitDefaultOffset) {
  constexpr std::string_view kJson = R"({"resourceType": "Observation", "status": "final",
    "code": {"text": "creatinine"}, "effectiveDateTime": "2026-03-03T05:30:00"})";
  ParseOptions new_york;
  new_york.default_utc_offset = -5h;
  const ParseResult<Resource> result = ParseResource(kJson, "", new_york);
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kWarning, "effectiveDateTime")));
  const std::optional<DateTime> effective = StartOf(std::get<Observation>(*result.value).effective);
  ASSERT_TRUE(effective.has_value());
  EXPECT_EQ(effective->start, sys_seconds(sys_days(std::chrono::year(2026) / 3 / 3)) + 10h + 30min);
  EXPECT_FALSE(effective->has_timezone);

  const ParseResult<Resource> utc = ParseResource(kJson);
  EXPECT_EQ(StartOf(std::get<Observation>(*utc.value).effective)->start, effective->start - 5h);
}

TEST(Dates, InvalidDateIsAnErrorAndTheElementIsIgnored) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "Observation",
    "status": "final", "code": {"text": "x"}, "issued": "yesterday"})");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(std::get<Observation>(*result.value).issued.has_value());
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kError, "issued")));
}

// ---------------------------------------------------------------------------------------------
// Other resources

TEST(Encounter, ClassAsCodingCodeableConceptOrArray) {
  for (const char* klass : {R"({"code": "IMP"})", R"({"coding": [{"code": "IMP"}]})",
                            R"([{"code": "IMP"}])", R"([{"coding": [{"code": "IMP"}]}])"}) {
    const std::string json = R"({"resourceType": "Encounter", "status": "in-progress", "class": )" +
                             std::string(klass) + "}";
    const ParseResult<Resource> result = ParseResource(json);
    ASSERT_TRUE(result.ok()) << klass << "\n" << Describe(result.issues);
    EXPECT_FALSE(HasErrors(result.issues)) << klass;
    EXPECT_EQ(std::get<Encounter>(*result.value).class_code.code, "IMP") << klass;
  }
  EXPECT_FALSE(ParseResource(R"({"resourceType": "Encounter", "status": "in-progress",
    "class": "IMP"})")
                   .ok());
}

TEST(Encounter, LocationsAndPeriod) {
  const Encounter encounter = ParseOk<Encounter>(R"({"resourceType": "Encounter",
    "status": "in-progress", "class": {"code": "IMP"}, "type": [{"text": "ICU stay"}],
    "period": {"start": "2026-03-01T23:10:00Z"},
    "location": [{"location": {"reference": "Location/micu"}, "status": "active"}]})");
  EXPECT_EQ(encounter.location.at(0).location.reference, "Location/micu");
  EXPECT_EQ(encounter.type.at(0).text, "ICU stay");
  EXPECT_TRUE(encounter.period->start.has_value());
}

TEST(Condition, StatusesOnsetAndAbatement) {
  const Condition condition = ParseOk<Condition>(R"({"resourceType": "Condition",
    "clinicalStatus": {"coding": [{"code": "resolved"}]},
    "verificationStatus": {"coding": [{"code": "refuted"}]},
    "code": {"text": "VAP"}, "subject": {"reference": "Patient/1"},
    "onsetPeriod": {"start": "2026-02-01"}, "abatementDateTime": "2026-02-20",
    "recordedDate": "2026-02-02"})");
  EXPECT_EQ(condition.clinical_status.coding.at(0).code, "resolved");
  EXPECT_EQ(condition.verification_status.coding.at(0).code, "refuted");
  EXPECT_TRUE(std::holds_alternative<Period>(condition.onset));
  EXPECT_TRUE(std::holds_alternative<DateTime>(condition.abatement));
}

TEST(Condition, Dstu2StringStatusAndOnsetAgeAreTolerated) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType": "Condition",
    "clinicalStatus": "active", "code": {"text": "epilepsy"},
    "subject": {"reference": "Patient/1"}, "onsetAge": {"value": 14, "unit": "a"}})");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(HasErrors(result.issues));
  const Condition& condition = std::get<Condition>(*result.value);
  EXPECT_EQ(condition.clinical_status.coding.at(0).code, "active");
  EXPECT_EQ(condition.clinical_status.coding.at(0).system,
            "http://terminology.hl7.org/CodeSystem/condition-clinical");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(condition.onset));
}

TEST(Specimen, ParentAndCollection) {
  const Specimen specimen = ParseOk<Specimen>(R"({"resourceType": "Specimen", "id": "iso",
    "type": {"text": "isolate"}, "parent": [{"reference": "Specimen/bc-1"}],
    "collection": {"collectedPeriod": {"start": "2026-03-02T06:40:00Z"}}})");
  EXPECT_EQ(specimen.parent.at(0).reference, "Specimen/bc-1");
  EXPECT_TRUE(std::holds_alternative<Period>(specimen.collected));
}

TEST(OperationOutcome, IssuesAreRead) {
  const OperationOutcome outcome = ParseOk<OperationOutcome>(R"({"resourceType":
    "OperationOutcome", "issue": [{"severity": "error", "code": "not-found",
    "diagnostics": "Patient/9 not found", "details": {"text": "gone"},
    "expression": ["Patient"]}]})");
  ASSERT_EQ(outcome.issue.size(), 1u);
  EXPECT_EQ(outcome.issue[0].severity, "error");
  EXPECT_EQ(outcome.issue[0].code, "not-found");
  EXPECT_EQ(outcome.issue[0].diagnostics, "Patient/9 not found");
  EXPECT_EQ(outcome.issue[0].expression.at(0), "Patient");
}

TEST(MedicationAdministration, EffectiveIsRequired) {
  const ParseResult<Resource> result = ParseResource(R"({"resourceType":
    "MedicationAdministration", "status": "completed", "medicationCodeableConcept": {"text": "x"},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "not a date"})");
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kError, "effectiveDateTime")));
  EXPECT_THAT(result.issues, Contains(IssueAt(Severity::kError, "effective[x]")));
}

}  // namespace
}  // namespace cds::fhir
