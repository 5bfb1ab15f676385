#include "hooks/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cds::hooks {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::optional<Error> Parse(std::string text, rapidjson::Document& doc,
                           std::size_t max_depth = kMaxJsonDepth) {
  return ParseJsonInPlace(text, doc, max_depth);
}

std::optional<Error> Parse(std::string text, std::size_t max_depth = kMaxJsonDepth) {
  rapidjson::Document doc;
  return ParseJsonInPlace(text, doc, max_depth);
}

std::string NestedArrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string NestedObjects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 1; i < depth; ++i) text += R"({"a":)";
  text += "{}";
  text += std::string(depth - 1, '}');
  return text;
}

const Error kTooDeep{HookError::kMalformedJson, "", "JSON nesting deeper than 64 levels", ""};

TEST(ParseJsonInPlaceTest, DepthLimitIsExactlySixtyFour) {
  EXPECT_EQ(kMaxJsonDepth, 64u);
  EXPECT_EQ(Parse(NestedArrays(64)), std::nullopt);
  EXPECT_EQ(Parse(NestedArrays(65)), kTooDeep);
  EXPECT_EQ(Parse(NestedObjects(64)), std::nullopt);
  EXPECT_EQ(Parse(NestedObjects(65)), kTooDeep);
  // Mixed, and depth that goes up and down again without ever exceeding the limit.
  const std::string wide = "[" + NestedObjects(63) + "," + NestedArrays(63) + "]";
  EXPECT_EQ(Parse(wide), std::nullopt);
  const std::string one_too_many = "[" + NestedObjects(63) + "," + NestedArrays(64) + "]";
  EXPECT_EQ(Parse(one_too_many), kTooDeep);
}

TEST(ParseJsonInPlaceTest, DocumentAtTheLimitIsComplete) {
  rapidjson::Document doc;
  ASSERT_EQ(Parse(NestedArrays(64), doc), std::nullopt);
  const rapidjson::Value* v = &doc;
  std::size_t depth = 0;
  while (v->IsArray()) {
    ++depth;
    if (v->Empty()) break;
    v = &(*v)[0];
  }
  EXPECT_EQ(depth, 64u);
}

TEST(ParseJsonInPlaceTest, CustomDepthLimit) {
  EXPECT_EQ(Parse(NestedArrays(3), 3), std::nullopt);
  const auto error = Parse(NestedArrays(4), 3);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "JSON nesting deeper than 3 levels");
  EXPECT_EQ(Parse("1", 0), std::nullopt);  // scalars have no depth
  EXPECT_TRUE(Parse("[]", 0).has_value());
}

TEST(ParseJsonInPlaceTest, SixteenMegabytesOfOpenBracketsAreRejectedQuickly) {
  for (const char open : {'[', '{'}) {
    std::string text(16u * 1024 * 1024, open);
    if (open == '{') {
      // {"a":{"a":{... is the object equivalent.
      text.clear();
      while (text.size() < 16u * 1024 * 1024) text += R"({"a":)";
    }
    rapidjson::Document doc;
    const auto start = std::chrono::steady_clock::now();
    const auto error = ParseJsonInPlace(text, doc);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(error.has_value()) << open;
    EXPECT_EQ(*error, kTooDeep) << open;
    // The parser stops at depth 65: microseconds, not a pass over 16 MB. (Generous bound.)
    EXPECT_LT(elapsed, std::chrono::seconds(2)) << open;
  }
}

TEST(ParseJsonInPlaceTest, MalformedInputTable) {
  struct Case {
    std::string_view note;
    std::string text;
    std::string_view message;
  };
  const Case cases[] = {
      {"empty", "", "invalid JSON at byte offset 0: The document is empty."},
      {"whitespace only", "  \n", "invalid JSON at byte offset 3: The document is empty."},
      {"truncated", R"({"a": "b)",
       "invalid JSON at byte offset 8: Missing a closing quotation "
       "mark in string."},
      {"trailing content", R"({"a":1} x)",
       "invalid JSON at byte offset 8: The document root must not be followed by other values."},
      {"two documents", "{}{}",
       "invalid JSON at byte offset 2: The document root must not be followed by other values."},
      {"NaN", R"({"a":NaN})", "invalid JSON at byte offset 5: Invalid value."},
      {"Infinity", R"({"a":Infinity})", "invalid JSON at byte offset 5: Invalid value."},
      {"single quotes", "{'a':1}",
       "invalid JSON at byte offset 1: Missing a name for object member."},
      {"comment", "{} // x",
       "invalid JSON at byte offset 3: The document root must not be followed by other values."},
      {"trailing comma", "[1,]", "invalid JSON at byte offset 3: Invalid value."},
      {"invalid UTF-8 in a string", "[\"a\xC3\x28\"]",
       "invalid JSON at byte offset 3: Invalid encoding in string."},
      {"invalid UTF-8 in a key", "{\"\xFF\":1}",
       "invalid JSON at byte offset 2: Invalid encoding in string."},
      {"overlong UTF-8", "[\"\xC0\xAF\"]",
       "invalid JSON at byte offset 2: Invalid encoding in string."},
      {"lone surrogate escape", R"(["\uD800"])",
       "invalid JSON at byte offset 2: The surrogate pair in string is invalid."},
      {"control character", "[\"a\x01\"]",
       "invalid JSON at byte offset 3: Invalid escape character in string."},
  };
  for (const Case& c : cases) {
    const auto error = Parse(c.text);
    ASSERT_TRUE(error.has_value()) << c.note;
    EXPECT_EQ(error->code, HookError::kMalformedJson) << c.note;
    EXPECT_EQ(error->path, "") << c.note;
    EXPECT_EQ(error->message, c.message) << c.note;
  }
}

TEST(ParseJsonInPlaceTest, ValidInputTable) {
  for (const std::string_view text :
       {R"({})", R"([])", R"("s")", "0", "-1.5e300", "true", "null", " {\"a\" : [1, 2] } \n",
        "[\"caf\xC3\xA9 \xF0\x9F\x92\x8A\"]", R"(["\u00e9\uD83D\uDC8A"])", "18446744073709551615",
        R"({"a":1,"a":2})"}) {
    EXPECT_EQ(Parse(std::string(text)), std::nullopt) << text;
  }
}

TEST(ParseJsonInPlaceTest, StringsPointIntoTheBuffer) {
  std::string text = R"({"key":"value","n":[1,2.5,"x"]})";
  rapidjson::Document doc;
  ASSERT_EQ(ParseJsonInPlace(text, doc), std::nullopt);
  const char* s = doc["key"].GetString();
  EXPECT_STREQ(s, "value");
  EXPECT_GE(s, text.data());
  EXPECT_LT(s, text.data() + text.size());
  EXPECT_EQ(doc["n"][0].GetInt(), 1);
  EXPECT_DOUBLE_EQ(doc["n"][1].GetDouble(), 2.5);
}

TEST(ParseJsonInPlaceTest, DocumentCanBeReused) {
  rapidjson::Document doc;
  ASSERT_TRUE(Parse("[[[", doc).has_value());
  std::string ok = R"({"a":true})";
  ASSERT_EQ(ParseJsonInPlace(ok, doc), std::nullopt);
  EXPECT_TRUE(doc["a"].GetBool());
}

TEST(JsonPathTest, JoinAndIndex) {
  EXPECT_EQ(JoinPath("", "hook"), "hook");
  EXPECT_EQ(JoinPath("context", "userId"), "context.userId");
  EXPECT_EQ(IndexPath("context.selections", 0), "context.selections[0]");
  EXPECT_EQ(JoinPath(IndexPath("context.draftOrders.entry", 12), "resource"),
            "context.draftOrders.entry[12].resource");
  EXPECT_EQ(IndexPath("", 3), "[3]");
}

TEST(JsonPathTest, TypeNames) {
  rapidjson::Document doc;
  std::string text = R"([null,true,false,{},[],"s",1,1.5])";
  ASSERT_EQ(ParseJsonInPlace(text, doc), std::nullopt);
  const char* expected[] = {"null",  "boolean", "boolean", "object",
                            "array", "string",  "number",  "number"};
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    EXPECT_EQ(JsonTypeName(doc[i]), expected[i]) << i;
  }
}

class ObjectReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = R"({"s":"text","empty":"","n":3,"o":{"x":1},"a":[1],"nul":null})";
    ASSERT_EQ(ParseJsonInPlace(text_, doc_), std::nullopt);
  }
  ObjectReader Reader(std::string_view path = "ctx") const { return ObjectReader(doc_, path); }

  std::string text_;
  rapidjson::Document doc_;
};

TEST_F(ObjectReaderTest, FindAndPath) {
  EXPECT_NE(Reader().Find("s"), nullptr);
  EXPECT_EQ(Reader().Find("missing"), nullptr);
  EXPECT_EQ(Reader().Path("s"), "ctx.s");
  EXPECT_EQ(Reader("").Path("s"), "s");
}

TEST_F(ObjectReaderTest, RequiredString) {
  auto s = Reader().RequiredString("s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value(), "text");
  EXPECT_EQ(Reader().RequiredString("missing").error(),
            (Error{HookError::kMissingField, "ctx.missing", "required element is missing", ""}));
  EXPECT_EQ(Reader().RequiredString("n").error(),
            (Error{HookError::kWrongType, "ctx.n", "expected string, got number", ""}));
  EXPECT_EQ(Reader().RequiredString("nul").error(),
            (Error{HookError::kWrongType, "ctx.nul", "expected string, got null", ""}));
  EXPECT_EQ(Reader().RequiredString("empty").error(),
            (Error{HookError::kInvalidValue, "ctx.empty", "must not be an empty string", ""}));
}

TEST_F(ObjectReaderTest, OptionalString) {
  auto absent = Reader().OptionalString("missing");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent.value().has_value());
  auto present = Reader().OptionalString("s");
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present.value(), "text");
  EXPECT_EQ(Reader().OptionalString("empty").error().code, HookError::kInvalidValue);
  EXPECT_EQ(Reader().OptionalString("o").error(),
            (Error{HookError::kWrongType, "ctx.o", "expected string, got object", ""}));
}

TEST_F(ObjectReaderTest, Objects) {
  auto o = Reader().RequiredObject("o");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ((*o.value())["x"].GetInt(), 1);
  EXPECT_EQ(Reader().RequiredObject("missing").error(), Missing("ctx.missing"));
  EXPECT_EQ(Reader().RequiredObject("a").error(),
            (Error{HookError::kWrongType, "ctx.a", "expected object, got array", ""}));
  auto absent = Reader().OptionalObject("missing");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent.value(), nullptr);
  EXPECT_EQ(Reader().OptionalObject("nul").error().code, HookError::kWrongType);
}

TEST_F(ObjectReaderTest, Arrays) {
  auto a = Reader().OptionalArray("a");
  ASSERT_TRUE(a.ok());
  ASSERT_NE(a.value(), nullptr);
  EXPECT_EQ(a.value()->Size(), 1u);
  auto absent = Reader().OptionalArray("missing");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent.value(), nullptr);
  EXPECT_EQ(Reader().OptionalArray("s").error(),
            (Error{HookError::kWrongType, "ctx.s", "expected array, got string", ""}));
}

TEST(JsonErrorTest, Builders) {
  rapidjson::Value number(5);
  EXPECT_EQ(WrongType("a.b", "object", number),
            (Error{HookError::kWrongType, "a.b", "expected object, got number", ""}));
  EXPECT_EQ(Missing("a.c"),
            (Error{HookError::kMissingField, "a.c", "required element is missing", ""}));
}

}  // namespace
}  // namespace cds::hooks
