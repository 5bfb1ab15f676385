// The HTTPS server: Boost.Beast async HTTP/1.1 over OpenSSL, one strand per connection, a
// deadline on every I/O step, explicit parser limits, graceful drain on SIGINT/SIGTERM.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "hooks/config.hpp"
#include "hooks/router.hpp"

namespace cds::hooks {

class Server {
 public:
  /// Builds the TLS context and binds the listeners. Throws std::runtime_error with a message
  /// naming the file or address on start-up failure (unreadable certificate, port in use).
  /// `io` is the event loop the server runs; pass the one the router's asynchronous parts
  /// (FHIR client, key-set fetches) use, so their completions run on the server's threads.
  /// Null: the server makes its own.
  Server(const ServerConfig& config, std::shared_ptr<RequestHandler> router,
         std::shared_ptr<boost::asio::io_context> io = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Actual bound ports (useful with port 0).
  [[nodiscard]] std::uint16_t tls_port() const noexcept;
  [[nodiscard]] std::uint16_t plain_port() const noexcept;  // 0 when plain HTTP is off
  /// "https://127.0.0.1:8443" (brackets around IPv6 addresses).
  [[nodiscard]] std::string tls_url() const;
  [[nodiscard]] std::string plain_url() const;
  /// Client connections open now (admitted and not yet closed). Thread-safe.
  [[nodiscard]] std::size_t open_connections() const;

  /// Accepts connections and serves them on the configured number of threads (the calling
  /// thread is one of them) until a stop completes; then stops the event loop. When
  /// `handle_signals` is true, SIGINT and SIGTERM start a graceful stop. Returns once every
  /// connection is closed.
  void Run(bool handle_signals = true);

  /// Starts a graceful stop: close the listeners, let in-flight requests finish (their
  /// responses carry `Connection: close`), close idle connections, and force-close whatever is
  /// left after `timeouts.drain`. Thread-safe and idempotent.
  void Stop();

  struct Impl;  // implementation detail, shared with the sessions in server.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cds::hooks
