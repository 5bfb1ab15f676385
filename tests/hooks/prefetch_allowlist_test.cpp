#include "hooks/prefetch_allowlist.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cds::hooks {
namespace {

FhirServerAllowlist List(const std::vector<std::string>& prefixes) {
  FhirServerAllowlist list;
  const auto error = FhirServerAllowlist::Create(prefixes, list);
  EXPECT_FALSE(error.has_value()) << *error;
  return list;
}

TEST(ParseFhirUrl, TakesAbsoluteUrlsApart) {
  auto p = ParseFhirUrl("HTTPS://FHIR.Example.org./r4/?_format=json");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->scheme, "https");
  EXPECT_EQ(p->host, "fhir.example.org");
  EXPECT_EQ(p->port, 443);
  EXPECT_EQ(p->path, "/r4/");
  EXPECT_EQ(p->query, "_format=json");
  EXPECT_EQ(p->Origin(), "https://fhir.example.org");

  p = ParseFhirUrl("http://127.0.0.1:8081");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->port, 8081);
  EXPECT_EQ(p->path, "");
  EXPECT_EQ(p->Origin(), "http://127.0.0.1:8081");

  p = ParseFhirUrl("https://[::1]:9443/fhir");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->host, "[::1]");
  EXPECT_EQ(p->port, 9443);
}

TEST(ParseFhirUrl, RefusesUrlsThatCouldPointSomewhereElseThanTheyLook) {
  for (const char* url : {
           "ftp://fhir.example.org/r4",
           "https://user:pw@fhir.example.org/r4",
           "https://fhir.example.org@evil.com/r4",
           "https://fhir.example.org/r4#frag",
           "https://fhir.example.org/r4/../admin",
           "https://fhir.example.org/r4/%2e%2e/admin",
           "https://fhir.example.org/r4/%2E./admin",
           "https://fhir.example.org/./r4",
           "https://fhir.example.org\\@evil.com/",
           "https://fhir%2eexample.org/r4",
           "https://fhir.example.org:0/r4",
           "https://fhir.example.org:65536/r4",
           "https://fhir.example.org:/r4",
           "https://fhir.example.org:443x/r4",
           "https:///r4",
           "https://fhir..example.org/",
           "https://[::1/fhir",
           "https://[evil.com]/fhir",
           "https://fhir example.org/",
           "https://fhir.example.org/r4\n",
           "/fhir",
           "",
       }) {
    EXPECT_FALSE(ParseFhirUrl(url).has_value()) << url;
  }
}

TEST(FhirServerAllowlist, MatchesSchemeHostPortAndWholePathSegments) {
  const FhirServerAllowlist list = List(
      {"https://fhir.example.org/r4", "https://ehr.example.com", "http://127.0.0.1:8081/fhir/"});
  struct Case {
    const char* fhir_server;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"https://fhir.example.org/r4", true},
      {"https://fhir.example.org/r4/", true},
      {"https://fhir.example.org/r4/tenant-a", true},
      {"https://FHIR.EXAMPLE.ORG/r4", true},
      {"https://fhir.example.org:443/r4", true},
      {"https://fhir.example.org./r4", true},
      {"https://fhir.example.org/r4x", false},
      {"https://fhir.example.org/r4-internal", false},
      {"https://fhir.example.org/", false},
      {"https://fhir.example.org/R4", false},
      {"https://fhir.example.org.evil.com/r4", false},
      {"https://evil.com/https://fhir.example.org/r4", false},
      {"https://fhir.example.org:8443/r4", false},
      {"http://fhir.example.org/r4", false},
      {"https://ehr.example.com", true},
      {"https://ehr.example.com/anything/at/all", true},
      {"https://sub.ehr.example.com/", false},
      {"http://127.0.0.1:8081/fhir", true},
      {"http://127.0.0.1:8082/fhir", false},
      {"http://localhost:8081/fhir", false},
      {"https://fhir.example.org/r4/../admin", false},
      {"https://fhir.example.org/r4?x=1", false},
  };
  for (const Case& c : cases) {
    const FhirServerVerdict v = list.Check(c.fhir_server, /*allow_http=*/true);
    EXPECT_EQ(v.allowed, c.allowed) << c.fhir_server << ": " << v.reason;
    EXPECT_EQ(v.listed, c.allowed) << c.fhir_server;
    if (!c.allowed) {
      EXPECT_NE(v.reason.find("fhirServer not allowed"), std::string::npos);
    }
  }
}

TEST(FhirServerAllowlist, AdmitsUrlsWithAQueryUnderAListedPrefix) {
  const FhirServerAllowlist list = List({"https://fhir.example.org/r4"});
  const auto next = ParseFhirUrl("https://fhir.example.org/r4/Observation?patient=1&_offset=3");
  const auto base_page = ParseFhirUrl("https://fhir.example.org/r4?_getpages=abc");
  const auto other = ParseFhirUrl("https://fhir.example.org/r5/Observation?patient=1");
  ASSERT_TRUE(next && base_page && other);
  EXPECT_TRUE(list.Admits(*next, false));
  EXPECT_TRUE(list.Admits(*base_page, false));
  EXPECT_FALSE(list.Admits(*other, false));
  EXPECT_FALSE(list.Check("https://fhir.example.org/r4?x=1", false).allowed)
      << "a fhirServer base URL has no query";
}

TEST(FhirServerAllowlist, PlainHttpOnlyWhenAllowedEvenIfListed) {
  const FhirServerAllowlist list = List({"http://127.0.0.1:8081/fhir"});
  const FhirServerVerdict refused = list.Check("http://127.0.0.1:8081/fhir", false);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NE(refused.reason.find("--allow-http-fhir"), std::string::npos);
  EXPECT_TRUE(list.Check("http://127.0.0.1:8081/fhir", true).allowed);
}

TEST(FhirServerAllowlist, EmptyListAdmitsAnyHttpsServerButDoesNotListIt) {
  const FhirServerAllowlist list;
  const FhirServerVerdict v = list.Check("https://hapi.fhir.org/baseR4", false);
  EXPECT_TRUE(v.allowed);
  EXPECT_FALSE(v.listed) << "an unlisted server must stay on public addresses";
  EXPECT_FALSE(list.Check("http://hapi.fhir.org/baseR4", false).allowed);
  EXPECT_TRUE(list.Check("http://hapi.fhir.org/baseR4", true).allowed);
  EXPECT_FALSE(list.Check("https://user@hapi.fhir.org/baseR4", false).allowed);
}

TEST(FhirServerAllowlist, BadPrefixesAreConfigurationErrors) {
  FhirServerAllowlist list;
  for (const char* bad : {"fhir.example.org", "https://", "https://x.org/?a=1", "ftp://x.org"}) {
    const auto error = FhirServerAllowlist::Create({bad}, list);
    ASSERT_TRUE(error.has_value()) << bad;
    EXPECT_NE(error->find(bad), std::string::npos);
  }
}

TEST(SameOrigin, ComparesSchemeHostAndPort) {
  const auto a = ParseFhirUrl("https://fhir.example.org/r4/Observation?page=2");
  const auto b = ParseFhirUrl("https://FHIR.example.org:443/other");
  const auto c = ParseFhirUrl("http://fhir.example.org/r4");
  const auto d = ParseFhirUrl("https://fhir.example.org:8443/r4");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_TRUE(SameOrigin(*a, *b));
  EXPECT_FALSE(SameOrigin(*a, *c));
  EXPECT_FALSE(SameOrigin(*a, *d));
}

}  // namespace
}  // namespace cds::hooks
