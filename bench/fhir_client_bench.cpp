// The outbound client (PooledHttpClient) against this project's own HTTPS server on loopback:
// one GET at a time on a pooled keep-alive connection, against one on a fresh connection each
// (TCP connect + TLS handshake), and 32 in flight at once. Run: build/bench/cds_fhir_client_bench
// (Release). Both ends share the machine, so compare the figures of one run with each other.
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/config.hpp"
#include "hooks/fhir_client.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/log.hpp"
#include "hooks/router.hpp"
#include "hooks/server.hpp"
#include "hooks/services.hpp"

namespace {

using namespace std::chrono_literals;
using cds::hooks::OutboundRequest;
using cds::hooks::OutboundResponse;
using cds::hooks::PooledHttpClient;

// The server (2 threads of its own) for the whole run.
struct Target {
  Target() {
    config = cds::hooks::DefaultConfig();
    config.port = 0;
    config.threads = 2;
    config.log_level = "error";
    cds::hooks::SetLogLevel(cds::hooks::LogLevel::kError);
    auto terminology = cds::engine::Terminology::Load(config.terminology_dir);
    if (!terminology.ok()) throw std::runtime_error(terminology.error().ToString());
    auto rules = cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue());
    if (!rules.rule_set) throw std::runtime_error("rule catalogue does not load");
    auto engine = std::make_shared<const cds::hooks::HookEngine>(
        std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
        std::move(*rules.rule_set));
    auto router = std::make_shared<cds::hooks::Router>(
        config, cds::hooks::ServiceCatalog::Default(), std::move(engine));
    server = std::make_unique<cds::hooks::Server>(config, router);
    url = "https://localhost:" + std::to_string(server->tls_port()) + "/cds-services";
    thread = std::thread([this] { server->Run(false); });
  }

  cds::hooks::ServerConfig config;
  std::unique_ptr<cds::hooks::Server> server;
  std::string url;
  std::thread thread;
};

Target& TheTarget() {
  static Target* target = new Target();  // runs until the process exits
  return *target;
}

// A client on its own one-thread event loop.
struct ClientLoop {
  explicit ClientLoop(std::size_t max_idle) : io(std::make_shared<boost::asio::io_context>()) {
    cds::hooks::FhirClientConfig config;
    config.ca_file = std::string(CDS_SOURCE_DIR) + "/certs/dev/ca.pem";
    config.max_idle_per_origin = max_idle;
    client = std::make_unique<PooledHttpClient>(io, config);
    work.emplace(io->get_executor());
    thread = std::thread([io = io] { io->run(); });
  }
  ~ClientLoop() {
    client.reset();
    work.reset();
    thread.join();
  }

  std::shared_ptr<boost::asio::io_context> io;
  std::unique_ptr<PooledHttpClient> client;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
};

OutboundRequest Request(const std::string& url) {
  OutboundRequest request;
  request.url = url;
  request.accept = "application/json";
  request.deadline = std::chrono::steady_clock::now() + 10s;
  request.allow_private_address = true;
  return request;
}

void BM_SequentialGet(benchmark::State& state) {
  const std::string url = TheTarget().url;
  ClientLoop loop(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::promise<OutboundResponse> promise;
    loop.client->Fetch(Request(url),
                       [&promise](OutboundResponse r) { promise.set_value(std::move(r)); });
    const OutboundResponse r = promise.get_future().get();
    if (!r.ok() || r.status != 200) {
      state.SkipWithError("fetch failed");
      break;
    }
  }
  const auto stats = loop.client->stats();
  state.counters["connections"] = static_cast<double>(stats.connections_opened);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "fresh connection each" : "pooled keep-alive");
}
BENCHMARK(BM_SequentialGet)->Arg(8)->Arg(0)->UseRealTime()->MinTime(2.0);

void BM_ConcurrentGet(benchmark::State& state) {
  const std::string url = TheTarget().url;
  ClientLoop loop(static_cast<std::size_t>(state.range(0)));
  constexpr int kInFlight = 32;
  for (auto _ : state) {
    std::mutex mutex;
    std::condition_variable cv;
    int done = 0;
    bool failed = false;
    for (int i = 0; i < kInFlight; ++i) {
      loop.client->Fetch(Request(url), [&](OutboundResponse r) {
        const std::lock_guard<std::mutex> lock(mutex);
        failed = failed || !r.ok();
        ++done;
        cv.notify_one();
      });
    }
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return done == kInFlight; });
    if (failed) {
      state.SkipWithError("fetch failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kInFlight);
  state.SetLabel(state.range(0) == 0 ? "32 in flight, fresh connections" : "32 in flight, pooled");
}
BENCHMARK(BM_ConcurrentGet)->Arg(32)->Arg(0)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
