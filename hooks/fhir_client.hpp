// The outbound HTTP client behind `HttpClient`: Boost.Beast HTTP/1.1 over OpenSSL with a
// keep-alive connection pool per origin, certificate and hostname verification, an SSRF guard
// on every resolved address, same-origin redirects only, and one deadline per fetch.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hooks/config.hpp"
#include "hooks/http_client.hpp"

namespace cds::hooks {

/// An absolute http(s) URL split for a request. Hosts are lower-case; IPv6 literals are kept
/// without brackets (`host`) and flagged in `ip_literal`.
struct HttpUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // "fhir.example.org", "127.0.0.1", "::1"
  std::uint16_t port = 0;
  std::string target;  // origin-form request target: "/path?query" ("/" when empty)
  bool ip_literal = false;

  /// "https://host:port" with the port always written (the pool key; equality = same origin).
  [[nodiscard]] std::string Origin() const;
  /// The Host header: host, or host:port when the port is not the scheme's default; IPv6 in
  /// brackets.
  [[nodiscard]] std::string HostHeader() const;
  /// The target without its query (what logs may show).
  [[nodiscard]] std::string_view Path() const;
};

/// Parses an absolute http:// or https:// URL. Refuses (nullopt) what a FHIR base URL never
/// needs and what could smuggle something into the request: user info, IPv6 zone ids, a port
/// outside 1..65535, bytes outside visible ASCII, percent-encoded or otherwise odd host names.
/// The fragment is dropped.
[[nodiscard]] std::optional<HttpUrl> ParseHttpUrl(std::string_view url);

/// Resolves a redirect's Location against the URL that answered (absolute, scheme-relative
/// "//host/…", absolute-path "/…" and relative-path references).
[[nodiscard]] std::optional<HttpUrl> ResolveLocation(const HttpUrl& base,
                                                     std::string_view location);

/// The production `HttpClient`.
///
/// - Connections are pooled per origin and per "peer address is public" (a connection opened
///   for a request that allowed private addresses is never lent to one that does not). A
///   connection goes back to the pool only after a response that allowed keep-alive and was read
///   completely; at most `max_idle_per_origin` idle connections per origin, each closed after
///   `idle_timeout`. A GET that fails on a reused connection before any response byte arrived
///   (the server closed it meanwhile) is retried once on a fresh connection.
/// - TLS 1.2+ with the system CA store plus `ca_file`; the certificate must name the URL's host
///   (DNS name or IP address, RFC 6125); SNI for DNS names.
/// - The host's addresses are resolved once, each is classified (`ClassifyAddress`), and unless
///   the request allows private addresses any non-public one refuses the fetch; the connection
///   then goes only to those addresses (no second lookup, so DNS rebinding cannot slip in).
/// - Redirects 301/302/303/307/308 are followed within the same origin only, at most 3;
///   301/302/303 turn a POST into a GET without a body.
/// - One log line per fetch (debug on success, warn on failure) with host, path without query,
///   status, latency and whether the connection was reused; never a token or a query value.
///
/// Completions (`done`) run on the io_context's threads, each exactly once. If the io_context
/// is stopped and destroyed with fetches in flight, their `done` is destroyed uncalled.
class PooledHttpClient final : public HttpClient {
 public:
  /// Builds the TLS client context. Throws std::runtime_error naming the file when `ca_file`
  /// cannot be loaded.
  PooledHttpClient(std::shared_ptr<boost::asio::io_context> io, const FhirClientConfig& config);
  /// Shutdown(), then releases the client; fetches still in flight finish (failing) on the
  /// io_context.
  ~PooledHttpClient() override;
  PooledHttpClient(const PooledHttpClient&) = delete;
  PooledHttpClient& operator=(const PooledHttpClient&) = delete;

  void Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) override;

  /// Closes the idle connections, makes fetches in flight fail now (kConnect, "client shut
  /// down"), and fails later fetches the same way. Thread-safe and idempotent.
  void Shutdown();

  /// Pool figures, for tests and metrics.
  struct Stats {
    std::uint64_t connections_opened = 0;  // TCP connections made (including failed handshakes)
    std::uint64_t connections_reused = 0;  // fetches (or redirect hops) served by a pooled one
    std::size_t idle = 0;                  // idle connections pooled now
    std::size_t in_flight = 0;             // fetches not yet completed
  };
  [[nodiscard]] Stats stats() const;

  struct Impl;  // implementation detail, shared with the fetch operations in fhir_client.cpp

 private:
  std::shared_ptr<boost::asio::io_context> io_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cds::hooks
