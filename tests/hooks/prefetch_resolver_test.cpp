#include "hooks/prefetch_resolver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "hooks/prefetch_template.hpp"
#include "tests/hooks/canned_fhir_client.hpp"

namespace cds::hooks {
namespace {

using ::cds::hooks::testing::CannedFhirClient;
using ::cds::hooks::testing::CannedReply;
using ::cds::hooks::testing::Failure;
using ::cds::hooks::testing::Hang;
using ::cds::hooks::testing::Reply;
using ::cds::hooks::testing::TestEventLoop;
using ::cds::hooks::testing::TimeOut;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr std::string_view kServer = "https://fhir.example.org/r4";
constexpr std::string_view kToken = "SECRET-TOKEN-123";
constexpr std::string_view kPatientId = "pat-4711";
const std::chrono::sys_seconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21};

constexpr std::string_view kEmptySearchset =
    R"({"resourceType":"Bundle","type":"searchset","total":0})";
constexpr std::string_view kOperationOutcome =
    R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]})";

const ServiceDefinition& SelectService() {
  static const ServiceCatalog catalog = ServiceCatalog::Default();
  return *catalog.Find("antimicrobial-stewardship-order-select");
}

struct RequestOptions {
  std::string prefetch;  // the JSON of the prefetch member; empty = no prefetch
  bool token = false;
  std::string fhir_server;  // empty = no fhirServer
  bool encounter = true;
  bool medication = true;
};

std::string RequestJson(const RequestOptions& o) {
  std::string json = R"({"hook":"order-select","hookInstance":"hi-1",)";
  if (!o.fhir_server.empty()) json += R"("fhirServer":")" + o.fhir_server + R"(",)";
  if (o.token) {
    json += R"("fhirAuthorization":{"access_token":")" + std::string(kToken) +
            R"(","token_type":"Bearer","expires_in":300,"scope":"user/*.read","subject":"cds"},)";
  }
  json += R"("context":{"userId":"Practitioner/prac-1","patientId":")" + std::string(kPatientId) +
          "\",";
  if (o.encounter) json += R"("encounterId":"enc-1",)";
  json += R"("selections":["MedicationRequest/draft-1"],"draftOrders":{"resourceType":"Bundle",)"
          R"("type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest",)"
          R"("id":"draft-1","status":"draft","intent":"order",)";
  if (o.medication) {
    json += R"("medicationCodeableConcept":{"coding":[{"system":)"
            R"("http://www.nlm.nih.gov/research/umls/rxnorm","code":"1722939"}]},)";
  }
  json += R"("subject":{"reference":"Patient/pat-4711"}}}]}})";
  if (!o.prefetch.empty()) json += R"(,"prefetch":)" + o.prefetch;
  json += "}";
  return json;
}

RequestOptions Options(std::string prefetch = "", bool token = false,
                       std::string fhir_server = std::string(kServer), bool encounter = true,
                       bool medication = true) {
  RequestOptions o;
  o.prefetch = std::move(prefetch);
  o.token = token;
  o.fhir_server = std::move(fhir_server);
  o.encounter = encounter;
  o.medication = medication;
  return o;
}

HookRequest Parse(std::string prefetch = "", bool token = false,
                  std::string fhir_server = std::string(kServer), bool encounter = true) {
  const RequestOptions o =
      Options(std::move(prefetch), token, std::move(fhir_server), encounter, true);
  auto parsed = ParseHookRequest(RequestJson(o), SelectService());
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return std::move(parsed).value();
}

// The URL the resolver must fetch for `key` of the order-select service.
std::string UrlFor(std::string_view key, std::string_view server = kServer) {
  for (const PrefetchTemplate& t : SelectService().prefetch) {
    if (t.key != key) continue;
    const TemplateContext context{
        "Practitioner/prac-1", kPatientId, "enc-1",
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(kNow)}};
    return std::string(server) + "/" + RenderPrefetchTemplate(t.query, context).relative_url;
  }
  ADD_FAILURE() << "no key " << key;
  return "";
}

std::string Searchset(const std::vector<std::string>& ids, std::string_view next = "") {
  std::string json = R"({"resourceType":"Bundle","type":"searchset",)";
  if (!next.empty()) {
    json += R"("link":[{"relation":"self","url":"x"},{"relation":"next","url":")" +
            std::string(next) + R"("}],)";
  }
  json += R"("entry":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) json += ",";
    json += R"({"fullUrl":"Observation/)" + ids[i] +
            R"(","resource":{"resourceType":"Observation","id":")" + ids[i] +
            R"(","status":"final","code":{"text":"x"}},"search":{"mode":"match"}})";
  }
  json += "]}";
  return json;
}

class PrefetchResolverTest : public ::testing::Test {
 protected:
  PrefetchResolverTest() : client_(std::make_shared<CannedFhirClient>(loop_.io())) {}
  ~PrefetchResolverTest() override { client_->ReleaseHung(); }

  // Answers every key of the service with a small valid resource or an empty searchset.
  void ServeEverything(std::string_view server = kServer) {
    for (const PrefetchTemplate& t : SelectService().prefetch) {
      std::string type;
      std::string body = std::string(kEmptySearchset);
      if (IsReadTemplate(t.query, &type)) {
        body = R"({"resourceType":")" + type + R"(","id":"x"})";
      }
      client_->Set(UrlFor(t.key, server), Reply(200, body));
    }
  }

  PrefetchResolver Resolver(std::vector<std::string> allow = {}, PrefetchOptions options = {}) {
    FhirServerAllowlist list;
    EXPECT_FALSE(FhirServerAllowlist::Create(allow, list).has_value());
    return PrefetchResolver(client_, std::move(list), options, loop_.io());
  }

  // Resolves and waits (the outcome arrives on a client thread).
  PrefetchOutcome Resolve(const PrefetchResolver& resolver, const HookRequest& request,
                          const FhirServerAllowlist* allowlist = nullptr,
                          bool* synchronous = nullptr) {
    std::promise<PrefetchOutcome> promise;
    auto future = promise.get_future();
    bool returned = false;
    bool called_before_return = false;
    resolver.Resolve(request, SelectService(), kNow, allowlist, [&](PrefetchOutcome outcome) {
      called_before_return = !returned;
      promise.set_value(std::move(outcome));
    });
    returned = true;
    EXPECT_EQ(future.wait_for(20s), std::future_status::ready) << "done was never called";
    if (synchronous != nullptr) *synchronous = called_before_return;
    return future.get();
  }

  void ExpectPagesFollowed(const std::vector<std::string>& allow);

  TestEventLoop loop_;
  std::shared_ptr<CannedFhirClient> client_;
};

TEST_F(PrefetchResolverTest, CompletePrefetchFetchesNothingWhateverTheFhirServer) {
  const std::string prefetch = R"({"patient":{"resourceType":"Patient","id":"p"},"encounter":null,)"
                               R"("medicationRequests":null,"medicationStatements":null,)"
                               R"("medicationAdministrations":null,"labObservations":)" +
                               std::string(kEmptySearchset) +
                               R"(,"conditions":null,"microbiologyReports":null})";
  const HookRequest request = Parse(prefetch, true, "https://anything.internal.example:9/x");
  bool synchronous = false;
  const PrefetchOutcome outcome =
      Resolve(Resolver({"https://only.this.example"}), request, nullptr, &synchronous);
  EXPECT_TRUE(synchronous);
  EXPECT_FALSE(outcome.error.has_value());
  EXPECT_TRUE(outcome.reports.empty());
  EXPECT_TRUE(client_->requests().empty());
}

TEST_F(PrefetchResolverTest, AbsentKeysAreFetchedInParallelWithTheTokenWhenGiven) {
  ServeEverything();
  HookRequest request = Parse("", true);
  PrefetchOutcome outcome = Resolve(Resolver(), request);
  ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), SelectService().prefetch.size());
  std::set<std::string> urls;
  for (const OutboundRequest& r : requests) {
    urls.insert(r.url);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.authorization, "Bearer " + std::string(kToken));
    EXPECT_EQ(r.accept, "application/fhir+json");
    EXPECT_FALSE(r.allow_private_address) << "an unlisted server must be public";
    EXPECT_EQ(r.deadline, requests.front().deadline) << "one budget for all keys";
    EXPECT_EQ(r.max_body_bytes, PrefetchOptions{}.max_response_bytes);
  }
  // The rendered URLs, exactly.
  EXPECT_TRUE(urls.contains("https://fhir.example.org/r4/Patient/pat-4711"));
  EXPECT_TRUE(urls.contains("https://fhir.example.org/r4/Encounter/enc-1"));
  EXPECT_TRUE(urls.contains(
      "https://fhir.example.org/r4/DiagnosticReport?patient=pat-4711"
      "&category=http://terminology.hl7.org/CodeSystem/v2-0074%7CMB&_sort=-date&_count=100"));
  EXPECT_TRUE(
      urls.contains("https://fhir.example.org/r4/Condition?patient=pat-4711"
                    "&clinical-status=active,recurrence,relapse&_count=200"));

  EXPECT_EQ(outcome.fetched.size(), SelectService().prefetch.size());
  EXPECT_TRUE(outcome.unavailable.empty());
  EXPECT_EQ(outcome.fhir_origin, "https://fhir.example.org");
  std::move(outcome).ApplyTo(request);
  for (const PrefetchTemplate& t : SelectService().prefetch) {
    const PrefetchItem* item = request.FindPrefetch(t.key);
    ASSERT_NE(item, nullptr) << t.key;
    EXPECT_EQ(item->state, PrefetchState::kResource);
    ASSERT_NE(item->value, nullptr);
    EXPECT_TRUE((*item->value)["resourceType"].IsString());
  }
  EXPECT_STREQ((*request.FindPrefetch("patient")->value)["resourceType"].GetString(), "Patient");
  EXPECT_STREQ((*request.FindPrefetch("conditions")->value)["resourceType"].GetString(), "Bundle");
}

TEST_F(PrefetchResolverTest, NoAuthorizationHeaderWithoutFhirAuthorization) {
  ServeEverything();
  const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", false));
  ASSERT_FALSE(outcome.error.has_value());
  const auto requests = client_->requests();
  ASSERT_FALSE(requests.empty());
  for (const OutboundRequest& r : requests) EXPECT_EQ(r.authorization, "") << r.url;
}

TEST_F(PrefetchResolverTest, NullIsKnownEmptyAndOperationOutcomesAreRefetched) {
  ServeEverything();
  const std::string outcome_entry =
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":)" +
      std::string(kOperationOutcome) + R"(,"search":{"mode":"outcome"}}]})";
  const std::string warning_entry =
      R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":)"
      R"("OperationOutcome","issue":[{"severity":"warning","code":"informational"}]},)"
      R"("search":{"mode":"outcome"}}]})";
  const std::string prefetch = R"({"patient":null,"encounter":null,"conditions":)" +
                               std::string(kOperationOutcome) + R"(,"labObservations":)" +
                               outcome_entry + R"(,"medicationRequests":)" + warning_entry +
                               R"(,"medicationStatements":null,"medicationAdministrations":null})";
  HookRequest request = Parse(prefetch, true);
  PrefetchOutcome outcome = Resolve(Resolver(), request);
  ASSERT_FALSE(outcome.error.has_value());
  std::set<std::string> urls;
  for (const OutboundRequest& r : client_->requests()) urls.insert(r.url);
  EXPECT_EQ(urls, (std::set<std::string>{UrlFor("conditions"), UrlFor("labObservations"),
                                         UrlFor("microbiologyReports")}));
  std::move(outcome).ApplyTo(request);
  EXPECT_EQ(request.FindPrefetch("patient")->state, PrefetchState::kNull);
  EXPECT_EQ(request.FindPrefetch("conditions")->state, PrefetchState::kResource);
  EXPECT_EQ(request.FindPrefetch("labObservations")->state, PrefetchState::kResource);
  EXPECT_EQ(request.FindPrefetch("microbiologyReports")->state, PrefetchState::kResource);
  std::size_t conditions = 0;
  for (const PrefetchItem& item : request.prefetch) conditions += item.key == "conditions" ? 1 : 0;
  EXPECT_EQ(conditions, 1u) << "the fetched value replaces the OperationOutcome";
}

struct FailureCase {
  const char* note;
  CannedReply reply;
  const char* reason;
};

TEST_F(PrefetchResolverTest, RequiredDataThatCannotBeHadIs412NamingKeyAndReason) {
  const std::vector<FailureCase> cases = {
      {"401", Reply(401, std::string(kOperationOutcome)), "FHIR server refused access (HTTP 401)"},
      {"403", Reply(403, ""), "FHIR server refused access (HTTP 403)"},
      {"404", Reply(404, std::string(kOperationOutcome)),
       "not found on the FHIR server (HTTP 404)"},
      {"500", Reply(500, "oops"), "FHIR server error (HTTP 500)"},
      {"400", Reply(400, std::string(kOperationOutcome)), "FHIR server answered (HTTP 400)"},
      {"garbage", Reply(200, "<html>not json"), "invalid JSON from the FHIR server"},
      {"not FHIR", Reply(200, R"({"hello":"world"})"), "not a FHIR resource"},
      {"OperationOutcome with 200", Reply(200, std::string(kOperationOutcome)),
       "answered with an OperationOutcome"},
      {"a read answered with a Bundle", Reply(200, std::string(kEmptySearchset)),
       "answered with a Bundle"},
      {"timeout", Failure(OutboundFailure::kTimeout), "FHIR server timed out"},
      {"refused connection", Failure(OutboundFailure::kConnect), "FHIR server unreachable"},
      {"TLS", Failure(OutboundFailure::kTls), "TLS verification of the FHIR server failed"},
      {"private address", Failure(OutboundFailure::kNotAllowed), "not a public address"},
      {"too large", Failure(OutboundFailure::kTooLarge), "too large"},
  };
  for (const FailureCase& c : cases) {
    SCOPED_TRACE(c.note);
    client_ = std::make_shared<CannedFhirClient>(loop_.io());
    ServeEverything();
    client_->Set(UrlFor("patient"), c.reply);
    const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", true));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, HookError::kPreconditionFailed);
    EXPECT_EQ(outcome.error->path, "prefetch.patient");
    EXPECT_THAT(outcome.error->message, HasSubstr("patient ("));
    EXPECT_THAT(outcome.error->message, HasSubstr(c.reason));
    EXPECT_THAT(outcome.error->message, Not(HasSubstr(kToken)));
    EXPECT_THAT(outcome.error->message, Not(HasSubstr(kPatientId)));
    EXPECT_TRUE(outcome.fetched.empty());
    EXPECT_THAT(RenderOperationOutcome(*outcome.error), HasSubstr(c.reason));
  }
}

TEST_F(PrefetchResolverTest, SeveralRequiredFailuresAreAllNamed) {
  ServeEverything();
  client_->Set(UrlFor("conditions"), Reply(503, ""));
  client_->Set(UrlFor("labObservations"), Failure(OutboundFailure::kTimeout));
  const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", false));
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_THAT(outcome.error->message, HasSubstr("conditions (FHIR server error (HTTP 503))"));
  EXPECT_THAT(outcome.error->message, HasSubstr("labObservations (FHIR server timed out)"));
}

// What the metrics count per fetch: the HTTP status, or the transport failure when no response
// came; and every fetch names the call it serves (for the client's log line).
TEST_F(PrefetchResolverTest, ReportsNameTheStatusOrFailureKindAndFetchesCarryTheRequestId) {
  ServeEverything();
  client_->Set(UrlFor("conditions"), Reply(503, ""));
  client_->Set(UrlFor("labObservations"), Failure(OutboundFailure::kConnect));
  std::promise<PrefetchOutcome> promise;
  Resolver().Resolve(
      Parse("", false), SelectService(), kNow, nullptr,
      [&](PrefetchOutcome outcome) { promise.set_value(std::move(outcome)); }, "call-77");
  auto future = promise.get_future();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  const PrefetchOutcome outcome = future.get();
  ASSERT_FALSE(outcome.reports.empty());
  for (const PrefetchKeyReport& r : outcome.reports) {
    SCOPED_TRACE(r.key);
    if (r.key == "conditions") {
      EXPECT_EQ(r.status, 503u);
      EXPECT_EQ(r.failure, "");
    } else if (r.key == "labObservations") {
      EXPECT_EQ(r.status, 0u);
      EXPECT_EQ(r.failure, "connect");
    } else if (!r.skipped) {
      EXPECT_EQ(r.status, 200u);
    }
  }
  ASSERT_FALSE(client_->requests().empty());
  for (const OutboundRequest& r : client_->requests()) EXPECT_EQ(r.request_id, "call-77");
}

TEST_F(PrefetchResolverTest, OptionalDataThatCannotBeHadIsListedAndTheCallProceeds) {
  ServeEverything();
  client_->Set(UrlFor("microbiologyReports"), Failure(OutboundFailure::kTimeout));
  client_->Set(UrlFor("encounter"), Reply(500, ""));
  HookRequest request = Parse("", true);
  PrefetchOutcome outcome = Resolve(Resolver(), request);
  ASSERT_FALSE(outcome.error.has_value());
  ASSERT_EQ(outcome.unavailable.size(), 2u);
  std::move(outcome).ApplyTo(request);
  ASSERT_EQ(request.prefetch_unavailable.size(), 2u);
  for (const UnavailablePrefetch& u : request.prefetch_unavailable) {
    EXPECT_FALSE(u.partial);
    if (u.key == "microbiologyReports") {
      EXPECT_EQ(u.reason, "FHIR server timed out");
    } else {
      EXPECT_EQ(u.key, "encounter");
      EXPECT_EQ(u.reason, "FHIR server error (HTTP 500)");
    }
  }
  EXPECT_EQ(request.FindPrefetch("microbiologyReports"), nullptr);
  EXPECT_NE(request.FindPrefetch("patient"), nullptr);
}

TEST_F(PrefetchResolverTest, NextLinksAreFollowedAndThePagesMergedIntoOneBundle) {
  for (const std::vector<std::string>& allow :
       {std::vector<std::string>{}, std::vector<std::string>{std::string(kServer)}}) {
    SCOPED_TRACE(allow.empty() ? "no allowlist" : "listed server");
    client_ = std::make_shared<CannedFhirClient>(loop_.io());
    ExpectPagesFollowed(allow);
  }
}

void PrefetchResolverTest::ExpectPagesFollowed(const std::vector<std::string>& allow) {
  ServeEverything();
  const std::string first = UrlFor("labObservations");
  const std::string page2 = std::string(kServer) + "/Observation?_page=2&patient=pat-4711";
  const std::string page3 = std::string(kServer) + "?_getpages=abc&_offset=4";
  client_->Set(first, Reply(200, Searchset({"o1", "o2"}, page2)));
  client_->Set(page2, Reply(200, Searchset({"o3", "o4"}, page3)));
  client_->Set(page3, Reply(200, Searchset({"o5"})));
  HookRequest request = Parse("", true);
  PrefetchOutcome outcome = Resolve(Resolver(allow), request);
  ASSERT_FALSE(outcome.error.has_value());
  EXPECT_TRUE(outcome.unavailable.empty());
  for (const OutboundRequest& r : client_->requests()) {
    EXPECT_EQ(r.authorization, "Bearer " + std::string(kToken)) << "every page carries the token";
  }
  EXPECT_EQ(client_->CountRequestsTo(page2), 1u);
  EXPECT_EQ(client_->CountRequestsTo(page3), 1u);
  std::move(outcome).ApplyTo(request);
  const rapidjson::Value& bundle = *request.FindPrefetch("labObservations")->value;
  ASSERT_TRUE(bundle["entry"].IsArray());
  ASSERT_EQ(bundle["entry"].Size(), 5u);
  for (rapidjson::SizeType i = 0; i < 5; ++i) {
    EXPECT_EQ(std::string(bundle["entry"][i]["resource"]["id"].GetString()),
              "o" + std::to_string(i + 1));
  }
  for (const rapidjson::Value& link : bundle["link"].GetArray()) {
    EXPECT_STRNE(link["relation"].GetString(), "next") << "no dangling next link";
  }
}

TEST_F(PrefetchResolverTest, PagesStopAtTheLimitAndTheDataIsMarkedIncomplete) {
  ServeEverything();
  const std::string first = UrlFor("labObservations");
  const std::string page2 = std::string(kServer) + "/Observation?page=2";
  const std::string page3 = std::string(kServer) + "/Observation?page=3";
  client_->Set(first, Reply(200, Searchset({"o1"}, page2)));
  client_->Set(page2, Reply(200, Searchset({"o2"}, page3)));
  client_->Set(page3, Reply(200, Searchset({"o3"})));
  PrefetchOptions options;
  options.page_limit = 2;
  HookRequest request = Parse("", true);
  PrefetchOutcome outcome = Resolve(Resolver({}, options), request);
  ASSERT_FALSE(outcome.error.has_value());
  EXPECT_EQ(client_->CountRequestsTo(page3), 0u);
  ASSERT_EQ(outcome.unavailable.size(), 1u);
  EXPECT_EQ(outcome.unavailable[0].key, "labObservations");
  EXPECT_TRUE(outcome.unavailable[0].partial);
  EXPECT_EQ(outcome.unavailable[0].reason, "more than 2 pages; the first 2 were used");
  std::move(outcome).ApplyTo(request);
  EXPECT_EQ((*request.FindPrefetch("labObservations")->value)["entry"].Size(), 2u);
}

TEST_F(PrefetchResolverTest, NextLinksToAnotherOriginAreNotFollowed) {
  ServeEverything();
  for (const std::string next : {"https://evil.example.com/r4/Observation?page=2",
                                 "http://fhir.example.org/r4/Observation?page=2",
                                 "https://fhir.example.org:8443/r4/Observation?page=2",
                                 "https://fhir.example.org.evil.com/r4/Observation?page=2"}) {
    SCOPED_TRACE(next);
    client_ = std::make_shared<CannedFhirClient>(loop_.io());
    ServeEverything();
    client_->Set(UrlFor("labObservations"), Reply(200, Searchset({"o1"}, next)));
    client_->Set(next, Reply(200, Searchset({"o2"})));
    const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", true));
    ASSERT_FALSE(outcome.error.has_value());
    EXPECT_EQ(client_->CountRequestsTo(next), 0u);
    ASSERT_EQ(outcome.unavailable.size(), 1u);
    EXPECT_EQ(outcome.unavailable[0].reason, "next page on another server not followed");
  }
}

TEST_F(PrefetchResolverTest, AFailingLaterPageLeavesTheFirstPagesAsPartialData) {
  ServeEverything();
  const std::string page2 = std::string(kServer) + "/Observation?page=2";
  client_->Set(UrlFor("labObservations"), Reply(200, Searchset({"o1"}, page2)));
  client_->Set(page2, Reply(502, ""));
  HookRequest request = Parse("", true);
  PrefetchOutcome outcome = Resolve(Resolver(), request);
  ASSERT_FALSE(outcome.error.has_value()) << "labObservations is required but has data";
  ASSERT_EQ(outcome.unavailable.size(), 1u);
  EXPECT_TRUE(outcome.unavailable[0].partial);
  EXPECT_EQ(outcome.unavailable[0].reason, "page 2 failed: FHIR server error (HTTP 502)");
}

TEST_F(PrefetchResolverTest, ADisallowedFhirServerIsRefusedWithoutAnyConnection) {
  ServeEverything("https://fhir.example.org.evil.com/r4");
  struct Case {
    std::vector<std::string> allow;
    std::string fhir_server;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {{"https://fhir.example.org"},
       "https://fhir.example.org.evil.com/r4",
       "not on this service's list"},
      {{"https://fhir.example.org/r4"},
       "https://fhir.example.org/r4-private",
       "not on this service's list"},
      {{}, "http://fhir.example.org/r4", "--allow-http-fhir"},
      {{"http://127.0.0.1:8081"}, "http://127.0.0.1:8081/fhir", "--allow-http-fhir"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fhir_server);
    bool synchronous = false;
    const PrefetchOutcome outcome =
        Resolve(Resolver(c.allow), Parse("", true, c.fhir_server), nullptr, &synchronous);
    EXPECT_TRUE(synchronous);
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, HookError::kPreconditionFailed);
    EXPECT_THAT(outcome.error->message, HasSubstr("fhirServer not allowed"));
    EXPECT_THAT(outcome.error->message, HasSubstr(c.reason));
  }
  EXPECT_TRUE(client_->requests().empty());
}

TEST_F(PrefetchResolverTest, AListedServerMayBePrivateAndPlainHttpNeedsTheFlag) {
  const std::string server = "http://127.0.0.1:8081/fhir";
  ServeEverything(server);
  PrefetchOptions options;
  options.allow_http = true;
  const PrefetchOutcome outcome =
      Resolve(Resolver({"http://127.0.0.1:8081/fhir"}, options), Parse("", false, server));
  ASSERT_FALSE(outcome.error.has_value());
  const auto requests = client_->requests();
  ASSERT_FALSE(requests.empty());
  for (const OutboundRequest& r : requests) EXPECT_TRUE(r.allow_private_address);
}

TEST_F(PrefetchResolverTest, ThePerCallAllowlistReplacesTheConfiguredOne) {
  ServeEverything();
  FhirServerAllowlist issuer_list;
  ASSERT_FALSE(FhirServerAllowlist::Create({"https://other.example.org"}, issuer_list));
  const PrefetchOutcome refused = Resolve(Resolver(), Parse("", true), &issuer_list);
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_TRUE(client_->requests().empty());

  ASSERT_FALSE(FhirServerAllowlist::Create({"https://fhir.example.org/r4"}, issuer_list));
  const PrefetchOutcome allowed =
      Resolve(Resolver({"https://other.example.org"}), Parse("", true), &issuer_list);
  EXPECT_FALSE(allowed.error.has_value());
  EXPECT_FALSE(client_->requests().empty());
}

TEST_F(PrefetchResolverTest, NoFhirServerMeansRequiredDataCannotBeHad) {
  bool synchronous = false;
  const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", false, ""), nullptr, &synchronous);
  EXPECT_TRUE(synchronous);
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->message,
            "required prefetch data could not be retrieved: patient, medicationRequests, "
            "labObservations, conditions (no fhirServer in the request)");
  EXPECT_TRUE(client_->requests().empty());
}

TEST_F(PrefetchResolverTest, AnOptionalKeyWhoseTokenHasNoValueIsSkippedNotMissing) {
  ServeEverything();
  HookRequest request = Parse("", true, std::string(kServer), /*encounter=*/false);
  PrefetchOutcome outcome = Resolve(Resolver(), request);
  ASSERT_FALSE(outcome.error.has_value());
  EXPECT_EQ(client_->CountRequestsTo(std::string(kServer) + "/Encounter"), 0u);
  EXPECT_TRUE(outcome.unavailable.empty());
  bool reported = false;
  for (const PrefetchKeyReport& r : outcome.reports) {
    if (r.key != "encounter") continue;
    reported = true;
    EXPECT_TRUE(r.skipped);
    EXPECT_THAT(r.reason, HasSubstr("context.encounterId"));
  }
  EXPECT_TRUE(reported);
}

TEST_F(PrefetchResolverTest, AHangingServerEndsWithinTheBudget) {
  ServeEverything();
  client_->Set(UrlFor("patient"), TimeOut());
  client_->Set(UrlFor("conditions"), Hang());
  PrefetchOptions options;
  options.budget = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const PrefetchOutcome outcome = Resolve(Resolver({}, options), Parse("", true));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_THAT(outcome.error->message, HasSubstr("patient, conditions (FHIR server timed out)"));
  // Ended by the budget (plus the backstop's grace), not by anything slower.
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(PrefetchResolverTest, TheLogSummaryHoldsNoQueryValuesAndNoToken) {
  ServeEverything();
  client_->Set(UrlFor("microbiologyReports"), Reply(500, ""));
  const PrefetchOutcome outcome = Resolve(Resolver(), Parse("", true));
  const std::string summary = outcome.Summary();
  EXPECT_THAT(summary, HasSubstr("patient=200/1p/"));
  EXPECT_THAT(summary, HasSubstr("microbiologyReports=failed-500/1p/"));
  EXPECT_THAT(summary, Not(HasSubstr(kPatientId)));
  EXPECT_THAT(summary, Not(HasSubstr(kToken)));
  for (const PrefetchKeyReport& r : outcome.reports) {
    EXPECT_EQ(r.path.find('?'), std::string::npos) << r.path;
    EXPECT_THAT(r.reason, Not(HasSubstr(kPatientId)));
  }
}

TEST(PrefetchNeeds, OnlyCallsWithAMedicationToCheckNeedPatientData) {
  const ServiceCatalog catalog = ServiceCatalog::Default();
  auto with = ParseHookRequest(RequestJson(Options("", false, std::string(kServer), true, true)),
                               *catalog.Find("antimicrobial-stewardship-order-select"));
  auto without =
      ParseHookRequest(RequestJson(Options("", false, std::string(kServer), true, false)),
                       *catalog.Find("antimicrobial-stewardship-order-select"));
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_TRUE(HasOrderToCheck(with.value()));
  EXPECT_FALSE(HasOrderToCheck(without.value()));
}

}  // namespace
}  // namespace cds::hooks
