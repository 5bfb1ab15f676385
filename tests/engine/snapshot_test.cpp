// PatientSnapshot: isolates by each linking style, statuses, labs, CrCl, conditions, age, ICU.
#include "engine/snapshot.hpp"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhir/json_parse.hpp"

namespace cds::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Terminology& Term() {
  static const Terminology* const kTerm = [] {
    LoadResult result =
        Terminology::Load(std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology");
    if (!result.ok()) {
      ADD_FAILURE() << result.error().ToString();
      std::abort();
    }
    return new Terminology(std::move(result).value());
  }();
  return *kTerm;
}

fhir::DateTime Dt(std::string_view text) {
  return *fhir::ParseDateTime(text, fhir::DateKind::kDateTime, std::chrono::minutes(0)).value;
}

const std::chrono::sys_seconds kNow = Dt("2024-06-15T12:00:00Z").start;

// --- JSON fixture builders ------------------------------------------------------------------

std::string Loinc(std::string_view code) {
  return R"({"coding":[{"system":"http://loinc.org","code":")" + std::string(code) + R"("}]})";
}
std::string Snomed(std::string_view code, std::string_view display = "") {
  return R"({"coding":[{"system":"http://snomed.info/sct","code":")" + std::string(code) +
         R"(","display":")" + std::string(display) + R"("}]})";
}
std::string V3(std::string_view code) {
  return R"([{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":")" +
         std::string(code) + R"("}]}])";
}

/// An Observation; `extra` is appended inside the object (must start with ',' when non-empty).
std::string Obs(std::string_view id, std::string_view loinc, std::string_view extra,
                std::string_view status = "final",
                std::string_view effective = "2024-06-14T08:00:00Z") {
  return R"({"resourceType":"Observation","id":")" + std::string(id) + R"(","status":")" +
         std::string(status) + R"(","code":)" + Loinc(loinc) +
         R"(,"subject":{"reference":"Patient/p1"},"effectiveDateTime":")" + std::string(effective) +
         "\"" + std::string(extra) + "}";
}

std::string Mic(double value, std::string_view comparator = "") {
  std::string out = R"(,"valueQuantity":{"value":)" + std::to_string(value);
  if (!comparator.empty()) out += R"(,"comparator":")" + std::string(comparator) + "\"";
  return out + R"(,"unit":"ug/mL","system":"http://unitsofmeasure.org","code":"ug/mL"})";
}

std::string Qty(double value, std::string_view unit) {
  return R"(,"valueQuantity":{"value":)" + std::to_string(value) + R"(,"unit":")" +
         std::string(unit) + R"(","system":"http://unitsofmeasure.org","code":")" +
         std::string(unit) + R"("})";
}

std::string Organism(std::string_view id, std::string_view extra = "",
                     std::string_view loinc = "600-7", std::string_view status = "final",
                     std::string_view effective = "2024-06-14T08:00:00Z") {
  return Obs(id, loinc,
             R"(,"valueCodeableConcept":)" + Snomed("56415008", "Klebsiella pneumoniae") +
                 std::string(extra),
             status, effective);
}

class SnapshotTest : public ::testing::Test {
 protected:
  /// Parses the resources into one searchset Bundle added to the input.
  void AddBundle(const std::vector<std::string>& resources) {
    std::string json = R"({"resourceType":"Bundle","type":"searchset","entry":[)";
    for (std::size_t i = 0; i < resources.size(); ++i) {
      if (i > 0) json += ',';
      json += R"({"fullUrl":"urn:uuid:e)" + std::to_string(bundles_.size()) + "-" +
              std::to_string(i) + R"(","resource":)" + resources[i] + "}";
    }
    json += "]}";
    fhir::ParseResult<fhir::Bundle> parsed = fhir::ParseBundle(json, "prefetch");
    ASSERT_TRUE(parsed.ok());
    for (const fhir::Issue& issue : parsed.issues) {
      ASSERT_NE(issue.message.find("skipped"), 0u) << issue.path << ": " << issue.message;
    }
    ASSERT_THAT(parsed.value->skipped, IsEmpty()) << json;
    bundles_.push_back(std::move(*parsed.value));
    input_.bundles.push_back(&bundles_.back());
  }

  PatientSnapshot Build(const SnapshotOptions& options = {}) {
    return BuildSnapshot(input_, kNow, Term(), options);
  }

  std::deque<fhir::Bundle> bundles_;
  SnapshotInput input_;
};

/// The parts of a susceptibility the tests compare.
struct Sus {
  std::string id;
  std::optional<Agent> agent;
  std::optional<double> mic;
  fhir::Comparator comparator = fhir::Comparator::kNone;
  Interpretation interpretation = Interpretation::kUnknown;
  LinkMethod link = LinkMethod::kNone;
  friend bool operator==(const Sus&, const Sus&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Sus& s) {
    return os << "{" << s.id << " " << (s.agent ? ToString(*s.agent) : "?") << " "
              << (s.mic ? std::to_string(*s.mic) : "-") << " " << ToString(s.interpretation) << " "
              << ToString(s.link) << "}";
  }
};

std::vector<Sus> Summ(const std::vector<SusceptibilityResult>& in) {
  std::vector<Sus> out;
  for (const SusceptibilityResult& s : in) {
    out.push_back({s.observation_id, s.agent, s.mic ? std::optional(s.mic->value) : std::nullopt,
                   s.mic ? s.mic->comparator : fhir::Comparator::kNone, s.interpretation, s.link});
  }
  return out;
}

// --- Linking styles --------------------------------------------------------------------------

TEST_F(SnapshotTest, HasMemberLinksSusceptibilitiesToTheOrganism) {
  AddBundle({Organism("org1", R"(,"hasMember":[{"reference":"Observation/mero"},)"
                              R"({"reference":"Observation/erta"}])"),
             Obs("mero", "6652-2", Mic(8, ">=") + R"(,"interpretation":)" + V3("R")),
             Obs("erta", "35801-0", Mic(0.5, "<=") + R"(,"interpretation":)" + V3("S"))});
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 1u);
  const Isolate& iso = s.isolates[0];
  EXPECT_EQ(iso.observation_id, "org1");
  EXPECT_EQ(iso.organism.id, "klebsiella-pneumoniae");
  EXPECT_TRUE(iso.organism.In(OrganismGroup::kEnterobacterales));
  EXPECT_EQ(iso.organism_text, "Klebsiella pneumoniae");
  EXPECT_EQ(iso.specimen_type, SpecimenType::kBlood);
  EXPECT_EQ(iso.culture_kind, LabKind::kBloodCulture);
  EXPECT_THAT(Summ(iso.susceptibilities),
              ElementsAre(Sus{"mero", Agent::kMeropenem, 8, fhir::Comparator::kGreaterOrEqual,
                              Interpretation::kResistant, LinkMethod::kHasMember},
                          Sus{"erta", Agent::kErtapenem, 0.5, fhir::Comparator::kLessOrEqual,
                              Interpretation::kSusceptible, LinkMethod::kHasMember}));
  EXPECT_THAT(s.unlinked_susceptibilities, IsEmpty());
  EXPECT_THAT(s.positive_blood_culture_ids, ElementsAre("org1"));
  EXPECT_TRUE(s.severity.positive_blood_culture);
  EXPECT_TRUE(s.severity.severe());
}

TEST_F(SnapshotTest, DerivedFromWithMicAsStringAndCodedInterpretation) {
  AddBundle({Organism("org1", "", "11475-1"),
             Obs("mero", "6652-2",
                 R"(,"valueString":">=16","derivedFrom":[{"reference":"Observation/org1"}])"),
             Obs("imi", "18932-4",
                 R"(,"valueCodeableConcept":)" + Snomed("30714006", "Resistant") +
                     R"(,"derivedFrom":[{"reference":"urn:uuid:e0-0"}])")});
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 1u);
  EXPECT_EQ(s.isolates[0].specimen_type, SpecimenType::kUnknown);
  EXPECT_THAT(
      Summ(s.isolates[0].susceptibilities),
      ElementsAre(Sus{"mero", Agent::kMeropenem, 16, fhir::Comparator::kGreaterOrEqual,
                      Interpretation::kUnknown, LinkMethod::kDerivedFrom},
                  Sus{"imi", Agent::kImipenemCilastatin, std::nullopt, fhir::Comparator::kNone,
                      Interpretation::kResistant, LinkMethod::kDerivedFrom}));
  // Not a blood culture (11475-1, unknown specimen): not "Severe".
  EXPECT_FALSE(s.severity.positive_blood_culture);
}

TEST_F(SnapshotTest, SharedReportAndSpecimenLinks) {
  AddBundle({
      R"({"resourceType":"Specimen","id":"spec1","type":)" + Snomed("122575003", "Urine") + "}",
      R"({"resourceType":"DiagnosticReport","id":"rep1","status":"final","code":)" +
          Loinc("630-4") +
          R"(,"specimen":[{"reference":"Specimen/spec1"}],"result":[)"
          R"({"reference":"Observation/org1"},{"reference":"Observation/cip"},)"
          R"({"reference":"Observation/sxt"}]})",
      Organism("org1", R"(,"specimen":{"reference":"Specimen/spec1"})", "11475-1"),
      Obs("cip", "185-9", R"(,"valueString":"R","specimen":{"reference":"Specimen/spec1"})"),
      // No specimen of its own: the report's specimen is used.
      Obs("sxt", "516-5", Mic(20, ">") + R"(,"interpretation":)" + V3("R")),
  });
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 1u);
  const Isolate& iso = s.isolates[0];
  EXPECT_EQ(iso.specimen_type, SpecimenType::kUrine);
  EXPECT_EQ(iso.specimen_id, "spec1");
  EXPECT_THAT(iso.report_ids, ElementsAre("rep1"));
  EXPECT_THAT(
      Summ(iso.susceptibilities),
      ElementsAre(Sus{"cip", Agent::kCiprofloxacin, std::nullopt, fhir::Comparator::kNone,
                      Interpretation::kResistant, LinkMethod::kReportSpecimen},
                  Sus{"sxt", Agent::kTrimethoprimSulfamethoxazole, 20, fhir::Comparator::kGreater,
                      Interpretation::kResistant, LinkMethod::kReportSpecimen}));
}

TEST_F(SnapshotTest, PanelsAndComponentsAndMixedStylesAndUnlinkedResults) {
  AddBundle({
      R"({"resourceType":"DiagnosticReport","id":"rep1","status":"final","code":)" +
          Loinc("600-7") +
          R"(,"specimen":[{"reference":"Specimen/b1"}],"result":[)"
          R"({"reference":"Observation/orgA"},{"reference":"Observation/orgB"},)"
          R"({"reference":"Observation/lonely"}]})",
      // Isolate A: hasMember -> panel -> members; and a mechanism panel with components.
      Organism("orgA", R"(,"specimen":{"reference":"Specimen/b1"},"hasMember":[)"
                       R"({"reference":"Observation/panelA"},{"reference":"Observation/carbaA"}])"),
      Obs("panelA", "29576-6", R"(,"hasMember":[{"reference":"Observation/meroA"}])"),
      Obs("meroA", "6652-2", Mic(4) + R"(,"interpretation":)" + V3("R")),
      Obs("carbaA", "86930-5",
          R"(,"component":[{"code":)" + Loinc("49617-4") + R"(,"valueCodeableConcept":)" +
              Snomed("260373001", "Detected") + R"(},{"code":)" + Loinc("73982-1") +
              R"(,"valueCodeableConcept":)" + Snomed("260415000", "Not detected") + "}]"),
      // Isolate B (P. aeruginosa): its panel is derivedFrom the organism.
      Obs("orgB", "600-7",
          R"(,"valueCodeableConcept":)" + Snomed("52499004", "Pseudomonas aeruginosa") +
              R"(,"specimen":{"reference":"Specimen/b1"})"),
      Obs("panelB", "29576-6",
          R"(,"derivedFrom":[{"reference":"Observation/orgB"}],"hasMember":[)"
          R"({"reference":"Observation/meroB"}])"),
      Obs("meroB", "6652-2", Mic(2) + R"(,"interpretation":)" + V3("S")),
      // In the report with two organisms of the same specimen: ambiguous -> unlinked.
      Obs("lonely", "35801-0",
          Mic(2) + R"(,"interpretation":)" + V3("R") +
              R"(,"specimen":{"reference":"Specimen/b1"})"),
      // A rapid gene test before identification: unlinked mechanism.
      Obs("ndm-rapid", "73982-1", R"(,"valueCodeableConcept":)" + Snomed("260373001", "Detected")),
  });
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 2u);
  const Isolate& a = s.isolates[0].observation_id == "orgA" ? s.isolates[0] : s.isolates[1];
  const Isolate& b = s.isolates[0].observation_id == "orgA" ? s.isolates[1] : s.isolates[0];
  EXPECT_THAT(Summ(a.susceptibilities),
              ElementsAre(Sus{"meroA", Agent::kMeropenem, 4, fhir::Comparator::kNone,
                              Interpretation::kResistant, LinkMethod::kHasMember}));
  ASSERT_EQ(a.mechanisms.size(), 3u);
  EXPECT_EQ(a.mechanisms[0].mechanism, Mechanism::kCarbapenemase);
  EXPECT_EQ(a.mechanisms[0].result, Interpretation::kUnknown);  // panel itself has no value
  EXPECT_EQ(a.mechanisms[1].mechanism, Mechanism::kKpc);
  EXPECT_EQ(a.mechanisms[1].component_index, 0);
  EXPECT_TRUE(a.mechanisms[1].detected());
  EXPECT_EQ(a.mechanisms[2].mechanism, Mechanism::kNdm);
  EXPECT_EQ(a.mechanisms[2].result, Interpretation::kNotDetected);
  EXPECT_TRUE(b.organism.In(OrganismGroup::kPseudomonasAeruginosa));
  EXPECT_THAT(Summ(b.susceptibilities),
              ElementsAre(Sus{"meroB", Agent::kMeropenem, 2, fhir::Comparator::kNone,
                              Interpretation::kSusceptible, LinkMethod::kDerivedFrom}));
  EXPECT_THAT(Summ(s.unlinked_susceptibilities),
              ElementsAre(Sus{"lonely", Agent::kErtapenem, 2, fhir::Comparator::kNone,
                              Interpretation::kResistant, LinkMethod::kNone}));
  ASSERT_EQ(s.unlinked_mechanisms.size(), 1u);
  EXPECT_EQ(s.unlinked_mechanisms[0].mechanism, Mechanism::kNdm);
  EXPECT_TRUE(s.unlinked_mechanisms[0].detected());
  bool warned = false;
  for (const fhir::Issue& issue : s.issues) {
    warned |= issue.path == "Observation/lonely.specimen";
  }
  EXPECT_TRUE(warned);
}

TEST_F(SnapshotTest, NoGrowthCultureIsNotAnIsolate) {
  AddBundle(
      {Obs("bc", "600-7", R"(,"valueCodeableConcept":{"text":"No growth at 5 days"})"),
       Obs("bc2", "600-7", R"(,"valueCodeableConcept":)" + Snomed("264868006", "No growth"))});
  const PatientSnapshot s = Build();
  EXPECT_THAT(s.isolates, IsEmpty());
  EXPECT_FALSE(s.severity.positive_blood_culture);
}

// --- Statuses and versions -------------------------------------------------------------------

TEST_F(SnapshotTest, CorrectedResultReplacesPreliminaryAndEnteredInErrorIsIgnored) {
  AddBundle({
      Organism("org1", R"(,"hasMember":[{"reference":"Observation/mero-prelim"}])", "600-7",
               "preliminary"),
      Obs("mero-prelim", "6652-2", Mic(1) + R"(,"interpretation":)" + V3("S"), "preliminary"),
      // Different id, same code + specimen (none) + effective time: supersedes.
      Obs("mero-corr", "6652-2", Mic(8) + R"(,"interpretation":)" + V3("R"), "corrected"),
      // Same id seen twice: the corrected version wins.
      Obs("erta", "35801-0", Mic(0.25) + R"(,"derivedFrom":[{"reference":"Observation/org1"}])",
          "preliminary"),
      Obs("erta", "35801-0",
          Mic(2) + R"(,"interpretation":)" + V3("R") +
              R"(,"derivedFrom":[{"reference":"Observation/org1"}])",
          "corrected"),
      Obs("gone", "205-5", Mic(0.5) + R"(,"derivedFrom":[{"reference":"Observation/org1"}])",
          "entered-in-error"),
      Obs("cancel", "42355-8", Mic(0.5) + R"(,"derivedFrom":[{"reference":"Observation/org1"}])",
          "cancelled"),
  });
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 1u);
  EXPECT_TRUE(s.isolates[0].preliminary);
  EXPECT_THAT(Summ(s.isolates[0].susceptibilities),
              ElementsAre(Sus{"mero-corr", Agent::kMeropenem, 8, fhir::Comparator::kNone,
                              Interpretation::kResistant, LinkMethod::kHasMember},
                          Sus{"erta", Agent::kErtapenem, 2, fhir::Comparator::kNone,
                              Interpretation::kResistant, LinkMethod::kDerivedFrom}));
  EXPECT_THAT(s.unlinked_susceptibilities, IsEmpty());
}

TEST_F(SnapshotTest, EnteredInErrorLatestVersionRemovesTheObservation) {
  AddBundle({Organism("org1"), Organism("org1", "", "600-7", "entered-in-error")});
  EXPECT_THAT(Build().isolates, IsEmpty());
}

// --- Medications ------------------------------------------------------------------------------

std::string MedRequest(std::string_view id, std::string_view status, std::string_view text) {
  return R"({"resourceType":"MedicationRequest","id":")" + std::string(id) + R"(","status":")" +
         std::string(status) + R"(","intent":"order","medicationCodeableConcept":{"text":")" +
         std::string(text) + R"("},"subject":{"reference":"Patient/p1"}})";
}

std::string MedAdmin(std::string_view id, std::string_view when, std::string_view status) {
  return R"({"resourceType":"MedicationAdministration","id":")" + std::string(id) +
         R"(","status":")" + std::string(status) +
         R"(","medicationCodeableConcept":{"text":"valproate sodium 500 mg IV"},)"
         R"("subject":{"reference":"Patient/p1"},"effectiveDateTime":")" +
         std::string(when) + R"("})";
}

TEST_F(SnapshotTest, ActiveMedicationsByStatusAndAdministrationWindow) {
  AddBundle({
      MedRequest("vpa-active", "active", "Depakote ER 500 mg tablet"),
      MedRequest("vpa-stopped", "stopped", "Depakote ER 500 mg tablet"),
      MedRequest("vpa-eie", "entered-in-error", "valproic acid 250 mg"),
      MedRequest("gcv-hold", "on-hold", "ganciclovir 5 mg/kg IV"),
      R"({"resourceType":"MedicationStatement","id":"home-vpa","status":"active",)"
      R"("medicationCodeableConcept":{"text":"Depakene 250 mg"},"subject":{"reference":"Patient/p1"}})",
      R"({"resourceType":"MedicationStatement","id":"old","status":"completed",)"
      R"("medicationCodeableConcept":{"text":"Depakene 250 mg"},"subject":{"reference":"Patient/p1"}})",
      MedAdmin("ma-47h", "2024-06-13T13:00:00Z", "completed"),
      MedAdmin("ma-48h", "2024-06-13T12:00:00Z", "completed"),
      MedAdmin("ma-49h", "2024-06-13T11:00:00Z", "completed"),
      MedAdmin("ma-notdone", "2024-06-15T11:00:00Z", "not-done"),
      MedAdmin("ma-future", "2024-06-15T13:00:00Z", "in-progress"),
  });
  const PatientSnapshot s = Build();
  std::vector<std::string> ids;
  for (const ActiveMedication& m : s.active_medications) ids.push_back(m.resource_id);
  EXPECT_THAT(ids, ElementsAre("vpa-active", "gcv-hold", "home-vpa", "ma-47h", "ma-48h"));
  EXPECT_TRUE(s.active_medications[0].medication.Is(DrugClass::kValproate));
  EXPECT_EQ(s.active_medications[0].source, MedicationSource::kMedicationRequest);
  EXPECT_TRUE(s.active_medications[1].medication.Is(DrugClass::kGanciclovir));
  EXPECT_EQ(s.active_medications[2].source, MedicationSource::kMedicationStatement);
  EXPECT_TRUE(s.active_medications[3].medication.Is(DrugClass::kValproate));
  EXPECT_EQ(s.active_medications[3].source, MedicationSource::kMedicationAdministration);
}

TEST_F(SnapshotTest, DraftOrdersAreClassifiedAndSelectionsMarked) {
  AddBundle({});
  const fhir::ParseResult<fhir::Bundle> drafts =
      fhir::ParseBundle(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)" +
                        MedRequest("d1", "draft", "Merrem 1 g IV q8h") + R"(},{"resource":)" +
                        MedRequest("d2", "draft", "meropenem-vaborbactam 4 g") + "}]}");
  ASSERT_TRUE(drafts.ok());
  const std::vector<std::string> selections = {"MedicationRequest/d2"};
  input_.AddDraftOrders(*drafts.value, selections);
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.draft_orders.size(), 2u);
  EXPECT_FALSE(s.draft_orders[0].selected);
  EXPECT_TRUE(s.draft_orders[0].medication.HasAgent(Agent::kMeropenem));
  EXPECT_TRUE(s.draft_orders[1].selected);
  EXPECT_TRUE(s.draft_orders[1].medication.HasAgent(Agent::kMeropenemVaborbactam));
  EXPECT_FALSE(s.draft_orders[1].medication.Is(DrugClass::kCarbapenem));
}

// --- Labs and Cockcroft-Gault -------------------------------------------------------------------

std::string PatientJson(std::string_view gender, std::string_view birth) {
  return R"({"resourceType":"Patient","id":"p1","gender":")" + std::string(gender) +
         R"(","birthDate":")" + std::string(birth) + R"("})";
}

struct CrClCase {
  std::string note;
  std::string gender;
  std::string birth;       // now = 2024-06-15
  std::string creatinine;  // Obs json or empty
  std::string weight;
  std::string reported;
  std::optional<double> expected;
  std::optional<EstimatedCrCl::Source> source;
};

class CrClTest : public SnapshotTest, public ::testing::WithParamInterface<CrClCase> {};

TEST_P(CrClTest, Computes) {
  const CrClCase& c = GetParam();
  std::vector<std::string> resources = {PatientJson(c.gender, c.birth)};
  for (const std::string* r : {&c.creatinine, &c.weight, &c.reported}) {
    if (!r->empty()) resources.push_back(*r);
  }
  AddBundle(resources);
  const PatientSnapshot s = Build();
  if (!c.expected) {
    EXPECT_FALSE(s.labs.estimated_crcl.has_value());
    return;
  }
  ASSERT_TRUE(s.labs.estimated_crcl.has_value());
  EXPECT_NEAR(s.labs.estimated_crcl->ml_per_min, *c.expected, 0.01);
  EXPECT_EQ(s.labs.estimated_crcl->source, *c.source);
}

const std::string kScr1 = Obs("scr", "2160-0", Qty(1.0, "mg/dL"));
const std::string kScr2 = Obs("scr", "2160-0", Qty(2.0, "mg/dL"));
const std::string kScrMolar = Obs("scr", "14682-9", Qty(176.8, "umol/L"));
const std::string kWt70 = Obs("wt", "29463-7", Qty(70, "kg"));
const std::string kWtLb = Obs("wt", "29463-7", Qty(154.3236, "[lb_av]"));
const std::string kCg = Obs("cg", "35591-7", Qty(42, "mL/min"));

INSTANTIATE_TEST_SUITE_P(
    Table, CrClTest,
    ::testing::Values(
        // (140-60)*70/(72*1) = 77.78
        CrClCase{"Male", "male", "1964-01-01", kScr1, kWt70, "", 77.78,
                 EstimatedCrCl::Source::kComputed},
        CrClCase{"Female", "female", "1964-01-01", kScr1, kWt70, "", 66.11,
                 EstimatedCrCl::Source::kComputed},
        // 176.8 umol/L = 2.0 mg/dL: 38.89
        CrClCase{"Molar", "male", "1964-01-01", kScrMolar, kWt70, "", 38.89,
                 EstimatedCrCl::Source::kComputed},
        CrClCase{"Mass2", "male", "1964-01-01", kScr2, kWt70, "", 38.89,
                 EstimatedCrCl::Source::kComputed},
        CrClCase{"Pounds", "male", "1964-01-01", kScr1, kWtLb, "", 77.78,
                 EstimatedCrCl::Source::kComputed},
        CrClCase{"NoWeight", "male", "1964-01-01", kScr1, "", "", std::nullopt, std::nullopt},
        CrClCase{"NoCreatinine", "male", "1964-01-01", "", kWt70, "", std::nullopt, std::nullopt},
        CrClCase{"UnknownSex", "unknown", "1964-01-01", kScr1, kWt70, "", std::nullopt,
                 std::nullopt},
        CrClCase{"Child", "male", "2010-01-01", kScr1, kWt70, "", std::nullopt, std::nullopt},
        CrClCase{"ReportedWins", "male", "1964-01-01", kScr1, kWt70, kCg, 42,
                 EstimatedCrCl::Source::kReported},
        CrClCase{"ReportedOnly", "male", "1964-01-01", "", "", kCg, 42,
                 EstimatedCrCl::Source::kReported}),
    [](const auto& info) { return info.param.note; });

TEST_F(SnapshotTest, LatestLabsWithUnitsAndWholeStructs) {
  AddBundle({
      PatientJson("male", "1964-01-01"),
      Obs("scr-old", "2160-0", Qty(0.9, "mg/dL"), "final", "2024-06-12T08:00:00Z"),
      Obs("scr-new", "14682-9", Qty(176.8, "umol/L"), "final", "2024-06-15T06:00:00Z"),
      Obs("scr-future", "2160-0", Qty(5, "mg/dL"), "final", "2024-06-15T13:00:00Z"),
      Obs("scr-weird", "2160-0", Qty(5, "mmol/mol"), "final", "2024-06-15T07:00:00Z"),
      Obs("wt", "29463-7", Qty(80, "kg")),
      Obs("alb", "1751-7", Qty(24, "g/L")),
      Obs("vpa", "4086-5", Qty(35, "ug/mL")),
      Obs("vpa-wrong-code", "4049-3", Qty(99, "ug/mL")),
      Obs("egfr", "98979-8", Qty(38, "mL/min/{1.73_m2}")),
      Obs("crcl24", "2164-2", Qty(41, "mL/min")),
  });
  const PatientSnapshot s = Build();
  const LabValue expected_scr{2.0,
                              "mg/dL",
                              fhir::Comparator::kNone,
                              Dt("2024-06-15T06:00:00Z"),
                              "scr-new",
                              "final",
                              false,
                              176.8,
                              "umol/L"};
  ASSERT_TRUE(s.labs.creatinine.has_value());
  EXPECT_NEAR(s.labs.creatinine->value, 2.0, 1e-9);
  LabValue got = *s.labs.creatinine;
  got.value = 2.0;
  EXPECT_EQ(got, expected_scr);
  ASSERT_TRUE(s.labs.albumin.has_value());
  EXPECT_DOUBLE_EQ(s.labs.albumin->value, 2.4);
  EXPECT_EQ(s.labs.albumin->unit, "g/dL");
  ASSERT_TRUE(s.labs.valproate_level.has_value());
  EXPECT_EQ(s.labs.valproate_level->observation_id, "vpa");
  EXPECT_EQ(s.labs.egfr->value, 38);
  EXPECT_EQ(s.labs.measured_crcl->value, 41);
  ASSERT_TRUE(s.labs.estimated_crcl.has_value());
  EstimatedCrCl expected_cg;
  expected_cg.source = EstimatedCrCl::Source::kComputed;
  expected_cg.age_years = 60;
  expected_cg.weight_kg = 80;
  expected_cg.creatinine_mg_dl = s.labs.creatinine->value;
  expected_cg.female = false;
  expected_cg.weight_observation_id = "wt";
  expected_cg.creatinine_observation_id = "scr-new";
  expected_cg.ml_per_min = 80.0 * 80.0 / (72.0 * s.labs.creatinine->value);
  EXPECT_EQ(*s.labs.estimated_crcl, expected_cg);
  // The unconvertible unit is reported.
  EXPECT_THAT(s.issues, testing::Contains(testing::Field(
                            &fhir::Issue::path, "Observation/scr-weird.valueQuantity.unit")));
}

TEST_F(SnapshotTest, LookbackBoundariesAreInclusive) {
  AddBundle({
      Organism("iso-30d", "", "600-7", "final", "2024-05-16T12:00:00Z"),
      Organism("iso-30d1s", "", "600-7", "final", "2024-05-16T11:59:59Z"),
      Obs("scr-7d", "2160-0", Qty(1.1, "mg/dL"), "final", "2024-06-08T12:00:00Z"),
      Obs("alb-7d1s", "1751-7", Qty(3, "g/dL"), "final", "2024-06-08T11:59:59Z"),
  });
  const PatientSnapshot s = Build();
  ASSERT_EQ(s.isolates.size(), 1u);
  EXPECT_EQ(s.isolates[0].observation_id, "iso-30d");
  EXPECT_THAT(s.positive_blood_culture_ids, ElementsAre("iso-30d"));
  ASSERT_TRUE(s.labs.creatinine.has_value());
  EXPECT_FALSE(s.labs.albumin.has_value());

  SnapshotOptions narrow;
  narrow.isolate_lookback = std::chrono::days(7);
  narrow.blood_culture_lookback = std::chrono::days(7);
  const PatientSnapshot n = Build(narrow);
  EXPECT_THAT(n.isolates, IsEmpty());
  EXPECT_FALSE(n.severity.positive_blood_culture);
}

// --- Conditions ---------------------------------------------------------------------------------

std::string ConditionJson(std::string_view id, std::string_view clinical,
                          std::string_view verification, std::string_view code,
                          std::string_view extra = "") {
  std::string out = R"({"resourceType":"Condition","id":")" + std::string(id) + "\"";
  if (!clinical.empty()) {
    out +=
        R"(,"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":")" +
        std::string(clinical) + R"("}]})";
  }
  if (!verification.empty()) {
    out +=
        R"(,"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":")" +
        std::string(verification) + R"("}]})";
  }
  return out + R"(,"code":)" + Snomed(code) + R"(,"subject":{"reference":"Patient/p1"})" +
         std::string(extra) + "}";
}

TEST_F(SnapshotTest, ConditionStatusFiltering) {
  AddBundle({
      ConditionJson("active", "active", "confirmed", "91302008"),
      ConditionJson("recur", "recurrence", "", "429271009"),
      ConditionJson("relapse", "relapse", "provisional", "84757009"),
      ConditionJson("resolved", "resolved", "confirmed", "76571007"),
      ConditionJson("refuted", "active", "refuted", "76571007"),
      ConditionJson("eie", "active", "entered-in-error", "76571007"),
      ConditionJson("nostatus", "", "", "105502003"),
      ConditionJson("nostatus-abated", "", "", "7180009", R"(,"abatementDateTime":"2024-01-01")"),
  });
  const PatientSnapshot s = Build();
  std::vector<std::string> ids;
  for (const ActiveCondition& c : s.conditions) ids.push_back(c.id);
  EXPECT_THAT(ids, ElementsAre("active", "recur", "relapse", "nostatus"));
  EXPECT_TRUE(s.severity.sepsis_or_septic_shock);
  EXPECT_TRUE(s.severity.hap_or_vap);
  EXPECT_TRUE(s.dialysis);
  EXPECT_TRUE(s.esrd_or_dialysis);
  EXPECT_EQ(s.conditions[3].clinical_status, "");
  EXPECT_THAT(s.issues, testing::Contains(testing::Field(&fhir::Issue::path,
                                                         "Condition/nostatus.clinicalStatus")));
}

// --- Demographics and ICU -----------------------------------------------------------------------

struct AgeCase {
  std::string birth;
  std::optional<int> age;
  bool approximate;
};

class AgeTest : public SnapshotTest, public ::testing::WithParamInterface<AgeCase> {};

TEST_P(AgeTest, FromBirthDate) {
  AddBundle({PatientJson("female", GetParam().birth)});
  const PatientSnapshot s = Build();
  EXPECT_EQ(s.demographics.age_years, GetParam().age);
  EXPECT_EQ(s.demographics.age_approximate, GetParam().approximate);
  EXPECT_EQ(s.demographics.sex, "female");
}

INSTANTIATE_TEST_SUITE_P(Table, AgeTest,
                         ::testing::Values(AgeCase{"1950-06-15", 74, false},  // birthday today
                                           AgeCase{"1950-06-16", 73, false},  // tomorrow
                                           AgeCase{"1950-06", 74, true},
                                           AgeCase{"1950-07", 73, true}, AgeCase{"1950", 74, true},
                                           AgeCase{"2024-07-01", std::nullopt, false}));

struct IcuCase {
  std::string note;
  std::string encounter_json;
  bool icu;
};

class IcuTest : public SnapshotTest, public ::testing::WithParamInterface<IcuCase> {};

TEST_P(IcuTest, Detects) {
  AddBundle({GetParam().encounter_json});
  EXPECT_EQ(Build().icu.in_icu, GetParam().icu) << GetParam().note;
  EXPECT_EQ(Build().severity.icu, GetParam().icu);
}

std::string EncounterJson(std::string_view status, std::string_view cls, std::string_view extra) {
  return R"({"resourceType":"Encounter","id":"enc1","status":")" + std::string(status) +
         R"(","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":")" +
         std::string(cls) + R"("},"subject":{"reference":"Patient/p1"})" + std::string(extra) + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Table, IcuTest,
    ::testing::Values(
        IcuCase{"Inpatient", EncounterJson("in-progress", "IMP", ""), false},
        IcuCase{"Acute", EncounterJson("in-progress", "ACUTE", ""), false},
        IcuCase{"SnomedType",
                EncounterJson("in-progress", "IMP",
                              R"(,"type":[)" + Snomed("309904001", "Intensive care unit") + "]"),
                true},
        IcuCase{"TypeText",
                EncounterJson("in-progress", "IMP", R"(,"type":[{"text":"Critical Care"}])"), true},
        IcuCase{"Location",
                EncounterJson("in-progress", "IMP",
                              R"(,"location":[{"location":{"display":"MICU Bed 4"}}])"),
                true},
        IcuCase{"PastLocation",
                EncounterJson("in-progress", "IMP",
                              R"(,"location":[{"location":{"display":"MICU Bed 4"},)"
                              R"("status":"completed"}])"),
                false},
        IcuCase{"WordInsideAnotherWord",
                EncounterJson("in-progress", "IMP",
                              R"(,"location":[{"location":{"display":"Picuris ward"}}])"),
                false},
        IcuCase{"Finished", EncounterJson("finished", "IMP", R"(,"type":[{"text":"ICU stay"}])"),
                false}),
    [](const auto& info) { return info.param.note; });

TEST_F(SnapshotTest, EmptyInputGivesEmptySnapshot) {
  const PatientSnapshot s = Build();
  PatientSnapshot expected;
  expected.now = kNow;
  EXPECT_EQ(s, expected);
}

}  // namespace
}  // namespace cds::engine

namespace cds::engine {
namespace {

std::string IcdCondition(std::string_view id, std::string_view code) {
  return std::string(R"({"resourceType":"Condition","id":")") + std::string(id) +
         R"(","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/)"
         R"(condition-clinical","code":"active"}]},"code":{"coding":[{"system":)"
         R"("http://hl7.org/fhir/sid/icd-10-cm","code":")" +
         std::string(code) + R"("}]},"subject":{"reference":"Patient/p1"}})";
}

TEST_F(SnapshotTest, HapFromPneumoniaAndASeparateNosocomialCode) {
  AddBundle({IcdCondition("pna", "J18.9"), IcdCondition("y95", "Y95")});
  EXPECT_TRUE(Build().severity.hap_or_vap);
}

TEST_F(SnapshotTest, CommunityPneumoniaIsNotHap) {
  AddBundle({IcdCondition("pna", "J18.9")});
  EXPECT_FALSE(Build().severity.hap_or_vap);
}

}  // namespace
}  // namespace cds::engine
