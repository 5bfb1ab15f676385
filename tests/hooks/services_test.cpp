#include "hooks/services.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <regex>
#include <set>
#include <string>

namespace cds::hooks {
namespace {

using ::testing::UnorderedElementsAre;

rapidjson::Document Discovery(const ServiceCatalog& catalog) {
  rapidjson::Document doc;
  doc.Parse(catalog.discovery_json().c_str(), catalog.discovery_json().size());
  EXPECT_FALSE(doc.HasParseError()) << catalog.discovery_json();
  return doc;
}

// Conformance point 22: no null and no empty string, object or array anywhere.
void ExpectNoEmptyValues(const rapidjson::Value& v, const std::string& path) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      ADD_FAILURE() << path << " is null";
      break;
    case rapidjson::kStringType:
      EXPECT_GT(v.GetStringLength(), 0u) << path << " is an empty string";
      break;
    case rapidjson::kObjectType:
      EXPECT_FALSE(v.ObjectEmpty()) << path << " is an empty object";
      for (const auto& m : v.GetObject()) {
        ExpectNoEmptyValues(m.value, path + "." + m.name.GetString());
      }
      break;
    case rapidjson::kArrayType:
      EXPECT_FALSE(v.Empty()) << path << " is an empty array";
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        ExpectNoEmptyValues(v[i], path + "[" + std::to_string(i) + "]");
      }
      break;
    default:
      break;
  }
}

TEST(ServiceCatalogTest, DiscoveryHasAServicesArray) {  // conformance point 1
  const rapidjson::Document doc = Discovery(ServiceCatalog::Default());
  ASSERT_TRUE(doc.IsObject());
  ASSERT_TRUE(doc.HasMember("services"));
  ASSERT_TRUE(doc["services"].IsArray());
  EXPECT_EQ(doc["services"].Size(), 2u);
  EXPECT_EQ(doc.MemberCount(), 1u);
}

TEST(ServiceCatalogTest, EveryServiceHasHookIdDescriptionAndTitle) {  // point 2
  const rapidjson::Document doc = Discovery(ServiceCatalog::Default());
  std::set<std::string> ids;
  std::multiset<std::string> hooks;
  for (const auto& service : doc["services"].GetArray()) {
    ASSERT_TRUE(service.IsObject());
    for (const char* key : {"hook", "id", "description", "title"}) {
      ASSERT_TRUE(service.HasMember(key)) << key;
      ASSERT_TRUE(service[key].IsString()) << key;
      EXPECT_GT(service[key].GetStringLength(), 0u) << key;
    }
    const std::string id = service["id"].GetString();
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
    // The id is a single URL path segment: {baseUrl}/cds-services/{id}.
    EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9._~-]+"))) << id;
    hooks.insert(service["hook"].GetString());
    for (const auto& m : service.GetObject()) {
      EXPECT_TRUE(std::set<std::string>({"hook", "id", "title", "description", "prefetch",
                                         "usageRequirements", "extension"})
                      .count(m.name.GetString()))
          << "unexpected member " << m.name.GetString();
    }
  }
  EXPECT_THAT(hooks, UnorderedElementsAre("order-select", "order-sign"));
}

TEST(ServiceCatalogTest, PrefetchTemplatesUseOnlyAllowedTokens) {  // point 3
  const rapidjson::Document doc = Discovery(ServiceCatalog::Default());
  const std::set<std::string> allowed = {
      "context.patientId",      "context.userId", "context.encounterId", "userPractitionerId",
      "userPractitionerRoleId", "userPatientId",  "userRelatedPersonId"};
  const std::regex token(R"(\{\{\s*([^}]*?)\s*\}\})");
  for (const auto& service : doc["services"].GetArray()) {
    const std::string id = service["id"].GetString();
    ASSERT_TRUE(service.HasMember("prefetch")) << id;
    ASSERT_TRUE(service["prefetch"].IsObject()) << id;
    EXPECT_TRUE(service["prefetch"].HasMember("patient")) << id;
    for (const auto& m : service["prefetch"].GetObject()) {
      const std::string key = m.name.GetString();
      ASSERT_TRUE(m.value.IsString()) << id << " " << key;
      const std::string query = m.value.GetString();
      SCOPED_TRACE(id + " " + key + " = " + query);
      EXPECT_FALSE(query.empty());
      // A relative FHIR read or search URL: Type/... or Type?...
      EXPECT_TRUE(std::regex_search(query, std::regex(R"(^[A-Z][A-Za-z]+[/?])")));
      EXPECT_EQ(query.find("draftOrders"), std::string::npos);
      EXPECT_EQ(query.find("selections"), std::string::npos);
      std::size_t tokens = 0;
      for (auto it = std::sregex_iterator(query.begin(), query.end(), token);
           it != std::sregex_iterator(); ++it) {
        ++tokens;
        EXPECT_TRUE(allowed.count((*it)[1].str())) << "token " << (*it)[0].str();
      }
      EXPECT_GE(tokens, 1u);
      // No stray braces left once the tokens are removed (e.g. "{{context.patientId}").
      const std::string rest = std::regex_replace(query, token, "");
      EXPECT_EQ(rest.find_first_of("{}"), std::string::npos);
      // Valid R4 search syntax (spec digest §4): no `sort:desc=`, no `Condition…&status=`.
      EXPECT_EQ(query.find("sort:"), std::string::npos);
      if (query.starts_with("Condition?")) {
        EXPECT_EQ(query.find("&status="), std::string::npos);
      }
    }
  }
}

TEST(ServiceCatalogTest, DiscoveryHasNoEmptyValues) {  // point 22
  const rapidjson::Document doc = Discovery(ServiceCatalog::Default());
  for (rapidjson::SizeType i = 0; i < doc["services"].Size(); ++i) {
    ExpectNoEmptyValues(doc["services"][i], "services[" + std::to_string(i) + "]");
  }
}

TEST(ServiceCatalogTest, DiscoveryMatchesTheDefinitions) {
  const ServiceCatalog catalog = ServiceCatalog::Default();
  const rapidjson::Document doc = Discovery(catalog);
  ASSERT_EQ(doc["services"].Size(), catalog.services().size());
  for (std::size_t i = 0; i < catalog.services().size(); ++i) {
    const ServiceDefinition& s = catalog.services()[i];
    const auto& json = doc["services"][static_cast<rapidjson::SizeType>(i)];
    EXPECT_EQ(json["id"].GetString(), s.id);
    EXPECT_EQ(json["hook"].GetString(), HookName(s.hook));
    EXPECT_EQ(json["title"].GetString(), s.title);
    EXPECT_EQ(json["description"].GetString(), s.description);
    EXPECT_EQ(json["usageRequirements"].GetString(), s.usage_requirements);
    ASSERT_EQ(json["prefetch"].MemberCount(), s.prefetch.size());
    for (const PrefetchTemplate& p : s.prefetch) {
      ASSERT_TRUE(json["prefetch"].HasMember(p.key.c_str())) << p.key;
      EXPECT_EQ(json["prefetch"][p.key.c_str()].GetString(), p.query);
    }
  }
}

TEST(ServiceCatalogTest, FindByIdAndHookNames) {
  const ServiceCatalog catalog = ServiceCatalog::Default();
  const ServiceDefinition* select = catalog.Find("antimicrobial-stewardship-order-select");
  ASSERT_NE(select, nullptr);
  EXPECT_EQ(select->hook, HookType::kOrderSelect);
  const ServiceDefinition* sign = catalog.Find("antimicrobial-stewardship-order-sign");
  ASSERT_NE(sign, nullptr);
  EXPECT_EQ(sign->hook, HookType::kOrderSign);
  EXPECT_EQ(catalog.Find(""), nullptr);
  EXPECT_EQ(catalog.Find("antimicrobial-stewardship"), nullptr);
  EXPECT_EQ(catalog.Find("ANTIMICROBIAL-STEWARDSHIP-ORDER-SIGN"), nullptr);
  EXPECT_EQ(HookName(HookType::kOrderSelect), "order-select");
  EXPECT_EQ(HookName(HookType::kOrderSign), "order-sign");
}

TEST(ServiceCatalogTest, RequiredPrefetchIncludesWhatTheEngineNeeds) {
  const ServiceCatalog catalog = ServiceCatalog::Default();
  for (const ServiceDefinition& s : catalog.services()) {
    std::set<std::string> required;
    for (const PrefetchTemplate& p : s.prefetch) {
      if (p.required) required.insert(p.key);
    }
    EXPECT_TRUE(required.count("patient")) << s.id;
    // A template with an optional token (encounterId) can never be required.
    for (const PrefetchTemplate& p : s.prefetch) {
      if (p.query.find("encounterId") != std::string::npos) {
        EXPECT_FALSE(p.required) << p.key;
      }
    }
  }
}

TEST(ServiceCatalogTest, OptionalFieldsAreOmittedNotEmpty) {
  const ServiceCatalog catalog({{"bare", HookType::kOrderSign, "Bare", "No prefetch.", "", {}}});
  EXPECT_EQ(catalog.discovery_json(),
            R"({"services":[{"hook":"order-sign","id":"bare","title":"Bare",)"
            R"("description":"No prefetch."}]})");
  const ServiceCatalog empty({});
  EXPECT_EQ(empty.discovery_json(), R"({"services":[]})");
}

TEST(ServiceCatalogTest, StringsAreEscaped) {
  const ServiceCatalog catalog(
      {{"q", HookType::kOrderSelect, "T \"quoted\"", "line\nbreak", "", {{"k", "A?b=\\", false}}}});
  const rapidjson::Document doc = Discovery(catalog);
  EXPECT_STREQ(doc["services"][0]["title"].GetString(), "T \"quoted\"");
  EXPECT_STREQ(doc["services"][0]["description"].GetString(), "line\nbreak");
  EXPECT_STREQ(doc["services"][0]["prefetch"]["k"].GetString(), "A?b=\\");
}

}  // namespace
}  // namespace cds::hooks
