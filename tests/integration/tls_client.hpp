// A small HTTPS client on Beast for integration tests: keep-alive requests, raw byte writes
// (to trickle headers or send partial bodies) and deadlines on every step.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace cds::testing {

using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

class TlsClient {
 public:
  explicit TlsClient(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~TlsClient();

  /// TCP connect + TLS handshake to 127.0.0.1:port, verifying the dev CA and "localhost".
  boost::system::error_code Connect(int port);
  /// Writes a request and reads the response.
  boost::system::error_code Send(Request& request, Response& response);
  /// Writes raw bytes (already TLS-encrypted by the stream).
  boost::system::error_code WriteRaw(std::string_view bytes);
  /// Reads one response.
  boost::system::error_code Read(Response& response);
  /// Reads until the server closes the connection; returns the error that ended the read
  /// (EOF, stream_truncated, reset) or timeout.
  boost::system::error_code ReadUntilClosed();

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  template <typename Op>
  boost::system::error_code Run(Op&& op);

  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

/// A JSON POST request for `target` on 127.0.0.1.
Request JsonPost(const std::string& target, std::string body);
/// A GET request.
Request Get(const std::string& target);

}  // namespace cds::testing
