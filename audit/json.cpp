#include "audit/json.hpp"

#include <cstdio>
#include <string_view>

namespace cds::audit {
namespace {

void Str(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Int(JsonWriter& w, std::string_view key, std::int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}

void Key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void WriteCounts(JsonWriter& w, const Counts& c) {
  Int(w, "fired", c.fired);
  Int(w, "accepted", c.accepted);
  Int(w, "overridden", c.overridden);
  Int(w, "noFeedback", c.no_feedback);
}

void WriteCardBody(JsonWriter& w, const CardRecord& k, bool with_children) {
  Str(w, "uuid", k.uuid);
  Str(w, "ruleId", k.rule_id);
  Str(w, "ruleVersion", k.rule_version);
  Str(w, "ruleTitle", k.rule_title);
  Str(w, "catalogueId", k.catalogue_id);
  Str(w, "indicator", k.indicator);
  Str(w, "summary", k.summary);
  Key(w, "mergedRules");
  w.StartArray();
  std::string_view merged = k.merged_rules;
  while (!merged.empty()) {
    const std::size_t comma = merged.find(',');
    const std::string_view id = merged.substr(0, comma);
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    if (comma == std::string_view::npos) break;
    merged.remove_prefix(comma + 1);
  }
  w.EndArray();
  Key(w, "implicated");
  w.StartArray();
  for (const std::string& ref : k.implicated) {
    w.String(ref.c_str(), static_cast<rapidjson::SizeType>(ref.size()));
  }
  w.EndArray();
  if (!with_children) return;
  Key(w, "evidence");
  w.StartArray();
  for (const EvidenceRef& e : k.evidence) {
    w.StartObject();
    Str(w, "reference", e.reference);
    Str(w, "path", e.path);
    Str(w, "value", e.value);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "suggestions");
  w.StartArray();
  for (const SuggestionOffered& s : k.suggestions) {
    w.StartObject();
    Str(w, "uuid", s.uuid);
    Str(w, "label", s.label);
    w.EndObject();
  }
  w.EndArray();
}

void WriteCallBody(JsonWriter& w, const CallRecord& c) {
  Str(w, "hookInstance", c.hook_instance);
  Str(w, "service", c.service);
  Str(w, "hook", c.hook);
  Str(w, "received", FormatInstant(c.received));
  Str(w, "issuer", c.principal.issuer);
  Str(w, "subject", c.principal.subject);
  Str(w, "tenant", c.principal.tenant);
  Str(w, "jti", c.principal.jti);
  Str(w, "userId", c.user_id);
  Str(w, "patientId", c.patient_id);
  Str(w, "encounterId", c.encounter_id);
  Key(w, "orders");
  w.StartArray();
  for (const OrderSeen& o : c.orders) {
    w.StartObject();
    Str(w, "resourceType", o.resource_type);
    Str(w, "id", o.id);
    Str(w, "medication", o.medication);
    Key(w, "selected");
    w.Bool(o.selected);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "latencyMs");
  w.Double(static_cast<double>(c.latency_us) / 1000.0);
  Int(w, "status", c.http_status);
  Str(w, "error", c.error);
  Str(w, "requestId", c.request_id);
}

}  // namespace

std::string FormatInstant(Millis t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return text;
}

void WriteCall(JsonWriter& w, const CallRow& row) {
  w.StartObject();
  Int(w, "id", row.id);
  WriteCallBody(w, row.call);
  Int(w, "cardCount", static_cast<std::int64_t>(row.card_count));
  w.EndObject();
}

void WriteCardRow(JsonWriter& w, const CardRow& row, bool with_children) {
  w.StartObject();
  Int(w, "id", row.id);
  Int(w, "callId", row.call_id);
  Str(w, "received", FormatInstant(row.received));
  Str(w, "hookInstance", row.hook_instance);
  Str(w, "service", row.service);
  Str(w, "hook", row.hook);
  Str(w, "patientId", row.patient_id);
  Str(w, "userId", row.user_id);
  WriteCardBody(w, row.card, with_children);
  Str(w, "outcome", row.outcome);
  Key(w, "outcomeTime");
  if (row.outcome_time) {
    const std::string t = FormatInstant(*row.outcome_time);
    w.String(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
  } else {
    w.Null();
  }
  Int(w, "feedbackCount", static_cast<std::int64_t>(row.feedback_count));
  w.EndObject();
}

void WriteFeedback(JsonWriter& w, const FeedbackRow& row) {
  w.StartObject();
  Int(w, "id", row.id);
  Str(w, "received", FormatInstant(row.received));
  Str(w, "service", row.service);
  Str(w, "card", row.item.card_uuid);
  Key(w, "unknownCard");
  w.Bool(row.unknown_card);
  Str(w, "outcome", row.item.outcome);
  Key(w, "acceptedSuggestions");
  w.StartArray();
  for (const std::string& id : row.item.accepted_suggestions) {
    w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
  }
  w.EndArray();
  Key(w, "overrideReason");
  if (row.item.reason_code.empty() && row.item.comment.empty()) {
    w.Null();
  } else {
    w.StartObject();
    Key(w, "reason");
    if (row.item.reason_code.empty()) {
      w.Null();
    } else {
      w.StartObject();
      Str(w, "system", row.item.reason_system);
      Str(w, "code", row.item.reason_code);
      Str(w, "display", row.item.reason_display);
      w.EndObject();
    }
    Str(w, "userComment", row.item.comment);
    w.EndObject();
  }
  Str(w, "outcomeTimestamp", FormatInstant(row.item.outcome_time));
  Str(w, "issuer", row.principal.issuer);
  Str(w, "tenant", row.principal.tenant);
  Str(w, "requestId", row.request_id);
  w.EndObject();
}

void WriteCardDetail(JsonWriter& w, const CardDetail& detail) {
  w.StartObject();
  Key(w, "card");
  WriteCardRow(w, detail.card, true);
  Key(w, "call");
  WriteCall(w, detail.call);
  Key(w, "feedback");
  w.StartArray();
  for (const FeedbackRow& f : detail.feedback) WriteFeedback(w, f);
  w.EndArray();
  w.EndObject();
}

void WriteSummary(JsonWriter& w, const Summary& s) {
  w.StartObject();
  Int(w, "calls", s.calls);
  Int(w, "errorCalls", s.error_calls);
  Int(w, "cards", s.cards);
  Int(w, "feedback", s.feedback);
  Int(w, "unknownCardFeedback", s.unknown_card_feedback);
  Key(w, "rules");
  w.StartArray();
  for (const RuleSummary& r : s.rules) {
    w.StartObject();
    Str(w, "ruleId", r.rule_id);
    Str(w, "ruleTitle", r.rule_title);
    Str(w, "catalogueId", r.catalogue_id);
    WriteCounts(w, r.counts);
    Key(w, "topOverrideReasons");
    w.StartArray();
    for (const ReasonCount& reason : r.top_override_reasons) {
      w.StartObject();
      Str(w, "system", reason.system);
      Str(w, "code", reason.code);
      Str(w, "display", reason.display);
      Int(w, "count", reason.count);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  Key(w, "days");
  w.StartArray();
  for (const DaySummary& d : s.days) {
    w.StartObject();
    Str(w, "day", d.day);
    WriteCounts(w, d.counts);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WritePurge(JsonWriter& w, const PurgeResult& r) {
  w.StartObject();
  Str(w, "cutoff", FormatInstant(r.cutoff));
  Int(w, "calls", r.calls);
  Int(w, "cards", r.cards);
  Int(w, "feedback", r.feedback);
  w.EndObject();
}

void WriteExportedCall(JsonWriter& w, const ExportedCall& e) {
  w.StartObject();
  Str(w, "type", "call");
  Int(w, "id", e.id);
  WriteCallBody(w, e.call);
  Key(w, "cards");
  w.StartArray();
  for (std::size_t i = 0; i < e.call.cards.size(); ++i) {
    w.StartObject();
    WriteCardBody(w, e.call.cards[i], true);
    Key(w, "feedback");
    w.StartArray();
    if (i < e.feedback.size()) {
      for (const FeedbackRow& f : e.feedback[i]) WriteFeedback(w, f);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace cds::audit
