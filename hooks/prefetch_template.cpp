#include "hooks/prefetch_template.hpp"

#include "hooks/hook_request.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace cds::hooks {
namespace {

constexpr std::size_t kMaxDayOffset = 36'500;  // 100 years: more is a typo, not a lookback

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Characters a URI path or query may contain literally (RFC 3986 pchar, "/" and "?").
bool IsUriChar(unsigned char c) {
  if (IsUnreserved(c)) return true;
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
      return true;
    default:
      return false;
  }
}

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

void AppendLiteral(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%' && i + 2 < text.size() && IsHex(text[i + 1]) && IsHex(text[i + 2])) {
      out.push_back('%');  // an existing percent-encoding stays as written
    } else if (IsUriChar(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      AppendEscaped(out, c);
    }
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

TemplateError MakeError(TemplateError::Kind kind, std::string_view token, std::string message) {
  return TemplateError{kind, std::string(token), std::move(message)};
}

std::string FormatDate(std::chrono::year_month_day d) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return text;
}

// "today()" with an optional "+/- N day(s)". nullopt when `body` is not a today() expression
// at all; an error when it starts like one but is malformed.
struct TodayResult {
  bool matched = false;
  std::optional<TemplateError> error;
  int offset_days = 0;
};

TodayResult ParseToday(std::string_view body) {
  constexpr std::string_view kToday = "today()";
  if (!body.starts_with(kToday)) return {};
  TodayResult result;
  result.matched = true;
  std::string_view rest = Trim(body.substr(kToday.size()));
  if (rest.empty()) return result;
  const auto malformed = [&] {
    result.error = MakeError(TemplateError::Kind::kMalformed, body,
                             "malformed date expression {{" + std::string(body) +
                                 "}} (expected today(), today() - N days or today() + N days)");
    return result;
  };
  const char sign = rest.front();
  if (sign != '-' && sign != '+') return malformed();
  rest = Trim(rest.substr(1));
  std::size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits > 5) return malformed();
  unsigned n = 0;
  std::from_chars(rest.data(), rest.data() + digits, n);
  if (n > kMaxDayOffset) return malformed();
  const std::string_view unit = Trim(rest.substr(digits));
  if (unit != "days" && unit != "day") return malformed();
  result.offset_days = sign == '-' ? -static_cast<int>(n) : static_cast<int>(n);
  return result;
}

// The bare id of context.userId when its type is `type`.
std::optional<std::string_view> UserIdOfType(std::string_view user_id, std::string_view type) {
  const std::size_t slash = user_id.find('/');
  if (slash == std::string_view::npos || user_id.substr(0, slash) != type) return std::nullopt;
  const std::string_view id = user_id.substr(slash + 1);
  if (id.empty() || id.find('/') != std::string_view::npos) return std::nullopt;
  return id;
}

struct UserToken {
  std::string_view token;
  std::string_view type;
};
constexpr std::array<UserToken, 4> kUserTokens{{
    {"userPractitionerId", "Practitioner"},
    {"userPractitionerRoleId", "PractitionerRole"},
    {"userPatientId", "Patient"},
    {"userRelatedPersonId", "RelatedPerson"},
}};

// Resolves one token body (braces and surrounding whitespace removed) and appends its encoded
// value. `context == nullptr` only checks (discovery).
std::optional<TemplateError> Resolve(std::string_view body, const TemplateContext* context,
                                     bool allow_today, std::string& out) {
  using Kind = TemplateError::Kind;
  if (body.empty()) return MakeError(Kind::kMalformed, body, "empty token {{}}");
  if (body.starts_with("context.")) {
    const std::string_view field = body.substr(8);
    if (!IsName(field)) {
      return MakeError(Kind::kUnknownToken, body, "unknown token {{" + std::string(body) + "}}");
    }
    if (field == "draftOrders" || field == "selections") {
      return MakeError(Kind::kNotAllowed, body,
                       "{{" + std::string(body) + "}} is not a prefetch token (not a primitive)");
    }
    std::string_view value;
    if (field == "userId") {
      if (context == nullptr) return std::nullopt;
      if (IsRelativeReference(context->user_id)) {
        out.append(context->user_id);
        return std::nullopt;
      }
      value = context->user_id;
    } else if (field == "patientId") {
      if (context == nullptr) return std::nullopt;
      value = context->patient_id;
    } else if (field == "encounterId") {
      if (context == nullptr) return std::nullopt;
      value = context->encounter_id;
    } else {
      return MakeError(Kind::kUnknownToken, body,
                       "unknown token {{" + std::string(body) +
                           "}} (order-select and order-sign offer context.userId, "
                           "context.patientId and context.encounterId)");
    }
    if (value.empty()) {
      return MakeError(Kind::kUnresolved, body,
                       std::string(body) + " is not in the request, so {{" + std::string(body) +
                           "}} cannot be filled");
    }
    out.append(PercentEncode(value));
    return std::nullopt;
  }
  for (const UserToken& user : kUserTokens) {
    if (body != user.token) continue;
    if (context == nullptr) return std::nullopt;
    const auto id = UserIdOfType(context->user_id, user.type);
    if (!id) {
      return MakeError(
          Kind::kUnresolved, body,
          "{{" + std::string(body) + "}} needs context.userId of type " + std::string(user.type));
    }
    out.append(PercentEncode(*id));
    return std::nullopt;
  }
  const TodayResult today = ParseToday(body);
  if (today.matched) {
    if (today.error) return today.error;
    if (!allow_today) {
      return MakeError(Kind::kNotAllowed, body,
                       "{{" + std::string(body) +
                           "}} is a CDS Hooks 3.0 (ballot) token, not allowed in 2.0 discovery");
    }
    if (context == nullptr) return std::nullopt;
    const std::chrono::sys_days day =
        std::chrono::sys_days(context->today) + std::chrono::days(today.offset_days);
    out.append(FormatDate(std::chrono::year_month_day(day)));
    return std::nullopt;
  }
  return MakeError(Kind::kUnknownToken, body, "unknown token {{" + std::string(body) + "}}");
}

RenderedTemplate Render(std::string_view templ, const TemplateContext* context, bool allow_today) {
  RenderedTemplate result;
  std::string& out = result.relative_url;
  out.reserve(templ.size() + 32);
  std::size_t pos = 0;
  while (pos < templ.size()) {
    const std::size_t open = templ.find("{{", pos);
    if (open == std::string_view::npos) {
      AppendLiteral(out, templ.substr(pos));
      break;
    }
    AppendLiteral(out, templ.substr(pos, open - pos));
    const std::size_t close = templ.find("}}", open + 2);
    if (close == std::string_view::npos) {
      result.error = MakeError(TemplateError::Kind::kMalformed, templ.substr(open + 2),
                               "\"{{\" without a closing \"}}\"");
      result.relative_url.clear();
      return result;
    }
    const std::string_view body = Trim(templ.substr(open + 2, close - open - 2));
    if (auto error = Resolve(body, context, allow_today, out)) {
      result.error = std::move(error);
      result.relative_url.clear();
      return result;
    }
    pos = close + 2;
  }
  return result;
}

}  // namespace

std::string PercentEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      AppendEscaped(out, c);
    }
  }
  return out;
}

RenderedTemplate RenderPrefetchTemplate(std::string_view templ, const TemplateContext& context) {
  return Render(templ, &context, /*allow_today=*/true);
}

std::optional<TemplateError> CheckDiscoveryTemplate(std::string_view templ) {
  return Render(templ, nullptr, /*allow_today=*/false).error;
}

bool IsReadTemplate(std::string_view templ, std::string* resource_type) {
  if (templ.find('?') != std::string_view::npos) return false;
  const std::size_t slash = templ.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == templ.size()) return false;
  if (templ.find('/', slash + 1) != std::string_view::npos) return false;
  const std::string_view type = templ.substr(0, slash);
  if (!std::all_of(type.begin(), type.end(),
                   [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
    return false;
  }
  if (resource_type != nullptr) resource_type->assign(type);
  return true;
}

}  // namespace cds::hooks
