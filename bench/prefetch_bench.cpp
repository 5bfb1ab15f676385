// Issue 5: latency of a hook call that needs 4 prefetch fetches, parallel (the resolver's way)
// vs serial (the same client, one request at a time), against a tiny local FHIR server with
// canned replies. The whole call is measured through Router::Handle: validation, fetches over
// loopback HTTP with the real FHIR client, engine, cards.
//
//   build/cds_prefetch_bench [--iterations N] [--server-delay-ms D]
//
// --server-delay-ms simulates the FHIR server's own time per search (default 5 ms), since a
// canned reply alone costs microseconds and would hide what parallelism buys.
#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/fhir_client.hpp"
#include "hooks/log.hpp"
#include "hooks/prefetch_resolver.hpp"
#include "hooks/prefetch_template.hpp"
#include "hooks/router.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// ---- a tiny FHIR server with canned replies ----------------------------------------------------

class CannedSession : public std::enable_shared_from_this<CannedSession> {
 public:
  CannedSession(tcp::socket socket, const std::map<std::string, std::string>& replies,
                std::chrono::milliseconds delay)
      : stream_(std::move(socket)),
        replies_(replies),
        timer_(stream_.get_executor()),
        delay_(delay) {}
  void Start() { Read(); }

 private:
  void Read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       self->timer_.expires_after(self->delay_);
                       self->timer_.async_wait([self](beast::error_code) { self->Answer(); });
                     });
  }
  void Answer() {
    auto response = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
    const std::string target(request_.target());
    const auto it = replies_.find(target);
    if (it == replies_.end()) {
      response->result(http::status::not_found);
      response->body() = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                         R"("code":"not-found"}]})";
    } else {
      response->body() = it->second;
    }
    response->set(http::field::content_type, "application/fhir+json");
    response->keep_alive(request_.keep_alive());
    response->prepare_payload();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (!ec && response->keep_alive()) self->Read();
                      });
  }

  beast::tcp_stream stream_;
  const std::map<std::string, std::string>& replies_;
  net::steady_timer timer_;
  std::chrono::milliseconds delay_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

class CannedServer {
 public:
  CannedServer(net::io_context& io, std::map<std::string, std::string> replies,
               std::chrono::milliseconds delay)
      : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        replies_(std::move(replies)),
        delay_(delay) {
    Accept();
  }
  [[nodiscard]] unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::map<std::string, std::string>& replies() { return replies_; }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(acceptor_.get_executor()), [this](beast::error_code ec,
                                                                              tcp::socket socket) {
      if (ec) return;
      std::make_shared<CannedSession>(std::move(socket), replies_, delay_)->Start();
      Accept();
    });
  }
  tcp::acceptor acceptor_;
  std::map<std::string, std::string> replies_;
  std::chrono::milliseconds delay_;
};

// ---- serial fetching: the same client, one request at a time -----------------------------------

class SerialClient : public cds::hooks::HttpClient {
 public:
  explicit SerialClient(std::shared_ptr<cds::hooks::HttpClient> inner) : inner_(std::move(inner)) {}
  void Fetch(cds::hooks::OutboundRequest request,
             std::function<void(cds::hooks::OutboundResponse)> done) override {
    std::unique_lock lock(mutex_);
    queue_.push_back({std::move(request), std::move(done)});
    if (busy_) return;
    busy_ = true;
    lock.unlock();
    Next();
  }

 private:
  struct Item {
    cds::hooks::OutboundRequest request;
    std::function<void(cds::hooks::OutboundResponse)> done;
  };
  void Next() {
    std::unique_lock lock(mutex_);
    if (queue_.empty()) {
      busy_ = false;
      return;
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    inner_->Fetch(std::move(item.request),
                  [this, done = std::move(item.done)](cds::hooks::OutboundResponse response) {
                    done(std::move(response));
                    Next();
                  });
  }
  std::shared_ptr<cds::hooks::HttpClient> inner_;
  std::mutex mutex_;
  std::deque<Item> queue_;
  bool busy_ = false;
};

// ---- the measured call ------------------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Write(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

constexpr const char* kFetchedKeys[] = {"patient", "labObservations", "conditions",
                                        "microbiologyReports"};

struct Fixture {
  std::string complete_body;                   // the same call with every key prefetched
  std::string request_body;                    // needs the 4 keys fetched
  std::map<std::string, std::string> replies;  // target path+query -> body
};

// The realistic KPC bacteremia case (tests/data/golden) with 4 of its prefetch keys removed;
// the canned server answers exactly those 4 queries with the removed data.
Fixture MakeFixture(const std::string& base_path, const std::string& fhir_server,
                    std::chrono::sys_seconds now) {
  rapidjson::Document doc;
  const std::string text =
      ReadFile(std::string(CDS_SOURCE_DIR) +
               "/tests/data/golden/realistic-kpc-bacteremia-meropenem-on-divalproex/"
               "01-order-select.request.json");
  doc.Parse(text.c_str());
  const auto catalog = cds::hooks::ServiceCatalog::Default();
  const cds::hooks::ServiceDefinition& service = catalog.services().front();
  const rapidjson::Value& context = doc["context"];
  const cds::hooks::TemplateContext template_context{
      context["userId"].GetString(), context["patientId"].GetString(),
      context["encounterId"].GetString(),
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}};
  Fixture f;
  f.complete_body = text;
  for (const char* key : kFetchedKeys) {
    for (const cds::hooks::PrefetchTemplate& t : service.prefetch) {
      if (t.key != key) continue;
      const std::string target =
          base_path + "/" +
          cds::hooks::RenderPrefetchTemplate(t.query, template_context).relative_url;
      f.replies[target] = Write(doc["prefetch"][key]);
    }
    doc["prefetch"].RemoveMember(key);
  }
  doc["fhirServer"].SetString(fhir_server.c_str(), doc.GetAllocator());
  f.request_body = Write(doc);
  return f;
}

struct Stats {
  double p50 = 0;
  double p99 = 0;
  double mean = 0;
};

Stats Measure(const cds::hooks::Router& router, const std::string& body, int iterations) {
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(iterations));
  for (int i = 0; i < iterations + 10; ++i) {
    cds::hooks::HttpRequest request{http::verb::post,
                                    "/cds-services/antimicrobial-stewardship-order-select", 11};
    request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    cds::hooks::RequestInfo info;
    const auto start = Clock::now();
    const auto response = router.HandleSync(std::move(request), {}, info);
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (response.result_int() != 200) {
      std::cerr << "unexpected status " << response.result_int() << ": " << response.body() << "\n";
      std::exit(1);
    }
    if (i >= 10) ms.push_back(elapsed);  // the first calls warm the connection pool
  }
  std::sort(ms.begin(), ms.end());
  Stats s;
  s.p50 = ms[ms.size() / 2];
  s.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  for (double v : ms) s.mean += v;
  s.mean /= static_cast<double>(ms.size());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  cds::hooks::SetLogLevel(cds::hooks::LogLevel::kWarn);  // no "prefetch fetched" line per call
  int iterations = 300;
  int delay_ms = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    if (opt == "--iterations") iterations = std::atoi(argv[i + 1]);
    if (opt == "--server-delay-ms") delay_ms = std::atoi(argv[i + 1]);
  }
  const std::chrono::sys_seconds now =
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + std::chrono::hours(12);

  auto io = std::make_shared<net::io_context>();
  CannedServer server(*io, {}, std::chrono::milliseconds(delay_ms));
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/fhir";
  Fixture fixture = MakeFixture("/fhir", base, now);
  server.replies() = fixture.replies;  // before the event loop runs: no request yet

  auto terminology =
      cds::engine::Terminology::Load(std::string(CDS_SOURCE_DIR) + "/engine/terminology");
  auto rules = cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue());
  if (!terminology.ok() || !rules.rule_set) return 1;
  auto engine = std::make_shared<const cds::hooks::HookEngine>(
      std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
      std::move(*rules.rule_set));

  std::vector<std::thread> threads;
  auto guard = net::make_work_guard(*io);
  for (int i = 0; i < 2; ++i) threads.emplace_back([io] { io->run(); });

  cds::hooks::FhirClientConfig client_config;
  client_config.allow_http = true;
  const auto client = std::make_shared<cds::hooks::PooledHttpClient>(io, client_config);
  cds::hooks::ServerConfig config = cds::hooks::DefaultConfig();
  config.fixed_now = now;
  cds::hooks::PrefetchOptions options;
  options.allow_http = true;
  cds::hooks::FhirServerAllowlist allowlist;
  if (cds::hooks::FhirServerAllowlist::Create({base}, allowlist)) return 1;

  const auto make_router = [&](std::shared_ptr<cds::hooks::HttpClient> c) {
    auto resolver = std::make_shared<cds::hooks::PrefetchResolver>(c, allowlist, options, io);
    return std::make_unique<cds::hooks::Router>(config, cds::hooks::ServiceCatalog::Default(),
                                                engine, resolver);
  };
  const auto parallel = make_router(client);
  const auto serial = make_router(std::make_shared<SerialClient>(client));

  std::cout << "hook call needing 4 fetches, FHIR server delay " << delay_ms << " ms per request, "
            << iterations << " calls per mode\n";
  std::cout << "mode                 p50 ms   p99 ms  mean ms\n";
  const auto print = [](const char* name, Stats s) {
    std::printf("%-18s %8.2f %8.2f %8.2f\n", name, s.p50, s.p99, s.mean);
  };
  // Interleave the modes in rounds so that machine noise hits all of them alike.
  Stats p{}, s{}, n{};
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    const Stats pr = Measure(*parallel, fixture.request_body, iterations / kRounds);
    const Stats sr = Measure(*serial, fixture.request_body, iterations / kRounds);
    const Stats nr = Measure(*parallel, fixture.complete_body, iterations / kRounds);
    p.p50 += pr.p50 / kRounds;
    p.p99 = std::max(p.p99, pr.p99);
    p.mean += pr.mean / kRounds;
    s.p50 += sr.p50 / kRounds;
    s.p99 = std::max(s.p99, sr.p99);
    s.mean += sr.mean / kRounds;
    n.p50 += nr.p50 / kRounds;
    n.p99 = std::max(n.p99, nr.p99);
    n.mean += nr.mean / kRounds;
  }
  print("parallel (4 keys)", p);
  print("serial (4 keys)", s);
  print("all prefetched", n);
  std::printf("serial / parallel p50: %.2fx\n", s.p50 / p.p50);
  client->Shutdown();
  guard.reset();
  io->stop();
  for (auto& t : threads) t.join();
  return 0;
}
