// Issue 7: the audit store alone (no HTTP). Group commit: N threads each record a call and wait
// for its commit, as N server connections do (synchronous=FULL and NORMAL); review queries on
// a store of 50,000 calls / 100,000 cards: a page of cards with filters, the summary, one card.
// Run: build/bench/cds_audit_bench (Release). Files go to $TMPDIR (the disk's fsync is part of
// what is measured: run it on the disk the server will use).
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>

#include "audit/sqlite_store.hpp"

namespace {

using cds::audit::CallRecord;
using cds::audit::CardRecord;
using cds::audit::Millis;

std::filesystem::path TempDir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("cds-audit-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

CallRecord Call(std::int64_t i, Millis when) {
  CallRecord c;
  c.hook_instance = "bench-" + std::to_string(i);
  c.service = "antimicrobial-stewardship-order-select";
  c.hook = "order-select";
  c.received = when;
  c.user_id = "Practitioner/u" + std::to_string(i % 50);
  c.patient_id = "pat-" + std::to_string(i % 5000);
  c.encounter_id = "enc-" + std::to_string(i % 5000);
  c.orders = {{"MedicationRequest", "draft-" + std::to_string(i), "meropenem 1 g IV q8h", true}};
  c.latency_us = 2000;
  c.request_id = std::to_string(i);
  for (int k = 0; k < 2; ++k) {  // two cards, as the realistic call fires
    CardRecord card;
    card.uuid = c.hook_instance + "-" + std::to_string(k);
    card.rule_id = k == 0 ? "cre-carb-mono" : "carb-vpa";
    card.rule_version = "1.0.0";
    card.rule_title = k == 0 ? "Carbapenem monotherapy for CRE" : "Carbapenem with valproate";
    card.catalogue_id = k == 0 ? "R01" : "R05";
    card.indicator = i % 3 == 0 ? "warning" : "critical";
    card.summary = "Meropenem: carbapenem monotherapy for CRE — Klebsiella pneumoniae (KPC)";
    card.implicated = {"MedicationRequest/draft-" + std::to_string(i)};
    for (int e = 0; e < 5; ++e) {
      card.evidence.push_back({"Observation/sus-" + std::to_string(e), "Observation.valueQuantity",
                               "Klebsiella pneumoniae, blood: meropenem MIC >=16 ug/mL (R)"});
    }
    card.suggestions = {{card.uuid + "-s1", "Switch to ceftazidime-avibactam"},
                        {card.uuid + "-s2", "Switch to meropenem-vaborbactam"}};
    c.cards.push_back(std::move(card));
  }
  return c;
}

std::unique_ptr<cds::audit::SqliteAuditStore> Open(const std::string& name,
                                                   cds::audit::Synchronous sync) {
  cds::audit::SqliteOptions options;
  options.path = (TempDir() / name).string();
  options.synchronous = sync;
  options.purge_interval = std::chrono::milliseconds(0);
  auto store = cds::audit::SqliteAuditStore::Open(options);
  if (!store) std::abort();
  return std::move(store).value();
}

// One store per synchronous mode, shared by the benchmark's threads.
cds::audit::SqliteAuditStore& Shared(cds::audit::Synchronous sync) {
  static std::mutex mutex;
  static std::unique_ptr<cds::audit::SqliteAuditStore> stores[2];
  std::lock_guard lock(mutex);
  auto& s = stores[sync == cds::audit::Synchronous::kFull ? 0 : 1];
  if (!s) s = Open(sync == cds::audit::Synchronous::kFull ? "full.db" : "normal.db", sync);
  return *s;
}

void RecordAndWait(benchmark::State& state, cds::audit::Synchronous sync) {
  auto& store = Shared(sync);
  static std::atomic<std::int64_t> next{0};
  const Millis now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  for (auto _ : state) {
    std::promise<void> done;
    store.RecordCall(Call(next++, now), [&](const cds::audit::CommitStatus&) { done.set_value(); });
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const auto stats = store.stats();
    state.counters["items_per_commit"] =
        stats.commits ? static_cast<double>(stats.items) / static_cast<double>(stats.commits) : 0;
  }
}

void BM_RecordCallFull(benchmark::State& state) {
  RecordAndWait(state, cds::audit::Synchronous::kFull);
}
void BM_RecordCallNormal(benchmark::State& state) {
  RecordAndWait(state, cds::audit::Synchronous::kNormal);
}
BENCHMARK(BM_RecordCallFull)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();
BENCHMARK(BM_RecordCallNormal)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

// 50,000 calls over 100 days, seeded once.
cds::audit::SqliteAuditStore& Seeded() {
  static std::unique_ptr<cds::audit::SqliteAuditStore> store = [] {
    auto s = Open("seeded.db", cds::audit::Synchronous::kNormal);
    const Millis start = std::chrono::floor<std::chrono::milliseconds>(
        std::chrono::system_clock::now() - std::chrono::days(100));
    constexpr int kCalls = 50'000;
    std::atomic<int> left{kCalls};
    std::promise<void> all;
    for (int i = 0; i < kCalls; ++i) {
      s->RecordCall(Call(i, start + std::chrono::minutes(3 * i)), [&](const auto&) {
        if (--left == 0) all.set_value();
      });
    }
    all.get_future().wait();
    return s;
  }();
  return *store;
}

void BM_CardsPageFiltered(benchmark::State& state) {
  auto& store = Seeded();
  cds::audit::Filter filter;
  filter.rule_id = "carb-vpa";
  filter.indicator = "critical";
  filter.from = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now() -
                                                              std::chrono::days(30));
  for (auto _ : state) {
    auto page = store.Cards(filter, {0, 50});
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_CardsPageFiltered)->Unit(benchmark::kMicrosecond);

void BM_CardsPageByPatient(benchmark::State& state) {
  auto& store = Seeded();
  cds::audit::Filter filter;
  filter.patient_id = "pat-1234";
  for (auto _ : state) {
    auto page = store.Cards(filter, {0, 50});
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_CardsPageByPatient)->Unit(benchmark::kMicrosecond);

void BM_Summary30Days(benchmark::State& state) {
  auto& store = Seeded();
  cds::audit::Filter filter;
  filter.from = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now() -
                                                              std::chrono::days(30));
  for (auto _ : state) {
    auto summary = store.Summarize(filter, std::chrono::minutes(60));
    benchmark::DoNotOptimize(summary);
  }
}
BENCHMARK(BM_Summary30Days)->Unit(benchmark::kMillisecond);

void BM_CardDetail(benchmark::State& state) {
  auto& store = Seeded();
  for (auto _ : state) {
    auto card = store.Card("bench-25000-1");
    benchmark::DoNotOptimize(card);
  }
}
BENCHMARK(BM_CardDetail)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(TempDir());
  return 0;
}
