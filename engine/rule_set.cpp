#include "engine/rule_set.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <utility>

#include "engine/snapshot.hpp"

namespace cds::engine {
namespace {

template <typename T>
void AppendUnique(std::vector<T>& into, const std::vector<T>& from) {
  for (const T& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

// a.Reference() == b.Reference() ("<type>/<id>"), without building either string.
bool SameReference(const OrderRef& a, const OrderRef& b) noexcept {
  if (a.resource_type.size() + a.id.size() != b.resource_type.size() + b.id.size()) return false;
  if (a.resource_type == b.resource_type) return a.id == b.id;
  // Different splits of equally long texts: compare the concatenations.
  auto at = [](const OrderRef& r, std::size_t i) {
    const std::size_t n = r.resource_type.size();
    return i < n ? r.resource_type[i] : i == n ? '/' : r.id[i - n - 1];
  };
  const std::size_t length = a.resource_type.size() + 1 + a.id.size();
  for (std::size_t i = 0; i < length; ++i) {
    if (at(a, i) != at(b, i)) return false;
  }
  return true;
}

// Folds `other` (same primary order) into `into`.
void Absorb(Finding& into, const Finding& other, Indicator at_least) {
  AppendUnique(into.orders, other.orders);
  AppendUnique(into.evidence, other.evidence);
  AppendUnique(into.missing_data, other.missing_data);
  into.indicator = std::max({into.indicator, other.indicator, at_least});
  if (other.meta.id != into.meta.id) {
    AppendUnique(into.merged_rule_ids, std::vector<std::string>{other.meta.id});
  }
  AppendUnique(into.merged_rule_ids, other.merged_rule_ids);
}

}  // namespace

std::string_view ToString(RuleTrace::Status status) noexcept {
  switch (status) {
    case RuleTrace::Status::kFired:
      return "fired";
    case RuleTrace::Status::kNotFired:
      return "not-fired";
    case RuleTrace::Status::kNotApplicable:
      return "not-applicable";
    case RuleTrace::Status::kDisabled:
      return "disabled";
    case RuleTrace::Status::kFailed:
      return "failed";
  }
  return "failed";
}

RuleSetOrErrors RuleSet::Create(std::vector<Rule> rules, const RuleSetConfig& config) {
  RuleSetOrErrors out;
  std::set<std::string, std::less<>> ids;
  std::set<std::string, std::less<>> catalogue_ids;
  for (const Rule& r : rules) {
    if (r.meta.id.empty()) out.errors.push_back({"", "rule without id"});
    if (!ids.insert(r.meta.id).second) out.errors.push_back({r.meta.id, "duplicate rule id"});
    if (!r.meta.catalogue_id.empty() && !catalogue_ids.insert(r.meta.catalogue_id).second) {
      out.errors.push_back({r.meta.id, "duplicate catalogue id " + r.meta.catalogue_id});
    }
    if (!r.evaluate) out.errors.push_back({r.meta.id, "rule without evaluate function"});
  }
  for (const Rule& r : rules) {
    for (const std::string& s : r.meta.supersedes) {
      if (s == r.meta.id) out.errors.push_back({r.meta.id, "rule supersedes itself"});
      if (!ids.contains(s)) out.errors.push_back({r.meta.id, "supersedes unknown rule " + s});
    }
    for (const Combination& c : r.meta.combines_with) {
      if (c.rule_id == r.meta.id) out.errors.push_back({r.meta.id, "rule combines with itself"});
      if (!ids.contains(c.rule_id)) {
        out.errors.push_back({r.meta.id, "combines with unknown rule " + c.rule_id});
      }
      if (std::find(r.meta.supersedes.begin(), r.meta.supersedes.end(), c.rule_id) !=
          r.meta.supersedes.end()) {
        out.errors.push_back({r.meta.id, "both supersedes and combines with " + c.rule_id});
      }
    }
  }

  RuleSet set;
  // Transitive closure of `supersedes` (rule sets are small: a DFS per rule is enough).
  for (const Rule& r : rules) {
    std::vector<std::string> closure;
    std::vector<std::string> stack(r.meta.supersedes.begin(), r.meta.supersedes.end());
    while (!stack.empty()) {
      std::string id = std::move(stack.back());
      stack.pop_back();
      if (std::find(closure.begin(), closure.end(), id) != closure.end()) continue;
      closure.push_back(id);
      for (const Rule& next : rules) {
        if (next.meta.id == id) {
          stack.insert(stack.end(), next.meta.supersedes.begin(), next.meta.supersedes.end());
        }
      }
    }
    if (std::find(closure.begin(), closure.end(), r.meta.id) != closure.end()) {
      out.errors.push_back({r.meta.id, "supersession cycle"});
    }
    set.supersedes_closure_[r.meta.id] = std::move(closure);
  }

  std::vector<ConfigError> config_errors = ValidateRuleSetConfig(config, rules);
  out.errors.insert(out.errors.end(), config_errors.begin(), config_errors.end());
  if (!out.errors.empty()) return out;

  for (const Rule& r : rules) set.configs_.push_back(ResolveRuleConfig(r.meta, config));
  set.rules_ = std::move(rules);
  out.rule_set = std::move(set);
  return out;
}

Evaluation RuleSet::Run(const PatientSnapshot& snapshot) const {
  Evaluation out;
  std::vector<Finding> raw;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    RuleTrace trace;
    trace.rule_id = rule.meta.id;
    if (!configs_[i].enabled) {
      trace.status = RuleTrace::Status::kDisabled;
      out.trace.push_back(std::move(trace));
      continue;
    }
    const RuleContext context{.now = snapshot.now, .config = &configs_[i]};
    try {
      RuleOutcome outcome = rule.evaluate(snapshot, context);
      switch (outcome.kind()) {
        case RuleOutcome::Kind::kFired:
          trace.status = RuleTrace::Status::kFired;
          break;
        case RuleOutcome::Kind::kNotFired:
          trace.status = RuleTrace::Status::kNotFired;
          break;
        case RuleOutcome::Kind::kNotApplicable:
          trace.status = RuleTrace::Status::kNotApplicable;
          trace.reason = outcome.reason();
          break;
      }
      trace.findings = outcome.findings().size();
      for (Finding& f : outcome.mutable_findings()) raw.push_back(std::move(f));
    } catch (const std::exception& e) {
      // Rules are total; an exception is a bug. Contain it to this rule.
      trace.status = RuleTrace::Status::kFailed;
      trace.reason = e.what();
    }
    out.trace.push_back(std::move(trace));
  }
  std::vector<std::string> draft_ids;
  draft_ids.reserve(snapshot.draft_orders.size());
  for (const DraftOrder& d : snapshot.draft_orders) draft_ids.push_back(d.request.id);
  out.findings = Merge(std::move(raw), draft_ids);
  return out;
}

std::vector<Finding> RuleSet::Merge(std::vector<Finding> findings,
                                    const std::vector<std::string>& draft_order_ids) const {
  // 1. Same rule + same primary order.
  std::vector<Finding> merged;
  for (Finding& f : findings) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const Finding& m) {
      return m.meta.id == f.meta.id && SameReference(m.primary_order(), f.primary_order());
    });
    if (same != merged.end()) {
      Absorb(*same, f, same->indicator);
    } else {
      merged.push_back(std::move(f));
    }
  }

  std::vector<bool> dropped(merged.size(), false);
  auto same_order = [&](std::size_t a, std::size_t b) {
    return SameReference(merged[a].primary_order(), merged[b].primary_order());
  };
  // 2. Combinations.
  for (std::size_t a = 0; a < merged.size(); ++a) {
    if (dropped[a]) continue;
    for (const Combination& c : merged[a].meta.combines_with) {
      for (std::size_t b = 0; b < merged.size(); ++b) {
        if (b == a || dropped[b] || !same_order(a, b) || merged[b].meta.id != c.rule_id) continue;
        Absorb(merged[a], merged[b], c.indicator);
        dropped[b] = true;
      }
    }
  }
  // 3. Supersession (transitive closure computed in Create; also honour metas of rules not in
  //    this set, e.g. findings passed to Merge directly).
  auto supersedes = [&](const Finding& winner, const std::string& loser) {
    if (auto it = supersedes_closure_.find(winner.meta.id); it != supersedes_closure_.end()) {
      if (std::find(it->second.begin(), it->second.end(), loser) != it->second.end()) return true;
    }
    return std::find(winner.meta.supersedes.begin(), winner.meta.supersedes.end(), loser) !=
           winner.meta.supersedes.end();
  };
  for (std::size_t b = 0; b < merged.size(); ++b) {
    if (dropped[b]) continue;
    for (std::size_t a = 0; a < merged.size(); ++a) {
      if (a == b || dropped[a] || !same_order(a, b)) continue;
      if (!supersedes(merged[a], merged[b].meta.id)) continue;
      merged[a].indicator = std::max(merged[a].indicator, merged[b].indicator);
      AppendUnique(merged[a].merged_rule_ids, std::vector<std::string>{merged[b].meta.id});
      AppendUnique(merged[a].merged_rule_ids, merged[b].merged_rule_ids);
      dropped[b] = true;
      break;
    }
  }

  std::vector<Finding> out;
  for (std::size_t i = 0; i < merged.size(); ++i) {
    if (!dropped[i]) out.push_back(std::move(merged[i]));
  }
  auto position = [&](const Finding& f) {
    auto it = std::find(draft_order_ids.begin(), draft_order_ids.end(), f.primary_order().id);
    return static_cast<std::size_t>(it - draft_order_ids.begin());
  };
  std::stable_sort(out.begin(), out.end(), [&](const Finding& x, const Finding& y) {
    if (x.indicator != y.indicator) return x.indicator > y.indicator;
    if (position(x) != position(y)) return position(x) < position(y);
    return x.meta.catalogue_id < y.meta.catalogue_id;
  });
  return out;
}

}  // namespace cds::engine
