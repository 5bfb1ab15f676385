#include "hooks/fhir_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "hooks/address_policy.hpp"
#include "hooks/log.hpp"

#ifndef CDS_HOOKS_VERSION_STRING
#define CDS_HOOKS_VERSION_STRING "0"
#endif

namespace cds::hooks {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view ToString(OutboundFailure failure) noexcept {
  switch (failure) {
    case OutboundFailure::kNotAllowed:
      return "not_allowed";
    case OutboundFailure::kDns:
      return "dns";
    case OutboundFailure::kConnect:
      return "connect";
    case OutboundFailure::kTls:
      return "tls";
    case OutboundFailure::kTimeout:
      return "timeout";
    case OutboundFailure::kTooLarge:
      return "too_large";
    case OutboundFailure::kProtocol:
      return "protocol";
    case OutboundFailure::kRedirect:
      return "redirect";
  }
  return "unknown";
}

//------------------------------------------------------------------------------
// URLs

namespace {

constexpr std::size_t kMaxUrlBytes = 16 * 1024;
constexpr int kMaxRedirects = 3;
constexpr int kMaxInterimResponses = 4;  // 1xx answers skipped before the real one

bool IsVisibleAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A DNS name as URLs carry it: labels of letters, digits, '-' (not first or last) and '_'
// (seen on internal hosts), 1..63 bytes each, 253 in all. A last label starting with a digit is
// refused unless the whole host is a dotted-quad IPv4 address: "127.1", "0x7f.1" and "2130706433"
// are IPv4 addresses to getaddrinfo (inet_aton forms), which a reader of the URL would not expect.
bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    if (dot == std::string_view::npos) {
      return !std::isdigit(static_cast<unsigned char>(label.front()));
    }
    start = dot + 1;
  }
}

bool ParsePort(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

// RFC 3986 §5.2.4 on a path (no query).
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // path starts with '/'
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    const bool last = slash == std::string_view::npos;
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
      if (last) out.emplace_back();
    } else if (segment == ".") {
      if (last) out.emplace_back();
    } else {
      out.push_back(segment);
    }
    start = end + 1;
  }
  std::string result;
  for (std::string_view segment : out) result.append("/").append(segment);
  return result.empty() ? "/" : result;
}

}  // namespace

std::string HttpUrl::Origin() const {
  std::string origin = scheme + "://";
  const bool v6 = ip_literal && host.find(':') != std::string::npos;
  origin.append(v6 ? "[" : "").append(host).append(v6 ? "]" : "");
  return origin + ":" + std::to_string(port);
}

std::string HttpUrl::HostHeader() const {
  const bool v6 = ip_literal && host.find(':') != std::string::npos;
  std::string value = v6 ? "[" + host + "]" : host;
  const std::uint16_t default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) value += ":" + std::to_string(port);
  return value;
}

std::string_view HttpUrl::Path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::optional<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return std::nullopt;
  if (const auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  if (!IsVisibleAscii(url)) return std::nullopt;
  HttpUrl out;
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  out.scheme = Lower(url.substr(0, colon));
  if (out.scheme != "https" && out.scheme != "http") return std::nullopt;
  const std::string_view rest = url.substr(colon + 3);
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no user info
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      has_port = true;
    }
    boost::system::error_code ec;
    const auto address = net::ip::make_address_v6(std::string(host), ec);
    if (ec || host.find('%') != std::string_view::npos) return std::nullopt;  // no zone ids
    out.host = address.to_string();
    out.ip_literal = true;
  } else {
    const std::size_t port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      port = authority.substr(port_colon + 1);
      has_port = true;
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // "example.org."
    boost::system::error_code ec;
    const auto address = net::ip::make_address_v4(std::string(host), ec);
    if (!ec) {
      out.host = address.to_string();
      out.ip_literal = true;
      if (out.host != host) return std::nullopt;  // leading zeros and other odd spellings
    } else if (IsDnsName(host)) {
      out.host = Lower(host);
    } else {
      return std::nullopt;
    }
  }
  out.port = out.scheme == "https" ? 443 : 80;
  if (has_port && !ParsePort(port, out.port)) return std::nullopt;
  out.target = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (out.target.empty() || out.target.front() == '?') out.target.insert(0, "/");
  return out;
}

std::optional<HttpUrl> ResolveLocation(const HttpUrl& base, std::string_view location) {
  if (const auto hash = location.find('#'); hash != std::string_view::npos) {
    location = location.substr(0, hash);
  }
  if (location.empty() || !IsVisibleAscii(location)) return std::nullopt;
  // An absolute URL has a scheme: letters (and +-.) before a ':' that precedes any '/?'.
  const std::size_t colon = location.find(':');
  if (colon != std::string_view::npos && colon < location.find_first_of("/?") && colon > 0 &&
      std::isalpha(static_cast<unsigned char>(location.front()))) {
    return ParseHttpUrl(location);
  }
  if (location.starts_with("//")) return ParseHttpUrl(base.scheme + ":" + std::string(location));
  const std::string prefix = base.scheme + "://" + base.HostHeader();
  std::string_view path = location;
  std::string_view query;
  if (const auto q = location.find('?'); q != std::string_view::npos) {
    path = location.substr(0, q);
    query = location.substr(q);
  }
  std::string merged;
  if (path.empty()) {
    merged = std::string(base.Path());
    if (query.empty()) {
      const auto q = base.target.find('?');
      if (q != std::string::npos) query = std::string_view(base.target).substr(q);
    }
  } else if (path.front() == '/') {
    merged = std::string(path);
  } else {
    const std::string_view base_path = base.Path();
    merged = std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(path);
  }
  return ParseHttpUrl(prefix + RemoveDotSegments(merged) + std::string(query));
}

//------------------------------------------------------------------------------
// Connections and the pool

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One keep-alive connection; used by one fetch at a time, or idle in the pool.
struct Connection {
  Connection(net::io_context& io, ssl::context* tls_context, std::string origin_key)
      : origin(std::move(origin_key)) {
    if (tls_context != nullptr) {
      secure = std::make_unique<TlsStream>(io.get_executor(), *tls_context);
    } else {
      plain = std::make_unique<beast::tcp_stream>(io.get_executor());
    }
  }

  beast::tcp_stream& Lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().socket().close(ignored);
  }

  // An idle connection the server has closed (EOF) or written to (a TLS close_notify, stray
  // bytes) is not worth a request.
  bool LooksAlive() {
    if (!Lowest().socket().is_open()) return false;
    char byte = 0;
    const ssize_t n = ::recv(Lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> secure;
  beast::flat_buffer buffer;
  bool peer_public = false;
  Clock::time_point idle_since{};
};

class FetchOp;

ssl::context MakeTlsContext(const FhirClientConfig& config) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    throw std::runtime_error("fhir_client: cannot set the minimum TLS version");
  }
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  // Forward-secret key exchange only for TLS 1.2 (TLS 1.3 suites always are).
  if (SSL_CTX_set_cipher_list(native, "HIGH:!aNULL:!eNULL:!kRSA:!PSK:!SRP:!MD5:!RC4:!3DES") != 1) {
    throw std::runtime_error("fhir_client: cannot set the TLS 1.2 cipher list");
  }
  beast::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) throw std::runtime_error("fhir_client: cannot load the system CA store: " + ec.message());
  if (!config.ca_file.empty()) {
    ctx.load_verify_file(config.ca_file, ec);
    if (ec) {
      throw std::runtime_error("fhir_client: cannot load CA file " + config.ca_file + ": " +
                               ec.message());
    }
  }
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace

struct PooledHttpClient::Impl : std::enable_shared_from_this<PooledHttpClient::Impl> {
  Impl(net::io_context& io, const FhirClientConfig& cfg)
      : ioc(io),
        config(cfg),
        tls(MakeTlsContext(cfg)),
        user_agent("cds-hooks-server/" CDS_HOOKS_VERSION_STRING),
        sweep_timer(io) {}

  // A pooled connection for `origin`, or null. Expired and dead ones are closed on the way;
  // a request that does not allow private addresses gets only a connection to a public one.
  std::unique_ptr<Connection> Checkout(const std::string& origin, bool allow_private) {
    std::vector<std::unique_ptr<Connection>> closing;
    std::unique_ptr<Connection> found;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      const auto it = idle.find(origin);
      if (it == idle.end()) return nullptr;
      auto& list = it->second;
      const Clock::time_point now = Clock::now();
      // Newest first: the most recently used connection is the least likely to be stale.
      for (std::size_t i = list.size(); i-- > 0;) {
        Connection& c = *list[i];
        const bool expired = now - c.idle_since >= config.idle_timeout;
        if (!expired && !allow_private && !c.peer_public) continue;
        const bool usable = !expired && c.LooksAlive();
        std::unique_ptr<Connection> taken = std::move(list[i]);
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
        --idle_count;
        if (usable) {
          found = std::move(taken);
          break;
        }
        closing.push_back(std::move(taken));
      }
      if (list.empty()) idle.erase(it);
    }
    for (auto& c : closing) c->Close();
    return found;
  }

  void Return(std::unique_ptr<Connection> connection) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      auto& list = idle[connection->origin];
      if (!shut_down && list.size() < config.max_idle_per_origin) {
        connection->idle_since = Clock::now();
        list.push_back(std::move(connection));
        ++idle_count;
        ArmSweep();
        return;
      }
      if (list.empty()) idle.erase(connection->origin);
    }
    connection->Close();
  }

  // Called with the mutex held: closes idle connections past their idle timeout, on a timer,
  // so that a pool nobody uses any more does not keep sockets open.
  void ArmSweep() {
    if (sweep_armed || idle_count == 0) return;
    Clock::time_point earliest = Clock::time_point::max();
    for (const auto& [_, list] : idle) {
      for (const auto& c : list) earliest = std::min(earliest, c->idle_since);
    }
    sweep_armed = true;
    sweep_timer.expires_at(earliest + config.idle_timeout);
    sweep_timer.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->Sweep();
    });
  }

  void Sweep() {
    std::vector<std::unique_ptr<Connection>> closing;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      sweep_armed = false;
      if (shut_down) return;
      const Clock::time_point now = Clock::now();
      for (auto it = idle.begin(); it != idle.end();) {
        auto& list = it->second;
        for (std::size_t i = list.size(); i-- > 0;) {
          if (now - list[i]->idle_since >= config.idle_timeout) {
            closing.push_back(std::move(list[i]));
            list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
            --idle_count;
          }
        }
        it = list.empty() ? idle.erase(it) : std::next(it);
      }
      ArmSweep();
    }
    for (auto& c : closing) c->Close();
  }

  bool Register(FetchOp* op, std::weak_ptr<FetchOp> weak) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (shut_down) return false;
    live.emplace(op, std::move(weak));
    return true;
  }

  void Unregister(FetchOp* op) {
    const std::lock_guard<std::mutex> lock(mutex);
    live.erase(op);
  }

  bool IsShutDown() {
    const std::lock_guard<std::mutex> lock(mutex);
    return shut_down;
  }

  void Shutdown();

  net::io_context& ioc;
  const FhirClientConfig config;
  ssl::context tls;  // before the connections, which refer to it
  const std::string user_agent;
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};

  mutable std::mutex mutex;
  bool shut_down = false;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  std::size_t idle_count = 0;
  net::steady_timer sweep_timer;
  bool sweep_armed = false;
  std::unordered_map<FetchOp*, std::weak_ptr<FetchOp>> live;
};

//------------------------------------------------------------------------------
// One fetch: resolve → check addresses → connect → TLS → write → read → (redirect → …).
// Every handler runs on the fetch's strand; the connection's stream is bound to the plain
// io_context executor, so a pooled connection can serve fetches on different strands.

namespace {

bool ConnectionGone(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

bool HasControlBytes(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const bool v6 = endpoint.address().is_v6();
  return (v6 ? "[" : "") + endpoint.address().to_string() + (v6 ? "]:" : ":") +
         std::to_string(endpoint.port());
}

class FetchOp : public std::enable_shared_from_this<FetchOp> {
 public:
  FetchOp(std::shared_ptr<PooledHttpClient::Impl> client, OutboundRequest request,
          std::function<void(OutboundResponse)> done)
      : client_(std::move(client)),
        strand_(net::make_strand(client_->ioc)),
        timer_(strand_),
        resolver_(strand_),
        request_(std::move(request)),
        done_(std::move(done)),
        started_(Clock::now()) {}
  // Destroyed unfinished only when the io_context is destroyed with the fetch in flight.
  ~FetchOp() {
    if (!finished_) client_->Unregister(this);
  }
  FetchOp(const FetchOp&) = delete;
  FetchOp& operator=(const FetchOp&) = delete;

  net::strand<net::io_context::executor_type>& strand() { return strand_; }

  void Start() {
    if (finished_) return;
    if (client_->IsShutDown()) return Fail(OutboundFailure::kConnect, "client shut down");
    if (request_.method == "GET") {
      method_ = http::verb::get;
    } else if (request_.method == "POST") {
      method_ = http::verb::post;
    } else {
      return Fail(OutboundFailure::kNotAllowed, "method not supported");
    }
    if (HasControlBytes(request_.authorization) || HasControlBytes(request_.accept) ||
        HasControlBytes(request_.content_type)) {
      return Fail(OutboundFailure::kNotAllowed, "control characters in a request header");
    }
    auto url = ParseHttpUrl(request_.url);
    if (!url) return Fail(OutboundFailure::kNotAllowed, "not a usable absolute http(s) URL");
    url_ = std::move(*url);
    if (url_.scheme == "http" && !client_->config.allow_http) {
      return Fail(OutboundFailure::kNotAllowed, "http:// URL and fhir_client.allow_http is off");
    }
    deadline_ = request_.deadline == Clock::time_point{}
                    ? started_ + client_->config.default_timeout
                    : request_.deadline;
    if (deadline_ <= Clock::now()) return Fail(OutboundFailure::kTimeout, "deadline already past");
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the fetch finished
      self->Abort(OutboundFailure::kTimeout, std::string("deadline passed during ") + self->stage_);
    });
    Begin();
  }

  // The deadline passed or the client is shutting down: stop whatever is pending; its handler
  // then fails the fetch with this reason.
  void Abort(OutboundFailure failure, std::string detail) {
    if (finished_ || aborted_) return;
    aborted_.emplace(failure, std::move(detail));
    if (!connection_) {
      // Not started yet, or resolving: a getaddrinfo in progress cannot be interrupted and
      // completes only when the lookup ends, so fail now; the late completion finds the fetch
      // finished. (A stream op, in contrast, must complete before its connection is freed.)
      resolver_.cancel();
      return FailAborted();
    }
    connection_->Close();
  }

 private:
  template <typename Handler>
  auto Bind(Handler handler) {
    return net::bind_executor(strand_, beast::bind_front_handler(handler, shared_from_this()));
  }

  template <typename F>
  void WithStream(F&& f) {
    if (connection_->secure) {
      f(*connection_->secure);
    } else {
      f(*connection_->plain);
    }
  }

  // One hop: a pooled connection if there is one, else resolve and connect.
  void Begin() {
    reused_ = false;
    if (!fresh_only_) {
      connection_ = client_->Checkout(url_.Origin(), request_.allow_private_address);
      if (connection_) {
        reused_ = true;
        ++client_->reused;
        return Write();
      }
    }
    fresh_only_ = false;
    endpoints_.clear();
    next_endpoint_ = 0;
    if (url_.ip_literal) {
      endpoints_.emplace_back(net::ip::make_address(url_.host), url_.port);
      return CheckAddresses();
    }
    stage_ = "resolve";
    resolver_.async_resolve(url_.host, std::to_string(url_.port), tcp::resolver::numeric_service,
                            Bind(&FetchOp::OnResolve));
  }

  void OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;  // the deadline passed or the client shut down meanwhile
    if (ec) return Fail(OutboundFailure::kDns, url_.host + " did not resolve: " + ec.message());
    for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
    if (endpoints_.empty()) return Fail(OutboundFailure::kDns, url_.host + " has no address");
    CheckAddresses();
  }

  // Every address the host has must be public unless the request allows otherwise: one
  // private answer among public ones is what a DNS-rebinding attack looks like.
  void CheckAddresses() {
    if (!request_.allow_private_address) {
      for (const tcp::endpoint& endpoint : endpoints_) {
        const AddressClass address_class = ClassifyAddress(endpoint.address());
        if (address_class != AddressClass::kPublic) {
          const std::string kind = std::string(ToString(address_class)) + " address";
          return Fail(OutboundFailure::kNotAllowed,
                      url_.ip_literal ? url_.host + " is a " + kind
                                      : url_.host + " resolves to a " + kind + " (" +
                                            endpoint.address().to_string() + ")");
        }
      }
    }
    connection_ = std::make_unique<Connection>(
        client_->ioc, url_.scheme == "https" ? &client_->tls : nullptr, url_.Origin());
    Connect();
  }

  void Connect() {
    stage_ = "connect";
    ++client_->opened;
    connection_->Lowest().async_connect(endpoints_[next_endpoint_], Bind(&FetchOp::OnConnect));
  }

  void OnConnect(beast::error_code ec) {
    if (aborted_) return FailAborted();
    const tcp::endpoint& endpoint = endpoints_[next_endpoint_];
    if (ec) {
      last_connect_error_ = "connect to " + EndpointText(endpoint) + " failed: " + ec.message();
      connection_->Close();
      if (++next_endpoint_ < endpoints_.size()) return Connect();
      return Fail(OutboundFailure::kConnect, last_connect_error_);
    }
    beast::error_code ignored;
    connection_->Lowest().socket().set_option(tcp::no_delay(true), ignored);
    connection_->peer_public = IsPublicAddress(endpoint.address());
    if (connection_->secure) return Handshake();
    Write();
  }

  void Handshake() {
    stage_ = "tls handshake";
    SSL* ssl = connection_->secure->native_handle();
    // Hostname verification inside OpenSSL's chain check (RFC 6125: SAN DNS names with
    // whole-label wildcards only, or SAN IP addresses for IP literals); SNI for names only.
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool ok = false;
    if (url_.ip_literal) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str()) == 1;
    } else {
      ok = SSL_set_tlsext_host_name(ssl, url_.host.c_str()) == 1 &&
           SSL_set1_host(ssl, url_.host.c_str()) == 1;
    }
    if (!ok) return Fail(OutboundFailure::kTls, "cannot set the expected host name");
    connection_->secure->async_handshake(ssl::stream_base::client, Bind(&FetchOp::OnHandshake));
  }

  void OnHandshake(beast::error_code ec) {
    if (aborted_) return FailAborted();
    if (ec) {
      const long verify = SSL_get_verify_result(connection_->secure->native_handle());
      if (verify != X509_V_OK) {
        return Fail(OutboundFailure::kTls, "certificate of " + url_.host + " not accepted: " +
                                               X509_verify_cert_error_string(verify));
      }
      return Fail(OutboundFailure::kTls,
                  "TLS handshake with " + url_.host + " failed: " + ec.message());
    }
    Write();
  }

  void Write() {
    stage_ = "write";
    auto& r = message_.emplace(method_, url_.target, 11);
    r.set(http::field::host, url_.HostHeader());
    r.set(http::field::user_agent, client_->user_agent);
    if (!request_.accept.empty()) r.set(http::field::accept, request_.accept);
    if (!request_.authorization.empty()) r.set(http::field::authorization, request_.authorization);
    if (method_ == http::verb::post) {
      if (!request_.content_type.empty()) r.set(http::field::content_type, request_.content_type);
      r.body() = request_.body;
    }
    r.keep_alive(true);
    r.prepare_payload();
    WithStream(
        [this](auto& stream) { http::async_write(stream, *message_, Bind(&FetchOp::OnWrite)); });
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (aborted_) return FailAborted();
    if (ec) {
      if (CanRetry()) return Retry();
      return Fail(OutboundFailure::kConnect, "sending the request failed: " + ec.message());
    }
    interim_ = 0;
    Read();
  }

  void Read() {
    stage_ = "read";
    parser_.emplace();
    parser_->header_limit(client_->config.header_bytes);
    parser_->body_limit(request_.max_body_bytes);
    WithStream([this](auto& stream) {
      http::async_read(stream, connection_->buffer, *parser_, Bind(&FetchOp::OnRead));
    });
  }

  // A GET on a pooled connection the server had closed before our request arrived: no byte
  // of a response came back, so nothing was processed; one fresh attempt.
  bool CanRetry() const {
    return reused_ && !retried_ && method_ == http::verb::get && (!parser_ || !parser_->got_some());
  }

  void Retry() {
    retried_ = true;
    connection_->Close();
    connection_.reset();
    parser_.reset();
    fresh_only_ = true;
    Begin();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (aborted_) return FailAborted();
    if (ec == http::error::body_limit) {
      return Fail(
          OutboundFailure::kTooLarge,
          "response body larger than " + std::to_string(request_.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return Fail(
          OutboundFailure::kProtocol,
          "response header larger than " + std::to_string(client_->config.header_bytes) + " bytes");
    }
    if (ec) {
      if (ConnectionGone(ec)) {
        if (!parser_->got_some() && CanRetry()) return Retry();
        return Fail(OutboundFailure::kProtocol,
                    std::string(parser_->got_some() ? "connection closed mid-response"
                                                    : "connection closed before a response") +
                        " (" + ec.message() + ")");
      }
      return Fail(OutboundFailure::kProtocol, "invalid HTTP response: " + ec.message());
    }
    const unsigned status = parser_->get().result_int();
    if (status == 101) return Fail(OutboundFailure::kProtocol, "unexpected 101 response");
    if (status >= 100 && status < 200) {
      if (++interim_ > kMaxInterimResponses) {
        return Fail(OutboundFailure::kProtocol, "too many interim (1xx) responses");
      }
      return Read();
    }
    // Back to the pool only after a complete response that allows keep-alive, with no stray
    // bytes after it.
    const bool reusable =
        parser_->is_done() && parser_->keep_alive() && connection_->buffer.size() == 0;
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
      const auto location = parser_->get()[http::field::location];
      if (!location.empty()) return Redirect(status, location, reusable);
    }
    OutboundResponse response;
    response.status = status;
    response.content_type = std::string(parser_->get()[http::field::content_type]);
    response.body = std::move(parser_->get().body());
    ReleaseConnection(reusable);
    Finish(std::move(response));
  }

  void Redirect(unsigned status, std::string_view location, bool reusable) {
    const auto target = ResolveLocation(url_, location);
    if (!target) return Fail(OutboundFailure::kRedirect, "redirect to an unusable location");
    if (target->Origin() != url_.Origin()) {
      // The Authorization header (the EHR's token for this FHIR server) never goes elsewhere.
      return Fail(OutboundFailure::kRedirect,
                  "redirect to another origin (" + target->Origin() + ") not followed");
    }
    if (++redirects_ > kMaxRedirects) {
      return Fail(OutboundFailure::kRedirect,
                  "more than " + std::to_string(kMaxRedirects) + " redirects");
    }
    if (status == 303 || ((status == 301 || status == 302) && method_ == http::verb::post)) {
      method_ = http::verb::get;
      request_.body.clear();
      request_.content_type.clear();
    }
    ReleaseConnection(reusable);
    parser_.reset();
    url_ = *target;
    Begin();
  }

  void ReleaseConnection(bool reusable) {
    if (!connection_) return;
    connection_->buffer.clear();
    if (reusable) {
      client_->Return(std::move(connection_));
    } else {
      connection_->Close();
      connection_.reset();
    }
  }

  void FailAborted() {
    auto [failure, detail] = *aborted_;
    Fail(failure, std::move(detail));
  }

  void Fail(OutboundFailure failure, std::string detail) {
    OutboundResponse response;
    response.failure = failure;
    response.failure_detail = std::move(detail);
    Finish(std::move(response));
  }

  void Finish(OutboundResponse response) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    resolver_.cancel();
    if (connection_) {
      connection_->Close();
      connection_.reset();
    }
    response.latency = Clock::now() - started_;
    Log(response);
    client_->Unregister(this);
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(response));
  }

  void Log(const OutboundResponse& response) const {
    const double latency_ms = std::chrono::duration<double, std::milli>(response.latency).count();
    if (response.ok()) {
      if (!LogEnabled(LogLevel::kDebug)) return;
      LogLine(LogLevel::kDebug, "outbound fetch")
          .Str("request_id", request_.request_id)
          .Str("method", http::to_string(method_))
          .Str("host", url_.host)
          .Int("port", url_.port)
          .Str("path", url_.Path())
          .Int("status", response.status)
          .Num("latency_ms", latency_ms)
          .Bool("reused", reused_)
          .Int("redirects", redirects_)
          .Int("bytes", static_cast<std::int64_t>(response.body.size()));
      return;
    }
    LogLine(LogLevel::kWarn, "outbound fetch failed")
        .Str("request_id", request_.request_id)
        .Str("failure", ToString(*response.failure))
        .Str("detail", response.failure_detail)
        .Str("host", url_.host)
        .Int("port", url_.port)
        .Str("path", url_.Path())
        .Num("latency_ms", latency_ms)
        .Bool("reused", reused_)
        .Int("redirects", redirects_);
  }

  std::shared_ptr<PooledHttpClient::Impl> client_;
  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer timer_;
  tcp::resolver resolver_;
  OutboundRequest request_;
  std::function<void(OutboundResponse)> done_;
  Clock::time_point started_;
  Clock::time_point deadline_{};
  http::verb method_ = http::verb::get;
  HttpUrl url_;
  std::vector<tcp::endpoint> endpoints_;
  std::size_t next_endpoint_ = 0;
  std::string last_connect_error_;
  std::unique_ptr<Connection> connection_;
  std::optional<http::request<http::string_body>> message_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::optional<std::pair<OutboundFailure, std::string>> aborted_;
  const char* stage_ = "start";
  int redirects_ = 0;
  int interim_ = 0;
  bool reused_ = false;
  bool retried_ = false;
  bool fresh_only_ = false;
  bool finished_ = false;
};

}  // namespace

void PooledHttpClient::Impl::Shutdown() {
  std::vector<std::unique_ptr<Connection>> closing;
  std::vector<std::shared_ptr<FetchOp>> in_flight;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (shut_down) return;
    shut_down = true;
    for (auto& [_, list] : idle) {
      for (auto& c : list) closing.push_back(std::move(c));
    }
    idle.clear();
    idle_count = 0;
    sweep_timer.cancel();
    for (auto& [_, weak] : live) {
      if (auto op = weak.lock()) in_flight.push_back(std::move(op));
    }
  }
  for (auto& c : closing) c->Close();
  for (auto& op : in_flight) {
    net::post(op->strand(), [op] { op->Abort(OutboundFailure::kConnect, "client shut down"); });
  }
}

//------------------------------------------------------------------------------

PooledHttpClient::PooledHttpClient(std::shared_ptr<net::io_context> io,
                                   const FhirClientConfig& config)
    : io_(std::move(io)) {
  if (!io_) throw std::invalid_argument("PooledHttpClient: null io_context");
  impl_ = std::make_shared<Impl>(*io_, config);
}

PooledHttpClient::~PooledHttpClient() { impl_->Shutdown(); }

void PooledHttpClient::Fetch(OutboundRequest request, std::function<void(OutboundResponse)> done) {
  auto op = std::make_shared<FetchOp>(impl_, std::move(request), std::move(done));
  // Not registered once the client is shut down; Start() then fails the fetch.
  (void)impl_->Register(op.get(), op);
  net::post(op->strand(), [op] { op->Start(); });
}

void PooledHttpClient::Shutdown() { impl_->Shutdown(); }

PooledHttpClient::Stats PooledHttpClient::stats() const {
  Stats s;
  s.connections_opened = impl_->opened.load();
  s.connections_reused = impl_->reused.load();
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  s.idle = impl_->idle_count;
  s.in_flight = impl_->live.size();
  return s;
}

}  // namespace cds::hooks
