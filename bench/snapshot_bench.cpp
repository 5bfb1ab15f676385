// Issue 3 benchmark: fhir::ParseBundle of a ~1 MB prefetch searchset with ~500 Observations
// (labs plus microbiology with susceptibilities, linked in all three styles), BuildSnapshot on
// the parsed views, and both together. Results: docs/performance.md.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>

#include "engine/snapshot.hpp"
#include "engine/terminology/terminology.hpp"
#include "fhir/json_parse.hpp"

namespace {

using cds::engine::BuildSnapshot;
using cds::engine::PatientSnapshot;
using cds::engine::SnapshotInput;
using cds::engine::Terminology;

const cds::engine::Terminology& Term() {
  static const Terminology* const kTerm = [] {
    auto result =
        Terminology::Load(std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology");
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.error().ToString().c_str());
      std::abort();
    }
    return new Terminology(std::move(result).value());
  }();
  return *kTerm;
}

const std::chrono::sys_seconds kNow =
    cds::fhir::ParseDateTime("2024-06-15T12:00:00Z", cds::fhir::DateKind::kDateTime, {})
        .value->start;

/// Builds the prefetch text. Every resource carries the meta/identifier/text narrative a real
/// EHR sends (ignored by the parser, but it has to be scanned).
class Generator {
 public:
  std::string Build() {
    out_ =
        R"({"resourceType":"Bundle","id":"prefetch-bench","type":"searchset","total":0,)"
        R"("link":[{"relation":"self","url":"https://ehr.example.org/fhir/Observation?patient=p1"}],)"
        R"("entry":[)";
    Add("Patient", "p1",
        R"("gender":"female","birthDate":"1956-03-02","name":[{"family":"Bench","given":["Ada"]}])");
    Add("Encounter", "enc1",
        R"("status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},)"
        R"("type":[{"text":"Inpatient"}],"subject":{"reference":"Patient/p1"},)"
        R"("location":[{"location":{"display":"MICU Bed 7"},"status":"active"}])");
    static const char* const kOrganisms[][2] = {{"56415008", "Klebsiella pneumoniae"},
                                                {"112283007", "Escherichia coli"},
                                                {"52499004", "Pseudomonas aeruginosa"},
                                                {"91288006", "Acinetobacter baumannii"}};
    static const char* const kSus[] = {"6652-2", "279-0", "35801-0", "133-9", "6644-9", "141-2",
                                       "412-7",  "44-8",  "185-9",   "516-5", "12-5",   "267-5"};
    static const char* const kInterp[] = {"S", "I", "R"};
    // Microbiology: 12 cultures x (organism + panel + 12 susceptibilities + mechanism) = 180.
    for (int c = 0; c < 12; ++c) {
      const std::string n = std::to_string(c);
      const std::string day = Day(c % 20);
      const std::string spec = "spec" + n;
      Add("Specimen", spec,
          R"("type":{"coding":[{"system":"http://snomed.info/sct","code":")" +
              std::string(c % 2 ? "122575003" : "119297000") +
              R"("}]},"subject":{"reference":"Patient/p1"},)"
              R"("collection":{"collectedDateTime":")" +
              day + R"("})");
      std::string result_refs = R"({"reference":"Observation/org)" + n + "\"}";
      const int style = c % 3;  // 0 hasMember, 1 derivedFrom, 2 report+specimen
      std::string members;
      for (int s = 0; s < 12; ++s) {
        const std::string id = "sus" + n + "-" + std::to_string(s);
        if (!members.empty()) members += ',';
        members += R"({"reference":"Observation/)" + id + "\"}";
        std::string value =
            s % 4 == 3
                ? R"("valueString":">=16")"
                : R"("valueQuantity":{"value":)" + std::to_string(0.25 * (s + 1)) +
                      R"(,"comparator":"<=","unit":"ug/mL","system":"http://unitsofmeasure.org","code":"ug/mL"})";
        std::string link =
            style == 1 ? R"(,"derivedFrom":[{"reference":"Observation/org)" + n + "\"}]" : "";
        AddObs(
            id, kSus[s], "Susceptibility by MIC", "laboratory", day,
            value +
                R"(,"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":")" +
                kInterp[(s + c) % 3] + R"("}]}],"specimen":{"reference":"Specimen/)" + spec +
                "\"}" + link);
        result_refs += R"(,{"reference":"Observation/)" + id + "\"}";
      }
      AddObs(
          "mech" + n, "49617-4", "KPC gene", "laboratory", day,
          R"("valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260373001","display":"Detected"}]},"specimen":{"reference":"Specimen/)" +
              spec + "\"}" +
              (style == 1 ? R"(,"derivedFrom":[{"reference":"Observation/org)" + n + "\"}]" : ""));
      members += R"(,{"reference":"Observation/mech)" + n + "\"}";
      AddObs(
          "org" + n, c % 2 ? "630-4" : "600-7", "Culture", "laboratory", day,
          R"("valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":")" +
              std::string(kOrganisms[c % 4][0]) + R"(","display":")" + kOrganisms[c % 4][1] +
              R"("}],"text":")" + kOrganisms[c % 4][1] +
              R"("},"specimen":{"reference":"Specimen/)" + spec + "\"}" +
              (style == 0 ? R"(,"hasMember":[{"reference":"Observation/panel)" + n + "\"}]" : ""));
      AddObs(
          "panel" + n, "29576-6", "Bacterial susceptibility panel", "laboratory", day,
          R"("specimen":{"reference":"Specimen/)" + spec + R"("},"hasMember":[)" + members + "]" +
              (style == 1 ? R"(,"derivedFrom":[{"reference":"Observation/org)" + n + "\"}]" : ""));
      Add("DiagnosticReport", "rep" + n,
          R"("status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"MB"}]}],)"
          R"("code":{"coding":[{"system":"http://loinc.org","code":"600-7"}]},"subject":{"reference":"Patient/p1"},)"
          R"("effectiveDateTime":")" +
              day + R"(","issued":")" + day + R"(","specimen":[{"reference":"Specimen/)" + spec +
              R"("}],"result":[)" + result_refs + "]");
    }
    // Labs: ~320 Observations over 20 days.
    static const char* const kLabs[][3] = {
        {"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL"},
        {"29463-7", "Body weight", "kg"},
        {"1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL"},
        {"98979-8", "eGFR CKD-EPI 2021", "mL/min/{1.73_m2}"},
        {"6690-2", "Leukocytes [#/volume] in Blood", "10*3/uL"},
        {"718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"},
        {"2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L"},
        {"2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L"},
        {"1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L"},
        {"33959-8", "Procalcitonin [Mass/volume] in Serum or Plasma", "ng/mL"},
        {"4086-5", "Valproate [Mass/volume] in Serum or Plasma", "ug/mL"},
        {"777-3", "Platelets [#/volume] in Blood", "10*3/uL"},
        {"1920-8", "Aspartate aminotransferase", "U/L"},
        {"1742-6", "Alanine aminotransferase", "U/L"},
        {"2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL"},
        {"3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL"}};
    for (int i = 0; i < 320; ++i) {
      const auto& lab = kLabs[i % 16];
      AddObs(
          "lab" + std::to_string(i), lab[0], lab[1], "laboratory", Day(i % 20),
          R"("valueQuantity":{"value":)" + std::to_string(1.0 + (i % 7) * 0.3) + R"(,"unit":")" +
              lab[2] + R"(","system":"http://unitsofmeasure.org","code":")" + lab[2] +
              R"("},"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}]}],)"
              R"("referenceRange":[{"low":{"value":0.5,"unit":")" +
              lab[2] + R"("},"high":{"value":1.2,"unit":")" + lab[2] + R"("},"text":"0.5-1.2"}])");
    }
    // Conditions and medications.
    static const char* const kConditions[][2] = {{"91302008", "Sepsis"},
                                                 {"84757009", "Epilepsy"},
                                                 {"68566005", "Urinary tract infection"},
                                                 {"38341003", "Hypertension"}};
    for (int i = 0; i < 16; ++i) {
      Add("Condition", "cond" + std::to_string(i),
          R"("clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":")" +
              std::string(i % 5 == 4 ? "resolved" : "active") +
              R"("}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},)"
              R"("code":{"coding":[{"system":"http://snomed.info/sct","code":")" +
              kConditions[i % 4][0] + R"(","display":")" + kConditions[i % 4][1] +
              R"("}]},"subject":{"reference":"Patient/p1"},"onsetDateTime":"2024-05-01")");
    }
    static const char* const kMeds[] = {"Depakote ER 500 mg tablet", "levetiracetam 500 mg tablet",
                                        "vancomycin 1 g IV", "ganciclovir 5 mg/kg IV",
                                        "pantoprazole 40 mg"};
    for (int i = 0; i < 20; ++i) {
      Add("MedicationRequest", "mr" + std::to_string(i),
          R"("status":")" + std::string(i % 3 ? "active" : "completed") +
              R"(","intent":"order","medicationCodeableConcept":{"text":")" + kMeds[i % 5] +
              R"("},"subject":{"reference":"Patient/p1"},"authoredOn":"2024-06-10T08:00:00Z",)"
              R"("dosageInstruction":[{"text":"as directed","timing":{"repeat":{"frequency":1,"period":12,"periodUnit":"h"}},)"
              R"("route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006"}]},)"
              R"("doseAndRate":[{"doseQuantity":{"value":500,"unit":"mg"}}]}])");
    }
    for (int i = 0; i < 20; ++i) {
      Add("MedicationAdministration", "ma" + std::to_string(i),
          R"("status":"completed","medicationCodeableConcept":{"text":")" +
              std::string(kMeds[i % 5]) +
              R"("},"subject":{"reference":"Patient/p1"},"effectiveDateTime":")" + Hour(i * 4) +
              "\"");
    }
    out_ += "]}";
    return std::move(out_);
  }

  int observations() const { return observations_; }

 private:
  static std::string Day(int days_ago) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "2024-%02d-%02dT08:30:00Z", days_ago < 15 ? 6 : 5,
                  days_ago < 15 ? 15 - days_ago : 31 - (days_ago - 15));
    return buf;
  }
  static std::string Hour(int hours_ago) {
    char buf[32];
    const int h = 11 - hours_ago;  // from 2024-06-15T11:00Z backwards
    const int day = 15 + (h < 0 ? (h - 23) / 24 : 0);
    std::snprintf(buf, sizeof buf, "2024-06-%02dT%02d:00:00Z", day, ((h % 24) + 24) % 24);
    return buf;
  }

  /// An Observation as an EHR's lab interface sends it: the order it fulfils (basedOn), the
  /// LOINC code beside the EHR's local code, the performing lab, a technologist's note.
  void AddObs(const std::string& id, const char* loinc, const char* display, const char* category,
              const std::string& when, const std::string& rest) {
    ++observations_;
    const std::string local_code = std::to_string(1000 + observations_ * 7);
    Add("Observation", id,
        R"("basedOn":[{"reference":"ServiceRequest/sr-)" + id + R"(","display":")" + display +
            R"("}],"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":")" +
            std::string(category) +
            R"(","display":"Laboratory"}],"text":"Laboratory"}],"code":{"coding":[{"system":"http://loinc.org","code":")" +
            loinc + R"(","display":")" + display +
            R"("},{"system":"urn:oid:1.2.840.114350.1.13.0.1.7.2.768282","code":")" + local_code +
            R"(","display":")" + display + R"("}],"text":")" + display +
            R"("},"subject":{"reference":"Patient/p1","display":"Ada Bench"},"encounter":{"reference":"Encounter/enc1","display":"Inpatient admission"},)"
            R"("effectiveDateTime":")" +
            when + R"(","issued":")" + when +
            R"(","performer":[{"reference":"Organization/lab-central","display":"Central laboratory, building C"}],)"
            R"("note":[{"text":"Verified by technologist; specimen received in good condition."}],)" +
            rest);
  }

  void Add(const std::string& type, const std::string& id, const std::string& body) {
    if (count_++ > 0) out_ += ',';
    out_ +=
        R"({"fullUrl":"https://ehr.example.org/fhir/)" + type + "/" + id +
        R"(","resource":{"resourceType":")" + type + R"(","id":")" + id +
        R"(","meta":{"versionId":"3","lastUpdated":"2024-06-15T09:12:44.123+00:00","source":"#lab-interface-7"},)"
        R"("text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>)" +
        type + " " + id +
        R"( generated narrative for display in the EHR; not used by the service.</p><table><tr><td>Status</td><td>final</td></tr><tr><td>Performer</td><td>Central laboratory, building C</td></tr></table></div>"},)"
        R"("identifier":[{"system":"urn:oid:1.2.840.114350.1.13.0.1.7.2.798268","value":")" +
        id + R"(-7731"}],)" + body + R"(},"search":{"mode":"match"}})";
  }

  std::string out_;
  int count_ = 0;
  int observations_ = 0;
};

struct Fixture {
  std::string text;
  int observations = 0;
  Fixture() {
    Generator g;
    text = g.Build();
    observations = g.observations();
  }
};

const Fixture& Data() {
  static const Fixture kFixture;
  return kFixture;
}

SnapshotInput InputFor(const cds::fhir::Bundle& bundle) {
  SnapshotInput input;
  input.bundles.push_back(&bundle);
  return input;
}

void BM_ParseBundle(benchmark::State& state) {
  const Fixture& data = Data();
  for (auto _ : state) {
    auto parsed = cds::fhir::ParseBundle(data.text, "prefetch.labs");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(data.text.size()));
  state.counters["bytes"] = static_cast<double>(data.text.size());
  state.counters["observations"] = data.observations;
}
BENCHMARK(BM_ParseBundle)->Unit(benchmark::kMillisecond);

void BM_BuildSnapshot(benchmark::State& state) {
  const Fixture& data = Data();
  const auto parsed = cds::fhir::ParseBundle(data.text, "prefetch.labs");
  if (!parsed.ok()) {
    state.SkipWithError("fixture does not parse");
    return;
  }
  const SnapshotInput input = InputFor(*parsed.value);
  const Terminology& term = Term();
  std::size_t isolates = 0;
  for (auto _ : state) {
    PatientSnapshot snapshot = BuildSnapshot(input, kNow, term);
    isolates = snapshot.isolates.size();
    benchmark::DoNotOptimize(snapshot);
  }
  state.counters["isolates"] = static_cast<double>(isolates);
  state.counters["entries"] = static_cast<double>(parsed.value->entry.size());
}
BENCHMARK(BM_BuildSnapshot)->Unit(benchmark::kMillisecond);

void BM_ParseAndSnapshot(benchmark::State& state) {
  const Fixture& data = Data();
  const Terminology& term = Term();
  for (auto _ : state) {
    auto parsed = cds::fhir::ParseBundle(data.text, "prefetch.labs");
    PatientSnapshot snapshot = BuildSnapshot(InputFor(*parsed.value), kNow, term);
    benchmark::DoNotOptimize(snapshot);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(data.text.size()));
}
BENCHMARK(BM_ParseAndSnapshot)->Unit(benchmark::kMillisecond);

}  // namespace

// The fixture, the terminology and the per-thread parse storage are set up before any
// benchmark runs, so that a single iteration (e.g. under valgrind --tool=callgrind with
// --toggle-collect='*BM_ParseAndSnapshot*' and --benchmark_min_time=0.001) measures the
// steady state only.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const Fixture& data = Data();
  auto warm = cds::fhir::ParseBundle(data.text, "prefetch.labs");
  if (!warm.ok() || warm.value->entry.size() + warm.value->skipped.size() == 0) {
    std::fprintf(stderr, "fixture does not parse\n");
    return 1;
  }
  benchmark::DoNotOptimize(BuildSnapshot(InputFor(*warm.value), kNow, Term()));
  std::fprintf(stderr, "fixture: %zu bytes, %d Observations, %zu entries, %zu parse issues\n",
               data.text.size(), data.observations, warm.value->entry.size(), warm.issues.size());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
