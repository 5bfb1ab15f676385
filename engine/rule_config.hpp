// Per-rule configuration: enabled, indicator level, escalation and lookback windows, with the
// rule catalogue (RuleMeta) as the default. Plain structs: hooks/ parses the config file into
// RuleSetConfig (the engine has no JSON) and calls ValidateRuleSetConfig at start-up.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/rule_indicator.hpp"

namespace cds::engine {

struct RuleMeta;
struct Rule;

/// Longest accepted lookback window (validation bound).
inline constexpr std::chrono::seconds kMaxLookback = std::chrono::days(400);

/// The effective configuration of one rule (catalogue defaults with overrides applied).
struct RuleConfig {
  bool enabled = true;
  /// Replaces RuleMeta::default_indicator when set ("severity is configuration").
  std::optional<Indicator> indicator;
  /// When false, catalogue escalations (e.g. "critical if Severe") are ignored and the
  /// configured/default indicator is used as is.
  bool allow_escalation = true;
  /// Every lookback the rule declares, by name.
  std::map<std::string, std::chrono::seconds, std::less<>> lookbacks;

  friend bool operator==(const RuleConfig&, const RuleConfig&) = default;
};

/// What a config file may say about one rule; unset fields keep the catalogue default.
struct RuleConfigOverride {
  std::optional<bool> enabled;
  std::optional<Indicator> indicator;
  std::optional<bool> allow_escalation;
  std::map<std::string, std::chrono::seconds, std::less<>> lookbacks;

  friend bool operator==(const RuleConfigOverride&, const RuleConfigOverride&) = default;
};

/// Overrides keyed by rule id ("carb-vpa") or catalogue id ("R05"); not both for one rule.
struct RuleSetConfig {
  std::map<std::string, RuleConfigOverride, std::less<>> rules;

  friend bool operator==(const RuleSetConfig&, const RuleSetConfig&) = default;
};

/// A configuration problem, e.g. {"R99", "unknown rule"}.
struct ConfigError {
  std::string rule;  ///< The key as written in the config (or the rule id for rule-set errors).
  std::string message;

  /// "R99: unknown rule".
  [[nodiscard]] std::string ToString() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

/// Catalogue defaults of `meta`: enabled, no indicator override, escalation allowed, the
/// declared lookbacks.
[[nodiscard]] RuleConfig DefaultRuleConfig(const RuleMeta& meta);

/// Defaults of `meta` with the override for its id or catalogue id applied (an override for a
/// lookback the rule does not declare is ignored here; ValidateRuleSetConfig reports it).
[[nodiscard]] RuleConfig ResolveRuleConfig(const RuleMeta& meta, const RuleSetConfig& config);

/// Every problem of `config` against `rules`, in key order: unknown rule keys, a rule configured
/// under both its id and catalogue id, undeclared lookback names, windows <= 0 or longer than
/// kMaxLookback. Empty means valid.
[[nodiscard]] std::vector<ConfigError> ValidateRuleSetConfig(const RuleSetConfig& config,
                                                             std::span<const Rule> rules);

}  // namespace cds::engine
