// Operational metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges and histograms in labelled families. Recording is lock-free on an existing series (a
// shared lock to find it, atomics to update it); a new label combination takes the exclusive lock
// once. Rendering takes a consistent-enough snapshot for scraping (each series read atomically).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cds::hooks::metrics {

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

class Counter {
 public:
  void Inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t Value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void Add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t Value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// Cumulative histogram over fixed upper bounds (seconds for latencies). Observations are
/// counted in their first bucket whose bound is >= the value; +Inf is implicit.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value) noexcept;
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  [[nodiscard]] Snapshot Read() const;

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_->size() + 1
  std::atomic<std::uint64_t> sum_micros_{0};              // sum in millionths of the unit
};

/// Latency buckets in seconds, 0.5 ms to 10 s.
[[nodiscard]] const std::vector<double>& LatencyBuckets();

template <typename Series>
class Family;

class Registry;

/// Base of every family: name, help, type, label names, rendering.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::string type, std::vector<std::string> labels)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(std::move(type)),
        label_names_(std::move(labels)) {}
  virtual ~FamilyBase() = default;
  virtual void Render(std::string& out) const = 0;
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 protected:
  void RenderHeader(std::string& out) const;
  /// `{a="x",b="y"}` (or "" without labels), with `extra` appended as one more label pair.
  [[nodiscard]] std::string LabelText(const Labels& values, std::string_view extra = {}) const;

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
};

template <typename Series>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         const std::vector<double>* bounds = nullptr);

  /// The series for these label values (created on first use). The reference stays valid for
  /// the registry's lifetime, so hot paths may keep it.
  Series& With(const Labels& values);
  void Render(std::string& out) const override;

 private:
  const std::vector<double>* bounds_;
  mutable std::shared_mutex mutex_;
  std::map<Labels, std::unique_ptr<Series>> series_;
};

/// A gauge read at scrape time (open connections, queue depth).
class CallbackGauge final : public FamilyBase {
 public:
  CallbackGauge(std::string name, std::string help, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), "gauge", {}), read_(std::move(read)) {}
  void Render(std::string& out) const override;

 private:
  std::function<double()> read_;
};

class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels = {},
                                  const std::vector<double>& bounds = LatencyBuckets());
  void AddCallbackGauge(std::string name, std::string help, std::function<double()> read);

  /// The whole registry in the text exposition format, families in registration order.
  [[nodiscard]] std::string Render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::unique_ptr<std::vector<double>>> bounds_;
};

/// `\`, `"` and newline escaped for a label value.
[[nodiscard]] std::string EscapeLabelValue(std::string_view value);

}  // namespace cds::hooks::metrics
