#include "tests/cards/conformance.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <set>

namespace cds::testing {
namespace {

using Value = rapidjson::Value;

class Checker {
 public:
  std::vector<std::string> violations;

  void Fail(const std::string& path, const std::string& what) {
    violations.push_back(path + ": " + what);
  }

  const Value* Member(const Value& obj, const char* key) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }

  // Required non-empty string member; returns it or "".
  std::string RequireString(const Value& obj, const std::string& path, const char* key) {
    const Value* v = Member(obj, key);
    if (v == nullptr) {
      Fail(path, std::string("missing ") + key);
      return "";
    }
    if (!v->IsString()) {
      Fail(path + "." + key, "not a string");
      return "";
    }
    return std::string(v->GetString(), v->GetStringLength());
  }

  static std::size_t CodePoints(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  static bool IsUuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (s[i] != '-') return false;
      } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
        return false;
      }
    }
    return true;
  }

  void Uuid(const Value& obj, const std::string& path) {
    const Value* v = Member(obj, "uuid");
    if (v == nullptr) return;
    if (!v->IsString()) return Fail(path + ".uuid", "not a string");
    std::string s(v->GetString(), v->GetStringLength());
    if (!IsUuid(s)) Fail(path + ".uuid", "malformed UUID '" + s + "'");
    if (!uuids_.insert(s).second) Fail(path + ".uuid", "duplicate UUID " + s);
  }

  // Point 22.
  void NoEmpty(const Value& v, const std::string& path) {
    if (v.IsNull()) return Fail(path, "null");
    if (v.IsString() && v.GetStringLength() == 0) return Fail(path, "empty string");
    if (v.IsArray()) {
      if (v.Empty() && path != "$.cards") return Fail(path, "empty array");
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        NoEmpty(v[i], path + "[" + std::to_string(i) + "]");
      }
    }
    if (v.IsObject()) {
      if (v.MemberCount() == 0) return Fail(path, "empty object");
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        NoEmpty(it->value, path + "." + it->name.GetString());
      }
    }
  }

  void Coding(const Value& c, const std::string& path, bool display_required) {
    if (!c.IsObject()) return Fail(path, "not an object");
    RequireString(c, path, "system");
    RequireString(c, path, "code");
    if (display_required) RequireString(c, path, "display");
  }

  // Point 18.
  void Action(const Value& a, const std::string& path) {
    if (!a.IsObject()) return Fail(path, "not an object");
    const std::string type = RequireString(a, path, "type");
    if (!type.empty() && type != "create" && type != "update" && type != "delete") {
      Fail(path + ".type", "'" + type + "' not in {create, update, delete}");
    }
    RequireString(a, path, "description");
    const Value* resource = Member(a, "resource");
    if (type == "create" || type == "update") {
      if (resource == nullptr || !resource->IsObject()) {
        Fail(path, type + " without a resource object");
      } else {
        const Value* rt = Member(*resource, "resourceType");
        if (rt == nullptr || !rt->IsString() || rt->GetStringLength() == 0) {
          Fail(path + ".resource", "missing resourceType");
        }
      }
    }
    if (type == "delete") {
      const std::string id = RequireString(a, path, "resourceId");
      const auto slash = id.find('/');
      if (!id.empty() && (slash == std::string::npos || slash == 0 || slash + 1 == id.size() ||
                          id.find('/', slash + 1) != std::string::npos ||
                          !std::isupper(static_cast<unsigned char>(id[0])))) {
        Fail(path + ".resourceId", "'" + id + "' is not a relative reference Type/id");
      }
      if (resource != nullptr) Fail(path, "delete carries a resource (use resourceId)");
    }
  }

  void Actions(const Value& card, const char* key, const std::string& path) {
    const Value* actions = Member(card, key);
    if (actions == nullptr) return;
    if (!actions->IsArray()) return Fail(path + "." + key, "not an array");
    for (rapidjson::SizeType i = 0; i < actions->Size(); ++i) {
      Action((*actions)[i], path + "." + key + "[" + std::to_string(i) + "]");
    }
  }

  void Card(const Value& card, const std::string& path) {
    if (!card.IsObject()) return Fail(path, "not an object");
    Uuid(card, path);
    // 16.
    const std::string summary = RequireString(card, path, "summary");
    if (CodePoints(summary) >= 140) {
      Fail(path + ".summary", std::to_string(CodePoints(summary)) + " characters (must be < 140)");
    }
    const std::string indicator = RequireString(card, path, "indicator");
    if (!indicator.empty() && indicator != "info" && indicator != "warning" &&
        indicator != "critical") {
      Fail(path + ".indicator", "'" + indicator + "' not in {info, warning, critical}");
    }
    const Value* source = Member(card, "source");
    if (source == nullptr || !source->IsObject()) {
      Fail(path, "missing source object");
    } else {
      RequireString(*source, path + ".source", "label");
      if (const Value* topic = Member(*source, "topic"))
        Coding(*topic, path + ".source.topic", false);
    }
    if (const Value* detail = Member(card, "detail");
        detail != nullptr && !detail->IsString() && !detail->IsNull()) {
      Fail(path + ".detail", "not a string");
    }
    // 17.
    const Value* suggestions = Member(card, "suggestions");
    const Value* behavior = Member(card, "selectionBehavior");
    std::string behavior_text;
    if (behavior != nullptr) {
      if (!behavior->IsString()) {
        Fail(path + ".selectionBehavior", "not a string");
      } else {
        behavior_text = behavior->GetString();
        if (behavior_text != "at-most-one" && behavior_text != "any") {
          Fail(path + ".selectionBehavior", "'" + behavior_text + "' not in {at-most-one, any}");
        }
      }
    }
    if (suggestions != nullptr) {
      if (!suggestions->IsArray()) {
        Fail(path + ".suggestions", "not an array");
      } else {
        if (behavior == nullptr) Fail(path, "suggestions without selectionBehavior");
        int recommended = 0;
        for (rapidjson::SizeType i = 0; i < suggestions->Size(); ++i) {
          const Value& s = (*suggestions)[i];
          const std::string sp = path + ".suggestions[" + std::to_string(i) + "]";
          if (!s.IsObject()) {
            Fail(sp, "not an object");
            continue;
          }
          RequireString(s, sp, "label");
          Uuid(s, sp);
          if (const Value* r = Member(s, "isRecommended")) {
            if (!r->IsBool()) {
              Fail(sp + ".isRecommended", "not a boolean");
            } else if (r->GetBool()) {
              ++recommended;
            }
          }
          Actions(s, "actions", sp);
        }
        if (behavior_text == "at-most-one" && recommended > 1) {
          Fail(path, "at-most-one with " + std::to_string(recommended) + " isRecommended");
        }
      }
    }
    // 19.
    if (const Value* reasons = Member(card, "overrideReasons")) {
      if (!reasons->IsArray()) {
        Fail(path + ".overrideReasons", "not an array");
      } else {
        for (rapidjson::SizeType i = 0; i < reasons->Size(); ++i) {
          Coding((*reasons)[i], path + ".overrideReasons[" + std::to_string(i) + "]", true);
        }
      }
    }
    // 20.
    if (const Value* links = Member(card, "links")) {
      if (!links->IsArray()) return Fail(path + ".links", "not an array");
      for (rapidjson::SizeType i = 0; i < links->Size(); ++i) {
        const Value& l = (*links)[i];
        const std::string lp = path + ".links[" + std::to_string(i) + "]";
        if (!l.IsObject()) {
          Fail(lp, "not an object");
          continue;
        }
        RequireString(l, lp, "label");
        const std::string url = RequireString(l, lp, "url");
        const std::string type = RequireString(l, lp, "type");
        if (!type.empty() && type != "absolute" && type != "smart") {
          Fail(lp + ".type", "'" + type + "' not in {absolute, smart}");
        }
        if (type == "absolute" && !url.empty() && url.rfind("https://", 0) != 0 &&
            url.rfind("http://", 0) != 0) {
          Fail(lp + ".url", "'" + url + "' is not an absolute URL");
        }
        if (Member(l, "appContext") != nullptr && type != "smart") {
          Fail(lp, "appContext on a non-smart link");
        }
      }
    }
  }

 private:
  std::set<std::string> uuids_;
};

}  // namespace

std::vector<std::string> ConformanceViolations(std::string_view json) {
  Checker checker;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    checker.Fail("$", std::string("not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
    return checker.violations;
  }
  if (!doc.IsObject()) {
    checker.Fail("$", "not an object");
    return checker.violations;
  }
  checker.NoEmpty(doc, "$");
  const Value* cards = checker.Member(doc, "cards");
  if (cards == nullptr || !cards->IsArray()) {
    checker.Fail("$", "missing cards array");
  } else {
    for (rapidjson::SizeType i = 0; i < cards->Size(); ++i) {
      checker.Card((*cards)[i], "$.cards[" + std::to_string(i) + "]");
    }
  }
  checker.Actions(doc, "systemActions", "$");
  return checker.violations;
}

void ExpectConformantResponse(std::string_view json) {
  const std::vector<std::string> violations = ConformanceViolations(json);
  for (const std::string& v : violations) ADD_FAILURE() << "CDS Hooks conformance: " << v;
  if (!violations.empty()) ADD_FAILURE() << "in response: " << json;
}

}  // namespace cds::testing
