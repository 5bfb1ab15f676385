// The router's ResolvePrefetch step with the real engine and a canned FHIR server: data fetched
// for absent keys must give exactly the cards the same data gives when prefetched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <future>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "hooks/prefetch_resolver.hpp"
#include "hooks/prefetch_template.hpp"
#include "hooks/router.hpp"
#include "tests/hooks/canned_fhir_client.hpp"
#include "tests/hooks/held_audit_sink.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using ::cds::hooks::testing::CannedFhirClient;
using ::cds::hooks::testing::HeldSink;
using ::cds::hooks::testing::JsonEq;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::cds::hooks::testing::Reply;
using ::cds::hooks::testing::TestEventLoop;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kToken = "SECRET-TOKEN-123";
constexpr std::string_view kSelectPath = "/cds-services/antimicrobial-stewardship-order-select";

std::filesystem::path GoldenCase(std::string_view name) {
  return std::filesystem::path(TEST_DATA_DIR) / "golden" / name;
}

std::string Write(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string NormaliseUuids(const std::string& text) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_replace(text, kUuid, "<uuid>");
}

class PrefetchRouterTest : public ::testing::Test {
 protected:
  PrefetchRouterTest() : client_(std::make_shared<CannedFhirClient>(loop_.io())) {
    config_ = DefaultConfig();
    config_.fixed_now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} +
                        std::chrono::hours(12);  // the golden cases' --now
  }

  // Serves the golden request's prefetch from the canned FHIR server at the URLs the
  // templates render to, and returns the request without prefetch (with an access token).
  std::string ServeGoldenPrefetch(std::string_view golden_case) {
    rapidjson::Document request =
        ParseJson(ReadFile(GoldenCase(golden_case) / "01-order-select.request.json"), golden_case);
    const ServiceDefinition& service = *catalog_.Find("antimicrobial-stewardship-order-select");
    const rapidjson::Value& context = request["context"];
    const std::string server = request["fhirServer"].GetString();
    const TemplateContext template_context{
        context["userId"].GetString(), context["patientId"].GetString(),
        context.HasMember("encounterId") ? context["encounterId"].GetString() : "",
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*config_.fixed_now)}};
    for (const PrefetchTemplate& t : service.prefetch) {
      const std::string url =
          server + "/" + RenderPrefetchTemplate(t.query, template_context).relative_url;
      const auto it = request["prefetch"].FindMember(t.key.c_str());
      if (it != request["prefetch"].MemberEnd() && !it->value.IsNull()) {
        client_->Set(url, Reply(200, Write(it->value)));
      } else {
        client_->Set(url, Reply(200, R"({"resourceType":"Bundle","type":"searchset"})"));
      }
    }
    request.RemoveMember("prefetch");
    rapidjson::Value auth(rapidjson::kObjectType);
    auto& a = request.GetAllocator();
    auth.AddMember("access_token", rapidjson::Value(kToken.data(), a), a);
    auth.AddMember("token_type", "Bearer", a);
    auth.AddMember("expires_in", 300, a);
    auth.AddMember("scope", "user/*.read", a);
    auth.AddMember("subject", "cds", a);
    request.AddMember("fhirAuthorization", auth, a);
    return Write(request);
  }

  HttpResponse Post(std::string body, const std::vector<std::string>& allow = {}) {
    FhirServerAllowlist list;
    EXPECT_FALSE(FhirServerAllowlist::Create(allow, list).has_value());
    auto resolver =
        std::make_shared<PrefetchResolver>(client_, std::move(list), PrefetchOptions{}, loop_.io());
    const Router router(config_, catalog_, testing::TestEngine(), resolver);
    info_ = RequestInfo{};
    ConnectionInfo connection;
    return router.HandleSync(Request(std::move(body)), connection, info_);
  }

  static HttpRequest Request(std::string body) {
    HttpRequest request{http::verb::post, kSelectPath, 11};
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
  }

  // Starts a call on `router`; its response arrives in the future (after the audit commit).
  std::future<HttpResponse> Start(const Router& router, std::string body) {
    auto answered = std::make_shared<std::promise<HttpResponse>>();
    info_ = RequestInfo{};
    router.Handle(Request(std::move(body)), ConnectionInfo{}, info_,
                  [answered](HttpResponse r) { answered->set_value(std::move(r)); });
    return answered->get_future();
  }

  TestEventLoop loop_;
  std::shared_ptr<CannedFhirClient> client_;
  ServerConfig config_;
  const ServiceCatalog catalog_ = ServiceCatalog::Default();
  RequestInfo info_;
};

TEST_F(PrefetchRouterTest, FetchedDataGivesTheSameCardsAsPrefetchedData) {
  for (const char* golden :
       {"r01-kpc-meropenem-monotherapy", "realistic-kpc-bacteremia-meropenem-on-divalproex",
        "r05-draft-meropenem-active-divalproex"}) {
    SCOPED_TRACE(golden);
    client_ = std::make_shared<CannedFhirClient>(loop_.io());
    const HttpResponse response = Post(ServeGoldenPrefetch(golden));
    ASSERT_EQ(response.result_int(), 200u) << response.body();
    const rapidjson::Document expected = ParseJson(
        NormaliseUuids(ReadFile(GoldenCase(golden) / "01-order-select.response.json")), golden);
    const rapidjson::Document actual = ParseJson(NormaliseUuids(response.body()), "response");
    EXPECT_TRUE(JsonEq(expected["body"], actual));
    EXPECT_GT(actual["cards"].Size(), 0u);
    EXPECT_EQ(client_->requests().size(), catalog_.services().front().prefetch.size());
    for (const OutboundRequest& r : client_->requests()) {
      EXPECT_EQ(r.authorization, "Bearer " + std::string(kToken));
    }
  }
}

TEST_F(PrefetchRouterTest, EveryCardSaysWhichOptionalDataCouldNotBeRetrieved) {
  const std::string body = ServeGoldenPrefetch("r01-kpc-meropenem-monotherapy");
  client_->Set(
      "https://ehr.example.org/fhir/MedicationStatement?patient=pat-1001&status=active"
      "&_count=200",
      Reply(503, ""));
  const HttpResponse response = Post(body);
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  const rapidjson::Document cards = ParseJson(response.body(), "response");
  ASSERT_GT(cards["cards"].Size(), 0u);
  for (const rapidjson::Value& card : cards["cards"].GetArray()) {
    EXPECT_THAT(card["detail"].GetString(),
                HasSubstr("Not available: medicationStatements (FHIR server error (HTTP 503))"));
  }
}

TEST_F(PrefetchRouterTest, RequiredDataThatCannotBeHadIs412WithAnOperationOutcome) {
  const std::string body = ServeGoldenPrefetch("r01-kpc-meropenem-monotherapy");
  client_->Set(
      "https://ehr.example.org/fhir/Condition?patient=pat-1001"
      "&clinical-status=active,recurrence,relapse&_count=200",
      Reply(401, ""));
  const HttpResponse response = Post(body);
  ASSERT_EQ(response.result_int(), 412u);
  const rapidjson::Document outcome = ParseJson(response.body(), "412 body");
  EXPECT_STREQ(outcome["resourceType"].GetString(), "OperationOutcome");
  EXPECT_STREQ(outcome["issue"][0]["code"].GetString(), "incomplete");
  EXPECT_STREQ(outcome["issue"][0]["diagnostics"].GetString(),
               "prefetch.conditions: required prefetch data could not be retrieved: conditions "
               "(FHIR server refused access (HTTP 401))");
  EXPECT_THAT(response.body(), Not(HasSubstr(kToken)));
  EXPECT_EQ(info_.error, "precondition_failed");
  EXPECT_THAT(info_.error_detail, Not(HasSubstr(kToken)));
}

TEST_F(PrefetchRouterTest, ADisallowedFhirServerIs412AndNothingIsFetched) {
  const std::string body = ServeGoldenPrefetch("r01-kpc-meropenem-monotherapy");
  const HttpResponse response = Post(body, {"https://ehr.example.org/fhir-other"});
  ASSERT_EQ(response.result_int(), 412u);
  EXPECT_THAT(response.body(), HasSubstr("fhirServer not allowed"));
  EXPECT_TRUE(client_->requests().empty());
}

TEST_F(PrefetchRouterTest, NothingIsFetchedWhenNoDraftOrderHasAMedicationYet) {
  const std::string body =
      ReadFile(GoldenCase("sandbox-first-call-no-medication-yet") / "01-order-select.request.json");
  const HttpResponse response = Post(body);
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(response.body(), R"({"cards":[]})");
  EXPECT_TRUE(client_->requests().empty());
}

// Holds every fetch until Open(), then lets the canned client answer them.
class GatedClient final : public HttpClient {
 public:
  explicit GatedClient(std::shared_ptr<HttpClient> inner) : inner_(std::move(inner)) {}
  void Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) override {
    std::lock_guard lock(mutex_);
    held_.emplace_back(std::move(request), std::move(done));
  }
  std::size_t held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  void Open() {
    std::vector<std::pair<OutboundRequest, std::function<void(OutboundResponse)>>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& [request, done] : held) inner_->Fetch(std::move(request), std::move(done));
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  std::mutex mutex_;
  std::vector<std::pair<OutboundRequest, std::function<void(OutboundResponse)>>> held_;
};

// The audit trail's group commit waits for siblings while calls are under way (docs/audit.md);
// a call waiting on the EHR's FHIR server queues no record soon, so it must not count then.
TEST_F(PrefetchRouterTest, ACallWaitingOnItsFetchIsNotCountedAsUnderWay) {
  const std::string body = ServeGoldenPrefetch("r01-kpc-meropenem-monotherapy");
  auto gate = std::make_shared<GatedClient>(client_);
  auto resolver = std::make_shared<PrefetchResolver>(gate, FhirServerAllowlist{}, PrefetchOptions{},
                                                     loop_.io());
  Router router(config_, catalog_, testing::TestEngine(), resolver);
  auto sink = std::make_shared<HeldSink>();
  router.SetAuditSink(sink);

  auto response = Start(router, body);
  ASSERT_GT(gate->held(), 0u) << "the call should be waiting on its fetches";
  EXPECT_EQ(sink->began.load(), 1);
  EXPECT_EQ(sink->ended.load(), 1) << "a call waiting on its fetch still counted as under way";

  gate->Open();
  ASSERT_TRUE(sink->ReleaseWhenHeld()) << "no record within 30 s";
  ASSERT_EQ(response.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(response.get().result_int(), 200u);
  EXPECT_THAT(sink->under_way_at_record, ::testing::ElementsAre(1))
      << "counted again from the fetch's answer until its record was queued";
  // The call's thread stops counting it right after queuing the record, which may be after
  // the commit answered.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink->ended.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sink->began.load(), 2);
  EXPECT_EQ(sink->ended.load(), 2);
}

TEST_F(PrefetchRouterTest, ACallWithCompletePrefetchIsCountedOnceThroughout) {
  const std::string body =
      ReadFile(GoldenCase("r01-kpc-meropenem-monotherapy") / "01-order-select.request.json");
  auto resolver = std::make_shared<PrefetchResolver>(client_, FhirServerAllowlist{},
                                                     PrefetchOptions{}, loop_.io());
  Router router(config_, catalog_, testing::TestEngine(), resolver);
  auto sink = std::make_shared<HeldSink>();
  router.SetAuditSink(sink);

  auto response = Start(router, body);
  ASSERT_TRUE(sink->ReleaseWhenHeld()) << "no record within 30 s";
  ASSERT_EQ(response.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const HttpResponse answer = response.get();
  EXPECT_EQ(answer.result_int(), 200u) << answer.body();
  EXPECT_TRUE(client_->requests().empty());
  EXPECT_THAT(sink->under_way_at_record, ::testing::ElementsAre(1));
  EXPECT_EQ(sink->began.load(), 1);
  EXPECT_EQ(sink->ended.load(), 1);
}

}  // namespace
}  // namespace cds::hooks
