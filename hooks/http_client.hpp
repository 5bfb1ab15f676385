// The outbound HTTP seam: prefetch fetches from the EHR's FHIR server and key-set (JWKS)
// fetches go through this interface, so the callers (prefetch resolver, authenticator) are
// written and tested against one contract and the transport (Beast + OpenSSL, pooled) is
// swappable. Implementations are asynchronous: no thread waits on the network.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cds::hooks {

/// One outbound request. `authorization` is a secret (never logged, never in an error).
struct OutboundRequest {
  std::string url;             // absolute http(s) URL; its query values are never logged
  std::string method = "GET";  // GET, or POST for FHIR `_search` with a form body
  std::string body;            // POST only
  std::string content_type;    // POST only, e.g. application/x-www-form-urlencoded
  std::string authorization;   // full header value ("Bearer …") or empty: no header sent
  std::string accept = "application/fhir+json";
  /// The whole exchange (resolve, connect, TLS, write, read, redirects) ends by this time.
  std::chrono::steady_clock::time_point deadline;
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // a larger response fails with kTooLarge
  /// SSRF guard: when false, a host that resolves to a loopback, private, link-local, or
  /// otherwise non-public address is refused (kNotAllowed) before connecting. The caller sets it
  /// true only for URLs an operator listed explicitly.
  bool allow_private_address = false;
  /// The id of the hook call this fetch serves, for the client's log lines; may be empty.
  std::string request_id;
};

enum class OutboundFailure {
  kNotAllowed,  // refused before any connection: scheme not allowed, private address, bad URL
  kDns,         // the host did not resolve
  kConnect,     // connection refused or unreachable
  kTls,         // handshake failed: certificate or hostname verification, protocol
  kTimeout,     // the deadline passed
  kTooLarge,    // the response body exceeded max_body_bytes
  kProtocol,    // not a valid HTTP response, or the connection closed mid-response
  kRedirect,    // a redirect to another origin, or too many redirects
};

[[nodiscard]] std::string_view ToString(OutboundFailure failure) noexcept;

/// What came back. `failure` set → no usable response; otherwise any HTTP status (4xx/5xx are
/// responses, the caller decides what they mean).
struct OutboundResponse {
  std::optional<OutboundFailure> failure;
  std::string failure_detail;  // for logs: host, path, errno text; never a token or query value
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::chrono::steady_clock::duration latency{};

  [[nodiscard]] bool ok() const noexcept { return !failure.has_value(); }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Starts `request`. `done` is called exactly once, never before Fetch returns, on a thread
  /// of the client's event loop. Thread-safe.
  virtual void Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) = 0;
};

}  // namespace cds::hooks
