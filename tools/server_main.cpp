// cds-hooks-server: configuration, start-up, and the process lifecycle. Everything else lives
// in the modules (hooks/ for the server itself).
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "audit/schema.hpp"
#include "audit/spooling_sink.hpp"
#include "audit/sqlite_store.hpp"
#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "engine/version.hpp"
#include "hooks/admin.hpp"
#include "hooks/auth/authenticator.hpp"
#include "hooks/auth/pg_replay_store.hpp"
#include "hooks/auth/replay_store.hpp"
#include "hooks/config.hpp"
#include "hooks/fhir_client.hpp"
#include "hooks/log.hpp"
#include "hooks/prefetch_resolver.hpp"
#include "hooks/router.hpp"
#include "hooks/server.hpp"
#include "hooks/service_metrics.hpp"
#include "hooks/services.hpp"
#include "version.hpp"

namespace {

using cds::hooks::LogLevel;
using cds::hooks::LogLine;

// The audit trail (issue 7); null when switched off.
std::shared_ptr<cds::audit::SqliteAuditStore> OpenAudit(const cds::hooks::ServerConfig& config) {
  if (!config.audit.enabled) {
    LogLine(LogLevel::kWarn, "audit trail disabled (--no-audit): hook calls are not recorded");
    return nullptr;
  }
  cds::audit::SqliteOptions options;
  options.path = config.audit.db_file;
  options.synchronous = config.audit.synchronous == "normal" ? cds::audit::Synchronous::kNormal
                                                             : cds::audit::Synchronous::kFull;
  options.retention_days = static_cast<int>(config.audit.retention_days);
  options.max_batch = config.audit.max_batch;
  options.commit_delay = std::chrono::microseconds(config.audit.commit_delay_us);
  options.commit_siblings = config.audit.commit_siblings;
  options.busy_timeout = std::chrono::milliseconds(config.audit.busy_timeout_ms);
  auto store = cds::audit::SqliteAuditStore::Open(options);
  if (!store) throw std::runtime_error("audit trail: " + store.error().message);
  LogLine(LogLevel::kInfo, "audit trail opened")
      .Str("db_file", options.path)
      .Int("schema_version", cds::audit::kSchemaVersion)
      .Str("synchronous", config.audit.synchronous)
      .Int("retention_days", options.retention_days);
  return std::shared_ptr<cds::audit::SqliteAuditStore>(std::move(store).value());
}

// The audit failure policy (issue 8) around the store: what the router writes to.
std::shared_ptr<cds::audit::SpoolingSink> OpenPolicy(
    const cds::hooks::ServerConfig& config, std::shared_ptr<cds::audit::SqliteAuditStore> store) {
  if (!store) return nullptr;
  cds::audit::SpoolOptions options;
  const bool spool = config.audit.on_failure == "spool";
  options.policy =
      spool ? cds::audit::FailurePolicy::kSpool : cds::audit::FailurePolicy::kFailClosed;
  options.path = cds::hooks::AuditSpoolFile(config.audit);
  options.max_bytes = config.audit.spool_max_bytes;
  auto sink = cds::audit::SpoolingSink::Open(std::move(store), options);
  if (!sink) throw std::runtime_error("audit spool: " + sink.error().message);
  const cds::audit::AuditHealth health = sink.value()->Health();
  LogLine line(LogLevel::kInfo, "audit failure policy");
  line.Str("on_failure", config.audit.on_failure)
      .Int("busy_timeout_ms", config.audit.busy_timeout_ms);
  if (spool) {
    line.Str("spool_file", options.path)
        .Int("spool_max_bytes", static_cast<std::int64_t>(options.max_bytes))
        .Int("spooled_records", static_cast<std::int64_t>(health.spooled_records));
  }
  return std::shared_ptr<cds::audit::SpoolingSink>(std::move(sink).value());
}

int Serve(const cds::hooks::ServerConfig& config) {
  // The effective configuration, first: one JSON object, secrets by path only.
  LogLine(LogLevel::kInfo, "configuration")
      .Str("version", CDS_HOOKS_VERSION)
      .Json("config", cds::hooks::EffectiveConfigJson(config));
  const cds::hooks::ServiceCatalog catalog = cds::hooks::ServiceCatalog::Default();
  std::vector<std::string> service_ids;
  for (const auto& service : catalog.services()) service_ids.push_back(service.id);
  auto metrics = std::make_shared<cds::hooks::ServiceMetrics>(
      CDS_HOOKS_VERSION, std::string(cds::engine::EngineVersion()), service_ids);
  auto terminology = cds::engine::Terminology::Load(config.terminology_dir);
  if (!terminology.ok()) {
    const std::string message = "terminology: " + terminology.error().ToString();
    LogLine(LogLevel::kError, "start-up failed").Str("error", message);
    std::cerr << "cds-hooks-server: " << message << "\n";
    return 1;
  }
  LogLine(LogLevel::kInfo, "terminology loaded")
      .Str("dir", config.terminology_dir)
      .Str("version", terminology.value().version());
  metrics->SetTerminologyVersion(terminology.value().version());
  cds::engine::RuleSetOrErrors rules =
      cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue(), config.rules);
  if (!rules.rule_set) {
    for (const auto& e : rules.errors) {
      LogLine(LogLevel::kError, "start-up failed").Str("error", "rules: " + e.ToString());
      std::cerr << "cds-hooks-server: rules: " << e.ToString() << "\n";
    }
    return 1;
  }
  std::vector<cds::hooks::RuleLabel> rule_labels;
  std::string rule_versions;  // "carb-vpa@1.0.0,..."
  for (std::size_t i = 0; i < rules.rule_set->rules().size(); ++i) {
    const auto& meta = rules.rule_set->rules()[i].meta;
    const auto indicator = rules.rule_set->config(i).indicator.value_or(meta.default_indicator);
    rule_labels.push_back({meta.id, meta.catalogue_id, meta.title, meta.version,
                           std::string(cds::engine::ToString(indicator))});
    if (!rule_versions.empty()) rule_versions.push_back(',');
    rule_versions += meta.id + "@" + meta.version;
  }
  LogLine(LogLevel::kInfo, "rules loaded")
      .Int("count", static_cast<std::int64_t>(rules.rule_set->rules().size()))
      .Str("catalogue", "stewardship")
      .Str("versions", rule_versions);
  metrics->SetRulesVersion("stewardship", rules.rule_set->rules().size(), rule_versions);
  cds::hooks::HookEngineOptions engine_options;
  engine_options.cards.override_reasons = config.override_reasons;
  engine_options.cards.topic_system = config.topic_system;
  engine_options.seen_card_ttl = config.order_sign_repeat_window;
  auto engine = std::make_shared<const cds::hooks::HookEngine>(
      std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
      std::move(*rules.rule_set), std::move(engine_options));
  // One event loop for the server, the FHIR client and the prefetch resolver's timers, so
  // fetch completions run on the server's threads.
  const unsigned threads =
      config.threads > 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  auto io = std::make_shared<boost::asio::io_context>(static_cast<int>(threads));
  auto client = std::make_shared<cds::hooks::PooledHttpClient>(io, config.fhir_client);
  cds::hooks::FhirServerAllowlist allowlist;
  if (auto error = cds::hooks::FhirServerAllowlist::Create(config.prefetch.fhir_allow, allowlist)) {
    throw std::runtime_error("prefetch.fhir_allow: " + *error);
  }
  cds::hooks::PrefetchOptions prefetch_options;
  prefetch_options.budget = config.prefetch.budget;
  prefetch_options.page_limit = config.prefetch.page_limit;
  prefetch_options.max_response_bytes = config.prefetch.max_response_bytes;
  prefetch_options.allow_http = config.fhir_client.allow_http;
  auto prefetch = std::make_shared<const cds::hooks::PrefetchResolver>(client, std::move(allowlist),
                                                                       prefetch_options, io);
  {
    LogLine line(LogLevel::kInfo, "prefetch");
    line.Int("budget_ms", config.prefetch.budget.count())
        .Int("page_limit", config.prefetch.page_limit)
        .Int("max_response_bytes", static_cast<std::int64_t>(config.prefetch.max_response_bytes));
    std::string allowed;
    for (const std::string& prefix : config.prefetch.fhir_allow) {
      allowed += (allowed.empty() ? "" : " ") + prefix;
    }
    line.Str("fhir_allow", allowed.empty() ? "(any public https server)" : allowed);
  }
  // Key sets (JWKS) of issuers trusted through a jku are fetched by the same pooled client.
  std::shared_ptr<cds::hooks::HttpClient> http_client = client;
  std::shared_ptr<cds::hooks::auth::Authenticator> authenticator;
  if (!config.auth.disabled) {
    std::shared_ptr<cds::hooks::auth::ReplayStore> replay;
    if (config.auth.replay_store == "postgresql") {
      cds::hooks::auth::PgReplayStoreOptions options;
      options.conninfo = config.auth.replay_postgres;
      options.timeout = std::chrono::milliseconds(config.auth.replay_timeout_ms);
      std::string error;
      replay = cds::hooks::auth::PgReplayStore::Open(options, io->get_executor(), &error);
      if (replay == nullptr) {
        LogLine(LogLevel::kError, "start-up failed").Str("error", "auth.replay_postgres: " + error);
        std::cerr << "cds-hooks-server: auth.replay_postgres: " << error << "\n";
        return 1;
      }
      LogLine(LogLevel::kInfo, "replay store").Str("store", "postgresql");
    } else {
      replay = std::make_shared<cds::hooks::auth::InMemoryReplayStore>(
          static_cast<std::size_t>(config.auth.replay_cache_entries));
    }
    auto created = cds::hooks::auth::Authenticator::Create(
        config.auth, http_client, std::move(replay),
        [metrics](std::string_view result) { metrics->CountJwksFetch(result); });
    if (!created) {
      const auto& e = created.error();
      const std::string message = e.path + ": " + e.message;
      LogLine(LogLevel::kError, "start-up failed").Str("error", message);
      std::cerr << "cds-hooks-server: " << message << "\n";
      return 1;
    }
    authenticator = std::move(created).value();
    metrics->SetReplayStoreHealth([a = authenticator.get()] { return a->ReplayHealth(); });
    for (const auto& issuer : authenticator->issuers()) {
      LogLine line(LogLevel::kInfo, "trusted issuer");
      line.Str("iss", issuer.iss);
      if (issuer.pinned) {
        line.Str("keys", "pinned")
            .Int("key_count", static_cast<std::int64_t>(issuer.pinned->keys.size()));
      } else {
        std::string jku;
        for (const auto& u : issuer.jku) jku += (jku.empty() ? "" : " ") + u;
        line.Str("jku", jku);
      }
    }
  }
  auto router = std::make_shared<cds::hooks::Router>(config, catalog, std::move(engine),
                                                     std::move(prefetch), authenticator);
  const std::shared_ptr<cds::audit::SqliteAuditStore> audit = OpenAudit(config);
  const std::shared_ptr<cds::audit::SpoolingSink> audit_sink = OpenPolicy(config, audit);
  router->SetAuditSink(audit_sink);
  router->SetMetrics(metrics);
  if (audit) {
    metrics->SetAuditQueueDepth(
        [store = audit.get()] { return static_cast<double>(store->queue_depth()); });
    metrics->SetAuditHealth([sink = audit_sink.get()] { return sink->Health(); });
  }
  cds::hooks::AdminCredential admin_credential;
  if (!config.admin.token_file.empty()) {
    if (auto error =
            cds::hooks::AdminCredential::LoadTokenFile(config.admin.token_file, admin_credential)) {
      throw std::runtime_error(*error);
    }
  }
  admin_credential.AllowClientCertificate(config.admin.client_cert);
  if (admin_credential.configured()) {
    router->SetAdminRoutes(std::make_shared<const cds::hooks::AdminRoutes>(
        admin_credential, audit, audit, std::move(rule_labels)));
  }
  cds::hooks::Server server(config, router, io);
  // Scrapes run on the server's threads, so the server outlives every read.
  metrics->SetOpenConnections([&server] { return static_cast<double>(server.open_connections()); });
  if (authenticator) {
    // The audience tokens must name: the public URL, or this listener's own (known only now
    // with --port 0).
    authenticator->SetAudienceBase(config.public_base_url.empty() ? server.tls_url()
                                                                  : config.public_base_url);
    if (config.public_base_url.empty()) {
      LogLine(LogLevel::kWarn,
              "public_base_url unset: tokens must be addressed to this listener's URL; set "
              "--public-base-url to the URL EHRs call")
          .Str("audience_base", authenticator->audience_base());
    }
  } else {
    LogLine(LogLevel::kWarn,
            "AUTHENTICATION DISABLED (--insecure-no-auth): any caller is accepted; development "
            "only, never with patient data");
  }
  if (config.fixed_now) {
    LogLine(LogLevel::kWarn, "clock fixed by --now: testing only, lookbacks ignore the real time");
  }
  if (config.plain_http.enabled) {
    LogLine(LogLevel::kWarn, "plain HTTP listener enabled: development only, no TLS")
        .Str("url", server.plain_url());
  }
  if (config.fhir_client.allow_http) {
    LogLine(LogLevel::kWarn, "http:// FHIR server URLs allowed: development only, no TLS");
  }
  LogLine(LogLevel::kInfo, "started")
      .Str("version", CDS_HOOKS_VERSION)
      .Str("engine", cds::engine::EngineVersion())
      .Str("url", server.tls_url())
      .Int("threads", config.threads)
      .Int("header_limit", config.limits.header_bytes)
      .Int("body_limit", static_cast<std::int64_t>(config.limits.body_bytes))
      .Bool("mtls", !config.tls.client_ca_file.empty())
      .Bool("audit", audit != nullptr)
      .Bool("admin", admin_credential.configured())
      .Bool("metrics", admin_credential.configured())
      .Bool("auth", authenticator != nullptr)
      .Str("public_base_url", config.public_base_url);
  std::cout << "listening on " << server.tls_url() << std::endl;
  if (config.plain_http.enabled) std::cout << "listening on " << server.plain_url() << std::endl;
  server.Run();
  // Commit what is queued while the router its completions call still exists.
  if (audit) {
    // The spool first (its appends answer calls; a replay in flight finishes), then the store.
    audit_sink->Close();
    const cds::audit::AuditHealth health = audit_sink->Health();
    if (health.spooled_records > 0) {
      LogLine(LogLevel::kWarn, "audit spool not fully replayed: replayed at the next start")
          .Int("spooled_records", static_cast<std::int64_t>(health.spooled_records));
    }
    audit->Close();
    const auto stats = audit->stats();
    LogLine(LogLevel::kInfo, "audit trail closed")
        .Int("commits", static_cast<std::int64_t>(stats.commits))
        .Int("items", static_cast<std::int64_t>(stats.items))
        .Int("largest_batch", static_cast<std::int64_t>(stats.largest_batch));
  }
  LogLine(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // A write past RLIMIT_FSIZE fails with EFBIG (an audit commit fails, the policy decides)
  // instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  cds::hooks::ServerConfig config = cds::hooks::DefaultConfig();
  const auto cli = cds::hooks::ParseCommandLine(argc, argv, config);
  if (!cli.error.empty()) {
    std::cerr << "cds-hooks-server: " << cli.error << "\n";
    return 2;
  }
  if (cli.action == cds::hooks::CommandLineAction::kHelp) {
    std::cout << cds::hooks::ServerUsage();
    return 0;
  }
  if (cli.action == cds::hooks::CommandLineAction::kVersion) {
    std::cout << "cds-hooks-server " << CDS_HOOKS_VERSION << " (engine "
              << cds::engine::EngineVersion() << ")\n";
    return 0;
  }
  if (auto error = cds::hooks::ValidateConfig(config)) {
    std::cerr << "cds-hooks-server: configuration: " << *error << "\n";
    return 2;
  }
  cds::hooks::SetLogLevel(cds::hooks::ParseLogLevel(config.log_level));
  try {
    return Serve(config);
  } catch (const std::exception& e) {
    LogLine(LogLevel::kError, "start-up failed").Str("error", e.what());
    std::cerr << "cds-hooks-server: " << e.what() << "\n";
    return 1;
  }
}
