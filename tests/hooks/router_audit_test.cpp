// The router's audit steps (issue 7): a response is written only from the audit commit's
// completion; a failed commit answers 503; error responses and feedback are recorded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "audit/sqlite_store.hpp"
#include "hooks/router.hpp"
#include "tests/hooks/held_audit_sink.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using ::cds::hooks::testing::HeldSink;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::cds::hooks::testing::RequestsDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kSelect = "/cds-services/antimicrobial-stewardship-order-select";

HttpRequest Post(std::string_view target, std::string body) {
  HttpRequest request{http::verb::post, target, 11};
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

// The realistic call of the benchmarks: a meropenem draft that fires two cards.
std::string FiringBody() {
  return ReadFile(std::filesystem::path(CDS_SOURCE_DIR) / "bench/data/order-select-10k.json");
}

class RouterAuditTest : public ::testing::Test {
 protected:
  RouterAuditTest()
      : router_(testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine()) {
    router_.SetAuditSink(sink_);
  }

  // Starts a request; the response lands in response_.
  void Start(HttpRequest request) {
    info_ = RequestInfo{};
    response_.reset();
    router_.Handle(std::move(request), ConnectionInfo{}, info_,
                   [this](HttpResponse r) { response_ = std::move(r); });
  }

  std::shared_ptr<HeldSink> sink_ = std::make_shared<HeldSink>();
  Router router_;
  RequestInfo info_;
  std::optional<HttpResponse> response_;
};

TEST_F(RouterAuditTest, TheResponseWaitsForTheCommit) {
  Start(Post(kSelect, FiringBody()));
  ASSERT_EQ(sink_->calls.size(), 1u);
  EXPECT_FALSE(response_.has_value()) << "answered before the audit commit";
  sink_->Release({});
  ASSERT_TRUE(response_.has_value());
  EXPECT_EQ(response_->result(), http::status::ok);

  const audit::CallRecord& r = sink_->calls[0];
  EXPECT_EQ(r.hook_instance, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
  EXPECT_EQ(r.service, "antimicrobial-stewardship-order-select");
  EXPECT_EQ(r.hook, "order-select");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.request_id, info_.request_id);
  EXPECT_EQ(r.patient_id, "pat-1001");
  EXPECT_EQ(r.user_id, "Practitioner/prac-77");
  EXPECT_EQ(r.principal.issuer, "");  // filled by JWT verification (issue 6)
  ASSERT_EQ(r.orders.size(), 1u);
  EXPECT_EQ(r.orders[0].medication, "meropenem 1 g IV q8h");
  EXPECT_TRUE(r.orders[0].selected);
  EXPECT_GE(r.latency_us, 0);
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(now - r.received), std::chrono::minutes(1));
  // The cards recorded are the cards returned.
  const rapidjson::Document body = ParseJson(response_->body(), "response");
  ASSERT_EQ(body["cards"].Size(), r.cards.size());
  ASSERT_EQ(r.cards.size(), 2u);
  for (rapidjson::SizeType i = 0; i < body["cards"].Size(); ++i) {
    const auto& card = body["cards"][i];
    EXPECT_EQ(r.cards[i].uuid, card["uuid"].GetString());
    EXPECT_EQ(r.cards[i].summary, card["summary"].GetString());
    EXPECT_EQ(r.cards[i].indicator, card["indicator"].GetString());
    EXPECT_EQ(r.cards[i].rule_id, card["source"]["topic"]["code"].GetString());
    EXPECT_FALSE(r.cards[i].rule_title.empty());
    EXPECT_FALSE(r.cards[i].evidence.empty());
    ASSERT_EQ(r.cards[i].suggestions.size(), card["suggestions"].Size());
    EXPECT_EQ(r.cards[i].suggestions[0].uuid, card["suggestions"][0]["uuid"].GetString());
    EXPECT_EQ(r.cards[i].suggestions[0].label, card["suggestions"][0]["label"].GetString());
  }
}

// The audit stage and the commit histogram measure submit -> commit done when the sink reports
// no transaction time of its own (a held commit here, or a record answered from the spool).
TEST_F(RouterAuditTest, TheAuditStageAndCommitTimeSpanTheWaitForTheCommit) {
  const ServiceCatalog catalog = ServiceCatalog::Default();
  std::vector<std::string> ids;
  for (const auto& s : catalog.services()) ids.push_back(s.id);
  auto metrics = std::make_shared<ServiceMetrics>("test", "engine", ids);
  router_.SetMetrics(metrics);
  Start(Post(kSelect, FiringBody()));
  ASSERT_EQ(sink_->calls.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  sink_->Release({});
  ASSERT_TRUE(response_.has_value());
  const std::string text = metrics->Render();
  const auto value = [&text](const std::string& series) {
    const std::size_t at = text.find(series + " ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size() + 1));
  };
  EXPECT_GE(value("cds_audit_commit_seconds_sum"), 0.03) << text;
  EXPECT_GE(value("cds_hook_stage_seconds_sum{service=\"antimicrobial-stewardship-order-select\","
                  "stage=\"audit\"}"),
            0.03)
      << text;
}

TEST_F(RouterAuditTest, AFailedCommitAnswers503AndShowsNoCard) {
  Start(Post(kSelect, FiringBody()));
  sink_->Release({false, "disk I/O error", 0, {}, {}});
  ASSERT_TRUE(response_.has_value());
  EXPECT_EQ(response_->result(), http::status::service_unavailable);
  EXPECT_EQ(response_->body().find("\"cards\""), std::string::npos);
  EXPECT_EQ(sink_->calls.size(), 1u);  // the 503 itself is not recorded again
}

TEST_F(RouterAuditTest, ErrorResponsesAreRecordedBeforeTheyAreWritten) {
  Start(Post(kSelect, "{broken"));
  ASSERT_EQ(sink_->calls.size(), 1u);
  EXPECT_FALSE(response_.has_value());
  EXPECT_EQ(sink_->calls[0].http_status, 400);
  EXPECT_EQ(sink_->calls[0].error, "malformed_json");
  EXPECT_EQ(sink_->calls[0].hook_instance, "");
  EXPECT_THAT(sink_->calls[0].cards, IsEmpty());
  sink_->Release({false, "even when recording fails", 0, {}, {}});
  ASSERT_TRUE(response_.has_value());
  EXPECT_EQ(response_->result(), http::status::bad_request);

  HttpRequest text = Post(kSelect, "{}");
  text.set(http::field::content_type, "text/plain");
  Start(std::move(text));
  ASSERT_EQ(sink_->calls.size(), 2u);
  EXPECT_EQ(sink_->calls[1].http_status, 415);
  sink_->Release({});
  EXPECT_EQ(response_->result(), http::status::unsupported_media_type);

  // A request for no service is not a service call: nothing recorded.
  Start(Post("/cds-services/nope", "{}"));
  EXPECT_EQ(response_->result(), http::status::not_found);
  EXPECT_EQ(sink_->calls.size(), 2u);
}

TEST_F(RouterAuditTest, FeedbackIsCommittedBeforeThe200) {
  Start(Post(std::string(kSelect) + "/feedback",
             R"({"feedback":[{"card":"c1","outcome":"overridden","overrideReason":{"reason":)"
             R"({"system":"https://cds.example.org/stewardship-override-reasons","code":)"
             R"("palliative-care"},"userComment":"comfort care"},)"
             R"("outcomeTimestamp":"2026-11-21T10:05:31+01:00"}]})"));
  ASSERT_EQ(sink_->feedback.size(), 1u);
  EXPECT_FALSE(response_.has_value());
  const audit::FeedbackBatch& b = sink_->feedback[0];
  EXPECT_EQ(b.service, "antimicrobial-stewardship-order-select");
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].card_uuid, "c1");
  EXPECT_EQ(b.items[0].outcome, "overridden");
  EXPECT_EQ(b.items[0].reason_code, "palliative-care");
  EXPECT_EQ(b.items[0].reason_display, "Palliative / comfort care");  // from the config
  EXPECT_EQ(b.items[0].comment, "comfort care");
  EXPECT_EQ(audit::Millis(b.items[0].outcome_time).time_since_epoch().count(), 1795251931000);
  sink_->Release({true, "", 1, {}, {}});
  ASSERT_TRUE(response_.has_value());
  EXPECT_EQ(response_->result(), http::status::ok);

  Start(Post(std::string(kSelect) + "/feedback",
             R"({"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"a"}],)"
             R"("outcomeTimestamp":"2026-11-21T10:05:31Z"}]})"));
  EXPECT_THAT(sink_->feedback[1].items[0].accepted_suggestions, ElementsAre("a"));
  sink_->Release({false, "disk full", 0, {}, {}});
  EXPECT_EQ(response_->result(), http::status::service_unavailable);
}

// The group commit waits for siblings only while calls are under way, so a call must count as
// under way until its record is queued, and stop counting right after, whatever its ending;
// calls that record nothing must not stay counted.
TEST_F(RouterAuditTest, ACallIsUnderWayUntilItsRecordIsQueued) {
  Start(Post(kSelect, FiringBody()));  // cards
  Start(Post(kSelect, "{broken"));     // an error response, recorded too
  Start(Post(std::string(kSelect) + "/feedback",
             R"({"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"a"}],)"
             R"("outcomeTimestamp":"2026-11-21T10:05:31Z"}]})"));
  EXPECT_THAT(sink_->under_way_at_record, ElementsAre(1, 1, 1));
  EXPECT_EQ(sink_->began.load(), 3);
  EXPECT_EQ(sink_->ended.load(), 3) << "a call still counted after its record was queued";
  while (!sink_->pending.empty()) sink_->Release({});

  // Feedback refused before it is recorded (400), discovery, an unknown service: no record,
  // and nothing left counted.
  Start(Post(std::string(kSelect) + "/feedback", R"({"feedback":[{"card":"c1"}]})"));
  EXPECT_EQ(response_->result(), http::status::bad_request);
  HttpRequest discovery{http::verb::get, "/cds-services", 11};
  Start(std::move(discovery));
  EXPECT_EQ(response_->result(), http::status::ok);
  Start(Post("/cds-services/nope", "{}"));
  EXPECT_EQ(sink_->began.load(), sink_->ended.load());
  EXPECT_EQ(sink_->under_way_at_record.size(), 3u);
}

TEST(RouterAuditStoreTest, WithTheRealStoreTheCardsReturnedAreTheCardsStored) {
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("cds-router-audit-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  audit::SqliteOptions options;
  options.path = path.string();
  auto store = audit::SqliteAuditStore::Open(options);
  ASSERT_TRUE(store) << store.error().message;
  std::shared_ptr<audit::SqliteAuditStore> shared(std::move(store).value());
  Router router(testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine());
  router.SetAuditSink(shared);
  RequestInfo info;
  const HttpResponse response = router.HandleSync(Post(kSelect, FiringBody()), {}, info);
  ASSERT_EQ(response.result(), http::status::ok);
  const rapidjson::Document body = ParseJson(response.body(), "response");
  for (const auto& card : body["cards"].GetArray()) {
    auto detail = shared->Card(card["uuid"].GetString());
    ASSERT_TRUE(detail);
    ASSERT_TRUE(detail.value().has_value()) << card["uuid"].GetString();
    EXPECT_EQ(detail.value()->card.card.summary, card["summary"].GetString());
    EXPECT_EQ(detail.value()->call.call.hook_instance, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
  }
  shared->Close();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cds::hooks
