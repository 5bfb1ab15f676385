#include "hooks/prefetch_allowlist.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cds::hooks {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

// "." or ".." as a segment, also written %2e / %2E.
bool HasDotSegment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string decoded = [&] {
      std::string s = Lower(path.substr(start, end - start));
      std::string out;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 3, "%2e") == 0) {
          out.push_back('.');
          i += 2;
        } else {
          out.push_back(s[i]);
        }
      }
      return out;
    }();
    if (decoded == "." || decoded == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string_view StripTrailingSlashes(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

std::string FhirUrl::Origin() const {
  std::string origin = scheme + "://" + host;
  const std::uint16_t default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) origin += ":" + std::to_string(port);
  return origin;
}

std::optional<FhirUrl> ParseFhirUrl(std::string_view url) {
  if (url.empty() || url.size() > 2048) return std::nullopt;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#' || c == '\\') return std::nullopt;
  }
  FhirUrl parts;
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  parts.scheme = Lower(url.substr(0, colon));
  if (parts.scheme != "https" && parts.scheme != "http") return std::nullopt;
  std::string_view rest = url.substr(colon + 3);
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find('%') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port_text;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view inner = host.substr(1, host.size() - 2);
    if (!std::all_of(inner.begin(), inner.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        })) {
      return std::nullopt;
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      port_text = authority.substr(port_colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostChar)) return std::nullopt;
    if (host.back() == '.') host.remove_suffix(1);
    if (host.empty() || host.front() == '.' || host.find("..") != std::string_view::npos) {
      return std::nullopt;
    }
  }
  parts.host = Lower(host);
  parts.port = parts.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    parts.port = static_cast<std::uint16_t>(port);
  }
  const std::size_t question = rest.find('?');
  parts.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) parts.query = std::string(rest.substr(question + 1));
  if (HasDotSegment(parts.path)) return std::nullopt;
  return parts;
}

bool SameOrigin(const FhirUrl& a, const FhirUrl& b) noexcept {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::optional<std::string> FhirServerAllowlist::Create(const std::vector<std::string>& prefixes,
                                                       FhirServerAllowlist& out) {
  FhirServerAllowlist list;
  for (const std::string& prefix : prefixes) {
    auto parts = ParseFhirUrl(prefix);
    if (!parts || !parts->query.empty()) {
      return "\"" + prefix + "\" is not an absolute http(s) base URL (scheme://host[:port][/path])";
    }
    parts->path = std::string(StripTrailingSlashes(parts->path));
    list.entries_.push_back(std::move(*parts));
  }
  out = std::move(list);
  return std::nullopt;
}

FhirServerVerdict FhirServerAllowlist::Check(std::string_view fhir_server, bool allow_http) const {
  FhirServerVerdict verdict;
  const auto parts = ParseFhirUrl(fhir_server);
  if (!parts || !parts->query.empty()) {
    verdict.reason = "fhirServer not allowed: not a plain absolute http(s) base URL";
    return verdict;
  }
  if (parts->scheme == "http" && !allow_http) {
    verdict.reason =
        "fhirServer not allowed: plain http (the service was not started with "
        "--allow-http-fhir)";
    return verdict;
  }
  verdict.allowed = Admits(*parts, allow_http);
  verdict.listed = verdict.allowed && !entries_.empty();
  if (verdict.allowed) return verdict;  // an empty list: any server, the client checks "public"
  verdict.reason = "fhirServer not allowed: not on this service's list of FHIR servers";
  return verdict;
}

bool FhirServerAllowlist::Admits(const FhirUrl& url, bool allow_http) const {
  if (url.scheme == "http" && !allow_http) return false;
  if (entries_.empty()) return true;
  const std::string_view path = StripTrailingSlashes(url.path);
  for (const FhirUrl& entry : entries_) {
    if (!SameOrigin(entry, url)) continue;
    // A prefix ends at a segment boundary: /r4 admits /r4 and /r4/x, not /r4x.
    if (path.size() >= entry.path.size() && path.starts_with(entry.path) &&
        (path.size() == entry.path.size() || path[entry.path.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace cds::hooks
