// The terminology's own strict JSON reader.
#include "engine/terminology/json_reader.hpp"

#include <string>

#include <gtest/gtest.h>

namespace cds::engine::json {
namespace {

Value Ok(std::string_view text) {
  auto result = Parse(text);
  if (auto* error = std::get_if<ParseError>(&result)) {
    ADD_FAILURE() << text << ": " << error->ToString();
    return Value();
  }
  return std::get<Value>(std::move(result));
}

std::string Err(std::string_view text) {
  auto result = Parse(text);
  if (std::holds_alternative<Value>(result)) {
    ADD_FAILURE() << text << ": parsed but should fail";
    return "";
  }
  return std::get<ParseError>(result).ToString();
}

TEST(JsonReader, ParsesAllTypes) {
  const Value v = Ok(R"( {"a": [1, -2.5e1, true, false, null], "b": "x\u00e9\n", "c": {}} )");
  ASSERT_TRUE(v.is_object());
  const Value* a = v.Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->as_array().size(), 5u);
  EXPECT_EQ(a->as_array()[0].as_number(), 1);
  EXPECT_EQ(a->as_array()[1].as_number(), -25);
  EXPECT_EQ(a->as_array()[1].as_string(), "-2.5e1");
  EXPECT_TRUE(a->as_array()[2].as_bool());
  EXPECT_FALSE(a->as_array()[3].as_bool());
  EXPECT_TRUE(a->as_array()[4].is_null());
  EXPECT_EQ(v.Find("b")->as_string(), "x\xC3\xA9\n");
  EXPECT_TRUE(v.Find("c")->is_object());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(v.Find("b")->line(), 1u);
  EXPECT_EQ(v.Find("b")->column(), 45u);
}

TEST(JsonReader, SurrogatePairsAndUtf8) {
  EXPECT_EQ(Ok(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Ok("\"\xC2\xB5mol\"").as_string(), "\xC2\xB5mol");
  EXPECT_EQ(Ok("\xEF\xBB\xBF[]").as_array().size(), 0u);  // BOM
}

TEST(JsonReader, RejectsWithPosition) {
  EXPECT_EQ(Err(""), "line 1, column 1: expected a value, found end of input");
  EXPECT_EQ(Err("[1,]"), "line 1, column 4: trailing comma in array");
  EXPECT_EQ(Err("{\"a\":1,}"), "line 1, column 8: trailing comma in object");
  EXPECT_EQ(Err("{\n  \"a\": 1,\n  \"a\": 2\n}"), "line 3, column 3: duplicate member \"a\"");
  EXPECT_EQ(Err("{\"a\" 1}"), "line 1, column 6: expected ':' after member name, found '1'");
  EXPECT_EQ(Err("[1 2]"), "line 1, column 4: expected ',' or ']', found '2'");
  EXPECT_EQ(Err("{a: 1}"), "line 1, column 2: expected a member name in double quotes, found 'a'");
  EXPECT_EQ(Err("\"abc"), "line 1, column 5: unterminated string");
  EXPECT_EQ(Err("\"a\tb\""), "line 1, column 3: control character in string");
  EXPECT_EQ(Err(R"("\x")"), "line 1, column 3: invalid escape");
  EXPECT_EQ(Err(R"("\ud800")"), "line 1, column 8: unpaired surrogate in \\u escape");
  EXPECT_EQ(Err("01"), "line 1, column 2: unexpected text after the document");
  EXPECT_EQ(Err("1."), "line 1, column 3: invalid number: digit expected after '.'");
  EXPECT_EQ(Err("1e999"), "line 1, column 6: number out of range");
  EXPECT_EQ(Err("tru"), "line 1, column 1: invalid literal");
  EXPECT_EQ(Err("NaN"), "line 1, column 1: expected a value, found 'N'");
  EXPECT_EQ(Err("// c\n1"), "line 1, column 1: expected a value, found '/'");
  EXPECT_EQ(Err("\"\xC3\""), "line 1, column 2: invalid UTF-8");
  EXPECT_EQ(Err("\"\xED\xA0\x80\""), "line 1, column 2: invalid UTF-8");  // encoded surrogate
  EXPECT_EQ(Err("[] []"), "line 1, column 4: unexpected text after the document");
}

TEST(JsonReader, DepthLimit) {
  std::string ok(kMaxDepth, '[');
  ok += std::string(kMaxDepth, ']');
  EXPECT_TRUE(Ok(ok).is_array());
  std::string deep(kMaxDepth + 1, '[');
  deep += std::string(kMaxDepth + 1, ']');
  EXPECT_EQ(Err(deep), "line 1, column 65: nesting deeper than 64");
  // Far deeper input must not overflow the stack.
  EXPECT_NE(Err(std::string(100000, '[')), "");
}

}  // namespace
}  // namespace cds::engine::json
