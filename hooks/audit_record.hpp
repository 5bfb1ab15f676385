// What the audit trail keeps of a hook call and of feedback (issue 7), taken from the parsed
// request and the engine's outcome. Only identifiers, the medication text of the draft orders,
// and what the cards showed: never fhirAuthorization, a token, or prefetch payloads.
#pragma once

#include "audit/record.hpp"
#include "hooks/feedback.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_request.hpp"

namespace cds::hooks {

/// The hook, user, patient, encounter, draft orders and, when `outcome` is set, the cards
/// (outcome->cards[i] was built from outcome->findings[i]). The caller fills service, time,
/// principal, status, latency and request id.
[[nodiscard]] audit::CallRecord MakeCallRecord(const HookRequest& request,
                                               const HookOutcome* outcome);

/// The feedback items; the caller fills service, time, principal and request id.
[[nodiscard]] audit::FeedbackBatch MakeFeedbackBatch(const FeedbackRequest& request);

}  // namespace cds::hooks
