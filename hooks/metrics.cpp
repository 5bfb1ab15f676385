#include "hooks/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace cds::hooks::metrics {
namespace {

void AppendNumber(std::string& out, double value) {
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%.17g", value);
  out.append(text, static_cast<std::size_t>(n));
}

void AppendBound(std::string& out, double value) {
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%g", value);
  out.append(text, static_cast<std::size_t>(n));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) noexcept {
  std::size_t i = 0;
  while (i < bounds_->size() && value > (*bounds_)[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(value * 1e6)),
                          std::memory_order_relaxed);
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  std::uint64_t running = 0;
  snapshot.cumulative.reserve(bounds_->size() + 1);
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return snapshot;
}

void FamilyBase::RenderHeader(std::string& out) const {
  out.append("# HELP ").append(name_).append(" ");
  for (const char c : help_) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  out.append("\n# TYPE ").append(name_).append(" ").append(type_).append("\n");
}

std::string FamilyBase::LabelText(const Labels& values, std::string_view extra) const {
  if (label_names_.empty() && extra.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(label_names_[i]).append("=\"");
    out.append(EscapeLabelValue(i < values.size() ? values[i] : std::string()));
    out.push_back('"');
  }
  if (!extra.empty()) {
    if (!label_names_.empty()) out.push_back(',');
    out.append(extra);
  }
  out.push_back('}');
  return out;
}

template <typename Series>
Family<Series>::Family(std::string name, std::string help, std::vector<std::string> labels,
                       const std::vector<double>* bounds)
    : FamilyBase(std::move(name), std::move(help),
                 std::is_same_v<Series, Counter>     ? "counter"
                 : std::is_same_v<Series, Histogram> ? "histogram"
                                                     : "gauge",
                 std::move(labels)),
      bounds_(bounds) {}

template <typename Series>
Series& Family<Series>::With(const Labels& values) {
  {
    const std::shared_lock lock(mutex_);
    const auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  const std::unique_lock lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template <typename Series>
void Family<Series>::Render(std::string& out) const {
  RenderHeader(out);
  const std::shared_lock lock(mutex_);
  for (const auto& [labels, series] : series_) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      const Histogram::Snapshot s = series->Read();
      for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
        std::string le = "le=\"";
        if (i < bounds_->size()) {
          AppendBound(le, (*bounds_)[i]);
        } else {
          le.append("+Inf");
        }
        le.push_back('"');
        out.append(name_).append("_bucket").append(LabelText(labels, le)).append(" ");
        out.append(std::to_string(s.cumulative[i])).append("\n");
      }
      out.append(name_).append("_sum").append(LabelText(labels)).append(" ");
      AppendNumber(out, s.sum);
      out.append("\n");
      out.append(name_).append("_count").append(LabelText(labels)).append(" ");
      out.append(std::to_string(s.count)).append("\n");
    } else {
      out.append(name_).append(LabelText(labels)).append(" ");
      out.append(std::to_string(series->Value())).append("\n");
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void CallbackGauge::Render(std::string& out) const {
  RenderHeader(out);
  out.append(name_).append(" ");
  AppendNumber(out, read_());
  out.append("\n");
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  auto family =
      std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels));
  Family<Counter>& ref = *family;
  const std::lock_guard lock(mutex_);
  families_.push_back(std::move(family));
  return ref;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> labels) {
  auto family =
      std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(labels));
  Family<Gauge>& ref = *family;
  const std::lock_guard lock(mutex_);
  families_.push_back(std::move(family));
  return ref;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          const std::vector<double>& bounds) {
  const std::lock_guard lock(mutex_);
  bounds_.push_back(std::make_unique<std::vector<double>>(bounds));
  auto family = std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                    std::move(labels), bounds_.back().get());
  Family<Histogram>& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

void Registry::AddCallbackGauge(std::string name, std::string help, std::function<double()> read) {
  const std::lock_guard lock(mutex_);
  families_.push_back(
      std::make_unique<CallbackGauge>(std::move(name), std::move(help), std::move(read)));
}

std::string Registry::Render() const {
  std::string out;
  const std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->Render(out);
  return out;
}

}  // namespace cds::hooks::metrics
