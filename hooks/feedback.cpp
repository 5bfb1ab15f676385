#include "hooks/feedback.hpp"

#include <cctype>

#include "hooks/json.hpp"

namespace cds::hooks {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Error Invalid(std::string path, std::string message) {
  return Error{HookError::kInvalidValue, std::move(path), std::move(message), ""};
}

std::optional<Error> ParseOverrideReason(const rapidjson::Value& v, const std::string& path,
                                         FeedbackItem& item) {
  if (!v.IsObject()) return WrongType(path, "object", v);
  ObjectReader r(v, path);
  OverrideReason reason;
  auto coding = r.OptionalObject("reason");
  if (!coding) return coding.error();
  if (coding.value() != nullptr) {
    const std::string coding_path = r.Path("reason");
    ObjectReader c(*coding.value(), coding_path);
    auto system = c.RequiredString("system");
    if (!system) return system.error();
    auto code = c.RequiredString("code");
    if (!code) return code.error();
    auto display = c.OptionalString("display");
    if (!display) return display.error();
    reason.reason = OverrideReasonCoding{std::string(system.value()), std::string(code.value()),
                                         std::string(display.value().value_or(""))};
  }
  auto comment = r.OptionalString("userComment");
  if (!comment) return comment.error();
  if (comment.value()) reason.user_comment.assign(*comment.value());
  if (!reason.reason && reason.user_comment.empty()) {
    return Error{HookError::kMissingField, path, "needs a reason or a userComment", ""};
  }
  item.override_reason = std::move(reason);
  return std::nullopt;
}

std::optional<Error> ParseItem(const rapidjson::Value& v, const std::string& path,
                               FeedbackItem& item) {
  if (!v.IsObject()) return WrongType(path, "object", v);
  ObjectReader r(v, path);
  auto card = r.RequiredString("card");
  if (!card) return card.error();
  item.card.assign(card.value());

  auto outcome = r.RequiredString("outcome");
  if (!outcome) return outcome.error();
  if (outcome.value() == "accepted") {
    item.outcome = FeedbackOutcome::kAccepted;
  } else if (outcome.value() == "overridden") {
    item.outcome = FeedbackOutcome::kOverridden;
  } else {
    return Invalid(r.Path("outcome"), "must be \"accepted\" or \"overridden\"");
  }

  auto accepted = r.OptionalArray("acceptedSuggestions");
  if (!accepted) return accepted.error();
  if (item.outcome == FeedbackOutcome::kAccepted) {
    if (accepted.value() == nullptr) return Missing(r.Path("acceptedSuggestions"));
    if (accepted.value()->Empty()) {
      return Invalid(r.Path("acceptedSuggestions"), "must name at least one suggestion");
    }
    const std::string list_path = r.Path("acceptedSuggestions");
    for (rapidjson::SizeType i = 0; i < accepted.value()->Size(); ++i) {
      const std::string item_path = IndexPath(list_path, i);
      const rapidjson::Value& s = (*accepted.value())[i];
      if (!s.IsObject()) return WrongType(item_path, "object", s);
      auto id = ObjectReader(s, item_path).RequiredString("id");
      if (!id) return id.error();
      item.accepted_suggestions.emplace_back(id.value());
    }
  }

  if (const rapidjson::Value* reason = r.Find("overrideReason")) {
    if (auto error = ParseOverrideReason(*reason, r.Path("overrideReason"), item)) return error;
  }

  auto timestamp = r.RequiredString("outcomeTimestamp");
  if (!timestamp) return timestamp.error();
  auto parsed = ParseRfc3339(timestamp.value());
  if (!parsed) {
    return Invalid(r.Path("outcomeTimestamp"),
                   "must be an RFC 3339 date-time such as 2021-12-11T10:05:31Z");
  }
  item.outcome_timestamp = *parsed;
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::sys_time<std::chrono::milliseconds>> ParseRfc3339(
    std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, hour) || s[13] != ':' || !Digits(s, 14, 2, minute) || s[16] != ':' ||
      !Digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) {
      if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const sys_time<milliseconds> t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) +
                                   milliseconds(millis) - minutes(offset_minutes);
  return t;
}

Result<FeedbackRequest> ParseFeedback(std::string body) {
  rapidjson::Document doc;
  if (auto error = ParseJsonInPlace(body, doc)) return *error;
  if (!doc.IsObject()) return WrongType("", "a JSON object", doc);
  ObjectReader r(doc, "");
  const rapidjson::Value* list = r.Find("feedback");
  if (list == nullptr) return Missing("feedback");
  if (!list->IsArray()) return WrongType("feedback", "array", *list);
  if (list->Empty()) return Invalid("feedback", "must hold at least one item");
  FeedbackRequest request;
  request.items.resize(list->Size());
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    if (auto error = ParseItem((*list)[i], IndexPath("feedback", i), request.items[i])) {
      return *error;
    }
  }
  return request;
}

}  // namespace cds::hooks
