#include "cards/card_builder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <regex>
#include <set>

#include "cards/response_json.hpp"
#include "cards/uuid.hpp"
#include "engine/rules/citations.hpp"
#include "engine/rules/products.hpp"
#include "tests/cards/conformance.hpp"

namespace cds::cards {
namespace {

using engine::FindingSpec;
using ::testing::HasSubstr;
using ::testing::Not;

engine::RuleMeta Meta() {
  engine::RuleMeta m;
  m.id = "cre-carb-mono";
  m.catalogue_id = "R01";
  m.title = "Carbapenem monotherapy for CRE";
  m.version = "1.0.0";
  m.rationale = "Carbapenem monotherapy fails against carbapenemase producers.";
  m.citation = engine::rules::Cite("IDSA24");
  m.further_citations = {engine::rules::Cite("ESCMID22")};
  m.default_indicator = engine::Indicator::kCritical;
  return m;
}

engine::Finding CreFinding() {
  FindingSpec spec;
  spec.orders.push_back(engine::OrderRef{.resource_type = "MedicationRequest",
                                         .id = "mero-1",
                                         .selected = true,
                                         .draft = true,
                                         .display = "Meropenem 1 g IV q8h"});
  spec.problem = engine::Problem{.drug = "meropenem",
                                 .problem = "monotherapy for carbapenem-resistant",
                                 .organism = "K. pneumoniae",
                                 .result = "KPC detected"};
  spec.evidence.push_back(
      {"Observation/org-1", "Observation.valueCodeableConcept",
       "K. pneumoniae, blood, 2026-11-19: meropenem MIC 16 mg/L (R), KPC detected"});
  engine::Recommendation cza;
  cza.label = "Switch to ceftazidime-avibactam";
  cza.text = "Preferred for KPC producers.";
  cza.medications = {engine::rules::CeftazidimeAvibactam()};
  engine::Recommendation imr;
  imr.label = "Switch to imipenem-cilastatin-relebactam";
  imr.medications = {engine::rules::ImipenemRelebactam()};
  spec.recommendations = {cza, imr};
  return engine::MakeFinding(Meta(), engine::RuleContext{}, std::move(spec));
}

CardBuilderOptions Deterministic() {
  CardBuilderOptions o;
  auto n = std::make_shared<int>(0);
  o.uuid_generator = [n] { return "00000000-0000-4000-8000-00000000000" + std::to_string(++*n); };
  return o;
}

const RequestContext kRequest{"pat-1", "enc-1"};

TEST(CardBuilderTest, BuildsTheExactCard) {
  const Card card = BuildCard(CreFinding(), kRequest, Deterministic());
  EXPECT_EQ(card.uuid, "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(card.summary,
            "Meropenem: monotherapy for carbapenem-resistant \u2014 K. pneumoniae (KPC detected)");
  EXPECT_EQ(card.indicator, Indicator::kCritical);
  EXPECT_EQ(card.source.label, engine::rules::Cite("IDSA24").label);
  EXPECT_EQ(card.source.url, "https://www.idsociety.org/practice-guideline/amr-guidance/");
  ASSERT_TRUE(card.source.topic.has_value());
  EXPECT_EQ(card.source.topic->system, "https://cds.example.org/stewardship-rules");
  EXPECT_EQ(card.source.topic->code, "cre-carb-mono");
  EXPECT_EQ(card.source.topic->display, "Carbapenem monotherapy for CRE");
  EXPECT_EQ(card.selection_behavior, SelectionBehavior::kAny);
  ASSERT_EQ(card.suggestions.size(), 2u);
  const Suggestion& s0 = card.suggestions[0];
  EXPECT_EQ(s0.label, "Switch to ceftazidime-avibactam");
  EXPECT_EQ(s0.uuid, "00000000-0000-4000-8000-000000000002");
  EXPECT_EQ(s0.is_recommended, true);
  ASSERT_EQ(s0.actions.size(), 2u);
  EXPECT_EQ(s0.actions[0].type, ActionType::kDelete);
  EXPECT_EQ(s0.actions[0].resource_id, "MedicationRequest/mero-1");
  EXPECT_EQ(s0.actions[0].description,
            "Remove the draft order for Meropenem 1 g IV q8h (MedicationRequest/mero-1)");
  EXPECT_EQ(s0.actions[1].type, ActionType::kCreate);
  EXPECT_EQ(
      s0.actions[1].resource_json,
      R"({"resourceType":"MedicationRequest","status":"draft","intent":"order",)"
      R"("medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm",)"
      R"("code":"1603839","display":"avibactam / ceftazidime"}],)"
      R"("text":"ceftazidime-avibactam 2.5 g (2 g / 0.5 g) injection"},)"
      R"("subject":{"reference":"Patient/pat-1"},"encounter":{"reference":"Encounter/enc-1"},)"
      R"("dosageInstruction":[{"text":"2.5 g IV every 8 h, each dose infused over 3 h",)"
      R"("timing":{"repeat":{"duration":3,"durationUnit":"h","frequency":1,"period":8,"periodUnit":"h"}},)"
      R"("route":{"coding":[{"system":"http://snomed.info/sct","code":"47625008","display":"Intravenous route"}],"text":"IV"},)"
      R"("doseAndRate":[{"doseQuantity":{"value":2.5,"unit":"g","system":"http://unitsofmeasure.org","code":"g"}}]}]})");
  EXPECT_EQ(card.suggestions[1].is_recommended, false);
  EXPECT_EQ(card.override_reasons, DefaultOverrideReasons());
  ASSERT_EQ(card.links.size(), 2u);
  EXPECT_EQ(card.links[0].url, card.source.url);
  EXPECT_EQ(card.links[1].url, "https://doi.org/10.1016/j.cmi.2021.11.025");
  EXPECT_EQ(
      card.detail,
      "**Meropenem: monotherapy for carbapenem-resistant \u2014 K. pneumoniae (KPC detected)**\n\n"
      "Carbapenem monotherapy fails against carbapenemase producers.\n\n"
      "**Evidence**\n\n"
      "- K. pneumoniae, blood, 2026-11-19: meropenem MIC 16 mg/L (R), KPC detected \u2014 "
      "`Observation/org-1` (`Observation.valueCodeableConcept`)\n\n"
      "**Recommendation**\n\n"
      "1. **Switch to ceftazidime-avibactam** (recommended) \u2014 Preferred for KPC producers.\n"
      "   - ceftazidime-avibactam 2.5 g (2 g / 0.5 g) injection: 2.5 g IV every 8 h, each dose "
      "infused over 3 h (RxNorm 1603839)\n"
      "2. **Switch to imipenem-cilastatin-relebactam**\n"
      "   - imipenem-cilastatin-relebactam 1.25 g injection: 1.25 g IV every 6 h, each dose "
      "infused over 30 min\n\n"
      "**Note:** no verified RxNorm code for imipenem-cilastatin-relebactam 1.25 g injection; "
      "the proposed order names the product in text only and must be completed by the "
      "prescriber or pharmacy (some EHRs cannot apply it automatically).\n\n"
      "Source: [IDSA 2024 Guidance on the Treatment of Antimicrobial-Resistant Gram-Negative "
      "Infections](https://www.idsociety.org/practice-guideline/amr-guidance/); [ESCMID 2022 "
      "guidelines for multidrug-resistant Gram-negative bacilli]"
      "(https://doi.org/10.1016/j.cmi.2021.11.025). Rule R01 `cre-carb-mono` v1.0.0.");
  testing::ExpectConformantResponse(RenderCardsResponse({card}));
}

TEST(CardBuilderTest, UncodedProductKeepsTextAndOmitsCoding) {
  const std::string json =
      BuildMedicationRequestJson(engine::rules::ImipenemRelebactam(), {"p", ""});
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["medicationCodeableConcept"].HasMember("coding"));
  EXPECT_STREQ(d["medicationCodeableConcept"]["text"].GetString(),
               "imipenem-cilastatin-relebactam 1.25 g injection");
  EXPECT_FALSE(d.HasMember("encounter"));
  EXPECT_EQ(d["dosageInstruction"][0]["timing"]["repeat"]["duration"].GetInt(), 30);
  EXPECT_STREQ(d["dosageInstruction"][0]["timing"]["repeat"]["durationUnit"].GetString(), "min");
}

TEST(CardBuilderTest, EveryProductResourceIsComplete) {
  for (const engine::ProposedMedication& m :
       {engine::rules::MeropenemExtendedInfusion(), engine::rules::CeftazidimeAvibactam(),
        engine::rules::MeropenemVaborbactam(), engine::rules::ImipenemRelebactam(),
        engine::rules::Cefiderocol(), engine::rules::SulbactamDurlobactam(),
        engine::rules::ImipenemCilastatin500()}) {
    rapidjson::Document d;
    d.Parse(BuildMedicationRequestJson(m, kRequest).c_str());
    ASSERT_FALSE(d.HasParseError()) << m.text;
    EXPECT_STREQ(d["resourceType"].GetString(), "MedicationRequest");
    EXPECT_STREQ(d["status"].GetString(), "draft");
    EXPECT_STREQ(d["intent"].GetString(), "order");
    EXPECT_STREQ(d["subject"]["reference"].GetString(), "Patient/pat-1");
    EXPECT_TRUE(d["medicationCodeableConcept"]["text"].IsString());
    const auto& dosage = d["dosageInstruction"][0];
    EXPECT_TRUE(dosage["text"].IsString()) << m.text;
    EXPECT_STREQ(dosage["route"]["coding"][0]["code"].GetString(), "47625008");
    EXPECT_EQ(dosage["timing"]["repeat"]["frequency"].GetInt(), 1);
    EXPECT_STREQ(dosage["timing"]["repeat"]["periodUnit"].GetString(), "h");
    EXPECT_TRUE(dosage["doseAndRate"][0]["doseQuantity"]["value"].IsNumber());
    EXPECT_STREQ(dosage["doseAndRate"][0]["doseQuantity"]["system"].GetString(),
                 "http://unitsofmeasure.org");
  }
}

TEST(CardBuilderTest, NoPatientMeansNoCreateAndAdviceOnlyRecommendationsAreNotSuggestions) {
  engine::Finding f = CreFinding();
  const Card card = BuildCard(f, RequestContext{}, Deterministic());
  for (const Suggestion& s : card.suggestions) {
    ASSERT_EQ(s.actions.size(), 1u);
    EXPECT_EQ(s.actions[0].type, ActionType::kDelete);
  }
  f.recommendations[1].cancel_problem_order = false;
  f.recommendations[1].medications.clear();
  EXPECT_EQ(BuildCard(f, kRequest, Deterministic()).suggestions.size(), 1u);
  testing::ExpectConformantResponse(RenderCardsResponse({BuildCard(f, kRequest)}));
}

TEST(SummaryTest, TruncatesAtAWordBoundaryWithEllipsis) {
  EXPECT_EQ(TruncateSummary("short"), "short");
  const std::string exact(139, 'a');
  EXPECT_EQ(TruncateSummary(exact), exact);
  std::string words;
  while (words.size() < 200) words += "carbapenem ";
  const std::string t = TruncateSummary(words);
  EXPECT_LE(CountCodePoints(t), kMaxSummaryCodePoints);
  EXPECT_TRUE(t.ends_with("carbapenem\u2026")) << t;
  EXPECT_EQ(TruncateSummary("alpha beta gamma", 12), "alpha beta\u2026");
  EXPECT_EQ(TruncateSummary("abcdefghijklmnop", 5), "abcd\u2026");
}

TEST(SummaryTest, NeverSplitsUtf8AndCountsCodePoints) {
  std::string s;
  for (int i = 0; i < 100; ++i) s += "\u00e9\u00e9 ";  // 3 code points, 5 bytes each
  const std::string t = TruncateSummary(s);
  EXPECT_LE(CountCodePoints(t), 139u);
  EXPECT_EQ(CountCodePoints("\u2014\u2026a"), 3u);
  // Valid UTF-8 throughout: every continuation byte follows a lead byte.
  rapidjson::Document d;
  const std::string json = "[\"" + t + "\"]";
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str());
  EXPECT_FALSE(d.HasParseError());
}

TEST(SummaryTest, LongFindingSummaryStaysConformant) {
  engine::Finding f = CreFinding();
  f.problem.organism = std::string(200, 'x');
  const Card card = BuildCard(f, kRequest);
  EXPECT_LE(CountCodePoints(card.summary), 139u);
  EXPECT_TRUE(card.summary.ends_with("\u2026"));
  testing::ExpectConformantResponse(RenderCardsResponse({card}));
}

TEST(CardBuilderTest, FreshWellFormedUuidsOnEveryBuild) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = NewUuidV4();
    EXPECT_TRUE(std::regex_match(u, v4)) << u;
    EXPECT_TRUE(seen.insert(u).second);
  }
  const engine::Finding f = CreFinding();
  const std::vector<Card> cards = BuildCards(std::vector<engine::Finding>{f, f}, kRequest);
  EXPECT_NE(cards[0].uuid, cards[1].uuid);
  const std::regex v7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(cards[0].uuid, v7)) << cards[0].uuid;  // what cards carry
  testing::ExpectConformantResponse(RenderCardsResponse(cards));
}

// Version 7: the first 48 bits are the Unix time in milliseconds (RFC 9562 section 5.7), so a
// card issued later sorts later (the audit store's uuid index then grows at its end).
TEST(CardBuilderTest, Version7UuidsCarryTheirMillisecondAndSortByIt) {
  const std::regex v7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  // 2026-11-21T12:00:00.123Z
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + std::chrono::hours{12} +
                 std::chrono::milliseconds{123};
  const std::string u = NewUuidV7(t);
  EXPECT_TRUE(std::regex_match(u, v7)) << u;
  const std::string hex = u.substr(0, 8) + u.substr(9, 4);
  EXPECT_EQ(
      std::stoull(hex, nullptr, 16),
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    const std::string next = NewUuidV7(t + std::chrono::milliseconds{i});
    EXPECT_TRUE(std::regex_match(next, v7)) << next;
    EXPECT_LT(previous, next);
    EXPECT_TRUE(seen.insert(next).second);
    previous = next;
  }
  // Within one millisecond: unique (74 random bits), in no particular order.
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(NewUuidV7(t)).second);
}

TEST(CardBuilderTest, MarkdownEscapesPatientText) {
  EXPECT_EQ(EscapeMarkdown("a*b_[c]\n#"), "a\\*b\\_\\[c\\] \\#");
  engine::Finding f = CreFinding();
  f.evidence[0].value = "**bold** [link](javascript:x)";
  EXPECT_THAT(BuildCard(f, kRequest).detail, Not(HasSubstr("[link]")));
}

// The character-at-a-time definition EscapeMarkdown's run scanning must keep.
std::string EscapeMarkdownReference(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view("\\`*_[]<>#|").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

TEST(CardBuilderTest, MarkdownEscapeMatchesCharacterDefinitionAtEveryPosition) {
  const std::string specials = "\\`*_[]<>#|\n\r";
  for (const std::size_t length :
       {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{40}}) {
    const std::string filler = std::string(length, 'x');
    for (std::size_t pos = 0; pos < length; ++pos) {
      for (const char special : specials) {
        std::string text = filler;
        text[pos] = special;
        ASSERT_EQ(EscapeMarkdown(text), EscapeMarkdownReference(text)) << pos;
        text[length - 1 - pos] = '*';
        ASSERT_EQ(EscapeMarkdown(text), EscapeMarkdownReference(text)) << pos;
      }
    }
  }
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  EXPECT_EQ(EscapeMarkdown(all_bytes + all_bytes), EscapeMarkdownReference(all_bytes + all_bytes));
}

TEST(CardBuilderOptionsTest, ValidatesOverrideReasonsAndTopicSystem) {
  CardBuilderOptions o;
  EXPECT_TRUE(ValidateCardBuilderOptions(o).empty());
  o.topic_system = "stewardship";
  o.override_reasons.push_back(Coding{"s", "c", ""});
  EXPECT_EQ(ValidateCardBuilderOptions(o),
            (std::vector<std::string>{"topic_system: must be an absolute URI",
                                      "override_reasons[4]: missing display"}));
  // Invalid reasons are never rendered.
  EXPECT_EQ(BuildCard(CreFinding(), kRequest, o).override_reasons.size(), 4u);
}

}  // namespace
}  // namespace cds::cards
