#include "hooks/hook_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hooks/json.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

using ::cds::hooks::testing::FilesEndingWith;
using ::cds::hooks::testing::JsonEq;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::cds::hooks::testing::RequestsDir;
using ::cds::hooks::testing::ServiceIdForFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecretToken = "SECRET-TOKEN-123";

const ServiceCatalog& Catalog() {
  static const ServiceCatalog catalog = ServiceCatalog::Default();
  return catalog;
}

const ServiceDefinition& ServiceFor(std::string_view file_name) {
  const ServiceDefinition* service = Catalog().Find(ServiceIdForFile(file_name));
  EXPECT_NE(service, nullptr);
  return *service;
}

// ---- golden invalid files -------------------------------------------------------------------

TEST(HookRequestGoldenTest, DirectoryHoldsBothKindsOfFiles) {
  EXPECT_GE(FilesEndingWith(RequestsDir(), ".invalid.json").size(), 60u);
  EXPECT_GE(FilesEndingWith(RequestsDir(), ".valid.json").size(), 10u);
}

TEST(HookRequestGoldenTest, EveryInvalidFileHasAnOutcomeAndViceVersa) {
  const auto invalid = FilesEndingWith(RequestsDir(), ".invalid.json");
  const auto outcomes = FilesEndingWith(RequestsDir(), ".outcome.json");
  EXPECT_EQ(invalid, outcomes);
}

TEST(HookRequestGoldenTest, InvalidRequestsGetTheExactOutcome) {
  for (const std::string& name : FilesEndingWith(RequestsDir(), ".invalid.json")) {
    SCOPED_TRACE(name);
    const std::string body = ReadFile(RequestsDir() / (name + ".invalid.json"));
    const rapidjson::Document expected =
        ParseJson(ReadFile(RequestsDir() / (name + ".outcome.json")), name);
    ASSERT_TRUE(expected.IsObject() && expected.HasMember("status") && expected.HasMember("body"));

    auto parsed = ParseHookRequest(body, ServiceFor(name));
    ASSERT_FALSE(parsed.ok()) << "accepted";
    EXPECT_EQ(ToHttpStatus(parsed.error().code), expected["status"].GetInt());
    const std::string rendered = RenderOperationOutcome(parsed.error());
    EXPECT_TRUE(JsonEq(expected["body"], ParseJson(rendered, name)));
    // The access token is a secret (spec §3): never in a body, nor in the log-only text.
    EXPECT_THAT(rendered, Not(HasSubstr(kSecretToken)));
    EXPECT_THAT(parsed.error().internal, Not(HasSubstr(kSecretToken)));
  }
}

TEST(HookRequestGoldenTest, SecretTokenIsPresentInTheRequestsThatMustNotLeakIt) {
  // Guards the test above: it is only meaningful if the token is in the inputs.
  for (const char* name :
       {"order-select.token-type-not-bearer", "order-select.token-type-is-the-token",
        "order-select.fhir-authorization-without-fhir-server",
        "order-select.fhir-authorization-is-string", "order-select.fhir-server-with-user-info"}) {
    EXPECT_THAT(ReadFile(RequestsDir() / (std::string(name) + ".invalid.json")),
                HasSubstr(kSecretToken))
        << name;
  }
}

TEST(HookRequestTest, BadFhirAuthorizationNeverEchoesTheAccessToken) {
  const std::string body = R"({"hook":"order-select","hookInstance":"i-1",
      "fhirServer":"https://fhir.example.org",
      "fhirAuthorization":{"access_token":"SECRET-TOKEN-123","token_type":"SECRET-TOKEN-123",
                           "expires_in":"SECRET-TOKEN-123","scope":"user/*.read","subject":"s"},
      "context":{"userId":"Practitioner/1","patientId":"1","selections":["MedicationRequest/1"],
                 "draftOrders":{"resourceType":"Bundle","entry":[
                   {"resource":{"resourceType":"MedicationRequest","id":"1"}}]}}})";
  auto parsed = ParseHookRequest(body, ServiceFor("order-select"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().path, "fhirAuthorization.token_type");
  EXPECT_THAT(RenderOperationOutcome(parsed.error()), Not(HasSubstr(kSecretToken)));
  EXPECT_THAT(parsed.error().message, Not(HasSubstr(kSecretToken)));
  EXPECT_THAT(parsed.error().internal, Not(HasSubstr(kSecretToken)));
}

// ---- golden valid files ---------------------------------------------------------------------

TEST(HookRequestGoldenTest, EveryValidFileParses) {
  for (const std::string& name : FilesEndingWith(RequestsDir(), ".valid.json")) {
    SCOPED_TRACE(name);
    const ServiceDefinition& service = ServiceFor(name);
    auto parsed = ParseHookRequest(ReadFile(RequestsDir() / (name + ".valid.json")), service);
    ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
    EXPECT_EQ(parsed.value().hook, service.hook);
    EXPECT_FALSE(parsed.value().hook_instance.empty());
    EXPECT_FALSE(parsed.value().context.user_id.empty());
    EXPECT_FALSE(parsed.value().context.patient_id.empty());
  }
}

struct DraftExpectation {
  std::string reference;
  bool selected;
  std::size_t entry_index;
};

struct ValidCase {
  std::string file;
  HookType hook;
  std::string hook_instance;
  std::string fhir_server;
  std::string user_id;
  std::string patient_id;
  std::string encounter_id;
  std::vector<std::string> selections;
  std::vector<DraftExpectation> drafts;
  std::map<std::string, PrefetchState> prefetch;
  bool has_authorization = false;
};

const std::vector<DraftExpectation> kStandardSelectDrafts = {{"MedicationRequest/mr-1", false, 0},
                                                             {"MedicationRequest/mr-2", true, 1},
                                                             {"ServiceRequest/sr-3", false, 2}};
const std::vector<DraftExpectation> kStandardSignDrafts = {{"MedicationRequest/mr-1", false, 0},
                                                           {"MedicationRequest/mr-2", false, 1},
                                                           {"ServiceRequest/sr-3", false, 2}};
constexpr std::string_view kSelectInstance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
constexpr std::string_view kSignInstance = "0b4e7b7a-6a2f-4f0e-9a37-3f1f2c3c9d10";
constexpr std::string_view kFhirServer = "https://fhir.example.org/r4";

ValidCase StandardSelect(std::string file) {
  return {std::move(file),
          HookType::kOrderSelect,
          std::string(kSelectInstance),
          std::string(kFhirServer),
          "Practitioner/example",
          "example",
          "enc-1",
          {"MedicationRequest/mr-2"},
          kStandardSelectDrafts,
          {},
          true};
}

std::vector<ValidCase> ValidCases() {
  std::vector<ValidCase> cases;
  cases.push_back({"sandbox-order-select",
                   HookType::kOrderSelect,
                   "580551c0-9fac-4609-9d4f-9ac362f74278",
                   "http://127.0.0.1:8081/fhir",
                   "Practitioner/COREPRACTITIONER1",
                   "123",
                   "",
                   {"MedicationRequest/request-123"},
                   {{"MedicationRequest/request-123", true, 0}},
                   {},
                   false});
  for (const char* file :
       {"order-select.complete", "order-select.unknown-fields-and-extension",
        "order-select.dose-and-rate-object", "order-select.category-and-reason-code-objects",
        "order-select.bundle-without-type", "order-select.token-type-lower-case-bearer",
        "order-select.nesting-64-levels"}) {
    cases.push_back(StandardSelect(file));
  }
  ValidCase minimal = StandardSelect("order-select.minimal");
  minimal.fhir_server.clear();
  minimal.encounter_id.clear();
  minimal.has_authorization = false;
  cases.push_back(minimal);

  ValidCase prefetch = StandardSelect("order-select.prefetch-states");
  prefetch.prefetch = {{"patient", PrefetchState::kResource},
                       {"encounter", PrefetchState::kNull},
                       {"medicationRequests", PrefetchState::kOperationOutcome},
                       {"labObservations", PrefetchState::kOperationOutcome},
                       {"conditions", PrefetchState::kResource},
                       {"microbiologyReports", PrefetchState::kResource}};
  cases.push_back(prefetch);

  ValidCase dstu2 = StandardSelect("order-select.dstu2-medication-order");
  dstu2.fhir_server = "https://r2.smarthealthit.org";
  dstu2.has_authorization = false;
  dstu2.selections = {"MedicationOrder/order-123"};
  dstu2.drafts = {{"MedicationOrder/order-123", true, 0}};
  cases.push_back(dstu2);

  cases.push_back({"order-sign.complete",
                   HookType::kOrderSign,
                   std::string(kSignInstance),
                   std::string(kFhirServer),
                   "Practitioner/example",
                   "example",
                   "enc-1",
                   {},
                   kStandardSignDrafts,
                   {},
                   true});
  cases.push_back({"order-sign.without-encounter-id",
                   HookType::kOrderSign,
                   std::string(kSignInstance),
                   std::string(kFhirServer),
                   "Practitioner/example",
                   "example",
                   "",
                   {},
                   kStandardSignDrafts,
                   {},
                   false});
  return cases;
}

TEST(HookRequestGoldenTest, EveryValidFileHasTypedExpectations) {
  std::vector<std::string> covered;
  for (const ValidCase& c : ValidCases()) covered.push_back(c.file);
  std::sort(covered.begin(), covered.end());
  EXPECT_EQ(covered, FilesEndingWith(RequestsDir(), ".valid.json"));
}

TEST(HookRequestGoldenTest, ValidFilesParseIntoTheExpectedTypedRequest) {
  for (const ValidCase& c : ValidCases()) {
    SCOPED_TRACE(c.file);
    auto parsed =
        ParseHookRequest(ReadFile(RequestsDir() / (c.file + ".valid.json")), ServiceFor(c.file));
    ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
    const HookRequest& r = parsed.value();
    EXPECT_EQ(r.hook, c.hook);
    EXPECT_EQ(r.hook_instance, c.hook_instance);
    EXPECT_EQ(r.fhir_server, c.fhir_server);
    EXPECT_EQ(r.context.user_id, c.user_id);
    EXPECT_EQ(r.context.patient_id, c.patient_id);
    EXPECT_EQ(r.context.encounter_id, c.encounter_id);
    EXPECT_EQ(r.context.selections, c.selections);
    ASSERT_EQ(r.context.draft_orders.size(), c.drafts.size());
    for (std::size_t i = 0; i < c.drafts.size(); ++i) {
      const DraftOrder& order = r.context.draft_orders[i];
      EXPECT_EQ(order.Reference(), c.drafts[i].reference) << i;
      EXPECT_EQ(order.selected, c.drafts[i].selected) << i;
      EXPECT_EQ(order.entry_index, c.drafts[i].entry_index) << i;
      ASSERT_NE(order.resource, nullptr);
      ASSERT_TRUE(order.resource->IsObject());
      EXPECT_EQ(std::string((*order.resource)["resourceType"].GetString()), order.resource_type);
    }
    EXPECT_EQ(r.fhir_authorization.has_value(), c.has_authorization);
    ASSERT_EQ(r.prefetch.size(), c.prefetch.size());
    for (const auto& [key, state] : c.prefetch) {
      const PrefetchItem* item = r.FindPrefetch(key);
      ASSERT_NE(item, nullptr) << key;
      EXPECT_EQ(item->state, state) << key;
      if (state == PrefetchState::kNull) {
        EXPECT_EQ(item->value, nullptr) << key;
      } else {
        ASSERT_NE(item->value, nullptr) << key;
        EXPECT_TRUE(item->value->IsObject()) << key;
      }
    }
  }
}

// ---- focused typed checks -------------------------------------------------------------------

Result<HookRequest> ParseFile(const std::string& name) {
  return ParseHookRequest(ReadFile(RequestsDir() / (name + ".valid.json")), ServiceFor(name));
}

TEST(HookRequestTest, FhirAuthorizationIsParsedIntoItsFields) {
  auto parsed = ParseFile("order-select.complete");
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed.value().fhir_authorization.has_value());
  const FhirAuthorization& auth = *parsed.value().fhir_authorization;
  EXPECT_EQ(auth.access_token, kSecretToken);
  EXPECT_EQ(auth.token_type, "Bearer");
  EXPECT_EQ(auth.expires_in, 300);
  EXPECT_EQ(auth.scope, "user/Patient.read user/MedicationRequest.read user/Observation.read");
  EXPECT_EQ(auth.subject, "antimicrobial-stewardship");
  EXPECT_EQ(auth.patient, "");
}

TEST(HookRequestTest, LowerCaseBearerIsAcceptedAndKeptAsSent) {
  auto parsed = ParseFile("order-select.token-type-lower-case-bearer");
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed.value().fhir_authorization.has_value());
  EXPECT_EQ(parsed.value().fhir_authorization->token_type, "bearer");
}

TEST(HookRequestTest, PrefetchKeepsRequestOrderAndPointsAtTheResources) {
  auto parsed = ParseFile("order-select.prefetch-states");
  ASSERT_TRUE(parsed.ok());
  const HookRequest& r = parsed.value();
  std::vector<std::string> keys;
  for (const PrefetchItem& item : r.prefetch) keys.push_back(item.key);
  EXPECT_THAT(keys, ElementsAre("patient", "encounter", "medicationRequests", "labObservations",
                                "conditions", "microbiologyReports"));
  const PrefetchItem* patient = r.FindPrefetch("patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_STREQ((*patient->value)["birthDate"].GetString(), "1950-04-02");
  EXPECT_EQ(r.FindPrefetch("medicationStatements"), nullptr);  // absent key stays absent
}

TEST(HookRequestTest, DraftOrderPathNamesTheEntry) {
  auto parsed = ParseFile("order-select.complete");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().context.draft_orders[2].Path(), "context.draftOrders.entry[2].resource");
}

TEST(HookRequestTest, RequestOwnsItsJsonIndependentlyOfTheCallersBody) {
  std::string body = ReadFile(RequestsDir() / "sandbox-order-select.valid.json");
  auto parsed = ParseHookRequest(body, ServiceFor("sandbox"));
  body.assign(body.size(), 'x');  // the request parsed its own copy in place
  ASSERT_TRUE(parsed.ok());
  const HookRequest& request = parsed.value();
  ASSERT_EQ(request.context.draft_orders.size(), 1u);
  const rapidjson::Value& resource = *request.context.draft_orders[0].resource;
  EXPECT_STREQ(resource["medicationCodeableConcept"]["text"].GetString(),
               "atorvastatin 10 MG Oral Tablet [Lipitor]");
  // Moving the request keeps the JSON it points into (heap-allocated storage).
  HookRequest moved = std::move(parsed).value();
  HookRequest again(std::move(moved));
  const rapidjson::Value& after = *again.context.draft_orders[0].resource;
  EXPECT_STREQ(after["medicationCodeableConcept"]["text"].GetString(),
               "atorvastatin 10 MG Oral Tablet [Lipitor]");
}

TEST(HookRequestTest, SandboxQuirksSurviveParsing) {
  auto parsed = ParseFile("order-select.dose-and-rate-object");
  ASSERT_TRUE(parsed.ok());
  const rapidjson::Value& r = *parsed.value().context.draft_orders[1].resource;
  EXPECT_TRUE(r["dosageInstruction"][0]["doseAndRate"].IsObject());

  auto categories = ParseFile("order-select.category-and-reason-code-objects");
  ASSERT_TRUE(categories.ok());
  const rapidjson::Value& c = *categories.value().context.draft_orders[1].resource;
  EXPECT_TRUE(c["category"].IsObject());
  EXPECT_TRUE(c["reasonCode"].IsObject());
}

TEST(HookRequestTest, OrderSignIgnoresSelections) {
  // order-sign has no `selections`; one sent anyway is an unknown field and is ignored.
  std::string body = ReadFile(RequestsDir() / "order-sign.complete.valid.json");
  const std::string marker = "\"patientId\"";
  body.insert(body.find(marker), R"("selections": "not even an array", )");
  auto parsed = ParseHookRequest(body, ServiceFor("order-sign"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  EXPECT_TRUE(parsed.value().context.selections.empty());
}

TEST(HookRequestTest, EmptyDraftOrdersBundleIsAcceptedForOrderSign) {
  const std::string body = R"({"hook":"order-sign","hookInstance":"i-2",
      "context":{"userId":"Practitioner/1","patientId":"1",
                 "draftOrders":{"resourceType":"Bundle","type":"collection"}}})";
  auto parsed = ParseHookRequest(body, ServiceFor("order-sign"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  EXPECT_TRUE(parsed.value().context.draft_orders.empty());
}

TEST(HookRequestTest, SelectionsMatchResourceTypeAndIdExactly) {
  // "MedicationRequest/1" must not match an entry "MedicationRequest/11" or "Medication/1".
  const std::string body = R"({"hook":"order-select","hookInstance":"i-3",
      "context":{"userId":"Practitioner/1","patientId":"1","selections":["MedicationRequest/1"],
                 "draftOrders":{"resourceType":"Bundle","entry":[
                   {"resource":{"resourceType":"MedicationRequest","id":"11"}},
                   {"resource":{"resourceType":"Medication","id":"1"}},
                   {"resource":{"resourceType":"MedicationRequest"}}]}}})";
  auto parsed = ParseHookRequest(body, ServiceFor("order-select"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().path, "context.selections[0]");
  EXPECT_EQ(parsed.error().code, HookError::kInvalidValue);
}

TEST(HookRequestTest, SelectionsMarkOnlyTheSelectedEntries) {
  const std::string body = R"({"hook":"order-select","hookInstance":"i-4",
      "context":{"userId":"PractitionerRole/9","patientId":"1",
                 "selections":["MedicationRequest/b","ServiceRequest/x.y-z"],
                 "draftOrders":{"resourceType":"Bundle","entry":[
                   {"resource":{"resourceType":"MedicationRequest","id":"a"}},
                   {"resource":{"resourceType":"MedicationRequest","id":"b"}},
                   {"resource":{"resourceType":"ServiceRequest","id":"x.y-z"}}]}}})";
  auto parsed = ParseHookRequest(body, ServiceFor("order-select"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  const auto& drafts = parsed.value().context.draft_orders;
  ASSERT_EQ(drafts.size(), 3u);
  EXPECT_FALSE(drafts[0].selected);
  EXPECT_TRUE(drafts[1].selected);
  EXPECT_TRUE(drafts[2].selected);
  EXPECT_THAT(parsed.value().context.selections,
              ElementsAre("MedicationRequest/b", "ServiceRequest/x.y-z"));
}

TEST(HookRequestTest, OverlongHookInstanceIsRejected) {
  const std::string body = R"({"hook":"order-sign","hookInstance":")" + std::string(257, 'a') +
                           R"(","context":{"userId":"Practitioner/1","patientId":"1",)"
                           R"("draftOrders":{"resourceType":"Bundle"}}})";
  auto parsed = ParseHookRequest(body, ServiceFor("order-sign"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error(),
            (Error{HookError::kInvalidValue, "hookInstance", "longer than 256 characters", ""}));
}

// ---- IsAbsoluteHttpUrl ----------------------------------------------------------------------

TEST(IsAbsoluteHttpUrlTest, Table) {
  struct Case {
    std::string_view url;
    bool expected;
  };
  const Case cases[] = {
      {"https://fhir.example.org/r4", true},
      {"http://127.0.0.1:8081/fhir", true},
      {"HTTPS://FHIR.EXAMPLE.ORG", true},
      {"https://[::1]:8443/fhir", true},
      {"https://fhir.example.org?x=1", true},
      {"https://h", true},
      {"https://", false},
      {"http://", false},
      {"https:///r4", false},
      {"https://:443/r4", false},
      {"https://user:pw@fhir.example.org", false},
      {"https://fhir.example.org/r4#frag", false},
      {"https://fhir.example.org/r 4", false},
      {"https://fhir.example.org\\r4", false},
      {"https://fhir.example.org/\x7f", false},
      {"ftp://fhir.example.org", false},
      {"fhir.example.org/r4", false},
      {"/r4", false},
      {"", false},
      {"https:/fhir.example.org", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsAbsoluteHttpUrl(c.url), c.expected) << c.url;
  }
  EXPECT_TRUE(IsAbsoluteHttpUrl("https://x.org/" + std::string(2000, 'a')));
  EXPECT_FALSE(IsAbsoluteHttpUrl("https://x.org/" + std::string(2100, 'a')));
}

}  // namespace
}  // namespace cds::hooks
