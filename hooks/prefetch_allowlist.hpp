// The SSRF guard on `fhirServer`, checked before any prefetch fetch: which FHIR base URLs this
// service may call with the EHR's access token. Matching is on the parsed URL (scheme, host,
// port, and a path prefix ending at a segment boundary), never on the raw string, so
// https://fhir.example.org does not admit https://fhir.example.org.evil.com or
// https://fhir.example.org:8443, and https://fhir.example.org/r4 does not admit
// https://fhir.example.org/r4-internal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cds::hooks {

/// An absolute http(s) URL taken apart. Host is lower-cased without a trailing dot (IPv6 in
/// brackets); port is explicit (80/443 when absent); path is "" or starts with "/".
struct FhirUrl {
  std::string scheme;  // "http" | "https"
  std::string host;
  std::uint16_t port = 0;
  std::string path;
  std::string query;  // without "?"; empty when absent

  /// scheme://host[:port] (default ports omitted).
  [[nodiscard]] std::string Origin() const;
  friend bool operator==(const FhirUrl&, const FhirUrl&) = default;
};

/// Parses an absolute http(s) URL strictly: no user-info, fragment, whitespace, backslash,
/// control characters or percent sign in the host, and no "." / ".." path segments (plain or
/// percent-encoded), since those would let a URL that matches a prefix point elsewhere.
[[nodiscard]] std::optional<FhirUrl> ParseFhirUrl(std::string_view url);

/// Same scheme, host and port.
[[nodiscard]] bool SameOrigin(const FhirUrl& a, const FhirUrl& b) noexcept;

/// Whether a fhirServer may be called, and how.
struct FhirServerVerdict {
  bool allowed = false;
  /// An operator listed this server explicitly: the client may connect to a private or
  /// loopback address (OutboundRequest::allow_private_address).
  bool listed = false;
  std::string reason;  // when refused: for the OperationOutcome and the log (no query values)
};

/// A list of allowed FHIR base URL prefixes (`prefetch.fhir_allow`, `--fhir-allow`).
/// Empty list: any https server, on a public address only (the HTTP client enforces "public").
class FhirServerAllowlist {
 public:
  FhirServerAllowlist() = default;

  /// Parses the prefixes; an error names the first bad one.
  [[nodiscard]] static std::optional<std::string> Create(const std::vector<std::string>& prefixes,
                                                         FhirServerAllowlist& out);

  /// Checks `fhir_server` (the request's base URL). Plain http is refused unless `allow_http`
  /// (development), whatever the list says.
  [[nodiscard]] FhirServerVerdict Check(std::string_view fhir_server, bool allow_http) const;
  /// Whether `url` (any URL on a server, e.g. a searchset `next` link with its query) lies
  /// under a listed prefix; with an empty list, whether it is https (or http when allowed).
  [[nodiscard]] bool Admits(const FhirUrl& url, bool allow_http) const;

  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
  std::vector<FhirUrl> entries_;  // path without a trailing "/"
};

}  // namespace cds::hooks
