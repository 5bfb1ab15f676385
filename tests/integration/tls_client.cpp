#include "tests/integration/tls_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "tests/integration/server_process.hpp"

namespace cds::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

TlsClient::TlsClient(std::chrono::milliseconds timeout)
    : timeout_(timeout), ctx_(ssl::context::tls_client) {
  ctx_.load_verify_file(CertPath("ca.pem"));
  ctx_.set_verify_mode(ssl::verify_peer);
}

TlsClient::~TlsClient() = default;

template <typename Op>
boost::system::error_code TlsClient::Run(Op&& op) {
  std::optional<boost::system::error_code> result;
  beast::get_lowest_layer(*stream_).expires_after(timeout_);
  op([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result.value_or(net::error::timed_out);
}

boost::system::error_code TlsClient::Connect(int port) {
  stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, ctx_);
  buffer_.clear();
  SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
  stream_->set_verify_callback(ssl::host_name_verification("localhost"));
  const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                                        static_cast<unsigned short>(port));
  auto ec = Run([&](auto handler) {
    beast::get_lowest_layer(*stream_).async_connect(endpoint, std::move(handler));
  });
  if (ec) return ec;
  return Run([&](auto handler) {
    stream_->async_handshake(ssl::stream_base::client, std::move(handler));
  });
}

boost::system::error_code TlsClient::Send(Request& request, Response& response) {
  auto ec = Run([&](auto handler) { http::async_write(*stream_, request, std::move(handler)); });
  if (ec) return ec;
  return Read(response);
}

boost::system::error_code TlsClient::WriteRaw(std::string_view bytes) {
  return Run([&](auto handler) {
    net::async_write(*stream_, net::buffer(bytes.data(), bytes.size()), std::move(handler));
  });
}

boost::system::error_code TlsClient::Read(Response& response) {
  response = {};
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto ec =
      Run([&](auto handler) { http::async_read(*stream_, buffer_, parser, std::move(handler)); });
  if (!ec) response = parser.release();
  return ec;
}

boost::system::error_code TlsClient::ReadUntilClosed() {
  for (;;) {
    std::array<char, 4096> scratch;
    auto ec = Run(
        [&](auto handler) { stream_->async_read_some(net::buffer(scratch), std::move(handler)); });
    if (ec) return ec;
  }
}

Request JsonPost(const std::string& target, std::string body) {
  Request request(http::verb::post, target, 11);
  request.set(http::field::host, "localhost");
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

Request Get(const std::string& target) {
  Request request(http::verb::get, target, 11);
  request.set(http::field::host, "localhost");
  return request;
}

}  // namespace cds::testing
