#include "cards/response_json.hpp"

#include <string_view>

#include "cards/json_writer.hpp"

namespace cds::cards {
namespace {

using Writer = JsonWriter;

void Str(Writer& w, std::string_view s) { w.String(s); }

void OptionalMember(Writer& w, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  Str(w, value);
}

std::string_view ToString(Indicator i) {
  switch (i) {
    case Indicator::kInfo:
      return "info";
    case Indicator::kWarning:
      return "warning";
    case Indicator::kCritical:
      return "critical";
  }
  return "info";
}

std::string_view ToString(ActionType t) {
  switch (t) {
    case ActionType::kCreate:
      return "create";
    case ActionType::kUpdate:
      return "update";
    case ActionType::kDelete:
      return "delete";
  }
  return "create";
}

void WriteCoding(Writer& w, const Coding& c) {
  w.StartObject();
  OptionalMember(w, "system", c.system);
  OptionalMember(w, "code", c.code);
  OptionalMember(w, "display", c.display);
  w.EndObject();
}

void WriteAction(Writer& w, const Action& a) {
  w.StartObject();
  w.Key("type");
  Str(w, ToString(a.type));
  OptionalMember(w, "description", a.description);
  if (!a.resource_json.empty()) {
    w.Key("resource");
    w.RawValue(a.resource_json);
  }
  OptionalMember(w, "resourceId", a.resource_id);
  w.EndObject();
}

void WriteSuggestion(Writer& w, const Suggestion& s) {
  w.StartObject();
  OptionalMember(w, "label", s.label);
  OptionalMember(w, "uuid", s.uuid);
  if (s.is_recommended) {
    w.Key("isRecommended");
    w.Bool(*s.is_recommended);
  }
  if (!s.actions.empty()) {
    w.Key("actions");
    w.StartArray();
    for (const Action& a : s.actions) WriteAction(w, a);
    w.EndArray();
  }
  w.EndObject();
}

void WriteCard(Writer& w, const Card& c) {
  w.StartObject();
  OptionalMember(w, "uuid", c.uuid);
  OptionalMember(w, "summary", c.summary);
  OptionalMember(w, "detail", c.detail);
  w.Key("indicator");
  Str(w, ToString(c.indicator));
  w.Key("source");
  w.StartObject();
  OptionalMember(w, "label", c.source.label);
  OptionalMember(w, "url", c.source.url);
  OptionalMember(w, "icon", c.source.icon);
  if (c.source.topic) {
    w.Key("topic");
    WriteCoding(w, *c.source.topic);
  }
  w.EndObject();
  if (!c.suggestions.empty()) {
    w.Key("suggestions");
    w.StartArray();
    for (const Suggestion& s : c.suggestions) WriteSuggestion(w, s);
    w.EndArray();
  }
  if (c.selection_behavior) {
    w.Key("selectionBehavior");
    Str(w, *c.selection_behavior == SelectionBehavior::kAny ? "any" : "at-most-one");
  }
  if (!c.override_reasons.empty()) {
    w.Key("overrideReasons");
    w.StartArray();
    for (const Coding& r : c.override_reasons) WriteCoding(w, r);
    w.EndArray();
  }
  if (!c.links.empty()) {
    w.Key("links");
    w.StartArray();
    for (const Link& l : c.links) {
      w.StartObject();
      OptionalMember(w, "label", l.label);
      OptionalMember(w, "url", l.url);
      w.Key("type");
      Str(w, l.type == LinkType::kSmart ? "smart" : "absolute");
      if (l.type == LinkType::kSmart) OptionalMember(w, "appContext", l.app_context);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

// Bytes of a card's JSON beyond its detail and resources (keys, summary, source, override
// reasons, links): a generous estimate, so that the response string is allocated once.
constexpr std::size_t kCardOverhead = 2048;

std::string RenderCardsResponse(const std::vector<Card>& cards) {
  std::size_t estimate = 16;
  for (const Card& c : cards) {
    estimate += kCardOverhead + c.detail.size() + c.detail.size() / 8;
    for (const Suggestion& s : c.suggestions) {
      for (const Action& a : s.actions)
        estimate += 128 + a.description.size() + a.resource_json.size();
    }
  }
  std::string out;
  out.reserve(estimate);
  Writer w(out);
  w.StartObject();
  w.Key("cards");
  w.StartArray();
  for (const Card& c : cards) WriteCard(w, c);
  w.EndArray();
  w.EndObject();
  return out;
}

}  // namespace cds::cards
