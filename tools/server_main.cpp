// cds-hooks-server: configuration, start-up, and the process lifecycle. Everything else lives
// in the modules (hooks/ for the server itself).
#include <csignal>
#include <exception>
#include <iostream>
#include <memory>
#include <thread>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "engine/version.hpp"
#include "hooks/auth/authenticator.hpp"
#include "hooks/auth/replay_store.hpp"
#include "hooks/config.hpp"
#include "hooks/fhir_client.hpp"
#include "hooks/log.hpp"
#include "hooks/router.hpp"
#include "hooks/server.hpp"
#include "hooks/services.hpp"
#include "version.hpp"

namespace {

using cds::hooks::LogLevel;
using cds::hooks::LogLine;

int Serve(const cds::hooks::ServerConfig& config) {
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
  cds::engine::RuleSetOrErrors rules =
      cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue(), config.rules);
  if (!rules.rule_set) {
    for (const auto& e : rules.errors) {
      LogLine(LogLevel::kError, "start-up failed").Str("error", "rules: " + e.ToString());
      std::cerr << "cds-hooks-server: rules: " << e.ToString() << "\n";
    }
    return 1;
  }
  LogLine(LogLevel::kInfo, "rules loaded")
      .Int("count", static_cast<std::int64_t>(rules.rule_set->rules().size()));
  cds::hooks::HookEngineOptions engine_options;
  engine_options.cards.override_reasons = config.override_reasons;
  engine_options.cards.topic_system = config.topic_system;
  engine_options.seen_card_ttl = config.order_sign_repeat_window;
  auto engine = std::make_shared<const cds::hooks::HookEngine>(
      std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
      std::move(*rules.rule_set), std::move(engine_options));
  // One event loop for the server and its outbound HTTPS (JWKS fetches, FHIR fetches), so
  // completions run on the server's threads.
  auto io = std::make_shared<boost::asio::io_context>(
      static_cast<int>(config.threads > 0 ? config.threads : std::thread::hardware_concurrency()));
  auto http_client = std::make_shared<cds::hooks::PooledHttpClient>(io, config.fhir_client);
  std::shared_ptr<cds::hooks::auth::Authenticator> authenticator;
  if (!config.auth.disabled) {
    auto created = cds::hooks::auth::Authenticator::Create(
        config.auth, http_client,
        std::make_shared<cds::hooks::auth::InMemoryReplayStore>(
            static_cast<std::size_t>(config.auth.replay_cache_entries)));
    if (!created) {
      const auto& e = created.error();
      const std::string message = e.path + ": " + e.message;
      LogLine(LogLevel::kError, "start-up failed").Str("error", message);
      std::cerr << "cds-hooks-server: " << message << "\n";
      return 1;
    }
    authenticator = std::move(created).value();
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
  auto router = std::make_shared<cds::hooks::Router>(config, cds::hooks::ServiceCatalog::Default(),
                                                     std::move(engine), authenticator);
  cds::hooks::Server server(config, router, io);
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
      .Bool("auth", authenticator != nullptr)
      .Str("public_base_url", config.public_base_url);
  std::cout << "listening on " << server.tls_url() << std::endl;
  if (config.plain_http.enabled) std::cout << "listening on " << server.plain_url() << std::endl;
  server.Run();
  LogLine(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
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
