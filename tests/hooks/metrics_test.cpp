#include "hooks/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cds::hooks::metrics {
namespace {

TEST(MetricsTest, CounterFamilyRendersOneLinePerLabelSet) {
  Registry registry;
  auto& requests = registry.AddCounter("cds_requests_total", "Requests by route and status.",
                                       {"route", "status"});
  requests.With({"service", "200"}).Inc();
  requests.With({"service", "200"}).Inc(2);
  requests.With({"discovery", "200"}).Inc();
  EXPECT_EQ(registry.Render(),
            "# HELP cds_requests_total Requests by route and status.\n"
            "# TYPE cds_requests_total counter\n"
            "cds_requests_total{route=\"discovery\",status=\"200\"} 1\n"
            "cds_requests_total{route=\"service\",status=\"200\"} 3\n");
}

TEST(MetricsTest, HistogramIsCumulativeWithSumAndCount) {
  Registry registry;
  auto& latency = registry.AddHistogram("cds_latency_seconds", "Latency.", {"stage"},
                                        std::vector<double>{0.001, 0.01});
  auto& engine = latency.With({"engine"});
  engine.Observe(0.0005);  // first bucket
  engine.Observe(0.001);   // bound is inclusive
  engine.Observe(0.005);
  engine.Observe(3);  // +Inf only
  EXPECT_EQ(registry.Render(),
            "# HELP cds_latency_seconds Latency.\n"
            "# TYPE cds_latency_seconds histogram\n"
            "cds_latency_seconds_bucket{stage=\"engine\",le=\"0.001\"} 2\n"
            "cds_latency_seconds_bucket{stage=\"engine\",le=\"0.01\"} 3\n"
            "cds_latency_seconds_bucket{stage=\"engine\",le=\"+Inf\"} 4\n"
            "cds_latency_seconds_sum{stage=\"engine\"} 3.0065\n"
            "cds_latency_seconds_count{stage=\"engine\"} 4\n");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.AddCounter("c", "h", {"reason"}).With({"a\"b\\c\nd"}).Inc();
  EXPECT_NE(registry.Render().find("c{reason=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(MetricsTest, GaugesAndCallbackGauges) {
  Registry registry;
  auto& depth = registry.AddGauge("q", "Queue depth.");
  depth.With({}).Set(5);
  depth.With({}).Add(-2);
  registry.AddCallbackGauge("open", "Open connections.", [] { return 7.0; });
  EXPECT_EQ(registry.Render(),
            "# HELP q Queue depth.\n# TYPE q gauge\nq 3\n"
            "# HELP open Open connections.\n# TYPE open gauge\nopen 7\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  auto& family = registry.AddCounter("n", "h", {"thread"});
  auto& histogram = registry.AddHistogram("h", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        family.With({std::to_string(t % 2)}).Inc();
        histogram.With({}).Observe(0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.With({"0"}).Value() + family.With({"1"}).Value(), 80000u);
  EXPECT_EQ(histogram.With({}).Read().count, 80000u);
}

}  // namespace
}  // namespace cds::hooks::metrics
