#include "hooks/admin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "audit/sqlite_store.hpp"
#include "hooks/config.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;

constexpr std::string_view kToken = "an-admin-token-of-more-than-32-characters";

HttpRequest Request(http::verb method, std::string_view target, std::string_view token = {}) {
  HttpRequest request{method, target, 11};
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + std::string(token));
  return request;
}

std::filesystem::path TempPath(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("cds-admin-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// ---- the credential --------------------------------------------------------------------------

TEST(AdminCredentialTest, BearerTokenComparedByDigest) {
  const AdminCredential credential = AdminCredential::FromToken(kToken);
  EXPECT_TRUE(credential.configured());
  ConnectionInfo connection;
  EXPECT_EQ(credential.Check("Bearer " + std::string(kToken), connection), std::nullopt);
  EXPECT_EQ(credential.Check("bearer  " + std::string(kToken) + " ", connection), std::nullopt);
  EXPECT_EQ(credential.Check("", connection), "no Authorization header");
  EXPECT_EQ(credential.Check("Basic " + std::string(kToken), connection),
            "not a Bearer credential");
  EXPECT_EQ(credential.Check("Bearer " + std::string(kToken) + "x", connection),
            "wrong admin token");
  EXPECT_EQ(credential.Check("Bearer", connection), "not a Bearer credential");
  // A verified client certificate counts only when allowed.
  connection.client_cert_verified = true;
  EXPECT_EQ(credential.Check("", connection), "no Authorization header");
  AdminCredential with_cert = credential;
  with_cert.AllowClientCertificate(true);
  EXPECT_EQ(with_cert.Check("", connection), std::nullopt);
  connection.client_cert_verified = false;
  EXPECT_NE(with_cert.Check("", connection), std::nullopt);
}

TEST(AdminCredentialTest, NothingConfiguredMeansNoAccess) {
  AdminCredential none;
  EXPECT_FALSE(none.configured());
  ConnectionInfo connection;
  connection.client_cert_verified = true;
  EXPECT_NE(none.Check("Bearer x", connection), std::nullopt);
}

TEST(AdminCredentialTest, TokenFileIsTrimmedAndMustBeLongEnough) {
  const auto good = TempPath("token");
  std::ofstream(good) << "  " << kToken << "\n";
  AdminCredential credential;
  ASSERT_EQ(AdminCredential::LoadTokenFile(good.string(), credential), std::nullopt);
  EXPECT_EQ(credential.Check("Bearer " + std::string(kToken), {}), std::nullopt);

  const auto short_file = TempPath("short");
  std::ofstream(short_file) << "short\n";
  EXPECT_THAT(*AdminCredential::LoadTokenFile(short_file.string(), credential),
              HasSubstr("shorter than 32"));
  const auto two_words = TempPath("two-words");
  std::ofstream(two_words) << "0123456789abcdef 0123456789abcdef0123\n";
  EXPECT_THAT(*AdminCredential::LoadTokenFile(two_words.string(), credential),
              HasSubstr("printable"));
  EXPECT_THAT(*AdminCredential::LoadTokenFile(TempPath("missing").string(), credential),
              HasSubstr("cannot read"));
}

// ---- query strings -------------------------------------------------------------------------

TEST(AdminQueryTest, FiltersAndPaging) {
  auto q = ParseAdminQuery(
      "from=2026-11-01&to=2026-11-02&rule=carb-vpa&indicator=critical&patient=pat%201&"
      "user=Practitioner%2F7&outcome=none&limit=20&before=99&tz=-300&service=s");
  ASSERT_TRUE(q) << q.error().message;
  const AdminQuery& v = q.value();
  EXPECT_EQ(audit::Millis(v.filter.from.value()).time_since_epoch().count(), 1793491200000);
  EXPECT_EQ(*v.filter.to - *v.filter.from, std::chrono::days(2));  // `to` day inclusive
  EXPECT_EQ(v.filter.rule_id, "carb-vpa");
  EXPECT_EQ(v.filter.patient_id, "pat 1");
  EXPECT_EQ(v.filter.user_id, "Practitioner/7");
  EXPECT_EQ(v.filter.outcome, "none");
  EXPECT_EQ(v.page.limit, 20u);
  EXPECT_EQ(v.page.before_id, 99);
  EXPECT_EQ(v.utc_offset, std::chrono::minutes(-300));
  auto instant = ParseAdminQuery("from=2026-11-01T10:00:00%2B01:00");
  ASSERT_TRUE(instant);
  EXPECT_EQ(instant.value().filter.from->time_since_epoch().count(), 1793523600000);
  EXPECT_TRUE(ParseAdminQuery(""));
  EXPECT_TRUE(ParseAdminQuery("rule=&limit="));  // empty values do not filter
}

TEST(AdminQueryTest, BadValuesNameTheParameter) {
  for (const auto& [query, path] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "query.limit"},
                                                        {"limit=501", "query.limit"},
                                                        {"limit=ten", "query.limit"},
                                                        {"before=-1", "query.before"},
                                                        {"from=2026-13-01", "query.from"},
                                                        {"to=tomorrow", "query.to"},
                                                        {"indicator=severe", "query.indicator"},
                                                        {"outcome=ignored", "query.outcome"},
                                                        {"tz=900", "query.tz"},
                                                        {"patient=%zz", "query.patient"},
                                                        {"sort=asc", "query.sort"}}) {
    auto q = ParseAdminQuery(query);
    ASSERT_FALSE(q) << query;
    EXPECT_EQ(q.error().code, HookError::kInvalidValue);
    EXPECT_EQ(q.error().path, path) << query;
  }
}

// ---- the routes over a real store --------------------------------------------------------------

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::SqliteOptions options;
    options.path = TempPath("audit.db").string();
    std::filesystem::remove(options.path);
    auto store = audit::SqliteAuditStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::shared_ptr<audit::SqliteAuditStore>(std::move(store).value());
    admin_ = std::make_unique<AdminRoutes>(
        AdminCredential::FromToken(kToken), store_, store_,
        std::vector<RuleLabel>{
            {"carb-vpa", "R05", "Carbapenem with valproate", "1.0.0", "critical"}});
  }

  Result<HttpResponse> Handle(HttpRequest request) {
    std::promise<Result<HttpResponse>> done;
    admin_->Handle(request, {}, [&](Result<HttpResponse> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  std::shared_ptr<audit::SqliteAuditStore> store_;
  std::unique_ptr<AdminRoutes> admin_;
};

TEST_F(AdminRoutesTest, PageAndAssetsWithoutCredentialWithCsp) {
  for (const char* target :
       {"/admin", "/admin/", "/admin/index.html", "/admin/app.js", "/admin/app.css"}) {
    auto r = Handle(Request(http::verb::get, target));
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r.value().result(), http::status::ok) << target;
    EXPECT_EQ(r.value()["Content-Security-Policy"], kAdminContentSecurityPolicy);
    EXPECT_FALSE(r.value().body().empty());
  }
  EXPECT_EQ(Handle(Request(http::verb::get, "/admin/app.js")).value()[http::field::content_type],
            "text/javascript; charset=utf-8");
  for (const char* target : {"/admin/missing.js", "/admin/x/app.js", "/administrator"}) {
    auto r = Handle(Request(http::verb::get, target));
    ASSERT_FALSE(r) << target;
    EXPECT_EQ(r.error().code, HookError::kNotFound) << target;
  }
  EXPECT_EQ(Handle(Request(http::verb::post, "/admin/")).error().code,
            HookError::kMethodNotAllowed);
}

TEST_F(AdminRoutesTest, TheApiNeedsTheToken) {
  auto refused = Handle(Request(http::verb::get, "/admin/api/summary"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, HookError::kUnauthorized);
  EXPECT_EQ(refused.error().internal, "no Authorization header");
  auto wrong = Handle(Request(http::verb::get, "/admin/api/summary", "nope"));
  EXPECT_EQ(wrong.error().code, HookError::kUnauthorized);
  auto ok = Handle(Request(http::verb::get, "/admin/api/summary", kToken));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_THAT(ok.value().body(), HasSubstr(R"("calls":0)"));
  auto rules = Handle(Request(http::verb::get, "/admin/api/rules", kToken));
  EXPECT_THAT(rules.value().body(), HasSubstr("Carbapenem with valproate"));
  EXPECT_EQ(Handle(Request(http::verb::get, "/admin/api/nothing", kToken)).error().code,
            HookError::kNotFound);
  EXPECT_EQ(Handle(Request(http::verb::get, "/admin/api/cards?limit=0", kToken)).error().path,
            "query.limit");
  EXPECT_EQ(Handle(Request(http::verb::post, "/admin/api/summary", kToken)).error().code,
            HookError::kMethodNotAllowed);
}

TEST_F(AdminRoutesTest, NoCredentialConfiguredMeansNotFound) {
  AdminRoutes closed(AdminCredential{}, store_, store_, {});
  EXPECT_FALSE(closed.enabled());
  std::promise<Result<HttpResponse>> done;
  closed.Handle(Request(http::verb::get, "/admin/"), {},
                [&](Result<HttpResponse> r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HookError::kNotFound);
}

// ---- configuration ---------------------------------------------------------------------------

TEST(AuditConfigTest, FileAndCommandLine) {
  ServerConfig c = DefaultConfig();
  EXPECT_TRUE(c.audit.enabled);
  EXPECT_EQ(c.audit.db_file, "var/audit.db");
  EXPECT_EQ(c.audit.retention_days, 365u);
  EXPECT_EQ(c.audit.synchronous, "full");
  ASSERT_EQ(ApplyConfigText(R"({"audit": {"enabled": true, "db_file": "/srv/a.db",
        "retention_days": 30, "synchronous": "normal", "max_batch": 64},
        "admin": {"token_file": "/etc/t", "client_cert": false}})",
                            "test", c),
            std::nullopt);
  EXPECT_EQ(c.audit.db_file, "/srv/a.db");
  EXPECT_EQ(c.audit.retention_days, 30u);
  EXPECT_EQ(c.audit.synchronous, "normal");
  EXPECT_EQ(c.audit.max_batch, 64u);
  EXPECT_EQ(c.admin.token_file, "/etc/t");
  const char* argv[] = {"server", "--audit-db", "x.db", "--admin-token-file", "tok", "--no-audit"};
  EXPECT_EQ(ParseCommandLine(6, argv, c).error, "");
  EXPECT_EQ(c.audit.db_file, "x.db");
  EXPECT_EQ(c.admin.token_file, "tok");
  EXPECT_FALSE(c.audit.enabled);
  EXPECT_THAT(*ApplyConfigText(R"({"audit": {"retention": 3}})", "t", c),
              HasSubstr("audit.retention"));
  for (const char* option : {"--audit-db", "--no-audit", "--admin-token-file"}) {
    EXPECT_THAT(ServerUsage(), HasSubstr(option));
  }
}

TEST(AuditConfigTest, Validation) {
  const auto check = [](void (*change)(ServerConfig&)) {
    ServerConfig c = DefaultConfig();
    change(c);
    return ValidateConfig(c).value_or("");
  };
  EXPECT_EQ(check([](ServerConfig& c) { c.audit.retention_days = 0; }),
            "audit.retention_days must be at least 1");
  EXPECT_EQ(check([](ServerConfig& c) { c.audit.synchronous = "off"; }),
            "audit.synchronous must be full or normal");
  EXPECT_EQ(check([](ServerConfig& c) { c.audit.db_file.clear(); }), "audit.db_file is required");
  EXPECT_EQ(check([](ServerConfig& c) { c.admin.client_cert = true; }),
            "admin.client_cert needs tls.client_ca_file");
  EXPECT_EQ(check([](ServerConfig& c) { c.audit.max_batch = 0; }),
            "audit.max_batch must be at least 1");
}

}  // namespace
}  // namespace cds::hooks
