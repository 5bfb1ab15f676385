#include "fhir/resources.hpp"

#include <string>

#include <gtest/gtest.h>

namespace cds::fhir {
namespace {

Medication MakeMedication(std::string id, std::string code_text) {
  Medication medication;
  medication.id = std::move(id);
  medication.code.text = std::move(code_text);
  return medication;
}

Reference Ref(std::string literal) { return Reference{std::move(literal), "", ""}; }

TEST(MedicationCatalog, FindsByRelativeAbsoluteAndFullUrl) {
  MedicationCatalog catalog;
  catalog.Add(MakeMedication("mero", "meropenem"));
  catalog.Add(MakeMedication("", "cefepime"), "urn:uuid:1f4e");
  catalog.Add(MakeMedication("fdc", "cefiderocol"), "https://ehr.example.org/fhir/Medication/fdc");
  ASSERT_EQ(catalog.size(), 3u);

  ASSERT_NE(catalog.Find(Ref("Medication/mero")), nullptr);
  EXPECT_EQ(catalog.Find(Ref("Medication/mero"))->code.text, "meropenem");
  EXPECT_EQ(catalog.Find(Ref("https://other.example.org/fhir/Medication/mero"))->code.text,
            "meropenem");
  EXPECT_EQ(catalog.Find(Ref("Medication/mero/_history/4"))->code.text, "meropenem");
  EXPECT_EQ(catalog.Find(Ref("urn:uuid:1f4e"))->code.text, "cefepime");
  EXPECT_EQ(catalog.Find(Ref("https://ehr.example.org/fhir/Medication/fdc"))->code.text,
            "cefiderocol");
  EXPECT_EQ(catalog.Find(Ref("Medication/fdc"))->code.text, "cefiderocol");
}

TEST(MedicationCatalog, DoesNotMatchOtherTypesOrUnknownIds) {
  MedicationCatalog catalog;
  catalog.Add(MakeMedication("7", "meropenem"));
  EXPECT_EQ(catalog.Find(Ref("Substance/7")), nullptr);
  EXPECT_EQ(catalog.Find(Ref("Medication/8")), nullptr);
  EXPECT_EQ(catalog.Find(Ref("#7")), nullptr);
  EXPECT_EQ(catalog.Find(Ref("")), nullptr);
  EXPECT_EQ(catalog.Find(Ref("urn:uuid:7")), nullptr);
}

TEST(MedicationCatalog, FirstMedicationAddedUnderAKeyWins) {
  MedicationCatalog catalog;
  catalog.Add(MakeMedication("7", "first"));
  catalog.Add(MakeMedication("7", "second"));
  EXPECT_EQ(catalog.Find(Ref("Medication/7"))->code.text, "first");
}

TEST(ResolveMedication, ContainedThenCatalog) {
  const std::vector<Medication> contained = {MakeMedication("med1", "contained meropenem")};
  MedicationCatalog catalog;
  catalog.Add(MakeMedication("med1", "catalog meropenem"));

  MedicationChoice by_hash;
  by_hash.reference = Ref("#med1");
  EXPECT_TRUE(by_hash.IsUnresolvedReference());
  EXPECT_TRUE(ResolveMedication(by_hash, contained, &catalog));
  EXPECT_EQ(by_hash.Code().text, "contained meropenem");

  MedicationChoice by_id;
  by_id.reference = Ref("Medication/med1");
  EXPECT_TRUE(ResolveMedication(by_id, contained, &catalog));
  EXPECT_EQ(by_id.Code().text, "catalog meropenem");

  MedicationChoice missing;
  missing.reference = Ref("#other");
  EXPECT_FALSE(ResolveMedication(missing, contained, &catalog));
  EXPECT_TRUE(missing.IsUnresolvedReference());
  EXPECT_TRUE(missing.Code().empty());

  MedicationChoice no_catalog;
  no_catalog.reference = Ref("Medication/med1");
  EXPECT_FALSE(ResolveMedication(no_catalog, contained, nullptr));
}

TEST(MedicationChoice, ConceptWinsOverReference) {
  MedicationChoice choice;
  choice.codeable_concept.text = "Merrem 1 g IV q8h";
  choice.resolved = MakeMedication("x", "other");
  EXPECT_EQ(choice.Code().text, "Merrem 1 g IV q8h");
  EXPECT_FALSE(choice.IsUnresolvedReference());
}

TEST(ResolveMedications, ResolvesEveryMedicationBearingEntry) {
  Bundle bundle;
  MedicationRequest request;
  request.medication.reference = Ref("Medication/a");
  MedicationStatement statement;
  statement.medication.reference = Ref("Medication/b");
  MedicationAdministration administration;
  administration.medication.reference = Ref("Medication/zzz");
  bundle.entry.push_back({0, "", "", request});
  bundle.entry.push_back({1, "", "", statement});
  bundle.entry.push_back({2, "", "", administration});
  bundle.entry.push_back({3, "", "", Patient{}});
  MedicationCatalog catalog;
  catalog.Add(MakeMedication("a", "A"));
  catalog.Add(MakeMedication("b", "B"));
  EXPECT_EQ(ResolveMedications(bundle, catalog), 1u);
  EXPECT_EQ(std::get<MedicationRequest>(bundle.entry[0].resource).medication.Code().text, "A");
  EXPECT_EQ(std::get<MedicationStatement>(bundle.entry[1].resource).medication.Code().text, "B");
}

TEST(NumericValue, ReadsQuantityIntegerAndNumericStrings) {
  Quantity mic;
  mic.value = 0.25;
  mic.has_value = true;
  mic.comparator = Comparator::kLessOrEqual;
  EXPECT_EQ(NumericValue(ObservationValue{mic}), mic);
  EXPECT_EQ(NumericValue(ObservationValue{Quantity{}}), std::nullopt);  // No value.

  const std::optional<Quantity> integer = NumericValue(ObservationValue{std::int64_t{42}});
  ASSERT_TRUE(integer.has_value());
  EXPECT_DOUBLE_EQ(integer->value, 42.0);

  const StringValue text{">=16", ParseQuantityString(">=16")};
  const std::optional<Quantity> from_text = NumericValue(ObservationValue{text});
  ASSERT_TRUE(from_text.has_value());
  EXPECT_EQ(from_text->comparator, Comparator::kGreaterOrEqual);
  EXPECT_EQ(NumericValue(ObservationValue{StringValue{"Positive", std::nullopt}}), std::nullopt);
  EXPECT_EQ(NumericValue(ObservationValue{true}), std::nullopt);
  EXPECT_EQ(NumericValue(ObservationValue{}), std::nullopt);
}

TEST(Resource, TypeAndId) {
  Observation observation;
  observation.id = "o1";
  const Resource resource = observation;
  EXPECT_EQ(ResourceTypeOf(resource), "Observation");
  EXPECT_EQ(IdOf(resource), "o1");
  EXPECT_EQ(ResourceTypeOf(Resource{MedicationRequest{}}), "MedicationRequest");
  EXPECT_EQ(ResourceTypeOf(Resource{OperationOutcome{}}), "OperationOutcome");
}

TEST(Bundle, NextLinkAndResourcesOf) {
  Bundle bundle;
  EXPECT_EQ(bundle.NextLink(), "");
  bundle.link = {{"self", "https://x/fhir/Observation?p=1"}, {"next", "https://x/fhir/page2"}};
  EXPECT_EQ(bundle.NextLink(), "https://x/fhir/page2");

  Observation a;
  a.id = "a";
  Observation b;
  b.id = "b";
  bundle.entry.push_back({0, "", "", a});
  bundle.entry.push_back({1, "", "", Patient{}});
  bundle.entry.push_back({2, "", "", b});
  const std::vector<const Observation*> observations = ResourcesOf<Observation>(bundle);
  ASSERT_EQ(observations.size(), 2u);
  EXPECT_EQ(observations[0]->id, "a");
  EXPECT_EQ(observations[1]->id, "b");
  EXPECT_TRUE(ResourcesOf<Condition>(bundle).empty());
}

}  // namespace
}  // namespace cds::fhir
