// Transport-only baseline for the performance budget (issue 8): the server's own TLS/HTTP stack
// (hooks/server.cpp: same sessions, parser limits, deadlines, TLS settings, threads) with a
// handler that answers every request with a constant reply after the whole request has been
// read. wrk against this and against cds-hooks-server with the same body, in the same run,
// shows what validation, parsing, rules, cards and audit cost on top of TLS + HTTP.
// Takes the server's command line (--port, --threads, --tls-cert, ...). The reply is
// {"cards":[]} unless the environment variable CDS_BASELINE_REPLY names a file whose bytes are
// sent instead (bench/run-wrk.sh passes a real response, so that the baseline also pays for
// encrypting and sending a reply of the real size).
#include <atomic>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include "hooks/config.hpp"
#include "hooks/router.hpp"
#include "hooks/server.hpp"

namespace {

namespace http = boost::beast::http;
using cds::hooks::HttpResponse;

class ConstantHandler final : public cds::hooks::RequestHandler {
 public:
  explicit ConstantHandler(std::string reply) : reply_(std::move(reply)) {}

  void Handle(cds::hooks::HttpRequest&& request, const cds::hooks::ConnectionInfo&,
              cds::hooks::RequestInfo&, cds::hooks::Respond respond) const override {
    HttpResponse response(http::status::ok, request.version());
    response.set(http::field::content_type, "application/json");
    response.body() = reply_;
    response.keep_alive(request.keep_alive() && !draining_);
    response.prepare_payload();
    respond(std::move(response));
  }

  HttpResponse ErrorResponse(const cds::hooks::Error& error, const http::request_header<>& request,
                             const cds::hooks::ConnectionInfo&,
                             cds::hooks::RequestInfo&) const override {
    HttpResponse response(static_cast<http::status>(cds::hooks::ToHttpStatus(error.code)),
                          request.version());
    response.keep_alive(false);
    response.prepare_payload();
    return response;
  }

  void SetDraining() noexcept override { draining_ = true; }

 private:
  const std::string reply_;
  std::atomic<bool> draining_{false};
};

}  // namespace

int main(int argc, char** argv) {
  cds::hooks::ServerConfig config = cds::hooks::DefaultConfig();
  const auto parsed = cds::hooks::ParseCommandLine(argc, argv, config);
  if (!parsed.error.empty()) {
    std::cerr << "cds_baseline_server: " << parsed.error << "\n";
    return 2;
  }
  std::string reply = R"({"cards":[]})";
  if (const char* path = std::getenv("CDS_BASELINE_REPLY"); path != nullptr && *path != '\0') {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      std::cerr << "cds_baseline_server: cannot read CDS_BASELINE_REPLY " << path << "\n";
      return 2;
    }
    reply.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  try {
    cds::hooks::Server server(config, std::make_shared<ConstantHandler>(std::move(reply)));
    std::cout << "listening on " << server.tls_url() << std::endl;
    if (config.plain_http.enabled) std::cout << "listening on " << server.plain_url() << std::endl;
    server.Run();
  } catch (const std::exception& e) {
    std::cerr << "cds_baseline_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
