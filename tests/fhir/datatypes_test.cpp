#include "fhir/datatypes.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace cds::fhir {
namespace {

struct QuantityStringCase {
  const char* text;
  std::optional<Quantity> expected;
};

Quantity Q(Comparator comparator, double value, std::string unit = {}) {
  Quantity q;
  q.comparator = comparator;
  q.value = value;
  q.has_value = true;
  q.unit = std::move(unit);
  return q;
}

TEST(ParseQuantityString, ReadsLabResultStrings) {
  const QuantityStringCase cases[] = {
      {">=16", Q(Comparator::kGreaterOrEqual, 16)},
      {"<=0.25", Q(Comparator::kLessOrEqual, 0.25)},
      {"> 8", Q(Comparator::kGreater, 8)},
      {"<0.5", Q(Comparator::kLess, 0.5)},
      {"16", Q(Comparator::kNone, 16)},
      {"  2  ", Q(Comparator::kNone, 2)},
      {".5", Q(Comparator::kNone, 0.5)},
      {"-1.5", Q(Comparator::kNone, -1.5)},
      {"=<4", Q(Comparator::kLessOrEqual, 4)},
      {"=>32", Q(Comparator::kGreaterOrEqual, 32)},
      {"\xE2\x89\xA4 1", Q(Comparator::kLessOrEqual, 1)},  // ≤ 1
      {"\xE2\x89\xA5"
       "64",
       Q(Comparator::kGreaterOrEqual, 64)},  // ≥64
      {"0.5 mg/L", Q(Comparator::kNone, 0.5, "mg/L")},
      {"<= 0.06 ug/mL", Q(Comparator::kLessOrEqual, 0.06, "ug/mL")},
      {"Positive", std::nullopt},
      {"R", std::nullopt},
      {"", std::nullopt},
      {">=", std::nullopt},
      {"<= ", std::nullopt},
      {"1:2", std::nullopt},
      {"10^5 CFU/mL", std::nullopt},
      {"100,000", std::nullopt},
      {"16 ug/mL (R)", std::nullopt},
      {"inf", std::nullopt},
      {"nan", std::nullopt},
      {"1e999", std::nullopt},
      {"-", std::nullopt},
      {".", std::nullopt},
      {">>8", std::nullopt},
  };
  for (const QuantityStringCase& c : cases) {
    EXPECT_EQ(ParseQuantityString(c.text), c.expected) << "'" << c.text << "'";
  }
}

TEST(Comparator, ToStringUsesFhirSpelling) {
  EXPECT_EQ(ToString(Comparator::kNone), "");
  EXPECT_EQ(ToString(Comparator::kLess), "<");
  EXPECT_EQ(ToString(Comparator::kLessOrEqual), "<=");
  EXPECT_EQ(ToString(Comparator::kGreaterOrEqual), ">=");
  EXPECT_EQ(ToString(Comparator::kGreater), ">");
}

struct ReferenceCase {
  Reference reference;
  ReferenceParts expected;
};

TEST(SplitReference, HandlesEveryLiteralForm) {
  using Kind = ReferenceParts::Kind;
  const ReferenceCase cases[] = {
      {{"Patient/123", "", ""}, {Kind::kRelative, "Patient", "123", "", ""}},
      {{"Medication/7/_history/2", "", ""}, {Kind::kRelative, "Medication", "7", "", "2"}},
      {{"#med1", "", ""}, {Kind::kContained, "", "med1", "", ""}},
      {{"#med1", "Medication", ""}, {Kind::kContained, "Medication", "med1", "", ""}},
      {{"urn:uuid:5b0f3c1e-7d55-4c8e-9c4e-2a0d1f3b7e21", "", ""}, {Kind::kUrn, "", "", "", ""}},
      {{"https://ehr.example.org/fhir/Medication/7", "", ""},
       {Kind::kAbsolute, "Medication", "7", "https://ehr.example.org/fhir", ""}},
      {{"http://ehr.example.org/fhir/Observation/o1/_history/3", "", ""},
       {Kind::kAbsolute, "Observation", "o1", "http://ehr.example.org/fhir", "3"}},
      {{"http://ehr.example.org/medication", "", ""}, {Kind::kOther, "", "", "", ""}},
      {{"123", "Patient", ""}, {Kind::kOther, "Patient", "", "", ""}},
      {{"patient/123", "", ""}, {Kind::kOther, "", "", "", ""}},
      {{"Patient/", "", ""}, {Kind::kOther, "", "", "", ""}},
      {{"", "Medication", "Merrem"}, {Kind::kNone, "Medication", "", "", ""}},
  };
  for (const ReferenceCase& c : cases) {
    EXPECT_EQ(SplitReference(c.reference), c.expected) << c.reference.reference;
  }
}

TEST(StartOf, ReadsDateTimeOrPeriodStart) {
  DateTime point;
  point.text = "2026-03-02";
  EXPECT_EQ(StartOf(TimeChoice{point}), point);
  Period period;
  period.start = point;
  EXPECT_EQ(StartOf(TimeChoice{period}), point);
  EXPECT_EQ(StartOf(TimeChoice{Period{}}), std::nullopt);
  EXPECT_EQ(StartOf(TimeChoice{}), std::nullopt);
}

TEST(CodeableConcept, EmptyMeansNoCodingAndNoText) {
  EXPECT_TRUE(CodeableConcept{}.empty());
  EXPECT_FALSE((CodeableConcept{{}, "Merrem"}.empty()));
}

}  // namespace
}  // namespace cds::fhir
