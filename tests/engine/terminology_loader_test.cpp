// Loader tests: the shipped data loads; every broken file stops loading with file + entry named.
#include "engine/terminology/terminology.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::filesystem::path kDataDir =
    std::filesystem::path(CDS_SOURCE_DIR) / "engine" / "terminology";
const std::filesystem::path kFixtures = std::filesystem::path(TEST_DATA_DIR) / "terminology";

// The shipped files, with one of them replaced by a fixture.
TerminologyPaths With(std::string_view file, const std::filesystem::path& path) {
  TerminologyPaths paths = TerminologyPaths::InDirectory(kDataDir);
  if (file == "drugs.json") paths.drugs = path;
  if (file == "organisms.json") paths.organisms = path;
  if (file == "loinc.json") paths.loinc = path;
  if (file == "conditions.json") paths.conditions = path;
  if (file == "interpretations.json") paths.interpretations = path;
  return paths;
}

LoadError LoadFixture(std::string_view dir, std::string_view file) {
  LoadResult result = Terminology::Load(With(file, kFixtures / dir / file));
  EXPECT_FALSE(result.ok()) << dir;
  if (result.ok()) return {};
  return result.error();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Writes `text` as `file` in a fresh temporary directory and returns its path.
std::filesystem::path WriteTemp(std::string_view test, std::string_view file,
                                const std::string& text) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("cds_terminology_" + std::string(test));
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / file;
  std::ofstream(path) << text;
  return path;
}

std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to) {
  const std::size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(TerminologyLoad, ShippedDataLoads) {
  LoadResult result = Terminology::Load(kDataDir);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_THAT(result.value().version(), StartsWith("drugs="));
  EXPECT_THAT(result.value().version(), HasSubstr(";organisms="));
  EXPECT_THAT(result.value().version(), HasSubstr(";loinc="));
  EXPECT_THAT(result.value().version(), HasSubstr(";conditions="));
  EXPECT_THAT(result.value().version(), HasSubstr(";interpretations="));
}

TEST(TerminologyLoad, MissingFieldNamesFileAndEntry) {
  const LoadError error = LoadFixture("missing_classes", "drugs.json");
  EXPECT_EQ(error, (LoadError{"drugs.json", "entry 1 (\"ertapenem\")", "missing \"classes\""}));
  EXPECT_EQ(error.ToString(), "drugs.json: entry 1 (\"ertapenem\"): missing \"classes\"");
}

TEST(TerminologyLoad, BadJsonNamesLineAndColumn) {
  const LoadError error = LoadFixture("bad_json", "drugs.json");
  EXPECT_EQ(error.file, "drugs.json");
  EXPECT_EQ(error.entry, "");
  EXPECT_EQ(error.message, "invalid JSON: line 5, column 3: trailing comma in array");
}

TEST(TerminologyLoad, DuplicateCodeWithConflictingClass) {
  const LoadError error = LoadFixture("duplicate_code", "drugs.json");
  EXPECT_EQ(error.ToString(),
            "drugs.json: entry 1 (\"levetiracetam\"): rxnorm code 29561 is already defined by "
            "entry 0 (\"meropenem\")");
}

TEST(TerminologyLoad, UnknownClass) {
  EXPECT_EQ(LoadFixture("unknown_class", "drugs.json").ToString(),
            "drugs.json: entry 0 (\"meropenem\"): unknown class \"carbapenum\"");
}

TEST(TerminologyLoad, EveryAgentMustBeDefined) {
  EXPECT_EQ(LoadFixture("incomplete", "drugs.json").ToString(),
            "drugs.json: agent \"imipenem-cilastatin\" is not defined");
}

TEST(TerminologyLoad, UnverifiedCodeObjectNeedsExplicitFlag) {
  EXPECT_EQ(LoadFixture("unverified_without_flag", "drugs.json").ToString(),
            "drugs.json: entry 0 (\"meropenem\"): \"rxnorm\"[0]: missing \"verified\" (use a plain "
            "string instead)");
}

TEST(TerminologyLoad, MissingVersion) {
  EXPECT_EQ(LoadFixture("missing_version", "organisms.json").ToString(),
            "organisms.json: missing \"version\"");
}

TEST(TerminologyLoad, UnknownOrganismGroup) {
  EXPECT_EQ(LoadFixture("organisms_bad_group", "organisms.json").ToString(),
            "organisms.json: entry 0 (\"escherichia-coli\"): unknown group \"enterobacteriaceae\"");
}

TEST(TerminologyLoad, SusceptibilityCodeNeedsAgent) {
  EXPECT_EQ(LoadFixture("loinc_missing_agent", "loinc.json").ToString(),
            "loinc.json: entry 1 (\"6652-2\"): missing \"agent\"");
}

TEST(TerminologyLoad, UnknownConditionGroup) {
  EXPECT_EQ(LoadFixture("conditions_unknown_group", "conditions.json").ToString(),
            "conditions.json: entry 1 (\"pneumonitis\"): unknown condition group \"pneumonitis\"");
}

TEST(TerminologyLoad, DuplicateInterpretationCode) {
  EXPECT_EQ(LoadFixture("interpretations_duplicate", "interpretations.json").ToString(),
            "interpretations.json: entry 1 (\"R\"): v3 code S is already defined by entry 0 "
            "(\"S\")");
}

TEST(TerminologyLoad, MissingFile) {
  const LoadError error = LoadFixture("no_such_dir", "drugs.json");
  EXPECT_EQ(error.file, "drugs.json");
  EXPECT_THAT(error.message, StartsWith("cannot open "));
}

TEST(TerminologyLoad, DuplicateBrandNameAcrossAgents) {
  // "Invanz" renamed to "Merrem": one name may not mean two agents.
  const std::string text =
      ReplaceOnce(ReadFile(kDataDir / "drugs.json"), "\"Invanz\"", "\"Merrem\"");
  LoadResult result =
      Terminology::Load(With("drugs.json", WriteTemp("dup_name", "drugs.json", text)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().ToString(),
            "drugs.json: entry 2 (\"ertapenem\"): name \"merrem\" is already used by entry 0 "
            "(\"meropenem\")");
}

TEST(TerminologyLoad, CombinationNamesCollideWithExplicitNames) {
  // A name that equals an ordering of a combination's ingredients belongs to the combination.
  const std::string text =
      ReplaceOnce(ReadFile(kDataDir / "drugs.json"), "\"Doribax\"", "\"vaborbactam meropenem\"");
  LoadResult result =
      Terminology::Load(With("drugs.json", WriteTemp("dup_combo", "drugs.json", text)));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().ToString(),
              HasSubstr("name \"vaborbactam meropenem\" is already used by"));
}

TEST(TerminologyLoad, DuplicateAgentId) {
  const std::string text = ReplaceOnce(ReadFile(kDataDir / "drugs.json"), "\"id\": \"doripenem\"",
                                       "\"id\": \"ertapenem\"");
  LoadResult result =
      Terminology::Load(With("drugs.json", WriteTemp("dup_id", "drugs.json", text)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().ToString(),
            "drugs.json: entry 3 (\"ertapenem\"): duplicate agent id, first defined by entry 2 "
            "(\"ertapenem\")");
}

TEST(TerminologyLoad, UnknownMemberIsAnError) {
  const std::string text = ReplaceOnce(ReadFile(kDataDir / "loinc.json"), "\"kind\": \"weight\"",
                                       "\"kind\": \"weight\", \"unit\": \"kg\"");
  LoadResult result =
      Terminology::Load(With("loinc.json", WriteTemp("unknown_member", "loinc.json", text)));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().ToString(), HasSubstr("(\"29463-7\"): unknown member \"unit\""));
}

TEST(TerminologyLoad, EmptyFileIsInvalidJson) {
  LoadResult result =
      Terminology::Load(With("conditions.json", WriteTemp("empty", "conditions.json", "")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().ToString(),
      "conditions.json: invalid JSON: line 1, column 1: expected a value, found end of input");
}

}  // namespace
}  // namespace cds::engine
