#include "hooks/fhir_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cds::hooks {
namespace {

using namespace std::chrono_literals;

// ---- ParseHttpUrl ---------------------------------------------------------------------------

struct UrlCase {
  const char* url;
  const char* scheme;
  const char* host;
  std::uint16_t port;
  const char* target;
  bool ip_literal;
};

TEST(ParseHttpUrlTest, AcceptedForms) {
  const UrlCase cases[] = {
      {"https://fhir.example.org/r4", "https", "fhir.example.org", 443, "/r4", false},
      {"HTTPS://FHIR.Example.ORG/R4/Patient?_id=1", "https", "fhir.example.org", 443,
       "/R4/Patient?_id=1", false},
      {"https://fhir.example.org", "https", "fhir.example.org", 443, "/", false},
      {"https://fhir.example.org?x=1", "https", "fhir.example.org", 443, "/?x=1", false},
      {"https://fhir.example.org:8443/a/b#frag", "https", "fhir.example.org", 8443, "/a/b", false},
      {"http://localhost:8080/fhir", "http", "localhost", 8080, "/fhir", false},
      {"http://fhir.example.org/", "http", "fhir.example.org", 80, "/", false},
      {"https://fhir.example.org./x", "https", "fhir.example.org", 443, "/x", false},
      {"https://ehr_internal.hospital.local/x", "https", "ehr_internal.hospital.local", 443, "/x",
       false},
      {"https://127.0.0.1:9443/x", "https", "127.0.0.1", 9443, "/x", true},
      {"https://[::1]:9443/x", "https", "::1", 9443, "/x", true},
      {"https://[2001:DB8:0:0::1]/x", "https", "2001:db8::1", 443, "/x", true},
      {"https://[::ffff:127.0.0.1]/", "https", "::ffff:127.0.0.1", 443, "/", true},
      {"https://a-b.c1.example/x%20y", "https", "a-b.c1.example", 443, "/x%20y", false},
  };
  for (const UrlCase& c : cases) {
    const auto url = ParseHttpUrl(c.url);
    ASSERT_TRUE(url.has_value()) << c.url;
    EXPECT_EQ(url->scheme, c.scheme) << c.url;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
    EXPECT_EQ(url->ip_literal, c.ip_literal) << c.url;
  }
}

TEST(ParseHttpUrlTest, RefusedForms) {
  for (const char* url : {
           "",
           "fhir.example.org/r4",                      // no scheme
           "ftp://fhir.example.org/",                  // scheme
           "file:///etc/passwd",                       //
           "https:/fhir.example.org/",                 //
           "https://",                                 // no host
           "https:///path",                            //
           "https://user:pass@fhir.example.org/",      // user info
           "https://fhir.example.org@evil.test/",      //
           "https://fhir.example.org:0/",              // port
           "https://fhir.example.org:65536/",          //
           "https://fhir.example.org:/",               //
           "https://fhir.example.org:84a/",            //
           "https://fhir.example.org:-1/",             //
           "https://fhir example.org/",                // bytes
           "https://fhir.example.org/a b",             //
           "https://fhir.example.org/a\r\nX-Evil: 1",  //
           "https://fhir.example.org/\x7f",            //
           "https://fhir.example.org/\xc3\xa9",        // non-ASCII (must be percent-encoded)
           "https://fhir%2eexample.org/",              // odd host names
           "https://fhir..example.org/",               //
           "https://-/",                               //
           "https://[::1/",                            // IPv6 literal
           "https://[fe80::1%25eth0]/",                // zone id
           "https://[::1]x/",                          //
           "https://[127.0.0.1]/",                     //
           "https://127.1/",                           // inet_aton forms of IPv4
           "https://2130706433/",                      //
           "https://0x7f.0.0.1/",                      //
           "https://127.000.000.001/",                 //
           "https://fhir.example.123/",                //
       }) {
    EXPECT_FALSE(ParseHttpUrl(url).has_value()) << url;
  }
  EXPECT_FALSE(ParseHttpUrl("https://fhir.example.org/" + std::string(20000, 'a')).has_value());
  EXPECT_FALSE(ParseHttpUrl("https://" + std::string(64, 'a') + ".example/").has_value());
}

TEST(HttpUrlTest, OriginHostHeaderAndPath) {
  const auto a = ParseHttpUrl("https://Fhir.Example.org/r4/Patient?name=x");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->Origin(), "https://fhir.example.org:443");
  EXPECT_EQ(a->HostHeader(), "fhir.example.org");
  EXPECT_EQ(a->Path(), "/r4/Patient");
  const auto b = ParseHttpUrl("https://fhir.example.org:443/other");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->Origin(), a->Origin());  // the default port written or not: one origin
  const auto c = ParseHttpUrl("http://[::1]:8080/x?y");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->Origin(), "http://[::1]:8080");
  EXPECT_EQ(c->HostHeader(), "[::1]:8080");
  EXPECT_EQ(c->Path(), "/x");
  EXPECT_NE(ParseHttpUrl("http://fhir.example.org/")->Origin(),
            ParseHttpUrl("https://fhir.example.org/")->Origin());
}

// ---- ResolveLocation ------------------------------------------------------------------------

TEST(ResolveLocationTest, ReferenceForms) {
  const auto base = ParseHttpUrl("https://fhir.example.org:8443/r4/Patient/123?_format=json");
  ASSERT_TRUE(base);
  struct Case {
    const char* location;
    const char* expected_origin;
    const char* expected_target;
  };
  const Case cases[] = {
      {"/r4/Patient/456", "https://fhir.example.org:8443", "/r4/Patient/456"},
      {"456", "https://fhir.example.org:8443", "/r4/Patient/456"},
      {"../Observation?patient=1", "https://fhir.example.org:8443", "/r4/Observation?patient=1"},
      {"./x/../y", "https://fhir.example.org:8443", "/r4/Patient/y"},
      {"/a/b/../../../c", "https://fhir.example.org:8443", "/c"},
      {"?page=2", "https://fhir.example.org:8443", "/r4/Patient/123?page=2"},
      {"/next#frag", "https://fhir.example.org:8443", "/next"},
      {"https://FHIR.example.org:8443/z", "https://fhir.example.org:8443", "/z"},
      {"https://other.example.org/z", "https://other.example.org:443", "/z"},
      {"//other.example.org:8443/z", "https://other.example.org:8443", "/z"},
      {"http://fhir.example.org:8443/z", "http://fhir.example.org:8443", "/z"},
  };
  for (const Case& c : cases) {
    const auto url = ResolveLocation(*base, c.location);
    ASSERT_TRUE(url.has_value()) << c.location;
    EXPECT_EQ(url->Origin(), c.expected_origin) << c.location;
    EXPECT_EQ(url->target, c.expected_target) << c.location;
  }
  for (const char* bad : {"", "ftp://fhir.example.org/", "javascript:alert(1)", "/a b",
                          "https://user@fhir.example.org/"}) {
    EXPECT_FALSE(ResolveLocation(*base, bad).has_value()) << bad;
  }
}

// ---- failures and the completion contract, without a network --------------------------------

TEST(OutboundFailureTest, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (OutboundFailure f :
       {OutboundFailure::kNotAllowed, OutboundFailure::kDns, OutboundFailure::kConnect,
        OutboundFailure::kTls, OutboundFailure::kTimeout, OutboundFailure::kTooLarge,
        OutboundFailure::kProtocol, OutboundFailure::kRedirect}) {
    names.insert(ToString(f));
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(ToString(OutboundFailure::kNotAllowed), "not_allowed");
  EXPECT_EQ(ToString(OutboundFailure::kTooLarge), "too_large");
}

// Fetches `request` on an io_context that is not running: done must not have been called
// when Fetch returns; running the loop completes it exactly once.
OutboundResponse FetchOnIdleLoop(const FhirClientConfig& config, OutboundRequest request) {
  auto io = std::make_shared<boost::asio::io_context>();
  PooledHttpClient client(io, config);
  int calls = 0;
  OutboundResponse result;
  client.Fetch(std::move(request), [&](OutboundResponse r) {
    ++calls;
    result = std::move(r);
  });
  EXPECT_EQ(calls, 0) << "done ran inside Fetch";
  io->run();
  EXPECT_EQ(calls, 1);
  return result;
}

OutboundRequest RequestFor(const std::string& url) {
  OutboundRequest request;
  request.url = url;
  request.deadline = std::chrono::steady_clock::now() + 10s;
  return request;
}

TEST(PooledHttpClientTest, RefusalsCompleteLaterAndOnce) {
  struct Case {
    const char* note;
    OutboundRequest request;
    OutboundFailure failure;
  };
  OutboundRequest past = RequestFor("https://fhir.example.org/");
  past.deadline = std::chrono::steady_clock::now() - 1s;
  OutboundRequest put = RequestFor("https://fhir.example.org/");
  put.method = "PUT";
  OutboundRequest header = RequestFor("https://fhir.example.org/");
  header.authorization = "Bearer x\r\nX-Evil: 1";
  std::vector<Case> cases = {
      {"bad URL", RequestFor("not a url"), OutboundFailure::kNotAllowed},
      {"http", RequestFor("http://fhir.example.org/"), OutboundFailure::kNotAllowed},
      {"loopback literal", RequestFor("https://127.0.0.1:1/"), OutboundFailure::kNotAllowed},
      {"mapped loopback", RequestFor("https://[::ffff:127.0.0.1]:1/"),
       OutboundFailure::kNotAllowed},
      {"metadata address", RequestFor("https://169.254.169.254/latest/meta-data/"),
       OutboundFailure::kNotAllowed},
      {"private literal", RequestFor("https://10.1.2.3/"), OutboundFailure::kNotAllowed},
      {"method", put, OutboundFailure::kNotAllowed},
      {"header injection", header, OutboundFailure::kNotAllowed},
      {"deadline past", past, OutboundFailure::kTimeout},
  };
  for (Case& c : cases) {
    const OutboundResponse r = FetchOnIdleLoop(FhirClientConfig{}, c.request);
    ASSERT_FALSE(r.ok()) << c.note;
    EXPECT_EQ(r.failure, c.failure) << c.note << ": " << r.failure_detail;
    EXPECT_EQ(r.failure_detail.find("Evil"), std::string::npos) << r.failure_detail;
  }
}

TEST(PooledHttpClientTest, ShutDownClientFailsNewFetches) {
  auto io = std::make_shared<boost::asio::io_context>();
  PooledHttpClient client(io, FhirClientConfig{});
  client.Shutdown();
  client.Shutdown();  // idempotent
  OutboundResponse result;
  client.Fetch(RequestFor("https://fhir.example.org/"), [&](OutboundResponse r) { result = r; });
  io->run();
  EXPECT_EQ(result.failure, OutboundFailure::kConnect);
  EXPECT_EQ(client.stats().in_flight, 0u);
}

TEST(PooledHttpClientTest, AnUnreadableCaFileStopsConstruction) {
  FhirClientConfig config;
  config.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(PooledHttpClient(std::make_shared<boost::asio::io_context>(), config),
               std::runtime_error);
}

}  // namespace
}  // namespace cds::hooks
