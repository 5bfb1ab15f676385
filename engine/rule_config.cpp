#include "engine/rule_config.hpp"

#include <set>

#include "engine/rule.hpp"

namespace cds::engine {

std::string ConfigError::ToString() const { return rule + ": " + message; }

RuleConfig DefaultRuleConfig(const RuleMeta& meta) {
  RuleConfig config;
  for (const LookbackDefault& l : meta.lookbacks) config.lookbacks[l.name] = l.window;
  return config;
}

namespace {

void Apply(const RuleConfigOverride& o, RuleConfig& config) {
  if (o.enabled) config.enabled = *o.enabled;
  if (o.indicator) config.indicator = *o.indicator;
  if (o.allow_escalation) config.allow_escalation = *o.allow_escalation;
  for (const auto& [name, window] : o.lookbacks) {
    if (auto it = config.lookbacks.find(name); it != config.lookbacks.end()) it->second = window;
  }
}

}  // namespace

RuleConfig ResolveRuleConfig(const RuleMeta& meta, const RuleSetConfig& config) {
  RuleConfig resolved = DefaultRuleConfig(meta);
  if (auto it = config.rules.find(meta.catalogue_id);
      !meta.catalogue_id.empty() && it != config.rules.end()) {
    Apply(it->second, resolved);
  }
  if (auto it = config.rules.find(meta.id); it != config.rules.end()) Apply(it->second, resolved);
  return resolved;
}

std::vector<ConfigError> ValidateRuleSetConfig(const RuleSetConfig& config,
                                               std::span<const Rule> rules) {
  std::vector<ConfigError> errors;
  std::set<std::string, std::less<>> configured;  // rule ids seen through either key
  for (const auto& [key, o] : config.rules) {
    const Rule* rule = nullptr;
    for (const Rule& r : rules) {
      if (r.meta.id == key || (!r.meta.catalogue_id.empty() && r.meta.catalogue_id == key)) {
        rule = &r;
        break;
      }
    }
    if (rule == nullptr) {
      errors.push_back({key, "unknown rule"});
      continue;
    }
    if (!configured.insert(rule->meta.id).second) {
      errors.push_back({key, "rule '" + rule->meta.id + "' is configured under both its id and " +
                                 "catalogue id"});
    }
    for (const auto& [name, window] : o.lookbacks) {
      bool declared = false;
      for (const LookbackDefault& l : rule->meta.lookbacks) declared = declared || l.name == name;
      if (!declared) {
        errors.push_back({key, "lookback '" + name + "' is not used by this rule"});
      } else if (window <= std::chrono::seconds::zero() || window > kMaxLookback) {
        errors.push_back({key, "lookback '" + name + "' must be > 0 and at most 400 days"});
      }
    }
  }
  return errors;
}

}  // namespace cds::engine
