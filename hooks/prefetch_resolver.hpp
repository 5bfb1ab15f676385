// Prefetch resolution (spec digest §4, issue 5): per prefetch key of the service, what the EHR
// sent is used (a resource or Bundle; `null` = known empty, never refetched); a key that is
// absent or holds an OperationOutcome (top level, or a Bundle entry with search.mode = outcome)
// is fetched from `fhirServer` with the template rendered, sending `Authorization: Bearer
// <access_token>` exactly when `fhirAuthorization` is given.
//
// - The SSRF guard (FhirServerAllowlist) runs before any fetch; a refused server is never
//   connected to. A request whose prefetch is complete is served whatever its fhirServer says.
// - All missing keys are fetched in parallel within ONE time budget; searchset `next` links
//   are followed (same origin only) up to a page limit and merged into one Bundle; each
//   response is size-limited and parsed with the request parser's limits.
// - Required keys (PrefetchTemplate::required) that cannot be had → HookError::
//   kPreconditionFailed (412) naming the key and the reason; optional ones are listed in
//   PrefetchOutcome::unavailable, so the cards can say what is missing.
// Reasons never contain the access token or query values (which hold patient ids).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hooks/hook_error.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/http_client.hpp"
#include "hooks/prefetch_allowlist.hpp"
#include "hooks/services.hpp"

namespace cds::hooks {

struct PrefetchOptions {
  /// One budget for all fetches of a call, pages included (`prefetch.budget_ms`).
  std::chrono::milliseconds budget{2000};
  /// Pages of one search followed through `next` links, the first included.
  unsigned page_limit = 5;
  /// Largest response body accepted per page.
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  /// Plain http:// FHIR servers (development; `--allow-http-fhir`).
  bool allow_http = false;
  /// The EHR's offset from UTC, for {{today()}}.
  std::chrono::minutes utc_offset{0};
};

/// What happened to one key the service had to fetch, for the log. Holds no token and no
/// query value.
struct PrefetchKeyReport {
  std::string key;
  std::string path;  // path on the FHIR server, without the query ("/fhir/Observation")
  bool required = false;
  bool ok = false;  // data retrieved (possibly partial)
  bool partial = false;
  bool skipped = false;  // optional and its template has no value in this call (no encounterId)
  unsigned status = 0;   // HTTP status of the last page, 0 when none
  unsigned pages = 0;
  std::string reason;   // why it failed or is partial; empty when complete
  std::string detail;   // transport detail for the log (host, errno text); may be empty
  std::string failure;  // when no response came: ToString(OutboundFailure), or "timeout"
  std::chrono::milliseconds latency{};
};

/// A key's fetched data: `value` points into `documents` (the first page, with the entries of
/// the following pages moved into it).
struct FetchedPrefetch {
  std::string key;
  std::vector<std::unique_ptr<OwnedJson>> documents;
  const rapidjson::Value* value = nullptr;
};

struct PrefetchOutcome {
  /// Set when required data could not be had: 412 with the key(s) and reason(s).
  std::optional<Error> error;
  std::vector<FetchedPrefetch> fetched;
  std::vector<UnavailablePrefetch> unavailable;  // optional keys, for the cards
  std::vector<PrefetchKeyReport> reports;        // every key the service tried to fetch
  std::string fhir_origin;                       // scheme://host[:port] of fhirServer, for logs
  std::chrono::milliseconds latency{};

  /// Hands the fetched documents and the unavailable list to `request` (AddFetched).
  void ApplyTo(HookRequest& request) &&;
  /// One line for the log: "patient=200/1p/12ms,conditions=timeout/0p/2000ms".
  [[nodiscard]] std::string Summary() const;
};

/// The prefetch keys of `service` that `request` does not carry usable data or `null` for.
[[nodiscard]] std::vector<const PrefetchTemplate*> MissingPrefetchKeys(
    const HookRequest& request, const ServiceDefinition& service);

/// True when the call has something the rules can check: an advised draft order (order-select:
/// a selected one; order-sign: any) with a medication. The CDS Hooks Sandbox's first call of a
/// screen selects an order before a drug is chosen; fetching patient data for it would be
/// wasted (and a 412 would be wrong).
[[nodiscard]] bool HasOrderToCheck(const HookRequest& request);

class PrefetchResolver {
 public:
  /// `client` must not be null. `io` (optional) runs a backstop timer that ends the call at the
  /// budget even if a transport overran its deadline; pass the client's event loop.
  PrefetchResolver(std::shared_ptr<HttpClient> client, FhirServerAllowlist allowlist,
                   PrefetchOptions options, std::shared_ptr<boost::asio::io_context> io = nullptr);

  /// Fetches what `request` lacks for `service`, as of `now` (for {{today()}}). `allowlist`
  /// is the list to apply to this call (e.g. per trusted issuer once JWT auth is on); nullptr
  /// applies the configured one. Reads `request` only before returning; the outcome is for
  /// PrefetchOutcome::ApplyTo. `done` is called exactly once: before Resolve returns when
  /// nothing is fetched (complete prefetch, refused fhirServer), otherwise on a client thread.
  /// `request_id` goes to the client's fetch log lines.
  void Resolve(const HookRequest& request, const ServiceDefinition& service,
               std::chrono::sys_seconds now, const FhirServerAllowlist* allowlist,
               std::function<void(PrefetchOutcome)> done, std::string request_id = {}) const;

  [[nodiscard]] const PrefetchOptions& options() const noexcept { return options_; }
  [[nodiscard]] const FhirServerAllowlist& allowlist() const noexcept { return allowlist_; }

 private:
  std::shared_ptr<HttpClient> client_;
  FhirServerAllowlist allowlist_;
  PrefetchOptions options_;
  std::shared_ptr<boost::asio::io_context> io_;
};

}  // namespace cds::hooks
