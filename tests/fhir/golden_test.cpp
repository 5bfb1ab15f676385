// Golden files: tests/data/fhir/<ResourceType>/<Name>.(valid|invalid).json.
// A valid file parses to a view of its directory's type with no error (warnings allowed); an
// invalid file yields an error at the path listed in kExpectedErrorPaths below.
#include "fhir/json_parse.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::fhir {
namespace {

namespace fs = std::filesystem;

/// Where each invalid file must report an error (paths relative to the resource).
const std::map<std::string, std::string>& ExpectedErrorPaths() {
  static const auto* const kPaths = new std::map<std::string, std::string>{
      {"Bundle-entry-not-array.invalid.json", "entry"},
      {"Condition-missing-subject.invalid.json", "subject"},
      {"DiagnosticReport-missing-code.invalid.json", "code"},
      {"Encounter-missing-class.invalid.json", "class"},
      {"Medication-strength-as-string.invalid.json", "ingredient[0].strength"},
      {"MedicationAdministration-missing-effective.invalid.json", "effective[x]"},
      {"MedicationOrder-unknown-status.invalid.json", "status"},
      {"MedicationRequest-bad-period-unit.invalid.json",
       "dosageInstruction[0].timing.repeat.periodUnit"},
      {"MedicationRequest-missing-medication.invalid.json", "medication[x]"},
      {"MedicationRequest-missing-status.invalid.json", "status"},
      {"MedicationRequest-missing-subject.invalid.json", "subject"},
      {"MedicationRequest-timing-as-string.invalid.json", "dosageInstruction[0].timing"},
      {"MedicationStatement-missing-subject.invalid.json", "subject"},
      {"Observation-bad-comparator.invalid.json", "valueQuantity.comparator"},
      {"Observation-impossible-date.invalid.json", "effectiveDateTime"},
      {"Observation-missing-code.invalid.json", "code"},
      {"Observation-missing-status.invalid.json", "status"},
      {"Observation-unknown-status.invalid.json", "status"},
      {"Observation-valuequantity-as-string.invalid.json", "valueQuantity"},
      {"OperationOutcome-bad-severity.invalid.json", "issue[0].severity"},
      {"Patient-birthdate-month.invalid.json", "birthDate"},
      {"Patient-birthdate-with-time.invalid.json", "birthDate"},
      {"Specimen-collected-bad-date.invalid.json", "collection.collectedDateTime"},
  };
  return *kPaths;
}

struct GoldenFile {
  std::string resource_type;  // The directory name.
  fs::path path;
  bool valid = false;
};

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<GoldenFile> ListGoldenFiles() {
  std::vector<GoldenFile> files;
  const fs::path root = fs::path(TEST_DATA_DIR) / "fhir";
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      const std::string name = file.path().filename().string();
      const bool valid = EndsWith(name, ".valid.json");
      if (!valid && !EndsWith(name, ".invalid.json")) continue;
      files.push_back({dir.path().filename().string(), file.path(), valid});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const GoldenFile& a, const GoldenFile& b) { return a.path < b.path; });
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Describe(const Issues& issues) {
  std::string out;
  for (const Issue& issue : issues) {
    out += "  [" + std::string(ToString(issue.severity)) + "] " + issue.path + ": " +
           issue.message + "\n";
  }
  return out;
}

/// Parses a golden file with the parser its directory calls for.
struct Parsed {
  bool has_value = false;
  std::string view_type;
  Issues issues;
};

Parsed ParseGolden(const GoldenFile& file) {
  const std::string text = ReadFile(file.path);
  Parsed parsed;
  if (file.resource_type == "Bundle") {
    ParseResult<Bundle> result = ParseBundle(text);
    parsed.has_value = result.ok();
    parsed.view_type = "Bundle";
    parsed.issues = std::move(result.issues);
  } else {
    ParseResult<Resource> result = ParseResource(text);
    parsed.has_value = result.ok();
    if (result.value) parsed.view_type = std::string(ResourceTypeOf(*result.value));
    parsed.issues = std::move(result.issues);
  }
  return parsed;
}

std::string ExpectedViewType(const std::string& directory) {
  return directory == "MedicationOrder" ? "MedicationRequest" : directory;
}

class GoldenFileTest : public testing::TestWithParam<GoldenFile> {};

TEST_P(GoldenFileTest, MatchesExpectationInName) {
  const GoldenFile& file = GetParam();
  const Parsed parsed = ParseGolden(file);
  const std::string name = file.path.filename().string();
  if (file.valid) {
    EXPECT_TRUE(parsed.has_value) << name << "\n" << Describe(parsed.issues);
    EXPECT_EQ(parsed.view_type, ExpectedViewType(file.resource_type)) << name;
    EXPECT_FALSE(HasErrors(parsed.issues)) << name << "\n" << Describe(parsed.issues);
    return;
  }
  const auto expected = ExpectedErrorPaths().find(name);
  ASSERT_NE(expected, ExpectedErrorPaths().end())
      << name << " has no expected error path in kExpectedErrorPaths";
  const bool found = std::any_of(parsed.issues.begin(), parsed.issues.end(), [&](const Issue& i) {
    return i.severity != Severity::kWarning && i.path == expected->second;
  });
  EXPECT_TRUE(found) << name << ": no error at '" << expected->second << "'\n"
                     << Describe(parsed.issues);
}

std::string TestName(const testing::TestParamInfo<GoldenFile>& info) {
  std::string name =
      info.param.path.stem().stem().string() + (info.param.valid ? "_valid" : "_invalid");
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fhir, GoldenFileTest, testing::ValuesIn(ListGoldenFiles()), TestName);

TEST(GoldenFiles, EveryExpectationHasItsFileAndEveryTypeIsCovered) {
  const std::vector<GoldenFile> files = ListGoldenFiles();
  std::map<std::string, int> valid_per_type;
  std::map<std::string, int> invalid_per_type;
  std::vector<std::string> names;
  for (const GoldenFile& file : files) {
    (file.valid ? valid_per_type : invalid_per_type)[file.resource_type]++;
    names.push_back(file.path.filename().string());
  }
  for (const auto& [name, path] : ExpectedErrorPaths()) {
    EXPECT_THAT(names, testing::Contains(name)) << "stale expectation for " << name;
  }
  for (const char* type :
       {"Bundle", "Condition", "DiagnosticReport", "Encounter", "Medication",
        "MedicationAdministration", "MedicationOrder", "MedicationRequest", "MedicationStatement",
        "Observation", "OperationOutcome", "Patient", "Specimen"}) {
    EXPECT_GE(valid_per_type[type], 1) << type;
    EXPECT_GE(invalid_per_type[type], 1) << type;
  }
}

}  // namespace
}  // namespace cds::fhir
