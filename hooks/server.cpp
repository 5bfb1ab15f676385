#include "hooks/server.hpp"

#include <openssl/ssl.h>
#include <pthread.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "hooks/log.hpp"

namespace cds::hooks {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Mozilla "intermediate" TLS: 1.2 with forward-secret AEAD suites only, and 1.3.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// How much of an unwanted request body is read and discarded after an early error response
// (413, 400), so that closing the socket does not reset the connection before the client has
// read the response (nginx's lingering close).
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::size_t kFirstReadChunk = 4096;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

void ConfigureTls(ssl::context& ctx, const TlsConfig& tls) {
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    throw std::runtime_error("TLS: cannot set protocol versions: " + OpenSslError());
  }
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                  ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, kTls13Suites) != 1) {
    throw std::runtime_error("TLS: cannot set ciphers: " + OpenSslError());
  }
  if (SSL_CTX_set1_groups_list(native, "X25519:P-256:P-384") != 1) {
    throw std::runtime_error("TLS: cannot set key-exchange groups: " + OpenSslError());
  }
  if (SSL_CTX_use_certificate_chain_file(native, tls.cert_file.c_str()) != 1) {
    throw std::runtime_error("TLS: cannot load certificate chain " + tls.cert_file + ": " +
                             OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("TLS: cannot load private key " + tls.key_file + ": " +
                             OpenSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("TLS: private key " + tls.key_file + " does not match certificate " +
                             tls.cert_file);
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, tls.client_ca_file.c_str(), nullptr) != 1) {
      throw std::runtime_error("TLS: cannot load client CA file " + tls.client_ca_file + ": " +
                               OpenSslError());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);
    int mode = SSL_VERIFY_PEER;
    if (tls.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(native, mode, nullptr);
  }
}

std::string UrlFor(const char* scheme, const tcp::endpoint& endpoint) {
  const bool v6 = endpoint.address().is_v6();
  std::string url(scheme);
  url.append("://").append(v6 ? "[" : "").append(endpoint.address().to_string());
  url.append(v6 ? "]:" : ":").append(std::to_string(endpoint.port()));
  return url;
}

bool IsQuietDisconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted ||
         ec == ssl::error::stream_truncated || ec == net::error::broken_pipe;
}

}  // namespace

//------------------------------------------------------------------------------
// Connection bookkeeping shared by listeners and sessions.

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  /// Posted to the session's strand: close now if idle, after the current response if busy.
  virtual void Drain() = 0;
  /// Posted to the session's strand: close the socket, whatever it is doing.
  virtual void ForceClose() = 0;
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(const ServerConfig& cfg, std::shared_ptr<RequestHandler> r,
       std::shared_ptr<net::io_context> io)
      : config(cfg),
        router(std::move(r)),
        ioc_owner(io ? std::move(io)
                     : std::make_shared<net::io_context>(static_cast<int>(ThreadCount(cfg)))),
        ioc(*ioc_owner),
        control(net::make_strand(ioc)),
        tls_context(ssl::context::tls_server),
        tls_acceptor(control),
        plain_acceptor(control),
        signals(control),
        drain_timer(control) {}

  static unsigned ThreadCount(const ServerConfig& cfg) {
    if (cfg.threads > 0) return cfg.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  // Connection limits, checked at accept: reserves a slot for `peer`, or refuses (the caller
  // closes the socket without a word: before the TLS handshake there is no way to answer 503,
  // and a flood is best met by spending nothing on it).
  bool Admit(const std::string& peer) {
    const std::lock_guard<std::mutex> lock(sessions_mutex);
    if (open_connections >= config.limits.max_connections) return false;
    std::uint32_t& from_peer = connections_by_peer[peer];
    if (from_peer >= config.limits.max_connections_per_client) return false;
    ++from_peer;
    ++open_connections;
    return true;
  }

  void Register(SessionBase* session, std::weak_ptr<SessionBase> weak, const std::string& peer) {
    const std::lock_guard<std::mutex> lock(sessions_mutex);
    sessions.emplace(session, Registered{std::move(weak), peer});
  }

  void Unregister(SessionBase* session) {
    bool last = false;
    {
      const std::lock_guard<std::mutex> lock(sessions_mutex);
      if (const auto it = sessions.find(session); it != sessions.end()) {
        const auto peer = connections_by_peer.find(it->second.peer);
        if (peer != connections_by_peer.end() && --peer->second == 0) {
          connections_by_peer.erase(peer);
        }
        --open_connections;
        sessions.erase(it);
      }
      last = sessions.empty() && stopping.load();
    }
    if (last) net::post(control, [self = shared_from_this()] { self->Finish(); });
  }

  std::vector<std::shared_ptr<SessionBase>> LiveSessions() {
    std::vector<std::shared_ptr<SessionBase>> live;
    const std::lock_guard<std::mutex> lock(sessions_mutex);
    live.reserve(sessions.size());
    for (auto& [_, registered] : sessions) {
      if (auto s = registered.weak.lock()) live.push_back(std::move(s));
    }
    return live;
  }

  void Listen(tcp::acceptor& acceptor, const std::string& bind, std::uint16_t port,
              const char* what) {
    beast::error_code ec;
    const auto address = net::ip::make_address(bind, ec);
    if (ec) throw std::runtime_error(std::string(what) + ": bad bind address " + bind);
    const tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error(std::string(what) + ": cannot listen on " + bind + ":" +
                               std::to_string(port) + ": " + ec.message());
    }
  }

  void Accept(bool secure);
  void Refuse(tcp::socket& socket, const std::string& peer);
  void StartStop();
  // Every connection is closed after a stop: end the event loop, which may still hold idle
  // work of the router's clients (pooled FHIR connections, timers).
  void Finish() {
    drain_timer.cancel();
    ioc.stop();
  }
  void ForceCloseAll();

  ServerConfig config;
  std::shared_ptr<RequestHandler> router;
  std::shared_ptr<net::io_context> ioc_owner;
  net::io_context& ioc;
  // Listeners, signals and the drain timer live on one strand: stopping closes the acceptors
  // while their accept handlers may be running.
  net::strand<net::io_context::executor_type> control;
  ssl::context tls_context;
  tcp::acceptor tls_acceptor;
  tcp::acceptor plain_acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  struct Registered {
    std::weak_ptr<SessionBase> weak;
    std::string peer;
  };
  std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, Registered> sessions;
  std::unordered_map<std::string, std::uint32_t> connections_by_peer;
  std::uint32_t open_connections = 0;
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::int64_t> last_refusal_log_s{0};
};

//------------------------------------------------------------------------------
// One HTTP/1.1 session; Derived supplies the stream (TLS or plain TCP) and its shutdown.

template <typename Derived>
class HttpSession : public SessionBase {
 public:
  HttpSession(std::shared_ptr<Server::Impl> server, std::string peer)
      : server_(std::move(server)), peer_(std::move(peer)) {
    connection_.peer = peer_;
  }

  void Drain() override {
    net::dispatch(Self().stream().get_executor(), [self = Self().shared_from_this()] {
      self->draining_ = true;
      if (!self->busy_) self->Lowest().cancel();
    });
  }

  void ForceClose() override {
    net::dispatch(Self().stream().get_executor(), [self = Self().shared_from_this()] {
      beast::error_code ignored;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->Lowest().close();
    });
  }

 protected:
  Derived& Self() { return static_cast<Derived&>(*this); }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(Self().stream()); }
  const TimeoutsConfig& Timeouts() const { return server_->config.timeouts; }

  // Waits for the first byte of the next request under the idle (or, for the first request,
  // the header) deadline, so that slow headers and idle keep-alive are timed separately.
  void DoRead() {
    busy_ = false;
    if (draining_) return Self().DoShutdown();
    parser_.emplace();
    parser_->header_limit(server_->config.limits.header_bytes);
    parser_->body_limit(server_->config.limits.body_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // pipelined bytes already here
    Lowest().expires_after(requests_ == 0 ? Timeouts().header : Timeouts().idle);
    Self().stream().async_read_some(
        buffer_.prepare(kFirstReadChunk),
        beast::bind_front_handler(&HttpSession::OnFirstBytes, Self().shared_from_this()));
  }

  void OnFirstBytes(beast::error_code ec, std::size_t bytes) {
    if (ec) return Close(ec, "idle");
    buffer_.commit(bytes);
    ReadHeader();
  }

  void ReadHeader() {
    busy_ = true;
    started_ = Clock::now();
    Lowest().expires_after(Timeouts().header);
    http::async_read_header(
        Self().stream(), buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::OnHeader, Self().shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec, "read header");
    const auto& request = parser_->get();
    if (request.version() == 11 && beast::iequals(request[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, 11);
      Lowest().expires_after(Timeouts().write);
      return http::async_write(
          Self().stream(), *continue_,
          beast::bind_front_handler(&HttpSession::OnContinue, Self().shared_from_this()));
    }
    ReadBody();
  }

  void OnContinue(beast::error_code ec, std::size_t) {
    continue_.reset();
    if (ec) return Close(ec, "write 100-continue");
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(Timeouts().body);
    http::async_read(Self().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnBody, Self().shared_from_this()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec, "read body");
    ++requests_;
    HttpRequest request = parser_->release();
    method_ = std::string(request.method_string());
    target_ = std::string(request.target().substr(0, request.target().find('?')));
    bytes_in_ = request.body().size();
    info_ = RequestInfo{};
    // The router answers through this callback, maybe later and on another thread (after a
    // prefetch fetch or the audit commit); the write always happens on this session's strand.
    auto respond = [self = Self().shared_from_this()](HttpResponse response) {
      net::post(self->stream().get_executor(),
                [self, r = std::move(response)]() mutable { self->Write(std::move(r), false); });
    };
    try {
      server_->router->Handle(std::move(request), connection_, info_, std::move(respond));
    } catch (const std::exception& e) {
      // A bug, not bad input: answer 500 without detail, log what happened. (Handle throws
      // only before it has called respond.)
      http::request_header<> header;
      header.version(11);
      Write(server_->router->ErrorResponse(
                Error{HookError::kInternal, "", "", std::string("exception: ") + e.what()}, header,
                connection_, info_),
            false);
    }
  }

  // Read errors: some get an HTTP answer (and then the connection closes), the rest just close.
  void OnReadError(beast::error_code ec, const char* where) {
    if (ec == http::error::header_limit) {
      return WriteTransportError(HookError::kHeadersTooLarge, "request header fields too large");
    }
    if (ec == http::error::body_limit) {
      return WriteTransportError(HookError::kPayloadTooLarge,
                                 "request body larger than " +
                                     std::to_string(server_->config.limits.body_bytes) + " bytes");
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return WriteTransportError(HookError::kMalformedHttp, "malformed HTTP request");
    }
    Close(ec, where);
  }

  void WriteTransportError(HookError code, std::string message) {
    http::request_header<> header;
    header.version(11);
    if (parser_ && parser_->is_header_done()) {
      header = parser_->get().base();
      method_ = std::string(header.method_string());
      target_ = std::string(header.target().substr(0, header.target().find('?')));
    }
    info_ = RequestInfo{};
    const Error error{code, "", std::move(message), ""};
    HttpResponse response = server_->router->ErrorResponse(error, header, connection_, info_);
    response.keep_alive(false);
    response.prepare_payload();
    Write(std::move(response), true);
  }

  void Write(HttpResponse&& response, bool linger) {
    if (draining_) response.keep_alive(false);
    status_ = response.result_int();
    response_.emplace(std::move(response));
    linger_ = linger;
    Lowest().expires_after(Timeouts().write);
    http::async_write(Self().stream(), *response_,
                      beast::bind_front_handler(&HttpSession::OnWrite, Self().shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t bytes) {
    const bool keep_alive = response_->keep_alive();
    LogRequest(bytes, ec);
    response_.reset();
    if (ec) return Close(ec, "write");
    if (!keep_alive) {
      if (linger_) return Linger();
      return Self().DoShutdown();
    }
    DoRead();
  }

  // After an early error response the client may still be sending its body: read and discard
  // a bounded amount (time and bytes) so the close does not destroy the response in flight.
  void Linger() {
    Lowest().expires_after(Timeouts().shutdown);
    buffer_.clear();
    Self().stream().async_read_some(
        buffer_.prepare(64 * 1024),
        beast::bind_front_handler(&HttpSession::OnLinger, Self().shared_from_this()));
  }

  void OnLinger(beast::error_code ec, std::size_t bytes) {
    lingered_ += bytes;
    if (ec || lingered_ > kLingerBytes) return Self().DoShutdown();
    Linger();
  }

  void LogRequest(std::size_t bytes_out, const beast::error_code& ec) {
    const double latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    const LogLevel level = status_ >= 500 ? LogLevel::kError : LogLevel::kInfo;
    LogLine line(level, "request");
    line.Str("request_id", info_.request_id)
        .Str("peer", peer_)
        .Str("method", method_)
        .Str("path", target_)
        .Int("status", status_)
        .Num("latency_ms", latency_ms)
        .Int("bytes_in", static_cast<std::int64_t>(bytes_in_))
        .Int("bytes_out", static_cast<std::int64_t>(bytes_out));
    if (!info_.service_id.empty()) line.Str("service", info_.service_id);
    if (!info_.hook_instance.empty()) {
      line.Str("hookInstance", info_.hook_instance)
          .Int("cards", static_cast<std::int64_t>(info_.cards));
      if (!info_.rules.empty()) line.Str("rules", info_.rules);
    }
    if (!info_.iss.empty()) line.Str("iss", info_.iss).Str("jti", info_.jti);
    if (!info_.error.empty()) line.Str("error", info_.error).Str("detail", info_.error_detail);
    if (ec) line.Str("write_error", ec.message());
    server_->router->Observe(info_, static_cast<unsigned>(status_));
    bytes_in_ = 0;
  }

  void Close(const beast::error_code& ec, const char* where) {
    if (ec == beast::error::timeout) {
      LogLine(LogLevel::kDebug, "connection timeout").Str("peer", peer_).Str("during", where);
    } else if (!IsQuietDisconnect(ec)) {
      LogLine(LogLevel::kDebug, "connection error")
          .Str("peer", peer_)
          .Str("during", where)
          .Str("error", ec.message());
    }
    if (ec == net::error::operation_aborted && draining_) return Self().DoShutdown();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  std::shared_ptr<Server::Impl> server_;
  std::string peer_;
  ConnectionInfo connection_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<HttpResponse> response_;
  RequestInfo info_;
  std::string method_;
  std::string target_;
  std::size_t bytes_in_ = 0;
  std::size_t lingered_ = 0;
  unsigned status_ = 0;
  std::uint64_t requests_ = 0;
  Clock::time_point started_{};
  bool busy_ = false;
  bool draining_ = false;
  bool linger_ = false;
};

class TlsSession final : public HttpSession<TlsSession>,
                         public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(std::shared_ptr<Server::Impl> server, tcp::socket&& socket, std::string peer)
      : HttpSession(server, std::move(peer)), stream_(std::move(socket), server->tls_context) {
    connection_.secure = true;
  }
  ~TlsSession() override { server_->Unregister(this); }

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&TlsSession::OnRun, shared_from_this()));
  }

  void DoShutdown() {
    Lowest().expires_after(Timeouts().shutdown);
    stream_.async_shutdown(beast::bind_front_handler(&TlsSession::OnShutdown, shared_from_this()));
  }

 private:
  void OnRun() {
    busy_ = true;  // a handshake in progress is work in flight
    Lowest().expires_after(Timeouts().handshake);
    stream_.async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&TlsSession::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      LogLine(LogLevel::kDebug, "tls handshake failed")
          .Str("peer", peer_)
          .Str("error", ec.message());
      return Close(ec, "handshake");
    }
    // With mTLS configured, OpenSSL has verified any certificate the client presented against
    // the client CA; a certificate present after the handshake is a verified one.
    if (X509* cert = SSL_get_peer_certificate(stream_.native_handle())) {
      connection_.client_cert_verified =
          SSL_get_verify_result(stream_.native_handle()) == X509_V_OK;
      X509_free(cert);
    }
    DoRead();
  }

  void OnShutdown(beast::error_code) {
    // The peer may close without its own close_notify (stream_truncated) or not answer before
    // the deadline; either way the connection is done.
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
};

class PlainSession final : public HttpSession<PlainSession>,
                           public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(std::shared_ptr<Server::Impl> server, tcp::socket&& socket, std::string peer)
      : HttpSession(std::move(server), std::move(peer)), stream_(std::move(socket)) {
    connection_.secure = false;
  }
  ~PlainSession() override { server_->Unregister(this); }

  beast::tcp_stream& stream() { return stream_; }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&PlainSession::DoRead, shared_from_this()));
  }

  void DoShutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

 private:
  beast::tcp_stream stream_;
};

//------------------------------------------------------------------------------

void Server::Impl::Accept(bool secure) {
  tcp::acceptor& acceptor = secure ? tls_acceptor : plain_acceptor;
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this(), secure](
                                                   beast::error_code ec, tcp::socket socket) {
    if (self->stopping.load()) return;
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // Out of file descriptors and similar: log and keep accepting.
      LogLine(LogLevel::kWarn, "accept failed").Str("error", ec.message());
    } else {
      beast::error_code peer_ec;
      const auto remote = socket.remote_endpoint(peer_ec);
      std::string peer = peer_ec ? std::string("?") : remote.address().to_string();
      if (!self->Admit(peer)) {
        self->Refuse(socket, peer);
      } else if (secure) {
        socket.set_option(tcp::no_delay(true), peer_ec);
        auto session = std::make_shared<TlsSession>(self, std::move(socket), peer);
        self->Register(session.get(), session, peer);
        session->Run();
      } else {
        socket.set_option(tcp::no_delay(true), peer_ec);
        auto session = std::make_shared<PlainSession>(self, std::move(socket), peer);
        self->Register(session.get(), session, peer);
        session->Run();
      }
    }
    self->Accept(secure);
  });
}

void Server::Impl::Refuse(tcp::socket& socket, const std::string& peer) {
  beast::error_code ignored;
  // Abortive close (RST): no TIME_WAIT left behind for a flood of refused connections.
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
  const std::uint64_t refused = ++refused_connections;
  // One warning per second at most: a flood must not become a flood of log lines.
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  std::int64_t last = last_refusal_log_s.load();
  if (now_s != last && last_refusal_log_s.compare_exchange_strong(last, now_s)) {
    LogLine(LogLevel::kWarn, "connection refused: limit reached")
        .Str("peer", peer)
        .Int("max_connections", config.limits.max_connections)
        .Int("max_connections_per_client", config.limits.max_connections_per_client)
        .Int("refused_total", static_cast<std::int64_t>(refused));
  }
}

void Server::Impl::StartStop() {
  if (stopping.exchange(true)) return;
  LogLine(LogLevel::kInfo, "draining").Int("drain_ms", config.timeouts.drain.count());
  router->SetDraining();
  beast::error_code ignored;
  tls_acceptor.close(ignored);
  plain_acceptor.close(ignored);
  signals.cancel(ignored);
  const auto live = LiveSessions();
  for (const auto& session : live) session->Drain();
  if (live.empty()) return Finish();
  drain_timer.expires_after(config.timeouts.drain);
  drain_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;  // cancelled: every session finished in time
    LogLine(LogLevel::kWarn, "drain deadline passed; closing remaining connections");
    self->ForceCloseAll();
  });
}

void Server::Impl::ForceCloseAll() {
  for (const auto& session : LiveSessions()) session->ForceClose();
}

Server::Server(const ServerConfig& config, std::shared_ptr<RequestHandler> router,
               std::shared_ptr<net::io_context> io)
    : impl_(std::make_shared<Impl>(config, std::move(router), std::move(io))) {
  ConfigureTls(impl_->tls_context, config.tls);
  impl_->Listen(impl_->tls_acceptor, config.bind, config.port, "https listener");
  if (config.plain_http.enabled) {
    impl_->Listen(impl_->plain_acceptor, config.plain_http.bind, config.plain_http.port,
                  "plain http listener");
  }
}

Server::~Server() = default;

std::uint16_t Server::tls_port() const noexcept {
  beast::error_code ec;
  return impl_->tls_acceptor.local_endpoint(ec).port();
}

std::uint16_t Server::plain_port() const noexcept {
  if (!impl_->plain_acceptor.is_open()) return 0;
  beast::error_code ec;
  return impl_->plain_acceptor.local_endpoint(ec).port();
}

std::string Server::tls_url() const {
  beast::error_code ec;
  return UrlFor("https", impl_->tls_acceptor.local_endpoint(ec));
}

std::size_t Server::open_connections() const {
  const std::lock_guard<std::mutex> lock(impl_->sessions_mutex);
  return impl_->open_connections;
}

std::string Server::plain_url() const {
  beast::error_code ec;
  return UrlFor("http", impl_->plain_acceptor.local_endpoint(ec));
}

void Server::Run(bool handle_signals) {
  Impl& impl = *impl_;
  if (handle_signals) {
    impl.signals.add(SIGINT);
    impl.signals.add(SIGTERM);
    impl.signals.async_wait([self = impl_](beast::error_code ec, int signal) {
      if (ec) return;
      LogLine(LogLevel::kInfo, "signal received").Int("signal", signal);
      self->StartStop();
    });
  }
  impl.Accept(true);
  if (impl.plain_acceptor.is_open()) impl.Accept(false);
  const unsigned threads = Impl::ThreadCount(impl.config);
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) {
    workers.emplace_back([&impl, i] {
      // The calling thread is the first I/O thread and keeps the process's name.
      const std::string name = "cds-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      impl.ioc.run();
    });
  }
  impl.ioc.run();
  for (std::thread& t : workers) t.join();
}

void Server::Stop() {
  net::post(impl_->control, [self = impl_] { self->StartStop(); });
}

}  // namespace cds::hooks
