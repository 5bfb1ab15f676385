#include "hooks/config.hpp"

#include <libpq-fe.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string_view>

#include "hooks/feedback.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/prefetch_allowlist.hpp"

#ifndef CDS_SOURCE_DIR
#define CDS_SOURCE_DIR "."
#endif

namespace cds::hooks {
namespace {

// A dev default resolves against the working directory first (./run.sh runs from the
// repository root), then against the source tree the binary was built from.
std::string DevFile(const std::string& relative) {
  if (std::filesystem::exists(relative)) return relative;
  return std::string(CDS_SOURCE_DIR) + "/" + relative;
}

using Value = rapidjson::Value;

// Beast keeps each header field in 16-bit offsets and throws (out of the parser, ending the
// process) for a field value over 65533 bytes. With the header block capped at 64 KiB no
// single field can get there.
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

// Reads one object of the config with strict key checking.
class Section {
 public:
  Section(const Value& object, std::string path) : object_(object), path_(std::move(path)) {}

  template <typename Handler>
  std::optional<std::string> Each(const std::map<std::string, Handler, std::less<>>& handlers) {
    for (const auto& m : object_.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      const auto it = handlers.find(key);
      const std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
      if (it == handlers.end()) return "unknown setting \"" + path + "\"";
      if (auto error = it->second(m.value, path)) return error;
    }
    return std::nullopt;
  }

 private:
  const Value& object_;
  std::string path_;
};

using Handler = std::function<std::optional<std::string>(const Value&, const std::string&)>;
using Handlers = std::map<std::string, Handler, std::less<>>;

Handler String(std::string& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsString()) return path + ": expected a string";
    out.assign(v.GetString(), v.GetStringLength());
    return std::nullopt;
  };
}

Handler Bool(bool& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsBool()) return path + ": expected true or false";
    out = v.GetBool();
    return std::nullopt;
  };
}

template <typename T>
Handler Unsigned(T& out, std::uint64_t max) {
  return [&out, max](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsUint64() || v.GetUint64() > max) {
      return path + ": expected an integer from 0 to " + std::to_string(max);
    }
    out = static_cast<T>(v.GetUint64());
    return std::nullopt;
  };
}

Handler Millis(std::chrono::milliseconds& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsUint64() || v.GetUint64() == 0 || v.GetUint64() > 3'600'000) {
      return path + ": expected milliseconds from 1 to 3600000";
    }
    out = std::chrono::milliseconds(v.GetUint64());
    return std::nullopt;
  };
}

Handler StringList(std::vector<std::string>& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsArray()) return path + ": expected an array of strings";
    out.clear();
    for (const Value& item : v.GetArray()) {
      if (!item.IsString()) return path + ": expected an array of strings";
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return std::nullopt;
  };
}

Handler Object(std::function<Handlers()> make) {
  return [make](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsObject()) return path + ": expected an object";
    return Section(v, path).Each(make());
  };
}

// "7d", "48h", "90m": a lookback window.
std::optional<std::chrono::seconds> ParseWindow(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n == 0 || n > 100'000) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 'd':
      return std::chrono::days(n);
    case 'h':
      return std::chrono::hours(n);
    case 'm':
      return std::chrono::minutes(n);
    default:
      return std::nullopt;
  }
}

Handler RuleOverrides(engine::RuleSetConfig& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsObject()) return path + ": expected an object of rule ids";
    out.rules.clear();
    for (const auto& rule : v.GetObject()) {
      const std::string id(rule.name.GetString(), rule.name.GetStringLength());
      const std::string rule_path = path + "." + id;
      engine::RuleConfigOverride o;
      if (!rule.value.IsObject()) return rule_path + ": expected an object";
      bool enabled = true;
      bool escalation = true;
      std::string indicator;
      std::map<std::string, std::string, std::less<>> windows;
      Handlers h{
          {"enabled", Bool(enabled)},
          {"indicator", String(indicator)},
          {"allow_escalation", Bool(escalation)},
          {"lookbacks",
           [&windows](const Value& w, const std::string& p) -> std::optional<std::string> {
             if (!w.IsObject()) return p + ": expected an object of windows such as \"7d\"";
             for (const auto& m : w.GetObject()) {
               if (!m.value.IsString()) return p + "." + m.name.GetString() + ": expected \"7d\"";
               windows.emplace(m.name.GetString(), m.value.GetString());
             }
             return std::nullopt;
           }},
      };
      if (auto error = Section(rule.value, rule_path).Each(h)) return error;
      if (rule.value.HasMember("enabled")) o.enabled = enabled;
      if (rule.value.HasMember("allow_escalation")) o.allow_escalation = escalation;
      if (!indicator.empty()) {
        o.indicator = engine::ParseIndicator(indicator);
        if (!o.indicator) return rule_path + ".indicator: expected info, warning or critical";
      }
      for (const auto& [name, text] : windows) {
        const auto window = ParseWindow(text);
        if (!window) {
          return rule_path + ".lookbacks." + name + ": expected a window such as 30d, 48h or 90m";
        }
        o.lookbacks.emplace(name, *window);
      }
      out.rules.emplace(id, std::move(o));
    }
    return std::nullopt;
  };
}

Handler Codings(std::vector<cards::Coding>& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsArray() || v.Empty()) return path + ": expected a non-empty array of Codings";
    out.clear();
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      cards::Coding coding;
      if (!v[i].IsObject()) return item + ": expected {system, code, display}";
      Handlers h{{"system", String(coding.system)},
                 {"code", String(coding.code)},
                 {"display", String(coding.display)}};
      if (auto error = Section(v[i], item).Each(h)) return error;
      out.push_back(std::move(coding));
    }
    return std::nullopt;
  };
}

Handler Seconds(std::chrono::seconds& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsUint64() || v.GetUint64() > 7 * 24 * 3600) {
      return path + ": expected seconds from 0 to 604800";
    }
    out = std::chrono::seconds(v.GetUint64());
    return std::nullopt;
  };
}

Handler Number(double& out, double max) {
  return [&out, max](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsNumber() || v.GetDouble() < 0 || v.GetDouble() > max) {
      return path + ": expected a number from 0 to " + std::to_string(static_cast<long long>(max));
    }
    out = v.GetDouble();
    return std::nullopt;
  };
}

Handler OptionalNumber(std::optional<double>& out, double max) {
  return [&out, max](const Value& v, const std::string& path) -> std::optional<std::string> {
    double value = 0;
    if (auto error = Number(value, max)(v, path)) return error;
    out = value;
    return std::nullopt;
  };
}

Handler Issuers(std::vector<TrustedIssuerConfig>& out) {
  return [&out](const Value& v, const std::string& path) -> std::optional<std::string> {
    if (!v.IsArray()) return path + ": expected an array of issuers";
    out.clear();
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      if (!v[i].IsObject()) return item + ": expected an object";
      TrustedIssuerConfig issuer;
      Handlers h{{"iss", String(issuer.iss)},
                 {"jwks_file", String(issuer.jwks_file)},
                 {"jku", StringList(issuer.jku)},
                 {"algorithms", StringList(issuer.algorithms)},
                 {"tenants", StringList(issuer.tenants)},
                 {"fhir_server_allow", StringList(issuer.fhir_server_allow)},
                 {"requests_per_second", OptionalNumber(issuer.requests_per_second, 1e6)},
                 {"burst", OptionalNumber(issuer.burst, 1e6)}};
      if (auto error = Section(v[i], item).Each(h)) return error;
      out.push_back(std::move(issuer));
    }
    return std::nullopt;
  };
}

Handlers RootHandlers(ServerConfig& c) {
  return {
      {"bind", String(c.bind)},
      {"port", Unsigned(c.port, 65535)},
      {"threads", Unsigned(c.threads, 256)},
      {"public_base_url", String(c.public_base_url)},
      {"log_level", String(c.log_level)},
      {"terminology_dir", String(c.terminology_dir)},
      {"rules", RuleOverrides(c.rules)},
      {"cards", Object([&c] {
         return Handlers{{"override_reasons", Codings(c.override_reasons)},
                         {"topic_system", String(c.topic_system)},
                         {"order_sign_repeat_window_s", Seconds(c.order_sign_repeat_window)}};
       })},
      {"tls", Object([&c] {
         return Handlers{{"cert_file", String(c.tls.cert_file)},
                         {"key_file", String(c.tls.key_file)},
                         {"client_ca_file", String(c.tls.client_ca_file)},
                         {"require_client_cert", Bool(c.tls.require_client_cert)}};
       })},
      {"limits", Object([&c] {
         return Handlers{
             {"header_bytes", Unsigned(c.limits.header_bytes, kMaxHeaderBytes)},
             {"body_bytes", Unsigned(c.limits.body_bytes, 1024ull * 1024 * 1024)},
             {"max_connections", Unsigned(c.limits.max_connections, 1'000'000)},
             {"max_connections_per_client",
              Unsigned(c.limits.max_connections_per_client, 1'000'000)},
             {"issuer_requests_per_second", Number(c.limits.issuer_requests_per_second, 1e6)},
             {"issuer_burst", Number(c.limits.issuer_burst, 1e6)}};
       })},
      {"timeouts_ms", Object([&c] {
         auto& t = c.timeouts;
         return Handlers{{"handshake", Millis(t.handshake)}, {"header", Millis(t.header)},
                         {"idle", Millis(t.idle)},           {"body", Millis(t.body)},
                         {"write", Millis(t.write)},         {"shutdown", Millis(t.shutdown)},
                         {"drain", Millis(t.drain)}};
       })},
      {"cors", Object([&c] {
         return Handlers{{"allowed_origins", StringList(c.cors.allowed_origins)},
                         {"max_age_seconds", Unsigned(c.cors.max_age_seconds, 86400)}};
       })},
      {"audit", Object([&c] {
         return Handlers{{"enabled", Bool(c.audit.enabled)},
                         {"db_file", String(c.audit.db_file)},
                         {"retention_days", Unsigned(c.audit.retention_days, 36500)},
                         {"synchronous", String(c.audit.synchronous)},
                         {"max_batch", Unsigned(c.audit.max_batch, 100000)},
                         {"commit_delay_us", Unsigned(c.audit.commit_delay_us, 100'000)},
                         {"commit_siblings", Unsigned(c.audit.commit_siblings, 100000)},
                         {"on_failure", String(c.audit.on_failure)},
                         {"spool_file", String(c.audit.spool_file)},
                         {"spool_max_bytes", Unsigned(c.audit.spool_max_bytes, 1ULL << 40)},
                         {"busy_timeout_ms", Unsigned(c.audit.busy_timeout_ms, 600'000)}};
       })},
      {"admin", Object([&c] {
         return Handlers{{"token_file", String(c.admin.token_file)},
                         {"client_cert", Bool(c.admin.client_cert)}};
       })},
      {"prefetch", Object([&c] {
         return Handlers{
             {"budget_ms", Millis(c.prefetch.budget)},
             {"page_limit", Unsigned(c.prefetch.page_limit, 100)},
             {"max_response_bytes", Unsigned(c.prefetch.max_response_bytes, 1024ull * 1024 * 1024)},
             {"fhir_allow", StringList(c.prefetch.fhir_allow)}};
       })},
      {"auth", Object([&c] {
         auto& a = c.auth;
         return Handlers{{"insecure_no_auth", Bool(a.disabled)},
                         {"protect_discovery", Bool(a.protect_discovery)},
                         {"issuers", Issuers(a.issuers)},
                         {"clock_skew_s", Unsigned(a.clock_skew_s, 600)},
                         {"max_token_lifetime_s", Unsigned(a.max_token_lifetime_s, 86400)},
                         {"max_token_bytes", Unsigned(a.max_token_bytes, 1024 * 1024)},
                         {"jwks_cache_ttl_s", Unsigned(a.jwks_cache_ttl_s, 86400)},
                         {"jwks_refetch_interval_s", Unsigned(a.jwks_refetch_interval_s, 3600)},
                         {"jwks_fetch_timeout_ms", Unsigned(a.jwks_fetch_timeout_ms, 60'000)},
                         {"replay_cache_entries", Unsigned(a.replay_cache_entries, 100'000'000ull)},
                         {"replay_store", String(a.replay_store)},
                         {"replay_postgres", String(a.replay_postgres)},
                         {"replay_timeout_ms", Unsigned(a.replay_timeout_ms, 60'000)}};
       })},
      {"plain_http", Object([&c] {
         return Handlers{{"enabled", Bool(c.plain_http.enabled)},
                         {"bind", String(c.plain_http.bind)},
                         {"port", Unsigned(c.plain_http.port, 65535)}};
       })},
      {"fhir_client", Object([&c] {
         auto& f = c.fhir_client;
         return Handlers{{"ca_file", String(f.ca_file)},
                         {"allow_http", Bool(f.allow_http)},
                         {"max_idle_per_origin", Unsigned(f.max_idle_per_origin, 1024)},
                         {"idle_timeout_ms", Millis(f.idle_timeout)},
                         {"header_bytes", Unsigned(f.header_bytes, 1024u * 1024)},
                         {"default_timeout_ms", Millis(f.default_timeout)}};
       })},
  };
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// An origin as browsers send it: scheme://host[:port], nothing after the authority.
bool IsOrigin(std::string_view origin) {
  if (!IsAbsoluteHttpUrl(origin)) return false;
  const std::size_t authority = origin.find("://") + 3;
  return origin.find_first_of("/?", authority) == std::string_view::npos;
}

bool ParseUnsigned(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  out = v;
  return true;
}

// --trust-issuer ISS=FILE_OR_URL, split at the first '=' (issuer URIs rarely hold one; a key
// file path or jku URL may). Merges into an issuer of the config file with the same iss.
std::optional<std::string> AddTrustedIssuer(std::string_view value, AuthConfig& auth) {
  const std::size_t eq = value.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == value.size()) {
    return "--trust-issuer needs ISS=JWKS_FILE or ISS=https://JKU_URL";
  }
  const std::string iss(value.substr(0, eq));
  const std::string source(value.substr(eq + 1));
  auto it = std::find_if(auth.issuers.begin(), auth.issuers.end(),
                         [&](const TrustedIssuerConfig& i) { return i.iss == iss; });
  if (it == auth.issuers.end()) {
    auth.issuers.emplace_back();
    it = std::prev(auth.issuers.end());
    it->iss = iss;
  }
  if (StartsWithIgnoreCase(source, "http://")) {
    return "--trust-issuer " + iss + ": a jku must be an https URL";
  }
  if (StartsWithIgnoreCase(source, "https://")) {
    if (std::find(it->jku.begin(), it->jku.end(), source) == it->jku.end()) {
      it->jku.push_back(source);
    }
  } else {
    it->jwks_file = source;
  }
  return std::nullopt;
}

// The replay store's connection string must parse (libpq's own parser) and must not carry a
// password: the configuration is logged at start-up, and secrets live in files.
std::optional<std::string> CheckReplayConninfo(const std::string& conninfo) {
  if (conninfo.empty()) return "required when auth.replay_store is postgresql";
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (options == nullptr) {
    std::string error = message == nullptr ? "cannot be parsed" : message;
    PQfreemem(message);
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return error;
  }
  bool password = false;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = true;
  }
  PQconninfoFree(options);
  if (password) {
    return "must not hold a password (it is logged): use passfile=, PGPASSFILE or ~/.pgpass, "
           "or a client certificate";
  }
  return std::nullopt;
}

}  // namespace

ServerConfig DefaultConfig() {
  ServerConfig c;
  c.tls.cert_file = DevFile("certs/dev/server.pem");
  c.tls.key_file = DevFile("certs/dev/server-key.pem");
  c.terminology_dir = DevFile("engine/terminology");
  return c;
}

std::optional<std::string> ApplyConfigText(std::string text, const std::string& source,
                                           ServerConfig& config) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag |
            rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  if (doc.HasParseError()) {
    return source + ": invalid JSON at byte " + std::to_string(doc.GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
  }
  if (!doc.IsObject()) return source + ": the top level must be an object";
  ServerConfig updated = config;
  if (auto error = Section(doc, "").Each(RootHandlers(updated))) return source + ": " + *error;
  config = std::move(updated);
  return std::nullopt;
}

std::optional<std::string> ApplyConfigFile(const std::string& path, ServerConfig& config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read config file " + path;
  std::ostringstream text;
  text << in.rdbuf();
  return ApplyConfigText(text.str(), path, config);
}

std::string ServerUsage() {
  return R"(Usage: cds-hooks-server [options]

CDS Hooks 2.0 antimicrobial stewardship service (order-select, order-sign) over HTTPS.
With no options it serves https://127.0.0.1:8443 with the dev certificate in certs/dev/.

Options (override the config file, which overrides the defaults):
  --config FILE          JSON configuration file (see config/server.example.jsonc)
  --bind ADDR            address to listen on (default 127.0.0.1)
  --port N               TLS port (default 8443; 0 = pick a free port and print it)
  --threads N            I/O threads (default: number of cores)
  --tls-cert FILE        server certificate chain (PEM)
  --tls-key FILE         server private key (PEM)
  --tls-client-ca FILE   verify client certificates against this CA (mTLS)
  --require-client-cert  refuse TLS clients without a valid certificate (needs --tls-client-ca)
  --public-base-url URL  the public https base URL when behind a proxy (JWT audience)
  --plain-http-port N    ALSO listen for plain HTTP on this port (development only; warns)
  --trust-issuer ISS=JWKS_FILE_OR_HTTPS_URL
                         trust EHR JWTs from issuer ISS (repeatable): a JWK Set FILE pins its
                         keys (never fetched); an https URL allowlists that jku (fetched)
  --protect-discovery    require a JWT on GET /cds-services too
  --replay-postgres CONNINFO
                         remember token ids (jti) in this PostgreSQL database, shared by every
                         instance naming it, instead of in memory (libpq connection string, no
                         password: use passfile= or ~/.pgpass)
  --insecure-no-auth     accept calls without a JWT (development only; warns, and /readyz says so)
  --log-level LEVEL      debug | info | warn | error (default info)
  --terminology-dir DIR  value-set data files (default engine/terminology)
  --now RFC3339          testing only: evaluate as of this instant instead of the clock
  --fhir-allow URL       allow prefetch fetches from this fhirServer base URL prefix
                         (repeatable; replaces prefetch.fhir_allow of the config file; a listed
                         server may be on a private address; default: any public https server)
  --prefetch-budget-ms N time for all prefetch fetches of one call (default 2000)
  --fhir-ca FILE         trust this PEM CA bundle for FHIR and key-set fetches, besides the
                         system store
  --allow-http-fhir      allow http:// FHIR server URLs (development only; warns)
  --audit-db FILE        audit trail database (SQLite; default var/audit.db)
  --no-audit             record nothing (benchmarks and development only; warns)
  --audit-on-failure fail_closed|spool
                         when an audit commit fails (disk full, database locked): answer 503
                         (fail_closed, the default), or spool the record to a local file,
                         answer 200 and replay it into the store later (spool; /readyz warns)
  --audit-spool-file FILE  the spool (default: next to --audit-db, var/audit.spool.ndjson)
  --audit-busy-timeout-ms N  how long a commit waits for a database lock (default 5000)
  --admin-token-file FILE  bearer token for the admin routes (/admin/); without it (or
                         admin.client_cert) the admin routes answer 404
  --help                 print this help and exit
  --version              print the version and exit

On start-up with --port 0 the server prints "listening on https://ADDR:PORT" on stdout.
SIGINT/SIGTERM stop accepting, let in-flight requests finish, then exit 0.
)";
}

CommandLineResult ParseCommandLine(int argc, const char* const* argv, ServerConfig& config) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  // --help / --version win wherever they are; --config is applied before everything else.
  for (std::string_view a : args) {
    if (a == "--help" || a == "-h") return {CommandLineAction::kHelp, ""};
    if (a == "--version") return {CommandLineAction::kVersion, ""};
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return {CommandLineAction::kRun, "--config needs a FILE"};
      if (auto error = ApplyConfigFile(std::string(args[i + 1]), config)) {
        return {CommandLineAction::kRun, *error};
      }
    }
  }
  bool fhir_allow_from_command_line = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    if (opt == "--require-client-cert") {
      config.tls.require_client_cert = true;
      continue;
    }
    if (opt == "--allow-http-fhir") {
      config.fhir_client.allow_http = true;
      continue;
    }
    if (opt == "--no-audit") {
      config.audit.enabled = false;
      continue;
    }
    if (opt == "--insecure-no-auth") {
      config.auth.disabled = true;
      continue;
    }
    if (opt == "--protect-discovery") {
      config.auth.protect_discovery = true;
      continue;
    }
    static const std::vector<std::string_view> kWithValue = {"--config",
                                                             "--bind",
                                                             "--port",
                                                             "--threads",
                                                             "--tls-cert",
                                                             "--tls-key",
                                                             "--tls-client-ca",
                                                             "--public-base-url",
                                                             "--log-level",
                                                             "--plain-http-port",
                                                             "--terminology-dir",
                                                             "--now",
                                                             "--fhir-ca",
                                                             "--audit-db",
                                                             "--audit-on-failure",
                                                             "--audit-spool-file",
                                                             "--audit-busy-timeout-ms",
                                                             "--admin-token-file",
                                                             "--fhir-allow",
                                                             "--prefetch-budget-ms",
                                                             "--trust-issuer",
                                                             "--replay-postgres"};
    if (std::find(kWithValue.begin(), kWithValue.end(), opt) == kWithValue.end()) {
      return {CommandLineAction::kRun, "unknown option " + std::string(opt) + " (see --help)"};
    }
    if (i + 1 >= args.size()) {
      return {CommandLineAction::kRun, std::string(opt) + " needs a value"};
    }
    const std::string_view value = args[++i];
    std::uint64_t number = 0;
    if (opt == "--config") {
      continue;  // applied above
    } else if (opt == "--bind") {
      config.bind = value;
    } else if (opt == "--port") {
      if (!ParseUnsigned(value, 65535, number)) return {CommandLineAction::kRun, "bad --port"};
      config.port = static_cast<std::uint16_t>(number);
    } else if (opt == "--threads") {
      if (!ParseUnsigned(value, 256, number)) return {CommandLineAction::kRun, "bad --threads"};
      config.threads = static_cast<unsigned>(number);
    } else if (opt == "--tls-cert") {
      config.tls.cert_file = value;
    } else if (opt == "--tls-key") {
      config.tls.key_file = value;
    } else if (opt == "--tls-client-ca") {
      config.tls.client_ca_file = value;
    } else if (opt == "--public-base-url") {
      config.public_base_url = value;
    } else if (opt == "--log-level") {
      config.log_level = value;
    } else if (opt == "--terminology-dir") {
      config.terminology_dir = value;
    } else if (opt == "--fhir-ca") {
      config.fhir_client.ca_file = value;
    } else if (opt == "--audit-db") {
      config.audit.db_file = value;
    } else if (opt == "--audit-on-failure") {
      config.audit.on_failure = value;
    } else if (opt == "--replay-postgres") {
      config.auth.replay_store = "postgresql";
      config.auth.replay_postgres = value;
    } else if (opt == "--audit-spool-file") {
      config.audit.spool_file = value;
    } else if (opt == "--audit-busy-timeout-ms") {
      if (!ParseUnsigned(value, 600'000, number)) {
        return {CommandLineAction::kRun, "bad --audit-busy-timeout-ms"};
      }
      config.audit.busy_timeout_ms = static_cast<std::uint32_t>(number);
    } else if (opt == "--admin-token-file") {
      config.admin.token_file = value;
    } else if (opt == "--now") {
      const auto now = ParseRfc3339(value);
      if (!now) return {CommandLineAction::kRun, "bad --now (an RFC 3339 date-time)"};
      config.fixed_now = std::chrono::floor<std::chrono::seconds>(*now);
    } else if (opt == "--fhir-allow") {
      if (!fhir_allow_from_command_line) config.prefetch.fhir_allow.clear();
      fhir_allow_from_command_line = true;
      config.prefetch.fhir_allow.emplace_back(value);
    } else if (opt == "--prefetch-budget-ms") {
      if (!ParseUnsigned(value, 3'600'000, number) || number == 0) {
        return {CommandLineAction::kRun, "bad --prefetch-budget-ms"};
      }
      config.prefetch.budget = std::chrono::milliseconds(number);
    } else if (opt == "--trust-issuer") {
      if (auto error = AddTrustedIssuer(value, config.auth))
        return {CommandLineAction::kRun, *error};
    } else if (opt == "--plain-http-port") {
      if (!ParseUnsigned(value, 65535, number)) {
        return {CommandLineAction::kRun, "bad --plain-http-port"};
      }
      config.plain_http.enabled = true;
      config.plain_http.port = static_cast<std::uint16_t>(number);
    }
  }
  return {CommandLineAction::kRun, ""};
}

std::string AuditSpoolFile(const AuditConfig& audit) {
  if (!audit.spool_file.empty()) return audit.spool_file;
  const std::filesystem::path db(audit.db_file);
  return (db.parent_path() / (db.stem().string() + ".spool.ndjson")).string();
}

std::optional<std::string> ValidateConfig(const ServerConfig& c) {
  if (c.terminology_dir.empty()) return "terminology_dir is required";
  if (c.tls.cert_file.empty() || c.tls.key_file.empty()) {
    return "tls.cert_file and tls.key_file are required";
  }
  if (c.tls.require_client_cert && c.tls.client_ca_file.empty()) {
    return "tls.require_client_cert needs tls.client_ca_file";
  }
  if (!c.public_base_url.empty() && (!IsAbsoluteHttpUrl(c.public_base_url) ||
                                     !StartsWithIgnoreCase(c.public_base_url, "https://"))) {
    return "public_base_url must be an absolute https URL";
  }
  if (c.limits.body_bytes == 0) return "limits.body_bytes must be at least 1";
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    return "log_level must be debug, info, warn or error";
  }
  if (c.limits.header_bytes < 1024) return "limits.header_bytes must be at least 1024";
  if (c.limits.header_bytes > kMaxHeaderBytes) {
    return "limits.header_bytes must be at most 65536";
  }
  cards::CardBuilderOptions card_options;
  card_options.override_reasons = c.override_reasons;
  card_options.topic_system = c.topic_system;
  if (const auto errors = cards::ValidateCardBuilderOptions(card_options); !errors.empty()) {
    return "cards: " + errors.front();
  }
  for (const std::string& origin : c.cors.allowed_origins) {
    if (origin != "*" && !IsOrigin(origin)) {
      return "cors.allowed_origins: \"" + origin +
             "\" is neither \"*\" nor an origin (scheme://host[:port], no path)";
    }
  }
  if (c.prefetch.page_limit == 0) return "prefetch.page_limit must be at least 1";
  if (c.prefetch.max_response_bytes < 1024) {
    return "prefetch.max_response_bytes must be at least 1024";
  }
  FhirServerAllowlist allowlist;
  if (auto error = FhirServerAllowlist::Create(c.prefetch.fhir_allow, allowlist)) {
    return "prefetch.fhir_allow: " + *error;
  }
  if (!c.fhir_client.ca_file.empty() && (!std::filesystem::is_regular_file(c.fhir_client.ca_file) ||
                                         !std::ifstream(c.fhir_client.ca_file))) {
    return "fhir_client.ca_file: cannot read " + c.fhir_client.ca_file;
  }
  if (c.fhir_client.header_bytes < 1024) return "fhir_client.header_bytes must be at least 1024";
  if (c.audit.enabled && c.audit.db_file.empty()) return "audit.db_file is required";
  if (c.audit.retention_days == 0) return "audit.retention_days must be at least 1";
  if (c.audit.synchronous != "full" && c.audit.synchronous != "normal") {
    return "audit.synchronous must be full or normal";
  }
  if (c.audit.max_batch == 0) return "audit.max_batch must be at least 1";
  if (c.audit.on_failure != "fail_closed" && c.audit.on_failure != "spool") {
    return "audit.on_failure must be fail_closed or spool";
  }
  if (c.audit.on_failure == "spool" && c.audit.spool_max_bytes < 4096) {
    return "audit.spool_max_bytes must be at least 4096";
  }
  if (c.audit.enabled && c.audit.on_failure == "spool" &&
      AuditSpoolFile(c.audit) == c.audit.db_file) {
    return "audit.spool_file must differ from audit.db_file";
  }
  if (c.auth.replay_store != "memory" && c.auth.replay_store != "postgresql") {
    return "auth.replay_store must be memory or postgresql";
  }
  if (c.auth.replay_store == "postgresql") {
    if (auto error = CheckReplayConninfo(c.auth.replay_postgres)) {
      return "auth.replay_postgres: " + *error;
    }
  }
  if (c.auth.replay_timeout_ms == 0) return "auth.replay_timeout_ms must be at least 1";
  if (c.admin.client_cert && c.tls.client_ca_file.empty()) {
    return "admin.client_cert needs tls.client_ca_file";
  }
  for (const TrustedIssuerConfig& issuer : c.auth.issuers) {
    FhirServerAllowlist issuer_allowlist;
    if (auto error = FhirServerAllowlist::Create(issuer.fhir_server_allow, issuer_allowlist)) {
      return "auth.issuers[" + issuer.iss + "].fhir_server_allow: " + *error;
    }
  }
  if (c.limits.max_connections == 0 || c.limits.max_connections_per_client == 0) {
    return "limits.max_connections and limits.max_connections_per_client must be at least 1";
  }
  if (c.plain_http.enabled && c.plain_http.port != 0 && c.plain_http.port == c.port &&
      c.plain_http.bind == c.bind) {
    return "plain_http.port must differ from port";
  }
  if (!c.auth.disabled) {
    if (c.auth.issuers.empty()) {
      return "authentication is on but no issuer is trusted: add auth.issuers or --trust-issuer "
             "ISS=JWKS_FILE_OR_HTTPS_URL (or, for development only, --insecure-no-auth)";
    }
    for (std::size_t i = 0; i < c.auth.issuers.size(); ++i) {
      const TrustedIssuerConfig& issuer = c.auth.issuers[i];
      const std::string path = "auth.issuers[" + std::to_string(i) + "]";
      if (issuer.iss.empty()) return path + ".iss is required";
      if (issuer.jwks_file.empty() == issuer.jku.empty()) {
        return path + " (" + issuer.iss +
               "): give exactly one of jwks_file (pinned keys) or jku (allowlisted URLs)";
      }
      for (const std::string& url : issuer.jku) {
        if (!IsAbsoluteHttpUrl(url) || !StartsWithIgnoreCase(url, "https://")) {
          return path + ".jku: \"" + url + "\" is not an absolute https URL";
        }
      }
    }
    if (c.auth.max_token_bytes < 256) return "auth.max_token_bytes must be at least 256";
    if (c.auth.max_token_lifetime_s == 0) return "auth.max_token_lifetime_s must be at least 1";
    if (c.public_base_url.empty() && (c.bind == "0.0.0.0" || c.bind == "::")) {
      return "with authentication on and a wildcard bind address, set public_base_url (the URL "
             "EHRs call, which their tokens' aud must name)";
    }
  }
  return std::nullopt;
}

}  // namespace cds::hooks
