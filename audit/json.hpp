// JSON renderings of audit rows, shared by the admin API (hooks/admin.cpp) and the NDJSON
// export: camelCase names as in CDS Hooks, times as RFC 3339 UTC instants.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "audit/store.hpp"

namespace cds::audit {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// "2026-11-21T12:00:00.123Z".
[[nodiscard]] std::string FormatInstant(Millis t);

/// {id, hookInstance, service, hook, received, issuer, subject, tenant, jti, userId, patientId,
///  encounterId, orders[], latencyMs, status, error, requestId, cardCount}
void WriteCall(JsonWriter& w, const CallRow& row);
/// {id, callId, uuid, received, hookInstance, service, hook, patientId, userId, ruleId,
///  ruleVersion, ruleTitle, catalogueId, indicator, summary, mergedRules[], outcome,
///  outcomeTime, feedbackCount[, evidence[], suggestions[]]}
void WriteCardRow(JsonWriter& w, const CardRow& row, bool with_children);
/// {id, received, service, card, unknownCard, outcome, acceptedSuggestions[], overrideReason,
///  outcomeTimestamp, issuer, tenant, requestId}
void WriteFeedback(JsonWriter& w, const FeedbackRow& row);
/// The card detail: {card, call, feedback[]}.
void WriteCardDetail(JsonWriter& w, const CardDetail& detail);
/// {calls, errorCalls, cards, feedback, unknownCardFeedback, rules[], days[]}.
void WriteSummary(JsonWriter& w, const Summary& summary);
/// {cutoff, calls, cards, feedback}.
void WritePurge(JsonWriter& w, const PurgeResult& result);
/// One NDJSON export line for a call: the call with its cards, each with its feedback.
void WriteExportedCall(JsonWriter& w, const ExportedCall& call);

}  // namespace cds::audit
