// The effective configuration as JSON, for the start-up log line (issue 8). Secrets are never
// in a ServerConfig (the admin token and TLS keys are files: their paths are shown, never
// their content), so redaction is structural: only the fields listed here are written.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hooks/config.hpp"

namespace cds::hooks {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Int(Writer& w, std::string_view key, std::int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}
void Num(Writer& w, std::string_view key, double value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Double(value);
}
void Bool(Writer& w, std::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}
void List(Writer& w, std::string_view key, const std::vector<std::string>& values) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.StartArray();
  for (const std::string& v : values)
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}
void Object(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.StartObject();
}

}  // namespace

std::string EffectiveConfigJson(const ServerConfig& c) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "bind", c.bind);
  Int(w, "port", c.port);
  Int(w, "threads", c.threads);
  Str(w, "public_base_url", c.public_base_url);
  Str(w, "log_level", c.log_level);
  Str(w, "terminology_dir", c.terminology_dir);
  Bool(w, "fixed_now", c.fixed_now.has_value());
  Object(w, "tls");
  Str(w, "cert_file", c.tls.cert_file);
  Str(w, "key_file", c.tls.key_file);  // the path only
  Str(w, "client_ca_file", c.tls.client_ca_file);
  Bool(w, "require_client_cert", c.tls.require_client_cert);
  w.EndObject();
  Object(w, "limits");
  Int(w, "header_bytes", c.limits.header_bytes);
  Int(w, "body_bytes", static_cast<std::int64_t>(c.limits.body_bytes));
  Int(w, "max_connections", c.limits.max_connections);
  Int(w, "max_connections_per_client", c.limits.max_connections_per_client);
  Num(w, "issuer_requests_per_second", c.limits.issuer_requests_per_second);
  Num(w, "issuer_burst", c.limits.issuer_burst);
  w.EndObject();
  Object(w, "timeouts_ms");
  Int(w, "handshake", c.timeouts.handshake.count());
  Int(w, "header", c.timeouts.header.count());
  Int(w, "idle", c.timeouts.idle.count());
  Int(w, "body", c.timeouts.body.count());
  Int(w, "write", c.timeouts.write.count());
  Int(w, "shutdown", c.timeouts.shutdown.count());
  Int(w, "drain", c.timeouts.drain.count());
  w.EndObject();
  Object(w, "cors");
  List(w, "allowed_origins", c.cors.allowed_origins);
  Int(w, "max_age_seconds", c.cors.max_age_seconds);
  w.EndObject();
  Object(w, "plain_http");
  Bool(w, "enabled", c.plain_http.enabled);
  Str(w, "bind", c.plain_http.bind);
  Int(w, "port", c.plain_http.port);
  w.EndObject();
  Object(w, "prefetch");
  Int(w, "budget_ms", c.prefetch.budget.count());
  Int(w, "page_limit", c.prefetch.page_limit);
  Int(w, "max_response_bytes", static_cast<std::int64_t>(c.prefetch.max_response_bytes));
  List(w, "fhir_allow", c.prefetch.fhir_allow);
  w.EndObject();
  Object(w, "fhir_client");
  Str(w, "ca_file", c.fhir_client.ca_file);
  Bool(w, "allow_http", c.fhir_client.allow_http);
  Int(w, "max_idle_per_origin", static_cast<std::int64_t>(c.fhir_client.max_idle_per_origin));
  Int(w, "idle_timeout_ms", c.fhir_client.idle_timeout.count());
  Int(w, "header_bytes", c.fhir_client.header_bytes);
  Int(w, "default_timeout_ms", c.fhir_client.default_timeout.count());
  w.EndObject();
  Object(w, "auth");
  Bool(w, "disabled", c.auth.disabled);
  Bool(w, "protect_discovery", c.auth.protect_discovery);
  Int(w, "clock_skew_s", c.auth.clock_skew_s);
  Int(w, "max_token_lifetime_s", c.auth.max_token_lifetime_s);
  Int(w, "max_token_bytes", c.auth.max_token_bytes);
  Int(w, "jwks_cache_ttl_s", c.auth.jwks_cache_ttl_s);
  Int(w, "jwks_refetch_interval_s", c.auth.jwks_refetch_interval_s);
  Int(w, "jwks_fetch_timeout_ms", c.auth.jwks_fetch_timeout_ms);
  Int(w, "replay_cache_entries", static_cast<std::int64_t>(c.auth.replay_cache_entries));
  Str(w, "replay_store", c.auth.replay_store);
  if (c.auth.replay_store == "postgresql") {
    Str(w, "replay_postgres", c.auth.replay_postgres);  // validated: holds no password
    Int(w, "replay_timeout_ms", c.auth.replay_timeout_ms);
  }
  w.Key("issuers");
  w.StartArray();
  for (const TrustedIssuerConfig& i : c.auth.issuers) {
    w.StartObject();
    Str(w, "iss", i.iss);
    Str(w, "jwks_file", i.jwks_file);
    List(w, "jku", i.jku);
    List(w, "algorithms", i.algorithms);
    List(w, "tenants", i.tenants);
    List(w, "fhir_server_allow", i.fhir_server_allow);
    if (i.requests_per_second) Num(w, "requests_per_second", *i.requests_per_second);
    if (i.burst) Num(w, "burst", *i.burst);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  Object(w, "audit");
  Bool(w, "enabled", c.audit.enabled);
  Str(w, "db_file", c.audit.db_file);
  Int(w, "retention_days", c.audit.retention_days);
  Str(w, "synchronous", c.audit.synchronous);
  Int(w, "max_batch", c.audit.max_batch);
  Int(w, "commit_delay_us", c.audit.commit_delay_us);
  Int(w, "commit_siblings", c.audit.commit_siblings);
  w.EndObject();
  Object(w, "admin");
  Str(w, "token_file", c.admin.token_file);  // the path only, never the token
  Bool(w, "client_cert", c.admin.client_cert);
  w.EndObject();
  Object(w, "rules");  // overrides of the catalogue defaults, by rule id
  for (const auto& [id, o] : c.rules.rules) {
    Object(w, id);
    if (o.enabled) Bool(w, "enabled", *o.enabled);
    if (o.indicator) Str(w, "indicator", engine::ToString(*o.indicator));
    if (o.allow_escalation) Bool(w, "allow_escalation", *o.allow_escalation);
    if (!o.lookbacks.empty()) {
      Object(w, "lookbacks_s");
      for (const auto& [name, value] : o.lookbacks) Int(w, name, value.count());
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  Int(w, "override_reasons", static_cast<std::int64_t>(c.override_reasons.size()));
  Str(w, "topic_system", c.topic_system);
  Int(w, "order_sign_repeat_window_s", c.order_sign_repeat_window.count());
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace cds::hooks
