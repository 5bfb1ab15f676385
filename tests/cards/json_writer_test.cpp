#include "cards/json_writer.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace cds::cards {
namespace {

// What the response used before JsonWriter: rapidjson::Writer with default flags.
std::string RapidJsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string Appended(std::string_view text) {
  std::string out = "prefix";
  AppendJsonString(out, text);
  return out.substr(6);
}

TEST(AppendJsonStringTest, EveryByteEscapedAsRapidJson) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(Appended(one), RapidJsonString(one)) << "byte " << c;
  }
}

TEST(AppendJsonStringTest, EscapesAtEveryPositionOfTheWordScan) {
  // The scan reads sixteen, then eight bytes at a time, then single bytes: put every escaped
  // byte at every offset of 24- and 29-byte texts, alone and next to another escape, among
  // ASCII and UTF-8 (em dash) bytes.
  const std::string specials = std::string("\"\\\n\r\t\b\f\x01\x1f", 9) + std::string(1, '\0');
  const std::string dash = "\xe2\x80\x94";
  for (const std::string& filler :
       {std::string(24, 'a'), std::string(29, 'z'), dash + "xyzabc" + dash + "0123" + dash + "mnop",
        "~" + dash + dash + "{}|" + dash + dash + dash + dash + "!#"}) {
    for (std::size_t pos = 0; pos < filler.size(); ++pos) {
      for (const char special : specials) {
        std::string text = filler;
        text[pos] = special;
        EXPECT_EQ(Appended(text), RapidJsonString(text)) << "position " << pos;
        if (pos + 1 < text.size()) {
          text[pos + 1] = '"';
          EXPECT_EQ(Appended(text), RapidJsonString(text)) << "position " << pos;
        }
      }
    }
  }
}

TEST(AppendJsonStringTest, RandomTextMatchesRapidJson) {
  std::mt19937 random(20261121);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 80);
  for (int round = 0; round < 2000; ++round) {
    std::string text(static_cast<std::size_t>(length(random)), ' ');
    for (char& c : text) {
      const int b = byte(random);
      // Mostly printable ASCII, as card text is; sometimes anything.
      c = static_cast<char>(b < 200 ? 0x20 + b % 0x5f : byte(random));
    }
    ASSERT_EQ(Appended(text), RapidJsonString(text)) << "round " << round;
  }
}

TEST(JsonWriterTest, StructureAndScalarsMatchRapidJson) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> expected(buffer);
  std::string out;
  JsonWriter actual(out);

  const std::vector<double> doubles = {0.5,  2.25,  -1.75, 1e-7,     123456.789,
                                       1e21, 1e300, 0.1,   1.0 / 3.0};
  expected.StartObject();
  actual.StartObject();
  expected.Key("a");
  actual.Key("a");
  expected.StartArray();
  actual.StartArray();
  for (double d : doubles) {
    expected.Double(d);
    actual.Double(d);
  }
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1} << 40,
                         std::numeric_limits<std::int64_t>::min()}) {
    expected.Int64(i);
    actual.Int64(i);
  }
  expected.StartObject();
  actual.StartObject();
  expected.EndObject();
  actual.EndObject();
  expected.StartArray();
  actual.StartArray();
  expected.EndArray();
  actual.EndArray();
  expected.Bool(true);
  actual.Bool(true);
  expected.Bool(false);
  actual.Bool(false);
  expected.EndArray();
  actual.EndArray();
  expected.Key("raw");
  actual.Key("raw");
  expected.RawValue("{\"x\":[1,2]}", 11, rapidjson::kObjectType);
  actual.RawValue("{\"x\":[1,2]}");
  expected.Key("s");
  actual.Key("s");
  expected.String("line\nbreak \"quoted\"");
  actual.String("line\nbreak \"quoted\"");
  expected.Key("nested");
  actual.Key("nested");
  expected.StartObject();
  actual.StartObject();
  expected.Key("k");
  actual.Key("k");
  expected.Int64(1);
  actual.Int64(1);
  expected.EndObject();
  actual.EndObject();
  expected.EndObject();
  actual.EndObject();
  EXPECT_EQ(out, std::string(buffer.GetString(), buffer.GetSize()));
}

TEST(JsonWriterTest, NonFiniteDoubleWritesNothingAsRapidJsonDoes) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> expected(buffer);
  std::string out;
  JsonWriter actual(out);
  expected.StartArray();
  actual.StartArray();
  expected.Double(std::numeric_limits<double>::quiet_NaN());
  actual.Double(std::numeric_limits<double>::quiet_NaN());
  expected.Int64(1);
  actual.Int64(1);
  EXPECT_EQ(out, "[,1");
  EXPECT_EQ(out, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace
}  // namespace cds::cards
