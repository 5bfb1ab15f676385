// Normalization and phrase matching used by the terminology.
#include "engine/terminology/text_match.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cds::engine::terminology_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(NormalizeTokens, LowerCasesSplitsAndDropsDoses) {
  EXPECT_THAT(NormalizeTokens("MEROPENEM1g IV q8h"), ElementsAre("meropenem", "iv"));
  EXPECT_THAT(NormalizeTokens("Meropenem and Vaborbactam"),
              ElementsAre("meropenem", "vaborbactam"));
  EXPECT_THAT(NormalizeTokens("meropenem/vaborbactam"), ElementsAre("meropenem", "vaborbactam"));
  EXPECT_THAT(NormalizeTokens("avibactam 0.5 GM / ceftazidime 2 GM"),
              ElementsAre("avibactam", "ceftazidime"));
  EXPECT_THAT(NormalizeTokens("Coly-Mycin M"), ElementsAre("coly", "mycin", "m"));
  EXPECT_THAT(NormalizeTokens("\xC2\xB5mol/L"), ElementsAre("mol"));
  EXPECT_THAT(NormalizeTokens(" - / 500 "), IsEmpty());
  EXPECT_EQ(JoinTokens(NormalizeTokens("K. pneumoniae")), "k pneumoniae");
}

TEST(NormalizeJoined, SameAsJoiningNormalizedTokens) {
  for (std::string_view text :
       {"MEROPENEM1g IV q8h", "Meropenem and Vaborbactam", "", " - / 500 ", "Not detected",
        "RESISTANT", "no growth at 5 days", "\xC2\xB5mol/L", "abc123def 4 x5", "mg mg g",
        "Intermediate (I)", "  leading and trailing  ", "a1", "1a", "susceptible-dose dependent"}) {
    EXPECT_EQ(NormalizeJoined(text), JoinTokens(NormalizeTokens(text))) << text;
  }
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes += static_cast<char>(c);
  EXPECT_EQ(NormalizeJoined(all_bytes), JoinTokens(NormalizeTokens(all_bytes)));
}

TEST(PhraseIndex, LongestMatchAndSaltSkipping) {
  PhraseIndex index;
  EXPECT_EQ(index.Add({"ampicillin"}, 1), -1);
  EXPECT_EQ(index.Add({"ampicillin", "sulbactam"}, 2), -1);
  EXPECT_EQ(index.Add({"sulbactam"}, 3), -1);
  EXPECT_EQ(index.Add({"ampicillin"}, 1), -1);  // same phrase, same target: fine
  EXPECT_EQ(index.Add({"ampicillin"}, 9), 1);   // conflict reports the owner
  EXPECT_EQ(index.size(), 3u);

  auto m = index.FindAll(NormalizeTokens("ampicillin sodium / sulbactam sodium 3 g"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].target, 2);
  m = index.FindAll(NormalizeTokens("ampicillin then sulbactam"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].target, 1);
  EXPECT_EQ(m[1].target, 3);
  EXPECT_THAT(index.FindAll(NormalizeTokens("ampicillinsulbactam")), IsEmpty());
}

TEST(Negation, BeforeAndAfter) {
  const Tokens t =
      NormalizeTokens("no sepsis; r/o meningitis; pneumonia ruled out; history of uti");
  // tokens: no sepsis r o meningitis pneumonia ruled out history of uti
  EXPECT_TRUE(IsNegated(t, 1, 2));
  EXPECT_TRUE(IsNegated(t, 4, 5));
  EXPECT_TRUE(IsNegated(t, 5, 6));
  EXPECT_FALSE(IsNegated(t, 10, 11));
}

TEST(NonSystemic, Markers) {
  EXPECT_TRUE(HasNonSystemicMarker(NormalizeTokens("gentamicin 0.3% eye drops")));
  EXPECT_TRUE(HasNonSystemicMarker(NormalizeTokens("colistimethate nebulized")));
  EXPECT_FALSE(HasNonSystemicMarker(NormalizeTokens("gentamicin 5 mg/kg IV")));
}

}  // namespace
}  // namespace cds::engine::terminology_internal
