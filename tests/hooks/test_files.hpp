// Helpers shared by the hooks unit tests: reading golden files from TEST_DATA_DIR and comparing
// JSON documents structurally (member order and whitespace do not matter).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace cds::hooks::testing {

inline std::filesystem::path RequestsDir() {
  return std::filesystem::path(TEST_DATA_DIR) / "hooks" / "requests";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Names (without the suffix) of the files in `dir` ending in `suffix`, sorted.
inline std::vector<std::string> FilesEndingWith(const std::filesystem::path& dir,
                                                std::string_view suffix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      names.push_back(name.substr(0, name.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Parses `text` (copying it); ADD_FAILUREs when it is not JSON.
inline rapidjson::Document ParseJson(const std::string& text, std::string_view what = "") {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) {
    ADD_FAILURE() << what << ": not JSON at " << doc.GetErrorOffset() << ": "
                  << rapidjson::GetParseError_En(doc.GetParseError()) << "\n"
                  << text;
  }
  return doc;
}

inline std::string Pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

/// Structural JSON equality with both documents printed on failure.
inline ::testing::AssertionResult JsonEq(const rapidjson::Value& expected,
                                         const rapidjson::Value& actual) {
  if (expected == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\nexpected: " << Pretty(expected) << "\n  actual: " << Pretty(actual);
}

/// Service a request file is posted to: files named `order-sign*` go to the order-sign service,
/// every other file to the order-select service (see tests/data/hooks/requests/README.md).
inline std::string_view ServiceIdForFile(std::string_view name) {
  return name.starts_with("order-sign") ? "antimicrobial-stewardship-order-sign"
                                        : "antimicrobial-stewardship-order-select";
}

}  // namespace cds::hooks::testing
