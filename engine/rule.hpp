// The rule model of the stewardship engine (issue 4, style-anchors practices 11-13).
//
// A rule is a small, pure unit: metadata (RuleMeta) plus a total function
//   RuleOutcome(const PatientSnapshot&, const RuleContext&)
// that never reads a clock (`RuleContext::now` is the only time), never throws for bad or
// missing data (that is RuleOutcome::NotApplicable), and creates findings only through
// MakeFinding() (Regal's `result.fail`), so every finding carries its rule's metadata, the
// configured indicator and normalised recommendations.
//
// Findings are plain data; cards/ turns them into CDS Hooks cards. The engine never sees JSON.
//
// Merging ("one card per problem per order"): see RuleSet in engine/rule_set.hpp and the
// `supersedes` / `combines_with` relations below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule_config.hpp"
#include "engine/rule_indicator.hpp"
#include "engine/terminology/terminology.hpp"

namespace cds::engine {

struct PatientSnapshot;

// ---------------------------------------------------------------------------------------------
// Metadata.

/// A guideline or label the rule rests on (clinical-rules.md §1 keys).
struct Citation {
  std::string key;    ///< "IDSA24", "TYGACIL", "MERREM", "VPA", "MHRA10", ...
  std::string label;  ///< Human-readable, used as card source.label and link label.
  std::string url;    ///< Absolute https URL of the document.

  friend bool operator==(const Citation&, const Citation&) = default;
};

/// "When rule `rule_id` fires for the same order, absorb its finding and use at least
/// `indicator`" (e.g. R04 TIGE-HAPVAP combines with R03 TIGE-BSI into critical).
struct Combination {
  std::string rule_id;
  Indicator indicator = Indicator::kCritical;

  friend bool operator==(const Combination&, const Combination&) = default;
};

/// A named lookback window with its catalogue default (overridable per rule in RuleConfig).
struct LookbackDefault {
  std::string name;  ///< e.g. "isolate", "blood-culture", "lab".
  std::chrono::seconds window{};

  friend bool operator==(const LookbackDefault&, const LookbackDefault&) = default;
};

/// Everything about a rule that is not its logic. Ids are stable: config files, card topics and
/// the order-sign de-duplication cache key on `id`.
struct RuleMeta {
  std::string id;                           ///< Stable kebab-case id, e.g. "carb-vpa".
  std::string catalogue_id;                 ///< clinical-rules.md id, e.g. "R05".
  std::string title;                        ///< Short title, e.g. "Carbapenem with valproate".
  std::string version;                      ///< Version of the rule logic, e.g. "1.0.0".
  std::string rationale;                    ///< One or two sentences: why the rule exists.
  Citation citation;                        ///< Primary source (card source + first link).
  std::vector<Citation> further_citations;  ///< Extra links on the card.
  Indicator default_indicator = Indicator::kWarning;
  /// Rule ids this rule makes redundant for the same order (it is the more specific rule):
  /// when both fire on one order, their findings are dropped and listed in the winner's
  /// `merged_rule_ids`. Transitive. E.g. R01 CRE-CARB-MONO supersedes R14 CARB-STEWARD and R11
  /// EXT-INFUSION. R01b supersedes nothing.
  std::vector<std::string> supersedes;
  /// Rules whose findings on the same order are folded into this rule's finding (evidence
  /// appended) with a combined minimum indicator.
  std::vector<Combination> combines_with;
  /// Lookback windows the rule reads through RuleContext::Lookback().
  std::vector<LookbackDefault> lookbacks;

  friend bool operator==(const RuleMeta&, const RuleMeta&) = default;
};

/// What a rule sees besides the snapshot. `config` must outlive the evaluation.
struct RuleContext {
  std::chrono::sys_seconds now{};
  const RuleConfig* config = nullptr;  ///< Resolved config of this rule; null = defaults.

  /// The configured window `name`, else the rule's default, else `fallback`.
  [[nodiscard]] std::chrono::seconds Lookback(const RuleMeta& meta, std::string_view name,
                                              std::chrono::seconds fallback) const;
};

// ---------------------------------------------------------------------------------------------
// Findings.

/// An order a finding concerns (a draft order, or an active order named as the counterpart).
struct OrderRef {
  std::string resource_type = "MedicationRequest";
  std::string id;         ///< Logical id; "MedicationRequest/<id>" is the resourceId of a delete.
  bool selected = false;  ///< In `context.selections` (order-select).
  bool draft = true;      ///< From context.draftOrders (only drafts get a delete action).
  std::string display;    ///< The drug as ordered ("Meropenem 1 g IV q8h").

  [[nodiscard]] std::string Reference() const { return resource_type + "/" + id; }
  friend bool operator==(const OrderRef&, const OrderRef&) = default;
};

/// What the card's summary says: which drug, which problem, which organism/result.
struct Problem {
  std::string drug;      ///< "Meropenem" (required).
  std::string problem;   ///< "interacts with valproate (seizure risk)" (required).
  std::string organism;  ///< "K. pneumoniae" (optional).
  std::string result;    ///< "KPC detected" (optional).

  friend bool operator==(const Problem&, const Problem&) = default;
};

/// One fact a finding rests on.
struct Evidence {
  std::string reference;  ///< "Observation/abc" (relative reference).
  std::string path;       ///< Element path read, e.g. "Observation.valueQuantity".
  std::string value;      ///< Human-readable, e.g. "K. pneumoniae, blood, 2026-11-19: ...".

  friend bool operator==(const Evidence&, const Evidence&) = default;
};

enum class Route : std::uint8_t { kUnspecified, kIntravenous, kOral };

/// A medication order the engine proposes (one MedicationRequest of a suggestion).
///
/// `rxnorm_code` is set only for codes clinical-rules.md marks verified (SCD, else the verified
/// ingredient / multi-ingredient code); otherwise it is empty and only `text` identifies the
/// product (then the CDS Hooks Sandbox cannot apply the suggestion automatically).
struct ProposedMedication {
  std::vector<Agent> agents;
  std::string rxnorm_code;
  std::string rxnorm_display;
  std::string text;  ///< medicationCodeableConcept.text (required), e.g. "meropenem 1 g vial".
  std::optional<double> dose_value;
  std::string dose_unit;  ///< UCUM code: "g", "mg", "mg/kg".
  Route route = Route::kUnspecified;
  std::optional<double> period;             ///< Dosing interval, e.g. 8 ...
  std::string period_unit;                  ///< ... "h" (UCUM / FHIR Timing units).
  std::optional<double> infusion_duration;  ///< e.g. 3 ...
  std::string infusion_duration_unit;       ///< ... "h"; "min".
  std::string dosage_text;                  ///< "2 g IV every 8 h, infused over 3 h" (required).

  friend bool operator==(const ProposedMedication&, const ProposedMedication&) = default;
};

/// One alternative the card offers. MakeFinding marks the first recommended and no other.
struct Recommendation {
  std::string label;  ///< Suggestion label, e.g. "Switch to ceftazidime-avibactam".
  std::string text;   ///< Explanation shown in the detail.
  bool recommended = false;
  /// Whether accepting removes the problematic draft order (a delete action).
  bool cancel_problem_order = true;
  std::vector<ProposedMedication> medications;  ///< Orders to create (AND-ed).

  /// True when the recommendation maps to at least one action.
  [[nodiscard]] bool actionable() const noexcept {
    return cancel_problem_order || !medications.empty();
  }
  friend bool operator==(const Recommendation&, const Recommendation&) = default;
};

/// The input of MakeFinding: everything a rule decides about one problem on one order.
struct FindingSpec {
  /// The orders concerned; [0] is the primary order (the card is about it, the suggestions
  /// replace it, and merging groups by it). Must not be empty.
  std::vector<OrderRef> orders;
  Problem problem;
  std::vector<Evidence> evidence;
  std::vector<Recommendation> recommendations;
  std::vector<std::string> missing_data;  ///< "No valproate level (4086-5) in the last 7 days".
  /// A severity raise the catalogue prescribes (e.g. "critical if Severe"); the final indicator
  /// is max(configured indicator, escalation) unless escalation is disabled in the config.
  std::optional<Indicator> escalation;
};

/// A rule's result about one problem on one order. Created only by MakeFinding; copied and
/// compared as a whole (tests compare entire findings).
class Finding {
 public:
  RuleMeta meta;  ///< Copy of the rule's metadata.
  Indicator indicator = Indicator::kWarning;
  std::vector<OrderRef> orders;  ///< [0] is the primary order.
  Problem problem;
  std::vector<Evidence> evidence;
  std::vector<Recommendation> recommendations;  ///< [0] recommended.
  std::vector<std::string> missing_data;
  /// Ids of rules whose findings on this order were merged into this one (RuleSet).
  std::vector<std::string> merged_rule_ids;

  [[nodiscard]] const OrderRef& primary_order() const { return orders.front(); }
  friend bool operator==(const Finding&, const Finding&) = default;

 private:
  Finding() = default;
  friend Finding MakeFinding(const RuleMeta& meta, const RuleContext& context, FindingSpec spec);
};

// ---------------------------------------------------------------------------------------------
// Evaluation.

/// The only way to create a Finding. Normalises:
/// - indicator = config.indicator (if set) else meta.default_indicator, raised to
///   spec.escalation when given and config.allow_escalation;
/// - recommendations: the first is recommended, no other;
/// - evidence: exact duplicates removed (first kept).
/// Precondition (checked, not UB): spec.orders is not empty and problem.drug/problem are set;
/// otherwise a placeholder order/problem is filled in so the card stays valid.
[[nodiscard]] Finding MakeFinding(const RuleMeta& meta, const RuleContext& context,
                                  FindingSpec spec);

/// The outcome of one rule on one snapshot.
class RuleOutcome {
 public:
  enum class Kind : std::uint8_t { kFired, kNotFired, kNotApplicable };

  [[nodiscard]] static RuleOutcome Fired(std::vector<Finding> findings);
  [[nodiscard]] static RuleOutcome NotFired();
  /// The rule cannot judge: required data is missing (e.g. no draft carbapenem/valproate).
  [[nodiscard]] static RuleOutcome NotApplicable(std::string reason);

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::vector<Finding>& findings() const noexcept { return findings_; }
  [[nodiscard]] std::vector<Finding>& mutable_findings() noexcept { return findings_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

  friend bool operator==(const RuleOutcome&, const RuleOutcome&) = default;

 private:
  RuleOutcome() = default;
  Kind kind_ = Kind::kNotFired;
  std::vector<Finding> findings_;
  std::string reason_;
};
[[nodiscard]] std::string_view ToString(RuleOutcome::Kind kind) noexcept;

/// A rule: metadata plus a pure, total evaluation function (no captured mutable state).
struct Rule {
  using Evaluate = std::function<RuleOutcome(const PatientSnapshot&, const RuleContext&)>;
  RuleMeta meta;
  Evaluate evaluate;
};

}  // namespace cds::engine
