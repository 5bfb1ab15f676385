#include "hooks/service_metrics.hpp"

#include <initializer_list>
#include <memory>

namespace cds::hooks {

namespace {

// Stage latencies: the engine and parse steps take tens of microseconds, a slow prefetch
// seconds.
const std::vector<double>& StageBuckets() {
  static const std::vector<double> kBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                            0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                            0.5,     1,      2.5,     5,      10};
  return kBuckets;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// A gauge read from a health snapshot at scrape time.
template <typename Health>
struct HealthGauge {
  const char* name;
  const char* help;
  double (*value)(const Health&);
};

// Gauges that share one `read` (each scrape reads it once per gauge).
template <typename Health>
void AddHealthGauges(metrics::Registry& registry, std::function<Health()> read,
                     std::initializer_list<HealthGauge<Health>> gauges) {
  auto health = std::make_shared<std::function<Health()>>(std::move(read));
  for (const HealthGauge<Health>& gauge : gauges) {
    registry.AddCallbackGauge(gauge.name, gauge.help,
                              [health, value = gauge.value] { return value((*health)()); });
  }
}

}  // namespace

std::string_view ToString(Route route) noexcept {
  switch (route) {
    case Route::kNone:
      return "none";
    case Route::kDiscovery:
      return "discovery";
    case Route::kService:
      return "service";
    case Route::kFeedback:
      return "feedback";
    case Route::kHealth:
      return "health";
    case Route::kReady:
      return "ready";
    case Route::kAdmin:
      return "admin";
    case Route::kMetrics:
      return "metrics";
  }
  return "none";
}

std::string_view ToString(Stage stage) noexcept {
  switch (stage) {
    case Stage::kAuth:
      return "auth";
    case Stage::kParse:
      return "parse";
    case Stage::kPrefetch:
      return "prefetch";
    case Stage::kEngine:
      return "engine";
    case Stage::kAudit:
      return "audit";
    case Stage::kTotal:
      return "total";
  }
  return "total";
}

ServiceMetrics::ServiceMetrics(std::string version, std::string engine_version,
                               const std::vector<std::string>& service_ids)
    : requests_(registry_.AddCounter("cds_http_requests_total",
                                     "HTTP responses written, by route and status.",
                                     {"route", "status"})),
      stages_(registry_.AddHistogram("cds_hook_stage_seconds",
                                     "Time spent in each step of a service call.",
                                     {"service", "stage"}, StageBuckets())),
      cards_(registry_.AddCounter("cds_cards_total", "Cards returned, by rule and indicator.",
                                  {"rule", "indicator"})),
      feedback_(registry_.AddCounter(
          "cds_feedback_total",
          "Feedback items recorded, by outcome and the rule of the card (unknown: never issued).",
          {"outcome", "rule"})),
      fhir_fetches_(registry_.AddCounter(
          "cds_fhir_fetches_total",
          "Prefetch fetches from FHIR servers, by HTTP status or failure kind.", {"status"})),
      fhir_fetch_seconds_(registry_
                              .AddHistogram("cds_fhir_fetch_seconds",
                                            "Latency of prefetch fetches from FHIR servers.")
                              .With({})),
      jwks_fetches_(registry_.AddCounter("cds_jwks_fetches_total",
                                         "Key set (JWKS) fetches, by result.", {"result"})),
      auth_failures_(registry_.AddCounter(
          "cds_auth_failures_total", "Calls refused by authentication, by reason.", {"reason"})),
      audit_commit_seconds_(registry_
                                .AddHistogram("cds_audit_commit_seconds",
                                              "Audit trail commit latency (the writer's "
                                              "transaction that carried the record).")
                                .With({})),
      build_info_(registry_.AddGauge("cds_build_info", "The running build (value 1).",
                                     {"version", "engine"})),
      terminology_info_(registry_.AddGauge("cds_terminology_info",
                                           "The terminology loaded (value 1).", {"version"})),
      rules_info_(registry_.AddGauge("cds_rules_info", "The rule catalogue loaded (value 1).",
                                     {"catalogue", "rules", "versions"})) {
  build_info_.With({std::move(version), std::move(engine_version)}).Set(1);
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    ok_by_route_[r] = &requests_.With({std::string(ToString(static_cast<Route>(r))), "200"});
  }
  for (const std::string& id : service_ids) (void)ForService(id);
}

void ServiceMetrics::CountRequest(Route route, unsigned status) {
  const auto index = static_cast<std::size_t>(route);
  if (status == 200 && index < kRouteCount) return ok_by_route_[index]->Inc();
  // Only real status codes become labels.
  const std::string text = status >= 100 && status <= 599 ? std::to_string(status) : "invalid";
  requests_.With({std::string(ToString(route)), text}).Inc();
}

void ServiceMetrics::ServiceSeries::Observe(
    Stage stage, std::chrono::steady_clock::duration elapsed) const noexcept {
  stages[static_cast<std::size_t>(stage)]->Observe(Seconds(elapsed));
}

const ServiceMetrics::ServiceSeries& ServiceMetrics::ForService(std::string_view service_id) {
  const std::lock_guard<std::mutex> lock(services_mutex_);
  if (const auto it = services_.find(service_id); it != services_.end()) return *it->second;
  auto series = std::make_unique<ServiceSeries>();
  for (std::size_t s = 0; s < kStageCount; ++s) {
    series->stages[s] =
        &stages_.With({std::string(service_id), std::string(ToString(static_cast<Stage>(s)))});
  }
  return *services_.emplace(std::string(service_id), std::move(series)).first->second;
}

void ServiceMetrics::CountCard(std::string_view rule_id, std::string_view indicator) {
  cards_.With({std::string(rule_id), std::string(indicator)}).Inc();
}

void ServiceMetrics::CountFeedback(std::string_view outcome, std::string_view rule_id) {
  feedback_.With({std::string(outcome), rule_id.empty() ? "unknown" : std::string(rule_id)}).Inc();
}

void ServiceMetrics::CountFhirFetch(std::string_view status,
                                    std::chrono::steady_clock::duration latency) {
  fhir_fetches_.With({std::string(status)}).Inc();
  fhir_fetch_seconds_.Observe(Seconds(latency));
}

void ServiceMetrics::CountJwksFetch(std::string_view result) {
  jwks_fetches_.With({std::string(result)}).Inc();
}

void ServiceMetrics::CountAuthFailure(std::string_view reason) {
  auth_failures_.With({std::string(reason)}).Inc();
}

void ServiceMetrics::ObserveAuditCommit(std::chrono::steady_clock::duration latency) {
  audit_commit_seconds_.Observe(Seconds(latency));
}

void ServiceMetrics::SetTerminologyVersion(std::string_view version) {
  terminology_info_.With({std::string(version)}).Set(1);
}

void ServiceMetrics::SetRulesVersion(std::string_view catalogue_id, std::size_t rule_count,
                                     std::string_view rule_versions) {
  rules_info_
      .With({std::string(catalogue_id), std::to_string(rule_count), std::string(rule_versions)})
      .Set(1);
}

void ServiceMetrics::SetAuditQueueDepth(std::function<double()> read) {
  registry_.AddCallbackGauge("cds_audit_queue_depth",
                             "Audit records queued for the writer, not yet committed.",
                             std::move(read));
}

void ServiceMetrics::SetAuditHealth(std::function<audit::AuditHealth()> read) {
  using H = audit::AuditHealth;
  AddHealthGauges<H>(
      registry_, std::move(read),
      {{"cds_audit_state",
        "Audit trail state: 0 ok, 1 spooling (fail open), 2 failing (calls answered 503).",
        [](const H& h) -> double { return static_cast<int>(h.state); }},
       {"cds_audit_spooled_records", "Audit records in the spool file, waiting for replay.",
        [](const H& h) -> double { return h.spooled_records; }},
       {"cds_audit_spool_bytes", "Size of the audit spool file in bytes.",
        [](const H& h) -> double { return h.spool_bytes; }},
       {"cds_audit_spooled_records_since_start", "Audit records written to the spool since start.",
        [](const H& h) -> double { return h.spooled_total; }},
       {"cds_audit_replayed_records_since_start",
        "Audit records replayed from the spool into the store since start.",
        [](const H& h) -> double { return h.replayed_total; }},
       {"cds_audit_refused_records_since_start",
        "Audit records refused by a full or failing spool (their calls answered 503).",
        [](const H& h) -> double { return h.spool_refused; }},
       {"cds_audit_commit_failures_since_start", "Failed commits of the audit store since start.",
        [](const H& h) -> double { return h.commit_failures; }}});
}

void ServiceMetrics::SetReplayStoreHealth(std::function<auth::ReplayStoreHealth()> read) {
  using H = auth::ReplayStoreHealth;
  AddHealthGauges<H>(
      registry_, std::move(read),
      {{"cds_replay_store_up",
        "1 while the jti replay store answers; 0 while a shared store does not (calls with a JWT "
        "are answered 503).",
        [](const H& h) -> double { return h.available ? 1 : 0; }},
       {"cds_replay_store_entries", "Token ids the in-memory replay store remembers now.",
        [](const H& h) -> double { return h.entries; }},
       {"cds_replay_store_checks_since_start",
        "Token ids the shared replay store answered (fresh or replayed) since start.",
        [](const H& h) -> double { return h.checks; }},
       {"cds_replay_store_round_trips_since_start",
        "Round trips to the shared replay store that answered checks since start (one per batch).",
        [](const H& h) -> double { return h.round_trips; }},
       {"cds_replay_store_unavailable_since_start",
        "Checks the shared replay store could not answer in time since start (calls answered 503).",
        [](const H& h) -> double { return h.unavailable; }},
       {"cds_replay_store_purged_since_start",
        "Expired token ids this instance deleted from the shared replay store since start.",
        [](const H& h) -> double { return h.purged; }}});
}

void ServiceMetrics::SetOpenConnections(std::function<double()> read) {
  registry_.AddCallbackGauge("cds_open_connections", "Client connections open now.",
                             std::move(read));
}

}  // namespace cds::hooks
