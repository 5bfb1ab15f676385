// Lossless JSON of the records the router submits (CallRecord, FeedbackBatch), for the spool
// file of the fail-open audit policy (spooling_sink.hpp, issue 8). Unlike the review renderings
// in json.hpp, every field survives the round trip exactly: times are integer milliseconds,
// lists stay lists. Same exclusions as the store: no token, no prefetch payload ever reaches a
// record, so none reaches the spool.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "audit/record.hpp"

namespace cds::audit {

/// One JSON object, no newline.
[[nodiscard]] std::string CallRecordToJson(const CallRecord& record);
[[nodiscard]] std::string FeedbackBatchToJson(const FeedbackBatch& batch);

/// The inverse; nullopt when `json` is not an object of the expected shape.
[[nodiscard]] std::optional<CallRecord> CallRecordFromJson(std::string_view json);
[[nodiscard]] std::optional<FeedbackBatch> FeedbackBatchFromJson(std::string_view json);
/// The same from an already parsed value (a member of a larger document).
[[nodiscard]] std::optional<CallRecord> CallRecordFromJson(const rapidjson::Value& json);
[[nodiscard]] std::optional<FeedbackBatch> FeedbackBatchFromJson(const rapidjson::Value& json);

}  // namespace cds::audit
