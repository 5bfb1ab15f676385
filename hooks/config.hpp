// Server configuration: embedded defaults < JSON config file (comments allowed) < command line.
// Every field is documented in config/server.example.jsonc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cards/card_builder.hpp"
#include "engine/rule_config.hpp"

namespace cds::hooks {

struct TlsConfig {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA bundle for client certificates (mTLS); empty = off
  bool require_client_cert = false;
};

struct LimitsConfig {
  std::uint32_t header_bytes = 64 * 1024;       // 431 past this
  std::uint64_t body_bytes = 16 * 1024 * 1024;  // 413 past this
  /// Open connections (TLS and plain together); past it new ones are closed at accept.
  std::uint32_t max_connections = 4096;
  /// Open connections from one client address; past it new ones are closed at accept.
  std::uint32_t max_connections_per_client = 512;
  /// Authenticated requests per issuer: token bucket rate and size; past it 429. 0 = no limit.
  double issuer_requests_per_second = 200;
  double issuer_burst = 400;
};

/// One EHR (JWT issuer) the server trusts (auth.issuers[] / --trust-issuer).
struct TrustedIssuerConfig {
  std::string iss;
  /// Pinned keys: a JWK Set file read at start-up; tokens verify against it whatever their
  /// jku says, and nothing is ever fetched for this issuer.
  std::string jwks_file;
  /// Or: the https key-set URLs this issuer may name in its jku header (the first one is used
  /// for tokens without jku). A jku not listed is never fetched.
  std::vector<std::string> jku;
  std::vector<std::string> algorithms;  // empty = ES384, RS384
  std::vector<std::string> tenants;     // non-empty: the tenant claim must be one of these
  /// fhirServer base URLs this issuer's calls may name (handed to the prefetch resolver in the
  /// Principal); empty = no per-issuer restriction.
  std::vector<std::string> fhir_server_allow;
  std::optional<double> requests_per_second;  // overrides limits.issuer_requests_per_second
  std::optional<double> burst;                // overrides limits.issuer_burst
};

struct AuthConfig {
  /// --insecure-no-auth: every caller is accepted. Development only (warned at start-up and
  /// on /readyz).
  bool disabled = false;
  /// Require a JWT on discovery too (default off: discovery carries no PHI and registration
  /// tools fetch it without one).
  bool protect_discovery = false;
  std::vector<TrustedIssuerConfig> issuers;
  std::uint32_t clock_skew_s = 60;
  std::uint32_t max_token_lifetime_s = 15 * 60;  // exp - iat
  std::uint32_t max_token_bytes = 16 * 1024;     // longer tokens are refused undecoded
  std::uint32_t jwks_cache_ttl_s = 600;
  std::uint32_t jwks_refetch_interval_s = 30;  // per issuer
  std::uint32_t jwks_fetch_timeout_ms = 5000;
  std::uint64_t replay_cache_entries = 1'000'000;  // in-memory jti store bound
  /// Where jtis are remembered: "memory" (this process) or "postgresql" (shared by every
  /// instance that names the same database: run several behind a load balancer).
  std::string replay_store = "memory";
  /// libpq connection string of the postgresql replay store; no password in it (passfile=,
  /// PGPASSFILE or ~/.pgpass, or a client certificate), so it is logged as is.
  std::string replay_postgres;
  std::uint32_t replay_timeout_ms = 2000;  // a check unanswered this long is refused (503)
};

struct TimeoutsConfig {
  std::chrono::milliseconds handshake{10'000};  // TLS handshake
  std::chrono::milliseconds header{10'000};     // first byte of a request to its last header byte
  std::chrono::milliseconds idle{60'000};       // keep-alive wait for the next request
  std::chrono::milliseconds body{30'000};       // end of headers to end of body
  std::chrono::milliseconds write{30'000};      // writing one response
  std::chrono::milliseconds shutdown{5'000};    // TLS close_notify exchange
  std::chrono::milliseconds drain{10'000};      // SIGTERM: time in-flight requests get to finish
};

struct CorsConfig {
  std::vector<std::string> allowed_origins{"*"};  // "*" = any origin (no credentials)
  std::uint32_t max_age_seconds = 600;
};

struct PlainHttpConfig {
  bool enabled = false;  // development only: logs a warning
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;
};

/// Fetching prefetch data the EHR did not send (issue 5).
struct PrefetchConfig {
  std::chrono::milliseconds budget{2000};              // one budget for all fetches of a call
  unsigned page_limit = 5;                             // pages of a search followed via `next`
  std::uint64_t max_response_bytes = 8 * 1024 * 1024;  // per page
  /// Allowed fhirServer base URL prefixes (scheme://host[:port][/path]). Empty: any https
  /// server on a public address. A listed server may be on a private or loopback address.
  std::vector<std::string> fhir_allow;
};

/// Outbound HTTPS client for prefetch (the EHR's FHIR server) and key-set fetches.
struct FhirClientConfig {
  /// PEM CA bundle trusted in addition to the system store (a hospital's internal CA).
  std::string ca_file;
  /// Development only: allow http:// FHIR URLs (logged as a warning at start-up).
  bool allow_http = false;
  std::size_t max_idle_per_origin = 8;             // pooled keep-alive connections per origin
  std::chrono::milliseconds idle_timeout{30'000};  // an idle pooled connection is closed after
  std::uint32_t header_bytes = 64 * 1024;          // largest response header block
  /// The whole-exchange deadline of a request that sets none.
  std::chrono::milliseconds default_timeout{10'000};
};

/// The audit trail (issue 7): every hook call, card and feedback item, committed before the
/// response is written.
struct AuditConfig {
  bool enabled = true;  // false: nothing is recorded (benchmarks and development only; warns)
  std::string db_file = "var/audit.db";  // SQLite file (created 0600, directory 0700)
  std::uint32_t retention_days = 365;    // purged daily and on demand (POST /admin/api/purge)
  std::string synchronous = "full";      // full | normal (normal: a power loss may lose commits)
  std::uint32_t max_batch = 512;         // items per group commit
  // Under load (the last commit carried >= commit_siblings items) the writer waits up to
  // commit_delay_us for more before it commits, while calls are still under way: fewer,
  // larger commits (see docs/audit.md).
  std::uint32_t commit_delay_us = 2000;
  std::uint32_t commit_siblings = 4;
  // Issue 8: when a commit fails (disk full, database locked).
  std::string on_failure = "fail_closed";  // fail_closed (503) | spool (fail open, see below)
  std::string spool_file;  // spool: the NDJSON spool; "" = next to db_file (var/audit.spool.ndjson)
  std::uint64_t spool_max_bytes = 256ULL << 20;  // past it a record is refused (503)
  std::uint32_t busy_timeout_ms = 5000;          // wait for a lock another connection holds
};

/// The spool file `audit` uses: spool_file, or "<db_file's directory>/<stem>.spool.ndjson".
[[nodiscard]] std::string AuditSpoolFile(const AuditConfig& audit);

/// Admin routes (/admin/: the review page and its JSON API).
struct AdminConfig {
  std::string token_file;    // bearer token, read at start-up; empty = no token
  bool client_cert = false;  // also accept a client certificate verified by tls.client_ca_file
};

struct ServerConfig {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8443;    // 0 = pick a free port
  unsigned threads = 0;         // 0 = number of cores
  std::string public_base_url;  // e.g. https://cds.example.org (JWT aud behind a proxy)
  TlsConfig tls;
  LimitsConfig limits;
  TimeoutsConfig timeouts;
  CorsConfig cors;
  PlainHttpConfig plain_http;
  PrefetchConfig prefetch;
  FhirClientConfig fhir_client;
  AuthConfig auth;
  std::string log_level = "info";  // debug | info | warn | error
  std::string terminology_dir;     // value sets (engine/terminology/*.json)
  /// Testing only: evaluate every call as of this instant instead of the clock (golden tests
  /// with fixed lookbacks). Logged as a warning at start-up.
  std::optional<std::chrono::sys_seconds> fixed_now;

  /// Per-rule overrides of the catalogue (enabled, indicator, escalation, lookbacks).
  engine::RuleSetConfig rules;
  /// Card options: the override reasons offered and the source.topic system.
  std::vector<cards::Coding> override_reasons = cards::DefaultOverrideReasons();
  std::string topic_system = std::string(cards::kDefaultTopicSystem);
  /// order-sign does not repeat a card order-select showed for the same unchanged order
  /// within this time.
  std::chrono::seconds order_sign_repeat_window = std::chrono::hours(12);

  AuditConfig audit;
  AdminConfig admin;
};

/// The defaults: https://127.0.0.1:8443 with the dev certificate from certs/dev/.
[[nodiscard]] ServerConfig DefaultConfig();

/// Applies a JSON config file (comments and trailing commas allowed) over `config`. Unknown
/// keys and wrong types are errors naming the key path. Returns the error message, if any.
[[nodiscard]] std::optional<std::string> ApplyConfigFile(const std::string& path,
                                                         ServerConfig& config);
/// Same, from text (for tests); `source` names it in messages.
[[nodiscard]] std::optional<std::string> ApplyConfigText(std::string text,
                                                         const std::string& source,
                                                         ServerConfig& config);

/// What the command line asked for.
enum class CommandLineAction { kRun, kHelp, kVersion };

struct CommandLineResult {
  CommandLineAction action = CommandLineAction::kRun;
  std::string error;  // non-empty: bad command line, print it and exit 2
};

/// Parses the server's command line over `config` (`--config FILE` is applied first, then the
/// other options over it).
[[nodiscard]] CommandLineResult ParseCommandLine(int argc, const char* const* argv,
                                                 ServerConfig& config);

/// Checks cross-field rules (port ranges, files named, URL forms). Returns an error message.
[[nodiscard]] std::optional<std::string> ValidateConfig(const ServerConfig& config);

/// `--help` text.
[[nodiscard]] std::string ServerUsage();

/// The effective configuration as one JSON object, for the start-up log (config_json.cpp).
/// Secrets are never included: key and token files appear by path only.
[[nodiscard]] std::string EffectiveConfigJson(const ServerConfig& config);

}  // namespace cds::hooks
