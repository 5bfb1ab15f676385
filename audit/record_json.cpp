#include "audit/record_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <vector>

namespace cds::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

void Str(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Int(Writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void Ms(Writer& w, const char* key, Millis t) { Int(w, key, t.time_since_epoch().count()); }

void Strings(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const std::string& v : values)
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

void WritePrincipal(Writer& w, const Principal& p) {
  w.Key("principal");
  w.StartObject();
  Str(w, "issuer", p.issuer);
  Str(w, "subject", p.subject);
  Str(w, "tenant", p.tenant);
  Str(w, "jti", p.jti);
  w.EndObject();
}

// Readers: a missing member reads as empty/zero; a member of the wrong type fails the record.
class Reader {
 public:
  explicit Reader(const Value& object) : o_(object) {}
  bool ok = true;

  std::string Str(const char* key) {
    const auto it = o_.FindMember(key);
    if (it == o_.MemberEnd()) return {};
    if (!it->value.IsString()) return Fail<std::string>();
    return {it->value.GetString(), it->value.GetStringLength()};
  }
  std::int64_t Int(const char* key) {
    const auto it = o_.FindMember(key);
    if (it == o_.MemberEnd()) return 0;
    if (!it->value.IsInt64()) return Fail<std::int64_t>();
    return it->value.GetInt64();
  }
  bool Bool(const char* key) {
    const auto it = o_.FindMember(key);
    if (it == o_.MemberEnd()) return false;
    if (!it->value.IsBool()) return Fail<bool>();
    return it->value.GetBool();
  }
  Millis Ms(const char* key) { return Millis{std::chrono::milliseconds{Int(key)}}; }
  // The members of array `key` that are objects (any other element fails the record).
  std::vector<const Value*> Objects(const char* key) {
    std::vector<const Value*> out;
    const auto it = o_.FindMember(key);
    if (it == o_.MemberEnd()) return out;
    if (!it->value.IsArray()) return Fail<std::vector<const Value*>>();
    for (const Value& v : it->value.GetArray()) {
      if (!v.IsObject()) return Fail<std::vector<const Value*>>();
      out.push_back(&v);
    }
    return out;
  }
  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    const auto it = o_.FindMember(key);
    if (it == o_.MemberEnd()) return out;
    if (!it->value.IsArray()) return Fail<std::vector<std::string>>();
    for (const Value& v : it->value.GetArray()) {
      if (!v.IsString()) return Fail<std::vector<std::string>>();
      out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
  }
  Principal ReadPrincipal() {
    Principal p;
    const auto it = o_.FindMember("principal");
    if (it == o_.MemberEnd()) return p;
    if (!it->value.IsObject()) return Fail<Principal>();
    Reader r(it->value);
    p = {r.Str("issuer"), r.Str("subject"), r.Str("tenant"), r.Str("jti")};
    ok = ok && r.ok;
    return p;
  }

 private:
  template <typename T>
  T Fail() {
    ok = false;
    return T{};
  }
  const Value& o_;
};

template <typename Parsed, typename Read>
std::optional<Parsed> Parse(const Value& json, Read read) {
  if (!json.IsObject()) return std::nullopt;
  Reader r(json);
  Parsed parsed = read(r);
  if (!r.ok) return std::nullopt;
  return parsed;
}

}  // namespace

std::string CallRecordToJson(const CallRecord& c) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "hook_instance", c.hook_instance);
  Str(w, "service", c.service);
  Str(w, "hook", c.hook);
  Ms(w, "received_ms", c.received);
  WritePrincipal(w, c.principal);
  Str(w, "user_id", c.user_id);
  Str(w, "patient_id", c.patient_id);
  Str(w, "encounter_id", c.encounter_id);
  w.Key("orders");
  w.StartArray();
  for (const OrderSeen& o : c.orders) {
    w.StartObject();
    Str(w, "resource_type", o.resource_type);
    Str(w, "id", o.id);
    Str(w, "medication", o.medication);
    w.Key("selected");
    w.Bool(o.selected);
    w.EndObject();
  }
  w.EndArray();
  Int(w, "latency_us", c.latency_us);
  Int(w, "http_status", c.http_status);
  Str(w, "error", c.error);
  Str(w, "request_id", c.request_id);
  w.Key("cards");
  w.StartArray();
  for (const CardRecord& k : c.cards) {
    w.StartObject();
    Str(w, "uuid", k.uuid);
    Str(w, "rule_id", k.rule_id);
    Str(w, "rule_version", k.rule_version);
    Str(w, "rule_title", k.rule_title);
    Str(w, "catalogue_id", k.catalogue_id);
    Str(w, "indicator", k.indicator);
    Str(w, "summary", k.summary);
    Str(w, "merged_rules", k.merged_rules);
    Strings(w, "implicated", k.implicated);
    w.Key("evidence");
    w.StartArray();
    for (const EvidenceRef& e : k.evidence) {
      w.StartObject();
      Str(w, "reference", e.reference);
      Str(w, "path", e.path);
      Str(w, "value", e.value);
      w.EndObject();
    }
    w.EndArray();
    w.Key("suggestions");
    w.StartArray();
    for (const SuggestionOffered& s : k.suggestions) {
      w.StartObject();
      Str(w, "uuid", s.uuid);
      Str(w, "label", s.label);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string FeedbackBatchToJson(const FeedbackBatch& b) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "service", b.service);
  Ms(w, "received_ms", b.received);
  WritePrincipal(w, b.principal);
  Str(w, "request_id", b.request_id);
  w.Key("items");
  w.StartArray();
  for (const FeedbackRecord& f : b.items) {
    w.StartObject();
    Str(w, "card_uuid", f.card_uuid);
    Str(w, "outcome", f.outcome);
    Strings(w, "accepted_suggestions", f.accepted_suggestions);
    Str(w, "reason_system", f.reason_system);
    Str(w, "reason_code", f.reason_code);
    Str(w, "reason_display", f.reason_display);
    Str(w, "comment", f.comment);
    Ms(w, "outcome_ms", f.outcome_time);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<CallRecord> CallRecordFromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return std::nullopt;
  return CallRecordFromJson(static_cast<const Value&>(doc));
}

std::optional<FeedbackBatch> FeedbackBatchFromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return std::nullopt;
  return FeedbackBatchFromJson(static_cast<const Value&>(doc));
}

std::optional<CallRecord> CallRecordFromJson(const Value& json) {
  return Parse<CallRecord>(json, [](Reader& r) {
    CallRecord c;
    c.hook_instance = r.Str("hook_instance");
    c.service = r.Str("service");
    c.hook = r.Str("hook");
    c.received = r.Ms("received_ms");
    c.principal = r.ReadPrincipal();
    c.user_id = r.Str("user_id");
    c.patient_id = r.Str("patient_id");
    c.encounter_id = r.Str("encounter_id");
    for (const Value* v : r.Objects("orders")) {
      Reader o(*v);
      c.orders.push_back(
          {o.Str("resource_type"), o.Str("id"), o.Str("medication"), o.Bool("selected")});
      r.ok = r.ok && o.ok;
    }
    c.latency_us = r.Int("latency_us");
    c.http_status = static_cast<int>(r.Int("http_status"));
    c.error = r.Str("error");
    c.request_id = r.Str("request_id");
    for (const Value* v : r.Objects("cards")) {
      Reader k(*v);
      CardRecord card;
      card.uuid = k.Str("uuid");
      card.rule_id = k.Str("rule_id");
      card.rule_version = k.Str("rule_version");
      card.rule_title = k.Str("rule_title");
      card.catalogue_id = k.Str("catalogue_id");
      card.indicator = k.Str("indicator");
      card.summary = k.Str("summary");
      card.merged_rules = k.Str("merged_rules");
      card.implicated = k.Strings("implicated");
      for (const Value* e : k.Objects("evidence")) {
        Reader er(*e);
        card.evidence.push_back({er.Str("reference"), er.Str("path"), er.Str("value")});
        k.ok = k.ok && er.ok;
      }
      for (const Value* s : k.Objects("suggestions")) {
        Reader sr(*s);
        card.suggestions.push_back({sr.Str("uuid"), sr.Str("label")});
        k.ok = k.ok && sr.ok;
      }
      r.ok = r.ok && k.ok;
      c.cards.push_back(std::move(card));
    }
    return c;
  });
}

std::optional<FeedbackBatch> FeedbackBatchFromJson(const Value& json) {
  return Parse<FeedbackBatch>(json, [](Reader& r) {
    FeedbackBatch b;
    b.service = r.Str("service");
    b.received = r.Ms("received_ms");
    b.principal = r.ReadPrincipal();
    b.request_id = r.Str("request_id");
    for (const Value* v : r.Objects("items")) {
      Reader f(*v);
      FeedbackRecord item;
      item.card_uuid = f.Str("card_uuid");
      item.outcome = f.Str("outcome");
      item.accepted_suggestions = f.Strings("accepted_suggestions");
      item.reason_system = f.Str("reason_system");
      item.reason_code = f.Str("reason_code");
      item.reason_display = f.Str("reason_display");
      item.comment = f.Str("comment");
      item.outcome_time = f.Ms("outcome_ms");
      r.ok = r.ok && f.ok;
      b.items.push_back(std::move(item));
    }
    return b;
  });
}

}  // namespace cds::audit
