// The server's operational metrics (issue 8 "Observability"): one metrics::Registry with every
// family created once at start-up, and the series of hot paths looked up once and kept
// (Family::With returns stable references). Every label takes values from a bounded set: a
// route name (never a raw path), an HTTP status, a service id or rule id from the catalogue,
// a failure kind; so the number of series is bounded whatever clients send.
//
// Families (Prometheus conventions: units in the name, counters end in _total):
//   cds_http_requests_total{route,status}    route: ToString(Route)
//   cds_hook_stage_seconds{service,stage}    stage: auth|parse|prefetch|engine|audit|total
//   cds_cards_total{rule,indicator}
//   cds_feedback_total{outcome,rule}         rule "unknown": feedback on a card never issued
//   cds_fhir_fetches_total{status}           HTTP status, or a failure kind (timeout, connect)
//   cds_fhir_fetch_seconds
//   cds_jwks_fetches_total{result}           ok | http_error | invalid | a failure kind
//   cds_auth_failures_total{reason}          auth::ToString(AuthReason)
//   cds_audit_queue_depth, cds_audit_commit_seconds
//   cds_open_connections
//   cds_build_info{version,engine}, cds_terminology_info{version}, cds_rules_info{...}
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "audit/store.hpp"
#include "hooks/auth/replay_store.hpp"
#include "hooks/metrics.hpp"

namespace cds::hooks {

/// The route a request matched, as a metric label (bounded: never the raw path).
enum class Route { kNone, kDiscovery, kService, kFeedback, kHealth, kReady, kAdmin, kMetrics };
[[nodiscard]] std::string_view ToString(Route route) noexcept;

/// The timed steps of a service call.
enum class Stage { kAuth, kParse, kPrefetch, kEngine, kAudit, kTotal };
inline constexpr std::size_t kStageCount = 6;
[[nodiscard]] std::string_view ToString(Stage stage) noexcept;

/// The Prometheus text format's content type.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class ServiceMetrics {
 public:
  /// The stage histograms of `service_ids` (the catalogue's services) are created now.
  ServiceMetrics(std::string version, std::string engine_version,
                 const std::vector<std::string>& service_ids);
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  /// One response written (the access log line).
  void CountRequest(Route route, unsigned status);

  /// The stage histograms of one service, looked up once per call.
  struct ServiceSeries {
    std::array<metrics::Histogram*, kStageCount> stages{};
    void Observe(Stage stage, std::chrono::steady_clock::duration elapsed) const noexcept;
  };
  [[nodiscard]] const ServiceSeries& ForService(std::string_view service_id);

  void CountCard(std::string_view rule_id, std::string_view indicator);
  void CountFeedback(std::string_view outcome, std::string_view rule_id);
  /// One FHIR fetch: `status` is the HTTP status ("200") or a failure kind ("timeout").
  void CountFhirFetch(std::string_view status, std::chrono::steady_clock::duration latency);
  void CountJwksFetch(std::string_view result);
  void CountAuthFailure(std::string_view reason);
  void ObserveAuditCommit(std::chrono::steady_clock::duration latency);

  /// Versions of what was loaded (gauges of value 1, labels carry the versions).
  void SetTerminologyVersion(std::string_view version);
  void SetRulesVersion(std::string_view catalogue_id, std::size_t rule_count,
                       std::string_view rule_versions);

  /// Gauges read at scrape time. Call each once, before the server starts.
  void SetAuditQueueDepth(std::function<double()> read);
  void SetOpenConnections(std::function<double()> read);
  /// The audit failure policy (audit.on_failure): cds_audit_state (0 ok, 1 spooling, 2 failing:
  /// calls answered 503), the records and bytes waiting in the spool, and totals since start.
  void SetAuditHealth(std::function<audit::AuditHealth()> read);
  /// The jti replay store (auth on): cds_replay_store_up (0 while a shared store does not
  /// answer: JWT calls answered 503), the ids remembered in memory, and the shared store's
  /// totals since start.
  void SetReplayStoreHealth(std::function<auth::ReplayStoreHealth()> read);

  /// The whole registry in the text exposition format.
  [[nodiscard]] std::string Render() const { return registry_.Render(); }
  [[nodiscard]] metrics::Registry& registry() noexcept { return registry_; }

 private:
  static constexpr std::size_t kRouteCount = 8;

  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& stages_;
  metrics::Family<metrics::Counter>& cards_;
  metrics::Family<metrics::Counter>& feedback_;
  metrics::Family<metrics::Counter>& fhir_fetches_;
  metrics::Histogram& fhir_fetch_seconds_;
  metrics::Family<metrics::Counter>& jwks_fetches_;
  metrics::Family<metrics::Counter>& auth_failures_;
  metrics::Histogram& audit_commit_seconds_;
  metrics::Family<metrics::Gauge>& build_info_;
  metrics::Family<metrics::Gauge>& terminology_info_;
  metrics::Family<metrics::Gauge>& rules_info_;
  // The hot series: each route's 200 answers.
  std::array<metrics::Counter*, kRouteCount> ok_by_route_{};
  std::map<std::string, std::unique_ptr<ServiceSeries>, std::less<>> services_;
  std::mutex services_mutex_;
};

}  // namespace cds::hooks
