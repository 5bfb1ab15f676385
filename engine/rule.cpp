#include "engine/rule.hpp"

#include <algorithm>
#include <utility>

namespace cds::engine {

std::string_view ToString(Indicator indicator) noexcept {
  switch (indicator) {
    case Indicator::kInfo:
      return "info";
    case Indicator::kWarning:
      return "warning";
    case Indicator::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Indicator> ParseIndicator(std::string_view text) noexcept {
  if (text == "info") return Indicator::kInfo;
  if (text == "warning") return Indicator::kWarning;
  if (text == "critical") return Indicator::kCritical;
  return std::nullopt;
}

std::chrono::seconds RuleContext::Lookback(const RuleMeta& meta, std::string_view name,
                                           std::chrono::seconds fallback) const {
  if (config != nullptr) {
    if (auto it = config->lookbacks.find(name); it != config->lookbacks.end()) return it->second;
  }
  for (const LookbackDefault& l : meta.lookbacks) {
    if (l.name == name) return l.window;
  }
  return fallback;
}

Finding MakeFinding(const RuleMeta& meta, const RuleContext& context, FindingSpec spec) {
  Finding f;
  f.meta = meta;
  Indicator base = meta.default_indicator;
  bool allow_escalation = true;
  if (context.config != nullptr) {
    if (context.config->indicator) base = *context.config->indicator;
    allow_escalation = context.config->allow_escalation;
  }
  f.indicator = (spec.escalation && allow_escalation) ? std::max(base, *spec.escalation) : base;

  // A finding must name an order and a problem; rules that forget get a visible placeholder
  // rather than an invalid card (the rule's tests catch it).
  if (spec.orders.empty()) spec.orders.push_back(OrderRef{.id = "unknown", .display = ""});
  if (spec.problem.drug.empty()) spec.problem.drug = "Order";
  if (spec.problem.problem.empty()) spec.problem.problem = meta.title;
  f.orders = std::move(spec.orders);
  f.problem = std::move(spec.problem);

  for (Evidence& e : spec.evidence) {
    if (std::find(f.evidence.begin(), f.evidence.end(), e) == f.evidence.end()) {
      f.evidence.push_back(std::move(e));
    }
  }
  f.recommendations = std::move(spec.recommendations);
  for (std::size_t i = 0; i < f.recommendations.size(); ++i) {
    f.recommendations[i].recommended = (i == 0);
  }
  f.missing_data = std::move(spec.missing_data);
  return f;
}

RuleOutcome RuleOutcome::Fired(std::vector<Finding> findings) {
  RuleOutcome o;
  o.kind_ = findings.empty() ? Kind::kNotFired : Kind::kFired;
  o.findings_ = std::move(findings);
  return o;
}

RuleOutcome RuleOutcome::NotFired() { return RuleOutcome{}; }

RuleOutcome RuleOutcome::NotApplicable(std::string reason) {
  RuleOutcome o;
  o.kind_ = Kind::kNotApplicable;
  o.reason_ = std::move(reason);
  return o;
}

std::string_view ToString(RuleOutcome::Kind kind) noexcept {
  switch (kind) {
    case RuleOutcome::Kind::kFired:
      return "fired";
    case RuleOutcome::Kind::kNotFired:
      return "not-fired";
    case RuleOutcome::Kind::kNotApplicable:
      return "not-applicable";
  }
  return "not-fired";
}

}  // namespace cds::engine
