// Prefetch end to end: the real cds-hooks-server (and cds-hooks-cli) with the real FHIR client,
// against a real FHIR R4 server (tests/node/fhir-server: @medplum/fhir-router, in memory)
// seeded with test patients, over HTTPS with the dev CA (--fhir-ca) and over plain HTTP
// (--allow-http-fhir). Assertions on what reached the FHIR server use its request log.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/fhir_server_process.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr const char* kNow = "2026-11-21T12:00:00Z";  // the seeded patients' data is from then
constexpr const char* kToken = "EHR-ACCESS-TOKEN-77";
constexpr const char* kKpcPatient = "cre-kpc-1";
constexpr const char* kValproatePatient = "on-valproate-1";
constexpr const char* kMeropenem = "1722939";  // meropenem 1000 MG Injection

struct Call {
  std::string patient = kKpcPatient;
  std::string fhir_server;
  bool token = true;
  std::string prefetch;  // JSON object; empty = none
  std::string encounter;
};

std::string HookRequest(const Call& c) {
  std::string json = R"({"hook":"order-select","hookInstance":"it-)" + c.patient + R"(",)";
  json += R"("fhirServer":")" + c.fhir_server + R"(",)";
  if (c.token) {
    json += R"("fhirAuthorization":{"access_token":")" + std::string(kToken) +
            R"(","token_type":"Bearer","expires_in":300,"scope":"user/*.read","subject":"cds"},)";
  }
  json += R"("context":{"userId":"Practitioner/prac-77","patientId":")" + c.patient + R"(",)";
  if (!c.encounter.empty()) json += R"("encounterId":")" + c.encounter + R"(",)";
  json += R"("selections":["MedicationRequest/draft-mero"],"draftOrders":{"resourceType":)"
          R"("Bundle","type":"collection","entry":[{"resource":{"resourceType":)"
          R"("MedicationRequest","id":"draft-mero","status":"draft","intent":"order",)"
          R"("category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/)"
          R"(medicationrequest-category","code":"inpatient"}]}],"medicationCodeableConcept":)"
          R"({"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":")" +
          std::string(kMeropenem) +
          R"(","display":"meropenem 1000 MG Injection"}],"text":"meropenem 1 g IV q8h"},)"
          R"("subject":{"reference":"Patient/)" +
          c.patient +
          R"("},"authoredOn":"2026-11-21T09:10:00Z","dosageInstruction":[{"text":"1 g IV q8h",)"
          R"("timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h"}},"route":{"coding":)"
          R"([{"system":"http://snomed.info/sct","code":"47625008"}]},"doseAndRate":[{)"
          R"("doseQuantity":{"value":1,"unit":"g","system":"http://unitsofmeasure.org",)"
          R"("code":"g"}}]}]}}]}})";
  if (!c.prefetch.empty()) json += R"(,"prefetch":)" + c.prefetch;
  json += "}";
  return json;
}

struct Answer {
  unsigned status = 0;
  std::string body;
  std::vector<std::string> rule_ids;  // source.topic.code of each card
  std::vector<std::string> details;
};

Answer Post(const ServerProcess& server, const std::string& body) {
  TlsClient client(60s);
  Answer answer;
  if (client.Connect(server.port())) return answer;
  Request request = JsonPost(kSelect, body);
  Response response;
  if (client.Send(request, response)) return answer;
  answer.status = response.result_int();
  answer.body = response.body();
  rapidjson::Document doc;
  doc.Parse(answer.body.c_str());
  if (answer.status == 200 && doc.IsObject() && doc["cards"].IsArray()) {
    for (const rapidjson::Value& card : doc["cards"].GetArray()) {
      answer.rule_ids.push_back(card["source"]["topic"]["code"].GetString());
      answer.details.push_back(card.HasMember("detail") ? card["detail"].GetString() : "");
    }
  }
  return answer;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::size_t CountUrls(const std::vector<FhirLogEntry>& log, const std::string& fragment) {
  return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](const FhirLogEntry& e) {
    return e.url.find(fragment) != std::string::npos;
  }));
}

std::string WaitForLog(const ServerProcess& server, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string log = server.Log();
  while (log.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    log = server.Log();
  }
  return log;
}

// One FHIR server for the suite, and one CDS service that may fetch from it (listed, so it may
// be on loopback) over HTTPS with the dev CA and over HTTP.
class PrefetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fhir_ = new FhirServerProcess();
    if (!fhir_->started()) return;
    server_ = new ServerProcess(ServiceArgs());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete fhir_;
    server_ = nullptr;
    fhir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fhir_->started());
    ASSERT_TRUE(server_->started());
    fhir_->Reset();
    fhir_->ExpectToken(kToken);
  }

  // A budget a loaded test machine (ASan, parallel ctest, a cold Node FHIR server) cannot
  // exceed: these tests are about what is fetched and how answers are used, not about speed;
  // the budget has its own test (AHangingFhirServerIs412WithinTheBudget).
  static std::vector<std::string> ServiceArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--prefetch-budget-ms",
                                     "30000",
                                     "--now",
                                     kNow,
                                     "--fhir-ca",
                                     CertPath("ca.pem"),
                                     "--allow-http-fhir",
                                     "--fhir-allow",
                                     fhir_->HttpsBase(),
                                     "--fhir-allow",
                                     fhir_->HttpBase()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  static FhirServerProcess* fhir_;
  static ServerProcess* server_;
};
FhirServerProcess* PrefetchTest::fhir_ = nullptr;
ServerProcess* PrefetchTest::server_ = nullptr;

TEST_F(PrefetchTest, MissingKeysAreFetchedOverHttpsAndTheEngineFiresOnTheFetchedData) {
  Call call;
  call.fhir_server = fhir_->HttpsBase();
  call.encounter = "kpc-enc-55";
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_TRUE(Contains(a.rule_ids, "cre-carb-mono")) << a.body;
  const auto log = fhir_->Log();
  EXPECT_EQ(log.size(), 8u) << "one request per prefetch key";
  for (const FhirLogEntry& e : log) {
    EXPECT_EQ(e.method, "GET");
    EXPECT_EQ(e.listener, "https");
    EXPECT_EQ(e.authorization, "expected") << e.url;
  }
  EXPECT_EQ(CountUrls(log, "/fhir/Patient/cre-kpc-1"), 1u);
  EXPECT_EQ(CountUrls(log, "/fhir/Encounter/kpc-enc-55"), 1u);
  EXPECT_EQ(CountUrls(log, "/fhir/DiagnosticReport?patient=cre-kpc-1&category="), 1u);
  // The service's log: keys and statuses, no token, no query values.
  const std::string service_log = WaitForLog(*server_, "prefetch fetched");
  EXPECT_NE(service_log.find("microbiologyReports=200/1p/"), std::string::npos) << service_log;
  EXPECT_EQ(service_log.find(kToken), std::string::npos);
  EXPECT_EQ(service_log.find("patient=cre-kpc-1"), std::string::npos);
}

TEST_F(PrefetchTest, PlainHttpServerWithAllowHttpFhir) {
  Call call;
  call.patient = kValproatePatient;
  call.fhir_server = fhir_->HttpBase();
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_TRUE(Contains(a.rule_ids, "carb-vpa")) << a.body;
  const auto log = fhir_->Log();
  ASSERT_FALSE(log.empty());
  for (const FhirLogEntry& e : log) EXPECT_EQ(e.listener, "http");
}

TEST_F(PrefetchTest, NullIsNotRefetchedAndAnOperationOutcomeIs) {
  Call call;
  call.fhir_server = fhir_->HttpsBase();
  call.prefetch =
      R"({"patient":null,"encounter":null,"medicationStatements":null,)"
      R"("medicationAdministrations":null,"medicationRequests":null,"labObservations":null,)"
      R"("microbiologyReports":null,"conditions":{"resourceType":"OperationOutcome","issue":)"
      R"([{"severity":"error","code":"timeout"}]}})";
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  const auto log = fhir_->Log();
  ASSERT_EQ(log.size(), 1u) << "only the OperationOutcome key is refetched";
  EXPECT_NE(log[0].url.find("/fhir/Condition?patient=cre-kpc-1"), std::string::npos);
  EXPECT_EQ(CountUrls(log, "/Patient/"), 0u);
  EXPECT_EQ(CountUrls(log, "/DiagnosticReport"), 0u);
}

TEST_F(PrefetchTest, NoAuthorizationHeaderWithoutFhirAuthorization) {
  Call call;
  call.fhir_server = fhir_->HttpsBase();
  call.token = false;
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  const auto log = fhir_->Log();
  ASSERT_FALSE(log.empty());
  for (const FhirLogEntry& e : log) EXPECT_EQ(e.authorization, "none") << e.url;
}

TEST_F(PrefetchTest, PaginatedSearchesAreFollowed) {
  fhir_->SetMaxCount(3);  // the FHIR server now pages every search by 3
  Call call;
  call.patient = "many-labs-1";
  call.fhir_server = fhir_->HttpsBase();
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  const auto log = fhir_->Log();
  // 7 laboratory results in pages of 3: three requests, the later ones with _offset.
  EXPECT_EQ(CountUrls(log, "/fhir/Observation?"), 3u);
  EXPECT_EQ(CountUrls(log, "_offset=3"), 1u);
  EXPECT_EQ(CountUrls(log, "_offset=6"), 1u);
  for (const FhirLogEntry& e : log) EXPECT_EQ(e.authorization, "expected") << e.url;
  EXPECT_NE(WaitForLog(*server_, "labObservations=200/3p/").find("labObservations=200/3p/"),
            std::string::npos);
}

TEST_F(PrefetchTest, OptionalDataThatFailsIsNamedOnTheCards) {
  fhir_->SetFault("500", "/MedicationStatement");
  Call call;
  call.patient = kValproatePatient;
  call.fhir_server = fhir_->HttpsBase();
  const Answer a = Post(*server_, HookRequest(call));
  ASSERT_EQ(a.status, 200u) << a.body;
  ASSERT_TRUE(Contains(a.rule_ids, "carb-vpa")) << a.body;
  for (const std::string& detail : a.details) {
    EXPECT_NE(detail.find("Not available: medicationStatements (FHIR server error (HTTP 500))"),
              std::string::npos)
        << detail;
  }
}

TEST_F(PrefetchTest, RequiredDataThatFailsIs412) {
  for (const std::string fault : {"401", "500", "garbage"}) {
    SCOPED_TRACE(fault);
    fhir_->Reset();
    fhir_->SetFault(fault, "/Condition");
    Call call;
    call.fhir_server = fhir_->HttpsBase();
    const Answer a = Post(*server_, HookRequest(call));
    EXPECT_EQ(a.status, 412u) << a.body;
    EXPECT_NE(a.body.find("prefetch.conditions: required prefetch data could not be retrieved"),
              std::string::npos)
        << a.body;
    EXPECT_EQ(a.body.find(kToken), std::string::npos);
  }
}

TEST_F(PrefetchTest, ADisallowedFhirServerIsRefusedWithoutAnyRequest) {
  ServerProcess strict({"--now", kNow, "--fhir-ca", CertPath("ca.pem"), "--fhir-allow",
                        "https://fhir.example.org/r4"});
  ASSERT_TRUE(strict.started());
  Call call;
  call.fhir_server = fhir_->HttpsBase();
  const Answer a = Post(strict, HookRequest(call));
  EXPECT_EQ(a.status, 412u) << a.body;
  EXPECT_NE(a.body.find("fhirServer not allowed"), std::string::npos) << a.body;
  // Without any list, a loopback server is refused by the client's address check.
  ServerProcess open({"--now", kNow, "--fhir-ca", CertPath("ca.pem")});
  ASSERT_TRUE(open.started());
  const Answer b = Post(open, HookRequest(call));
  EXPECT_EQ(b.status, 412u) << b.body;
  EXPECT_NE(b.body.find("not a public address"), std::string::npos) << b.body;
  EXPECT_TRUE(fhir_->Log().empty()) << "no request reached the FHIR server";
}

TEST_F(PrefetchTest, AFhirServerThatIsDownIs412) {
  FhirServerProcess down;
  ASSERT_TRUE(down.started());
  const std::string base = down.HttpsBase();
  down.Stop();
  ServerProcess service({"--now", kNow, "--fhir-ca", CertPath("ca.pem"), "--fhir-allow", base});
  ASSERT_TRUE(service.started());
  Call call;
  call.fhir_server = base;
  const Answer a = Post(service, HookRequest(call));
  EXPECT_EQ(a.status, 412u) << a.body;
  EXPECT_NE(a.body.find("FHIR server unreachable"), std::string::npos) << a.body;
}

TEST_F(PrefetchTest, AHangingFhirServerIs412WithinTheBudget) {
  ServerProcess service(ServiceArgs({"--prefetch-budget-ms", "1000"}));
  ASSERT_TRUE(service.started());
  fhir_->SetFault("hang");
  Call call;
  call.fhir_server = fhir_->HttpsBase();
  const auto start = std::chrono::steady_clock::now();
  const Answer a = Post(service, HookRequest(call));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.status, 412u) << a.body;
  EXPECT_NE(a.body.find("FHIR server timed out"), std::string::npos) << a.body;
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 5s) << "the budget is 1 s";
  fhir_->Reset();  // releases the hung requests
}

TEST_F(PrefetchTest, HundredConcurrentCallsEachNeedingFetchesAreAllAnsweredCorrectly) {
  // A budget that a loaded test machine cannot exceed: this test is about correctness under
  // concurrency (every call gets its own patient's data), not speed.
  ServerProcess service(ServiceArgs({"--prefetch-budget-ms", "60000"}));
  ASSERT_TRUE(service.started());
  constexpr int kCalls = 100;
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < kCalls; ++i) {
    Call call;
    call.patient = i % 2 == 0 ? kKpcPatient : kValproatePatient;
    call.fhir_server = i % 4 < 2 ? fhir_->HttpsBase() : fhir_->HttpBase();
    answers.push_back(std::async(std::launch::async,
                                 [&service, call] { return Post(service, HookRequest(call)); }));
  }
  for (int i = 0; i < kCalls; ++i) {
    const Answer a = answers[static_cast<std::size_t>(i)].get();
    ASSERT_EQ(a.status, 200u) << "call " << i << ": " << a.body;
    if (i % 2 == 0) {
      EXPECT_TRUE(Contains(a.rule_ids, "cre-carb-mono")) << "call " << i;
      EXPECT_FALSE(Contains(a.rule_ids, "carb-vpa")) << "call " << i;
    } else {
      EXPECT_TRUE(Contains(a.rule_ids, "carb-vpa")) << "call " << i;
      EXPECT_FALSE(Contains(a.rule_ids, "cre-carb-mono")) << "call " << i;
    }
  }
  EXPECT_EQ(fhir_->Log().size(), static_cast<std::size_t>(kCalls) * 7);  // no encounterId
}

// ---- cds-hooks-cli evaluate --------------------------------------------------------------------

TEST_F(PrefetchTest, CliEvaluatesAgainstTheFhirServer) {
  const std::string token_file = WriteTempFile("token.txt", std::string(kToken) + "\n");
  const std::string common = std::string(CLI_BINARY) + " evaluate --fhir-server " +
                             fhir_->HttpsBase() + " --patient " + kKpcPatient + " --rxnorm " +
                             kMeropenem + " --fhir-ca " + CertPath("ca.pem") + " --now " + kNow +
                             " --bearer-token-file " + token_file + " --prefetch-budget-ms 30000";
  const auto readable = RunCommand(common + " 2>&1");
  EXPECT_EQ(readable.exit_code, 0) << readable.output;
  EXPECT_NE(readable.output.find("[CRITICAL] Meropenem: carbapenem monotherapy"), std::string::npos)
      << readable.output;
  for (const FhirLogEntry& e : fhir_->Log()) EXPECT_EQ(e.authorization, "expected") << e.url;

  const auto json = RunCommand(common + " --json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  rapidjson::Document doc;
  doc.Parse(json.output.c_str());
  ASSERT_TRUE(doc.IsObject() && doc["cards"].IsArray()) << json.output;
  bool fired = false;
  for (const rapidjson::Value& card : doc["cards"].GetArray()) {
    fired |= std::string(card["source"]["topic"]["code"].GetString()) == "cre-carb-mono";
  }
  EXPECT_TRUE(fired) << json.output;
}

TEST_F(PrefetchTest, CliOverPlainHttpAndFromAnOrderFile) {
  const std::string order = WriteTempFile(
      "order.json",
      R"({"resourceType":"MedicationRequest","status":"draft","intent":"order",)"
      R"("medicationCodeableConcept":{"coding":[{"system":)"
      R"("http://www.nlm.nih.gov/research/umls/rxnorm","code":"1722939"}],"text":"meropenem"}})");
  const auto r =
      RunCommand(std::string(CLI_BINARY) + " evaluate --fhir-server " + fhir_->HttpBase() +
                 " --allow-http-fhir --patient " + kValproatePatient + " --order " + order +
                 " --now " + kNow + " --prefetch-budget-ms 30000 --json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"("code":"carb-vpa")"), std::string::npos) << r.output;
  for (const FhirLogEntry& e : fhir_->Log()) EXPECT_EQ(e.authorization, "none") << e.url;
  // Plain http without the flag: refused before any connection, exit status 1.
  fhir_->Reset();
  const auto refused =
      RunCommand(std::string(CLI_BINARY) + " evaluate --fhir-server " + fhir_->HttpBase() +
                 " --patient " + kValproatePatient + " --rxnorm 1722939 2>&1");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("412"), std::string::npos) << refused.output;
  EXPECT_TRUE(fhir_->Log().empty());
}

}  // namespace
}  // namespace cds::testing
