#include "tests/cards/conformance.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace cds::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kUuid1 = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr const char* kUuid2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

std::string Card(const std::string& extra) {
  return R"({"uuid":")" + std::string(kUuid1) +
         R"(","summary":"Meropenem: problem","indicator":"critical","source":{"label":"IDSA"})" +
         extra + "}";
}
std::string Response(const std::string& card) { return R"({"cards":[)" + card + "]}"; }

TEST(ConformanceTest, AcceptsEmptyAndFullResponses) {
  EXPECT_THAT(ConformanceViolations(R"({"cards":[]})"), IsEmpty());
  const std::string full = Card(
      R"(,"suggestions":[{"label":"Switch","uuid":")" + std::string(kUuid2) +
      R"(","isRecommended":true,"actions":[{"type":"delete","description":"d","resourceId":"MedicationRequest/1"},)"
      R"({"type":"create","description":"c","resource":{"resourceType":"MedicationRequest"}}]}],)"
      R"("selectionBehavior":"any","overrideReasons":[{"system":"s","code":"c","display":"d"}],)"
      R"("links":[{"label":"l","url":"https://x.org","type":"absolute"},)"
      R"({"label":"app","url":"https://app","type":"smart","appContext":"x"}])");
  EXPECT_THAT(ConformanceViolations(Response(full)), IsEmpty());
  ExpectConformantResponse(Response(full));
}

struct Case {
  const char* note;
  std::string json;
  std::string want;
};

class ConformanceViolationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConformanceViolationTest, IsReported) {
  EXPECT_THAT(ConformanceViolations(GetParam().json), ElementsAre(GetParam().want))
      << GetParam().note;
}

std::string Long(std::size_t n) { return std::string(n, 'a'); }

INSTANTIATE_TEST_SUITE_P(
    Points16To22, ConformanceViolationTest,
    ::testing::Values(
        Case{"not json", "{", "$: not JSON: Missing a name for object member."},
        Case{"no cards",
             R"({"systemActions":[{"type":"delete","description":"d","resourceId":"A/1"}]})",
             "$: missing cards array"},
        Case{"summary 140",
             Response(R"({"summary":")" + Long(140) +
                      R"(","indicator":"info","source":{"label":"x"}})"),
             "$.cards[0].summary: 140 characters (must be < 140)"},
        Case{"missing summary", Response(R"({"indicator":"info","source":{"label":"x"}})"),
             "$.cards[0]: missing summary"},
        Case{"bad indicator",
             Response(R"({"summary":"s","indicator":"hard-stop","source":{"label":"x"}})"),
             "$.cards[0].indicator: 'hard-stop' not in {info, warning, critical}"},
        Case{"no source label",
             Response(R"({"summary":"s","indicator":"info","source":{"url":"https://x"}})"),
             "$.cards[0].source: missing label"},
        Case{"no selectionBehavior", Response(Card(R"(,"suggestions":[{"label":"l"}])")),
             "$.cards[0]: suggestions without selectionBehavior"},
        Case{"bad selectionBehavior",
             Response(Card(R"(,"suggestions":[{"label":"l"}],"selectionBehavior":"all")")),
             "$.cards[0].selectionBehavior: 'all' not in {at-most-one, any}"},
        Case{
            "at-most-one with two recommended",
            Response(Card(
                R"(,"suggestions":[{"label":"a","isRecommended":true},{"label":"b","isRecommended":true}],"selectionBehavior":"at-most-one")")),
            "$.cards[0]: at-most-one with 2 isRecommended"},
        Case{
            "bad action type",
            Response(Card(
                R"(,"suggestions":[{"label":"a","actions":[{"type":"remove","description":"d"}]}],"selectionBehavior":"any")")),
            "$.cards[0].suggestions[0].actions[0].type: 'remove' not in {create, update, delete}"},
        Case{
            "action without description",
            Response(Card(
                R"(,"suggestions":[{"label":"a","actions":[{"type":"delete","resourceId":"A/1"}]}],"selectionBehavior":"any")")),
            "$.cards[0].suggestions[0].actions[0]: missing description"},
        Case{
            "create without resourceType",
            Response(Card(
                R"(,"suggestions":[{"label":"a","actions":[{"type":"create","description":"d","resource":{"id":"1"}}]}],"selectionBehavior":"any")")),
            "$.cards[0].suggestions[0].actions[0].resource: missing resourceType"},
        Case{
            "delete with bare id",
            Response(Card(
                R"(,"suggestions":[{"label":"a","actions":[{"type":"delete","description":"d","resourceId":"123"}]}],"selectionBehavior":"any")")),
            "$.cards[0].suggestions[0].actions[0].resourceId: '123' is not a relative reference "
            "Type/id"},
        Case{"override reason without display",
             Response(Card(R"(,"overrideReasons":[{"system":"s","code":"c"}])")),
             "$.cards[0].overrideReasons[0]: missing display"},
        Case{"link bad type",
             Response(Card(R"(,"links":[{"label":"l","url":"https://x","type":"web"}])")),
             "$.cards[0].links[0].type: 'web' not in {absolute, smart}"},
        Case{
            "appContext on absolute link",
            Response(Card(
                R"(,"links":[{"label":"l","url":"https://x","type":"absolute","appContext":"a"}])")),
            "$.cards[0].links[0]: appContext on a non-smart link"},
        Case{"relative absolute link",
             Response(Card(R"(,"links":[{"label":"l","url":"/guide","type":"absolute"}])")),
             "$.cards[0].links[0].url: '/guide' is not an absolute URL"},
        Case{"malformed uuid",
             Response(R"({"uuid":"1234","summary":"s","indicator":"info","source":{"label":"x"}})"),
             "$.cards[0].uuid: malformed UUID '1234'"},
        Case{"duplicate uuid",
             Response(Card(R"(,"suggestions":[{"label":"a","uuid":")" + std::string(kUuid1) +
                           R"("}],"selectionBehavior":"any")")),
             "$.cards[0].suggestions[0].uuid: duplicate UUID " + std::string(kUuid1)},
        Case{"null", Response(Card(R"(,"detail":null)")), "$.cards[0].detail: null"},
        Case{"empty string", Response(Card(R"(,"detail":"")")), "$.cards[0].detail: empty string"},
        Case{"empty array", Response(Card(R"(,"links":[])")), "$.cards[0].links: empty array"},
        Case{"empty object", Response(Card(R"(,"extension":{})")),
             "$.cards[0].extension: empty object"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.note;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ConformanceTest, SystemActionsAreChecked) {
  EXPECT_THAT(ConformanceViolations(
                  R"({"cards":[],"systemActions":[{"type":"update","description":"d"}]})"),
              ElementsAre("$.systemActions[0]: update without a resource object"));
}

}  // namespace
}  // namespace cds::testing
