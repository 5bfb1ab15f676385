// Feedback on cards (spec §7): what the clinician did with a card.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/hook_error.hpp"

namespace cds::hooks {

enum class FeedbackOutcome { kAccepted, kOverridden };

struct OverrideReasonCoding {
  std::string system;
  std::string code;
  std::string display;  // the Sandbox omits it: accepted
};

struct OverrideReason {
  std::optional<OverrideReasonCoding> reason;
  std::string user_comment;
};

struct FeedbackItem {
  std::string card;  // the card's uuid
  FeedbackOutcome outcome = FeedbackOutcome::kAccepted;
  std::vector<std::string> accepted_suggestions;  // suggestion uuids
  std::optional<OverrideReason> override_reason;
  std::chrono::sys_time<std::chrono::milliseconds> outcome_timestamp{};
};

struct FeedbackRequest {
  std::vector<FeedbackItem> items;
};

/// Validates and parses the body of `POST /cds-services/{id}/feedback`.
/// Rules: `feedback` is a non-empty array; each item has `card` and `outcome`
/// (accepted|overridden); `accepted` needs a non-empty `acceptedSuggestions` of `{id}`;
/// `overrideReason`, when present, has a `reason` Coding (system + code) and/or a `userComment`;
/// `outcomeTimestamp` is an RFC 3339 date-time with a zone.
[[nodiscard]] Result<FeedbackRequest> ParseFeedback(std::string body);

/// Parses an RFC 3339 `date-time` ("2021-12-11T10:05:31Z", fractional seconds and numeric
/// offsets allowed). nullopt when the text is not one or names an impossible date.
[[nodiscard]] std::optional<std::chrono::sys_time<std::chrono::milliseconds>> ParseRfc3339(
    std::string_view text) noexcept;

}  // namespace cds::hooks
