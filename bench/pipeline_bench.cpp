// A whole hook call minus the transport: ParseHookRequest (validation, in-situ JSON) and
// HookEngine::Evaluate (FHIR views, snapshot, every rule, cards, response JSON), on the
// realistic requests of bench/data. Run: build/bench/cds_pipeline_bench (Release).
//
// Profiling mode: `cds_pipeline_bench --calls=N [file]` runs exactly N whole calls of one request
// (default order-select-10k.json) in ProfileCalls() and exits, for instruction counts that do not
// depend on timing: valgrind --tool=callgrind --toggle-collect='*ProfileCalls*' ... --calls=200
// (instructions per call = the total / N).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/services.hpp"

namespace {

using cds::hooks::HookEngine;

std::string Read(const std::string& name) {
  std::ifstream in(std::string(CDS_SOURCE_DIR) + "/bench/data/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) throw std::runtime_error("cannot read bench/data/" + name);
  return text.str();
}

const HookEngine& Engine() {
  static const std::unique_ptr<HookEngine> engine = [] {
    auto terminology =
        cds::engine::Terminology::Load(std::string(CDS_SOURCE_DIR) + "/engine/terminology");
    if (!terminology.ok()) throw std::runtime_error(terminology.error().ToString());
    auto rules = cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue());
    if (!rules.rule_set) throw std::runtime_error("rule catalogue does not load");
    return std::make_unique<HookEngine>(
        std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
        std::move(*rules.rule_set));
  }();
  return *engine;
}

const cds::hooks::ServiceDefinition& SelectService() {
  static const cds::hooks::ServiceCatalog catalog = cds::hooks::ServiceCatalog::Default();
  return *catalog.Find("antimicrobial-stewardship-order-select");
}

// The instant the bench data was written for (the isolate is inside its 30-day lookback).
const auto kNow = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(12);

void BM_ParseHookRequest(benchmark::State& state, const char* file) {
  const std::string body = Read(file);
  for (auto _ : state) {
    auto request = cds::hooks::ParseHookRequest(body, SelectService());
    if (!request) state.SkipWithError("request does not parse");
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_HookCall(benchmark::State& state, const char* file) {
  const std::string body = Read(file);
  const HookEngine& engine = Engine();
  std::size_t cards = 0;
  for (auto _ : state) {
    auto request = cds::hooks::ParseHookRequest(body, SelectService());
    if (!request) {
      state.SkipWithError("request does not parse");
      break;
    }
    auto outcome = engine.Evaluate(request.value(), std::chrono::floor<std::chrono::seconds>(kNow));
    if (!outcome) {
      state.SkipWithError("evaluation failed");
      break;
    }
    cards = outcome.value().cards.size();
    benchmark::DoNotOptimize(outcome.value().response_json.data());
  }
  state.counters["cards"] = static_cast<double>(cards);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

BENCHMARK_CAPTURE(BM_ParseHookRequest, order_select_12k, "order-select-10k.json");
BENCHMARK_CAPTURE(BM_ParseHookRequest, order_select_50k, "order-select-50k.json");
BENCHMARK_CAPTURE(BM_HookCall, order_select_12k, "order-select-10k.json");
BENCHMARK_CAPTURE(BM_HookCall, order_select_50k, "order-select-50k.json");

// Kept out of line so that callgrind's --toggle-collect can name it.
[[gnu::noinline]] std::size_t ProfileCalls(const std::string& body, long calls) {
  const HookEngine& engine = Engine();
  std::size_t bytes = 0;
  for (long i = 0; i < calls; ++i) {
    auto request = cds::hooks::ParseHookRequest(body, SelectService());
    if (!request) throw std::runtime_error("request does not parse");
    auto outcome = engine.Evaluate(request.value(), std::chrono::floor<std::chrono::seconds>(kNow));
    if (!outcome) throw std::runtime_error("evaluation failed");
    bytes += outcome.value().response_json.size();
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strncmp(argv[1], "--calls=", 8) == 0) {
    const long calls = std::strtol(argv[1] + 8, nullptr, 10);
    const std::string body = Read(argc >= 3 ? argv[2] : "order-select-10k.json");
    Engine();  // load outside the measured function
    std::cout << ProfileCalls(body, calls) << " response bytes\n";
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
