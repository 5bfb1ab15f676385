// The decision pipeline of one hook call, after validation: draft orders and prefetch → typed
// FHIR views → patient snapshot → rules → findings → cards → response JSON. Immutable after
// construction except for the seen-card memory; thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cards/card_builder.hpp"
#include "engine/rule_set.hpp"
#include "engine/snapshot.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/hook_error.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/seen_cards.hpp"

namespace cds::hooks {

struct HookEngineOptions {
  engine::SnapshotOptions snapshot;
  cards::CardBuilderOptions cards;
  /// Offset for FHIR dateTimes without a timezone (the EHR's local time).
  std::chrono::minutes default_utc_offset{0};
  /// How long a card shown at order-select is not repeated at order-sign.
  std::chrono::seconds seen_card_ttl = std::chrono::hours(12);
  std::size_t seen_card_capacity = 100'000;
};

/// What one evaluation produced, for the response and the log/audit.
struct HookOutcome {
  std::string response_json;  // {"cards":[...]}
  std::vector<cards::Card> cards;
  std::vector<engine::Finding> findings;
  std::vector<std::string> fired_rule_ids;  // rule ids of the cards returned
  std::size_t suppressed_repeats = 0;       // order-sign cards already shown at order-select
  std::vector<fhir::Issue> warnings;        // skipped resources, snapshot warnings
};

class HookEngine {
 public:
  HookEngine(std::shared_ptr<const engine::Terminology> terminology, engine::RuleSet rules,
             HookEngineOptions options = {});

  /// Evaluates a validated hook call at `now`. Errors: a selected draft order (every medication
  /// draft order at order-sign) that is not a valid MedicationRequest → 400 with its path.
  [[nodiscard]] Result<HookOutcome> Evaluate(const HookRequest& request,
                                             std::chrono::sys_seconds now) const;

  [[nodiscard]] const engine::Terminology& terminology() const noexcept { return *terminology_; }
  [[nodiscard]] const engine::RuleSet& rules() const noexcept { return rules_; }

 private:
  std::shared_ptr<const engine::Terminology> terminology_;
  engine::RuleSet rules_;
  HookEngineOptions options_;
  mutable SeenCards seen_;
};

}  // namespace cds::hooks
