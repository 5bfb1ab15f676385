#include "hooks/prefetch_template.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hooks/services.hpp"

namespace cds::hooks {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using Kind = TemplateError::Kind;

TemplateContext Context(std::string_view user = "Practitioner/prac-77",
                        std::string_view patient = "pat-1001",
                        std::string_view encounter = "enc-55") {
  return TemplateContext{user, patient, encounter,
                         std::chrono::year_month_day{year{2026}, month{3}, day{1}}};
}

struct Case {
  const char* note;
  std::string templ;
  std::string want;
};

TEST(PrefetchTemplate, RendersEveryTokenOfTheGrammar) {
  const std::vector<Case> cases = {
      {"patient read", "Patient/{{context.patientId}}", "Patient/pat-1001"},
      {"encounter read", "Encounter/{{context.encounterId}}", "Encounter/enc-55"},
      {"search", "Observation?patient={{context.patientId}}&_count=1",
       "Observation?patient=pat-1001&_count=1"},
      {"userId keeps its slash (a valid read)", "{{context.userId}}", "Practitioner/prac-77"},
      {"userPractitionerId", "Encounter?participant={{userPractitionerId}}",
       "Encounter?participant=prac-77"},
      {"whitespace inside braces", "Patient/{{ context.patientId }}", "Patient/pat-1001"},
      {"tabs inside braces", "Patient/{{\tcontext.patientId\t}}", "Patient/pat-1001"},
      {"today()", "Observation?date=ge{{today()}}", "Observation?date=ge2026-03-01"},
      {"today() - 90 days crosses a year", "Observation?date=ge{{today() - 90 days}}",
       "Observation?date=ge2025-12-01"},
      {"today() without spaces", "Observation?date=ge{{today()-1 day}}",
       "Observation?date=ge2026-02-28"},
      {"today() + N days", "Appointment?date=le{{ today() + 30 days }}",
       "Appointment?date=le2026-03-31"},
      {"today() - 0 days", "x?d={{today() - 0 days}}", "x?d=2026-03-01"},
      {"two tokens", "Observation?patient={{context.patientId}}&encounter={{context.encounterId}}",
       "Observation?patient=pat-1001&encounter=enc-55"},
      {"no tokens", "Metadata", "Metadata"},
      {"token system|code kept, the bar encoded",
       "Observation?patient={{context.patientId}}&code=http://loinc.org|2160-0",
       "Observation?patient=pat-1001&code=http://loinc.org%7C2160-0"},
      {"existing percent-encoding kept", "Observation?code=http://loinc.org%7C2160-0",
       "Observation?code=http://loinc.org%7C2160-0"},
      {"a stray percent sign is encoded", "x?q=100%", "x?q=100%25"},
      {"a space in the template is encoded", "x?q=a b", "x?q=a%20b"},
  };
  for (const Case& c : cases) {
    const RenderedTemplate r = RenderPrefetchTemplate(c.templ, Context());
    ASSERT_TRUE(r.ok()) << c.note << ": " << r.error->message;
    EXPECT_EQ(r.relative_url, c.want) << c.note;
  }
}

TEST(PrefetchTemplate, SubstitutedValuesAreEncodedSoTheyCannotAddSegmentsOrParameters) {
  const TemplateContext context =
      Context("Practitioner/1", "123&_include=*/../Group?x=1#frag", "enc 55");
  const RenderedTemplate r = RenderPrefetchTemplate(
      "Observation?patient={{context.patientId}}&encounter={{context.encounterId}}", context);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative_url,
            "Observation?patient=123%26_include%3D%2A%2F..%2FGroup%3Fx%3D1%23frag"
            "&encounter=enc%2055");
  const RenderedTemplate read = RenderPrefetchTemplate("Patient/{{context.patientId}}", context);
  EXPECT_EQ(read.relative_url.find('/', 8), std::string::npos) << read.relative_url;
  // A userId that is not Type/id is encoded whole.
  const RenderedTemplate user =
      RenderPrefetchTemplate("{{context.userId}}", Context("Practitioner/1/../../admin"));
  EXPECT_EQ(user.relative_url, "Practitioner%2F1%2F..%2F..%2Fadmin");
  // Non-ASCII ids are percent-encoded byte by byte.
  EXPECT_EQ(RenderPrefetchTemplate("Patient/{{context.patientId}}", Context("P/1", "\xC3\xA9"))
                .relative_url,
            "Patient/%C3%A9");
}

TEST(PrefetchTemplate, UserTokensComeFromTheTypeOfUserId) {
  struct UserCase {
    std::string_view user_id;
    const char* token;
    const char* want;  // nullptr: unresolved
  };
  const std::vector<UserCase> cases = {
      {"Practitioner/p1", "userPractitionerId", "p1"},
      {"Practitioner/p1", "userPractitionerRoleId", nullptr},
      {"PractitionerRole/r1", "userPractitionerRoleId", "r1"},
      {"PractitionerRole/r1", "userPractitionerId", nullptr},
      {"Patient/pt1", "userPatientId", "pt1"},
      {"RelatedPerson/rp1", "userRelatedPersonId", "rp1"},
      {"RelatedPerson/rp1", "userPatientId", nullptr},
      {"p1", "userPractitionerId", nullptr},
      {"Practitioner/", "userPractitionerId", nullptr},
  };
  for (const UserCase& c : cases) {
    const std::string templ = std::string("X?u={{") + c.token + "}}";
    const RenderedTemplate r = RenderPrefetchTemplate(templ, Context(c.user_id));
    if (c.want == nullptr) {
      ASSERT_FALSE(r.ok()) << c.user_id << " " << c.token;
      EXPECT_EQ(r.error->kind, Kind::kUnresolved);
      EXPECT_EQ(r.error->token, c.token);
      EXPECT_TRUE(r.relative_url.empty());
    } else {
      ASSERT_TRUE(r.ok()) << c.user_id << " " << c.token;
      EXPECT_EQ(r.relative_url, std::string("X?u=") + c.want);
    }
  }
}

TEST(PrefetchTemplate, TokensThatCannotBeResolvedAreTypedErrorsNamingTheToken) {
  struct ErrorCase {
    const char* note;
    std::string templ;
    TemplateContext context;
    Kind kind;
    const char* token;
  };
  const std::vector<ErrorCase> cases = {
      {"no encounterId in this call", "Encounter/{{context.encounterId}}",
       Context("Practitioner/1", "p", ""), Kind::kUnresolved, "context.encounterId"},
      {"unknown context field", "X?{{context.orderId}}", Context(), Kind::kUnknownToken,
       "context.orderId"},
      {"draftOrders is not a token", "X?{{context.draftOrders}}", Context(), Kind::kNotAllowed,
       "context.draftOrders"},
      {"selections is not a token", "X?{{context.selections}}", Context(), Kind::kNotAllowed,
       "context.selections"},
      {"1.0-era token", "Patient/{{Patient.id}}", Context(), Kind::kUnknownToken, "Patient.id"},
      {"bare user token of the sandbox", "{{user}}", Context(), Kind::kUnknownToken, "user"},
      {"unclosed", "Patient/{{context.patientId", Context(), Kind::kMalformed, "context.patientId"},
      {"empty", "Patient/{{ }}", Context(), Kind::kMalformed, ""},
      {"today() in weeks", "X?d={{today() - 2 weeks}}", Context(), Kind::kMalformed,
       "today() - 2 weeks"},
      {"today() without a number", "X?d={{today() - days}}", Context(), Kind::kMalformed,
       "today() - days"},
      {"today() times", "X?d={{today() * 2 days}}", Context(), Kind::kMalformed,
       "today() * 2 days"},
      {"today() beyond 100 years", "X?d={{today() - 99999 days}}", Context(), Kind::kMalformed,
       "today() - 99999 days"},
      {"case matters", "X?d={{Today()}}", Context(), Kind::kUnknownToken, "Today()"},
  };
  for (const ErrorCase& c : cases) {
    const RenderedTemplate r = RenderPrefetchTemplate(c.templ, c.context);
    ASSERT_FALSE(r.ok()) << c.note;
    EXPECT_EQ(r.error->kind, c.kind) << c.note << ": " << r.error->message;
    EXPECT_EQ(r.error->token, c.token) << c.note;
    EXPECT_FALSE(r.error->message.empty());
    EXPECT_TRUE(r.relative_url.empty()) << c.note;
  }
}

TEST(PrefetchTemplate, ErrorMessagesNameTheTokenNeverItsValue) {
  const RenderedTemplate r =
      RenderPrefetchTemplate("X?u={{userPatientId}}", Context("Practitioner/secret-user-42"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->message.find("userPatientId"), std::string::npos);
  EXPECT_EQ(r.error->message.find("secret-user-42"), std::string::npos);
}

TEST(PrefetchTemplate, DiscoveryTemplatesUseOnlyTheTokensCdsHooks2Allows) {
  // Conformance point 3, over the shipped catalogue.
  const ServiceCatalog catalog = ServiceCatalog::Default();
  for (const ServiceDefinition& service : catalog.services()) {
    for (const PrefetchTemplate& p : service.prefetch) {
      const auto error = CheckDiscoveryTemplate(p.query);
      EXPECT_FALSE(error.has_value()) << service.id << " " << p.key << ": " << error->message;
    }
  }
  EXPECT_FALSE(CheckDiscoveryTemplate("{{context.userId}}").has_value());
  EXPECT_FALSE(CheckDiscoveryTemplate("X?a={{userRelatedPersonId}}").has_value());
  ASSERT_TRUE(CheckDiscoveryTemplate("X?d=ge{{today() - 90 days}}").has_value());
  EXPECT_EQ(CheckDiscoveryTemplate("X?d=ge{{today() - 90 days}}")->kind, Kind::kNotAllowed);
  EXPECT_EQ(CheckDiscoveryTemplate("X?{{context.draftOrders}}")->kind, Kind::kNotAllowed);
  EXPECT_EQ(CheckDiscoveryTemplate("X?{{context.foo}}")->kind, Kind::kUnknownToken);
}

TEST(PrefetchTemplate, ReadTemplatesAreTypeSlashId) {
  std::string type;
  EXPECT_TRUE(IsReadTemplate("Patient/{{context.patientId}}", &type));
  EXPECT_EQ(type, "Patient");
  EXPECT_TRUE(IsReadTemplate("Encounter/enc-1", &type));
  EXPECT_EQ(type, "Encounter");
  EXPECT_FALSE(IsReadTemplate("Observation?patient={{context.patientId}}"));
  EXPECT_FALSE(IsReadTemplate("Patient/1/_history/2"));
  EXPECT_FALSE(IsReadTemplate("{{context.userId}}"));
  EXPECT_FALSE(IsReadTemplate("Patient/"));
}

TEST(PrefetchTemplate, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("/?#[]@!$&'()*+,;=% |"),
            "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20%7C");
  EXPECT_EQ(PercentEncode(std::string("\0\x7f\xff", 3)), "%00%7F%FF");
}

}  // namespace
}  // namespace cds::hooks
