// RuleSet: runs every enabled rule over one snapshot and merges overlapping findings so that the
// clinician sees one card per problem per order.
//
// Merging contract (applied per primary order, i.e. Finding::orders[0]):
//  1. Same rule, same primary order: one finding (orders, evidence and missing-data notes are
//     united in first-seen order, the higher indicator is kept).
//  2. Combinations: if rule A declares `combines_with {B, level}` and B fired on the same order,
//     B's finding is folded into A's: evidence/missing data appended, orders united,
//     indicator = max(A, B, level), B listed in A.merged_rule_ids. (R04 + R03 -> critical.)
//  3. Supersession (transitive): if A supersedes B (directly or through a chain) and both fired
//     on the same order, B's finding is dropped and listed in A.merged_rule_ids; A's indicator
//     becomes max(A, B) so merging never lowers the severity shown. (R01 supersedes R14.)
//  4. Everything else stays separate: different problems on one order are different cards.
// Output order: indicator descending, then the primary order's position among the snapshot's
// draft orders (unknown orders last), then catalogue id. Deterministic for a given input.
//
// Create() validates the rule set (unique ids and catalogue ids, known targets of supersedes /
// combines_with, no supersession cycles, no rule both superseding and combining the same rule)
// and the config (ValidateRuleSetConfig). Run() is const and thread-safe: rules are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/rule.hpp"
#include "engine/rule_config.hpp"

namespace cds::engine {

/// How one rule ended on one snapshot (for logs and tests).
struct RuleTrace {
  enum class Status : std::uint8_t { kFired, kNotFired, kNotApplicable, kDisabled, kFailed };
  std::string rule_id;
  Status status = Status::kNotFired;
  std::string reason;  ///< NotApplicable reason, or the exception text for kFailed.
  std::size_t findings = 0;

  friend bool operator==(const RuleTrace&, const RuleTrace&) = default;
};
[[nodiscard]] std::string_view ToString(RuleTrace::Status status) noexcept;

struct Evaluation {
  std::vector<Finding> findings;  ///< Merged, ordered (see file comment).
  std::vector<RuleTrace> trace;   ///< One entry per rule, in rule-set order.
};

struct RuleSetOrErrors;

class RuleSet {
 public:
  /// Validates and builds. Never throws for bad rules/config (errors are returned).
  [[nodiscard]] static RuleSetOrErrors Create(std::vector<Rule> rules,
                                              const RuleSetConfig& config = {});

  /// Runs every enabled rule with RuleContext{snapshot.now, its config}. A rule that throws
  /// (a bug: rules are total) is recorded as kFailed and contributes nothing; the others run.
  [[nodiscard]] Evaluation Run(const PatientSnapshot& snapshot) const;

  /// Merges raw findings (step 1-4 above). Exposed for tests and for callers that evaluate
  /// rules themselves. `draft_order_ids` gives the output order of primary orders.
  [[nodiscard]] std::vector<Finding> Merge(std::vector<Finding> findings,
                                           const std::vector<std::string>& draft_order_ids) const;

  [[nodiscard]] const std::vector<Rule>& rules() const noexcept { return rules_; }
  [[nodiscard]] const RuleConfig& config(std::size_t index) const { return configs_.at(index); }

 private:
  RuleSet() = default;

  std::vector<Rule> rules_;
  std::vector<RuleConfig> configs_;  ///< Parallel to rules_.
  /// Transitive supersession: rule id -> every rule id it supersedes.
  std::map<std::string, std::vector<std::string>, std::less<>> supersedes_closure_;
};

/// Either a RuleSet or every validation error found.
struct RuleSetOrErrors {
  std::optional<RuleSet> rule_set;
  std::vector<ConfigError> errors;
};

}  // namespace cds::engine
