// Finding -> CDS Hooks card (spec §5; style-anchors practice 13). Cards are built only from
// engine findings; nothing here decides clinically.
//
// Card layout:
// - summary: "<Drug>: <problem>[ — <organism>][ (<result>)]", at most kMaxSummaryCodePoints
//   Unicode code points (spec: under 140 characters), cut at a word boundary with "…".
// - detail: Markdown — rationale, evidence bullets (value, reference, element path),
//   numbered recommendations with doses and infusion times, merged rules, missing data, notes
//   on suggestions without a verified RxNorm code, and the citation. Patient-data text is
//   Markdown-escaped.
// - indicator: the finding's indicator.
// - source: {label = citation label, url = citation URL, topic = {options.topic_system, rule id,
//   rule title}}.
// - suggestions: one per actionable recommendation (in order, the first isRecommended):
//   a `delete` of the primary draft order (resourceId "MedicationRequest/<id>") when the
//   recommendation cancels it, and one `create` per proposed medication carrying a complete R4
//   MedicationRequest (BuildMedicationRequestJson). selectionBehavior "any".
// - overrideReasons: options.override_reasons; links: the citations (type absolute).
// - uuid: a fresh UUID on the card and on every suggestion (options.uuid_generator).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cards/card.hpp"
#include "engine/rule.hpp"

namespace cds::cards {

inline constexpr std::string_view kDefaultTopicSystem = "https://cds.example.org/stewardship-rules";
inline constexpr std::string_view kDefaultOverrideReasonSystem =
    "https://cds.example.org/stewardship-override-reasons";
/// Spec §5: summary "<140 chars"; counted in Unicode code points.
inline constexpr std::size_t kMaxSummaryCodePoints = 139;

inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";
inline constexpr std::string_view kSnomedIvRouteCode = "47625008";
inline constexpr std::string_view kSnomedOralRouteCode = "26643006";

/// The four default override reasons (system kDefaultOverrideReasonSystem): "id-approved",
/// "allergy-intolerance", "susceptibility-pending", "palliative-care".
[[nodiscard]] std::vector<Coding> DefaultOverrideReasons();

struct CardBuilderOptions {
  /// System of source.topic (code = rule id). Must be an absolute URI.
  std::string topic_system = std::string(kDefaultTopicSystem);
  /// Every Coding needs system, code and display (ValidateCardBuilderOptions).
  std::vector<Coding> override_reasons = DefaultOverrideReasons();
  /// UUID source; empty = NewUuidV7 (tests inject a deterministic one).
  std::function<std::string()> uuid_generator;
};

/// Problems with `options` ("override_reasons[1]: missing display"); empty = valid.
[[nodiscard]] std::vector<std::string> ValidateCardBuilderOptions(
    const CardBuilderOptions& options);

/// Request-level facts the resources need.
struct RequestContext {
  std::string patient_id;    ///< context.patientId (required for create actions).
  std::string encounter_id;  ///< context.encounterId, optional.
};

/// Builds the card for one finding (see file comment). Create actions are omitted when
/// `request.patient_id` is empty (no valid subject); a suggestion left without actions is
/// dropped.
[[nodiscard]] Card BuildCard(const engine::Finding& finding, const RequestContext& request,
                             const CardBuilderOptions& options = {});

/// BuildCard over every finding, in order.
[[nodiscard]] std::vector<Card> BuildCards(std::span<const engine::Finding> findings,
                                           const RequestContext& request,
                                           const CardBuilderOptions& options = {});

/// A complete R4 MedicationRequest (compact JSON) for a proposed medication:
/// resourceType, status "draft", intent "order", medicationCodeableConcept {coding[RxNorm] when
/// a verified code exists, text always}, subject, encounter (when known), dosageInstruction[0]
/// {text, timing.repeat {frequency 1, period, periodUnit, duration + durationUnit for the
/// infusion time}, route (SNOMED), doseAndRate[0].doseQuantity (UCUM)}. The infusion time is
/// expressed as Timing.repeat.duration only (no rateQuantity: a rate needs the diluent volume).
[[nodiscard]] std::string BuildMedicationRequestJson(const engine::ProposedMedication& medication,
                                                     const RequestContext& request);

/// Number of Unicode code points in UTF-8 `text` (invalid bytes count one each).
[[nodiscard]] std::size_t CountCodePoints(std::string_view text) noexcept;

/// `text` unchanged when it has at most `max_code_points` code points; otherwise cut at the last
/// space that keeps room for "…" (or at a code-point boundary when there is none), trailing
/// spaces/punctuation removed, "…" appended. Never splits a UTF-8 sequence.
[[nodiscard]] std::string TruncateSummary(std::string_view text,
                                          std::size_t max_code_points = kMaxSummaryCodePoints);

/// Backslash-escapes Markdown metacharacters in untrusted text.
[[nodiscard]] std::string EscapeMarkdown(std::string_view text);

}  // namespace cds::cards
