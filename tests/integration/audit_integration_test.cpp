// The audit trail through the real server (issue 7): every answered call and every feedback item
// is in the store, under concurrency and after a SIGKILL; error responses are recorded; the
// admin routes need their credential; the CLI exports what the server recorded.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr const char* kFeedback = "/cds-services/antimicrobial-stewardship-order-select/feedback";
constexpr const char* kToken = "test-admin-token-0123456789-abcdefghijklmnop";

// The realistic order-select call of the benchmarks (it fires two cards), with a placeholder
// hookInstance to replace per request.
const std::string& RequestTemplate() {
  static const std::string text = [] {
    rapidjson::Document doc;
    doc.Parse(ReadFile(std::string(CDS_SOURCE_DIR) + "/bench/data/order-select-10k.json").c_str());
    auto& alloc = doc.GetAllocator();
    doc["hookInstance"].SetString("HOOK-INSTANCE", alloc);
    // A secret the audit trail must never keep.
    rapidjson::Value auth(rapidjson::kObjectType);
    auth.AddMember("access_token", "SECRET-ACCESS-TOKEN-7f3a", alloc);
    auth.AddMember("token_type", "Bearer", alloc);
    auth.AddMember("expires_in", 300, alloc);
    auth.AddMember("scope", "patient/*.read", alloc);
    auth.AddMember("subject", "cds-service", alloc);
    doc.AddMember("fhirAuthorization", auth, alloc);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
  }();
  return text;
}

std::string CallBody(const std::string& hook_instance) {
  std::string body = RequestTemplate();
  body.replace(body.find("HOOK-INSTANCE"), 13, hook_instance);
  return body;
}

std::string AdminTokenFile() {
  static const std::string path = WriteTempFile("admin-token", std::string(kToken) + "\n");
  return path;
}

std::string TempDbPath(const std::string& name) {
  const std::string path = WriteTempFile(name, "");
  std::remove(path.c_str());
  return path;
}

// Reads the store with SQLite itself, independently of the server's code.
std::vector<std::string> Column(const std::string& db_path, const std::string& query) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::int64_t Scalar(const std::string& db_path, const std::string& query) {
  const auto rows = Column(db_path, query);
  return rows.empty() ? -1 : std::stoll(rows[0]);
}

Response Send(TlsClient& client, Request request) {
  Response response;
  const auto ec = client.Send(request, response);
  EXPECT_FALSE(ec) << ec.message();
  return response;
}

Request AdminGet(const std::string& target, const std::string& token = kToken) {
  Request request = Get(target);
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  return request;
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text.substr(0, 200);
  return doc;
}

std::string FeedbackBody(const std::vector<std::string>& items) {
  std::string body = R"({"feedback":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}

std::string AcceptedItem(const std::string& card, const std::string& suggestion) {
  return R"({"card":")" + card + R"(","outcome":"accepted","acceptedSuggestions":[{"id":")" +
         suggestion + R"("}],"outcomeTimestamp":"2026-11-21T10:05:31Z"})";
}

std::string OverriddenItem(const std::string& card) {
  // The Sandbox sends no display: the server fills it from the configured override reasons.
  return R"({"card":")" + card +
         R"(","outcome":"overridden","overrideReason":{"reason":{"system":)"
         R"("https://cds.example.org/stewardship-override-reasons","code":"id-approved"},)"
         R"("userComment":"ID consult agreed"},"outcomeTimestamp":"2026-11-21T10:06:00Z"})";
}

// ---- concurrency, feedback, summary -------------------------------------------------------

TEST(AuditTrail, ConcurrentCallsAndFeedbackAreAllRecordedAndSummarised) {
  ServerProcess server({"--admin-token-file", AdminTokenFile()});
  ASSERT_TRUE(server.started());
  const std::string db = server.audit_db();
  constexpr int kThreads = 8;
  constexpr int kCalls = 12;
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> cards;  // uuid, first suggestion uuid
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TlsClient client;
      ASSERT_FALSE(client.Connect(server.port()));
      for (int i = 0; i < kCalls; ++i) {
        const std::string hi = "conc-" + std::to_string(t) + "-" + std::to_string(i);
        const Response response = Send(client, JsonPost(kSelect, CallBody(hi)));
        if (response.result_int() != 200) continue;
        ++ok;
        const auto doc = Json(response.body());
        std::lock_guard lock(mutex);
        for (const auto& card : doc["cards"].GetArray()) {
          cards.emplace_back(card["uuid"].GetString(), card["suggestions"][0]["uuid"].GetString());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok.load(), kThreads * kCalls);
  ASSERT_EQ(cards.size(), 2u * kThreads * kCalls);  // two cards per call

  // Feedback on every card, from 4 connections at once: even cards accepted, odd overridden,
  // plus one item per request on a card uuid never issued.
  threads.clear();
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      TlsClient client;
      ASSERT_FALSE(client.Connect(server.port()));
      for (std::size_t i = static_cast<std::size_t>(t); i < cards.size(); i += 4) {
        const auto& [uuid, suggestion] = cards[i];
        const std::string item = i % 2 == 0 ? AcceptedItem(uuid, suggestion) : OverriddenItem(uuid);
        const auto response = Send(client, JsonPost(kFeedback, FeedbackBody({item})));
        EXPECT_EQ(response.result_int(), 200) << response.body();
      }
      const auto response =
          Send(client,
               JsonPost(kFeedback, FeedbackBody({OverriddenItem("ghost-" + std::to_string(t))})));
      EXPECT_EQ(response.result_int(), 200);
    });
  }
  for (auto& t : threads) t.join();

  // Every call and item is on disk, linked, before anything else happens (no waiting).
  const int n = kThreads * kCalls;
  EXPECT_EQ(Scalar(db,
                   "SELECT count(DISTINCT hook_instance) FROM calls WHERE hook_instance "
                   "LIKE 'conc-%' AND http_status = 200"),
            n);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM cards"), 2 * n);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM feedback WHERE unknown_card = 0"), 2 * n);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM feedback WHERE unknown_card = 1"), 4);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM cards WHERE outcome IS NULL"), 0);
  // One draft order per call.
  EXPECT_EQ(Scalar(db, "SELECT sum(json_array_length(orders)) FROM calls"), n);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM calls WHERE issuer <> '' OR length(patient_id) = 0"),
            0);  // no JWT yet (issue 6); every call names its patient
  EXPECT_EQ(Column(db,
                   "SELECT DISTINCT reason_display FROM feedback WHERE outcome = "
                   "'overridden' AND unknown_card = 0"),
            std::vector<std::string>{"Approved by Infectious Diseases"});
  // Never stored: the fhirAuthorization access token the request carried.
  const std::string db_text = ReadFile(db) + ReadFile(db + "-wal");
  EXPECT_EQ(db_text.find("SECRET-ACCESS-TOKEN"), std::string::npos);
  EXPECT_NE(db_text.find("conc-0-0"), std::string::npos);  // the search itself works

  // The summary API agrees.
  TlsClient admin;
  ASSERT_FALSE(admin.Connect(server.port()));
  const auto summary = Json(Send(admin, AdminGet("/admin/api/summary")).body());
  EXPECT_EQ(summary["calls"].GetInt(), n);
  EXPECT_EQ(summary["cards"].GetInt(), 2 * n);
  EXPECT_EQ(summary["unknownCardFeedback"].GetInt(), 4);
  int accepted = 0, overridden = 0, none = 0;
  for (const auto& rule : summary["rules"].GetArray()) {
    accepted += rule["accepted"].GetInt();
    overridden += rule["overridden"].GetInt();
    none += rule["noFeedback"].GetInt();
  }
  EXPECT_EQ(accepted, n);
  EXPECT_EQ(overridden, n);
  EXPECT_EQ(none, 0);
  // Drill-down: one card with its evidence, suggestions, call and feedback.
  const auto detail = Json(Send(admin, AdminGet("/admin/api/cards/" + cards[1].first)).body());
  EXPECT_EQ(std::string(detail["card"]["uuid"].GetString()), cards[1].first);
  EXPECT_GT(detail["card"]["evidence"].Size(), 0u);
  EXPECT_GT(detail["card"]["suggestions"].Size(), 0u);
  ASSERT_EQ(detail["feedback"].Size(), 1u);
  EXPECT_EQ(std::string(detail["feedback"][0]["overrideReason"]["userComment"].GetString()),
            "ID consult agreed");
  // Paging through the cards visits each once.
  std::set<std::string> seen;
  std::string next;
  for (int page = 0; page < 100; ++page) {
    const auto doc = Json(
        Send(admin, AdminGet("/admin/api/cards?limit=50" + (next.empty() ? "" : "&before=" + next)))
            .body());
    for (const auto& card : doc["items"].GetArray()) seen.insert(card["uuid"].GetString());
    if (doc["next"].IsNull()) break;
    next = std::to_string(doc["next"].GetInt64());
  }
  EXPECT_EQ(seen.size(), 2u * n);
}

TEST(AuditTrail, ErrorResponsesAreRecordedWithTheirStatus) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  TlsClient client;
  ASSERT_FALSE(client.Connect(server.port()));
  EXPECT_EQ(Send(client, JsonPost(kSelect, "{not json")).result_int(), 400);
  Request text = JsonPost(kSelect, "{}");
  text.set(http::field::content_type, "text/plain");
  EXPECT_EQ(Send(client, text).result_int(), 415);
  std::string wrong_hook = CallBody("err-hook");
  wrong_hook.replace(wrong_hook.find("\"order-select\""), 14, "\"order-sign\"");
  EXPECT_EQ(Send(client, JsonPost(kSelect, wrong_hook)).result_int(), 400);
  EXPECT_EQ(Column(server.audit_db(), "SELECT http_status || ' ' || error FROM calls ORDER BY id"),
            (std::vector<std::string>{"400 malformed_json", "415 unsupported_media_type",
                                      "400 invalid_value"}));
  // Feedback that fails validation stores nothing.
  EXPECT_EQ(Send(client, JsonPost(kFeedback, R"({"feedback":[]})")).result_int(), 400);
  EXPECT_EQ(Scalar(server.audit_db(), "SELECT count(*) FROM feedback"), 0);
}

// ---- durability -------------------------------------------------------------------------

// A client records every 200 it receives while 8 connections load the server; the server is
// SIGKILLed mid-load, restarted on the same file, and every recorded call must be there.
TEST(AuditTrail, SigkillUnderLoadLosesNoAnsweredCall) {
  const std::string db = TempDbPath("durable.db");
  std::vector<std::string> answered;
  std::mutex mutex;
  {
    ServerProcess server({"--audit-db", db, "--threads", "2"});
    ASSERT_TRUE(server.started());
    std::atomic<bool> stop{false};
    std::atomic<int> count{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
      clients.emplace_back([&, t] {
        TlsClient client(5s);
        if (client.Connect(server.port())) return;
        for (int i = 0; !stop; ++i) {
          const std::string hi = "kill-" + std::to_string(t) + "-" + std::to_string(i);
          Request request = JsonPost(kSelect, CallBody(hi));
          Response response;
          if (client.Send(request, response)) return;  // the server is gone
          if (response.result_int() == 200) {
            std::lock_guard lock(mutex);
            answered.push_back(hi);
            ++count;
          }
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (count < 200 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server.SignalAndWait(SIGKILL, 10s), 128 + SIGKILL);
    stop = true;
    for (auto& c : clients) c.join();
  }
  ASSERT_GE(answered.size(), 200u);
  // Restart on the same file (SQLite recovers the WAL), then read it independently.
  ServerProcess restarted({"--audit-db", db});
  ASSERT_TRUE(restarted.started());
  const auto stored = Column(db, "SELECT hook_instance FROM calls");
  const std::set<std::string> in_store(stored.begin(), stored.end());
  std::vector<std::string> missing;
  for (const std::string& hi : answered) {
    if (!in_store.contains(hi)) missing.push_back(hi);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << answered.size()
                               << " answered calls are missing, e.g. " << missing.front();
  // Each answered call has its two cards too.
  EXPECT_EQ(Scalar(db,
                   "SELECT count(*) FROM calls c WHERE (SELECT count(*) FROM cards k WHERE "
                   "k.call_id = c.id) <> 2 AND c.http_status = 200"),
            0);
}

// ---- admin routes -------------------------------------------------------------------------

TEST(AdminRoutes, AbsentWithoutACredential) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  TlsClient client;
  ASSERT_FALSE(client.Connect(server.port()));
  EXPECT_EQ(Send(client, Get("/admin/")).result_int(), 404);
  EXPECT_EQ(Send(client, AdminGet("/admin/api/summary")).result_int(), 404);
}

TEST(AdminRoutes, TheApiNeedsTheTokenThePageDoesNot) {
  ServerProcess server({"--admin-token-file", AdminTokenFile()});
  ASSERT_TRUE(server.started());
  TlsClient client;
  ASSERT_FALSE(client.Connect(server.port()));
  for (const std::string& token :
       {std::string(), std::string("wrong-token"), std::string(kToken) + "x"}) {
    const Response refused = Send(client, AdminGet("/admin/api/summary", token));
    EXPECT_EQ(refused.result_int(), 401) << token;
    EXPECT_EQ(refused[http::field::www_authenticate], "Bearer");
    EXPECT_EQ(refused.body().find("summary"), std::string::npos);
  }
  Request basic = Get("/admin/api/summary");
  basic.set(http::field::authorization, std::string("Basic ") + kToken);
  EXPECT_EQ(Send(client, basic).result_int(), 401);

  const Response ok = Send(client, AdminGet("/admin/api/summary"));
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(ok[http::field::access_control_allow_origin], "");
  EXPECT_EQ(ok[http::field::cache_control], "no-store");

  const Response page = Send(client, Get("/admin/"));
  EXPECT_EQ(page.result_int(), 200);
  EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(page["Content-Security-Policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(page.body().find("<script>"), std::string::npos);  // no inline script
  EXPECT_NE(page.body().find("/admin/app.js"), std::string::npos);
  EXPECT_EQ(Send(client, Get("/admin/app.js")).result_int(), 200);
  EXPECT_EQ(Send(client, Get("/admin/app.css")).result_int(), 200);
  EXPECT_EQ(Send(client, Get("/admin/nope.js")).result_int(), 404);

  EXPECT_EQ(Send(client, AdminGet("/admin/api/cards?limit=501")).result_int(), 400);
  EXPECT_EQ(Send(client, AdminGet("/admin/api/cards?outcome=maybe")).result_int(), 400);
  EXPECT_EQ(Send(client, AdminGet("/admin/api/cards?from=yesterday")).result_int(), 400);
  EXPECT_EQ(Send(client, AdminGet("/admin/api/cards/no-such-card")).result_int(), 404);
  EXPECT_EQ(Send(client, AdminGet("/admin/api/purge")).result_int(), 405);
  Request purge = AdminGet("/admin/api/purge");
  purge.method(http::verb::post);
  const Response purged = Send(client, purge);
  EXPECT_EQ(purged.result_int(), 200);
  EXPECT_TRUE(Json(purged.body()).HasMember("cutoff"));
  const auto rules = Json(Send(client, AdminGet("/admin/api/rules")).body());
  ASSERT_TRUE(rules.IsArray());
  EXPECT_GT(rules.Size(), 10u);
  // The token never reaches the log.
  EXPECT_EQ(server.Log().find(kToken), std::string::npos);
}

TEST(AdminRoutes, AVerifiedClientCertificateIsACredentialWhenAllowed) {
  const std::string config =
      WriteTempFile("admin-mtls.jsonc", R"({"admin": {"client_cert": true}})");
  ServerProcess server({"--config", config, "--tls-client-ca", CertPath("ca.pem")});
  ASSERT_TRUE(server.started());
  const std::string base = "curl -s -o /dev/null -w '%{http_code}' --cacert " + CertPath("ca.pem");
  EXPECT_EQ(RunCommand(base + " " + server.Url("/admin/api/summary")).output, "401");
  EXPECT_EQ(RunCommand(base + " --cert " + CertPath("client.pem") + " --key " +
                       CertPath("client-key.pem") + " " + server.Url("/admin/api/summary"))
                .output,
            "200");
}

TEST(AdminRoutes, AShortTokenFileStopsStartUp) {
  const std::string file = WriteTempFile("short-token", "abc\n");
  const auto run =
      RunCommand(std::string(SERVER_BINARY) + " --port 0 --insecure-no-auth --audit-db " +
                 TempDbPath("short.db") + " --admin-token-file " + file + " 2>&1");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("shorter than 32 characters"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace cds::testing
