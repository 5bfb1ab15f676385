#include "fhir/datatypes.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace cds::fhir {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view Trim(std::string_view text) noexcept {
  const std::size_t begin = text.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(kWhitespace);
  return text.substr(begin, end - begin + 1);
}

/// Strips a leading comparator from `text` and returns it (kNone when there is none).
Comparator TakeComparator(std::string_view& text) noexcept {
  // Longest spellings first so "<=" is not read as "<".
  static constexpr std::array<std::pair<std::string_view, Comparator>, 8> kSpellings = {{
      {"<=", Comparator::kLessOrEqual},
      {"=<", Comparator::kLessOrEqual},
      {"\xE2\x89\xA4", Comparator::kLessOrEqual},  // U+2264 ≤
      {">=", Comparator::kGreaterOrEqual},
      {"=>", Comparator::kGreaterOrEqual},
      {"\xE2\x89\xA5", Comparator::kGreaterOrEqual},  // U+2265 ≥
      {"<", Comparator::kLess},
      {">", Comparator::kGreater},
  }};
  for (const auto& [spelling, comparator] : kSpellings) {
    if (text.starts_with(spelling)) {
      text.remove_prefix(spelling.size());
      return comparator;
    }
  }
  return Comparator::kNone;
}

bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Splits "https://base/Type/id[/_history/v]" style paths into parts; false if not of that form.
bool SplitTypeAndId(std::string_view path, ReferenceParts& parts) {
  std::string_view version;
  if (const std::size_t history = path.rfind("/_history/"); history != std::string_view::npos) {
    version = path.substr(history + 10);
    path = path.substr(0, history);
  }
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) return false;
  const std::string_view id = path.substr(slash + 1);
  const std::string_view head = path.substr(0, slash);
  const std::size_t type_begin =
      head.rfind('/') == std::string_view::npos ? 0 : head.rfind('/') + 1;
  const std::string_view type = head.substr(type_begin);
  // A resource type starts with an upper-case ASCII letter (Patient, MedicationRequest, ...).
  if (type.empty() || type.front() < 'A' || type.front() > 'Z') return false;
  parts.type = std::string(type);
  parts.id = std::string(id);
  parts.version = std::string(version);
  if (type_begin > 0) parts.base = std::string(head.substr(0, type_begin - 1));
  return true;
}

}  // namespace

std::string_view ToString(Comparator comparator) noexcept {
  switch (comparator) {
    case Comparator::kNone:
      return "";
    case Comparator::kLess:
      return "<";
    case Comparator::kLessOrEqual:
      return "<=";
    case Comparator::kGreaterOrEqual:
      return ">=";
    case Comparator::kGreater:
      return ">";
  }
  return "";
}

std::optional<Quantity> ParseQuantityString(std::string_view text) {
  std::string_view rest = Trim(text);
  Quantity quantity;
  quantity.comparator = TakeComparator(rest);
  rest = Trim(rest);
  // from_chars would also accept "inf"/"nan"; require a number-looking start.
  if (rest.empty()) return std::nullopt;
  const bool starts_numeric =
      IsDigit(rest.front()) ||
      ((rest.front() == '.' || rest.front() == '-') && rest.size() > 1 &&
       (IsDigit(rest[1]) || (rest[1] == '.' && rest.size() > 2 && IsDigit(rest[2]))));
  if (!starts_numeric) return std::nullopt;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) return std::nullopt;
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  // Only a unit separated by whitespace may follow ("0.5 mg/L"); "1:2" or "10^5" are not
  // plain numbers.
  if (!rest.empty()) {
    if (kWhitespace.find(rest.front()) == std::string_view::npos) return std::nullopt;
    rest = Trim(rest);
    if (rest.find_first_of(kWhitespace) != std::string_view::npos) return std::nullopt;
    quantity.unit = std::string(rest);
  }
  quantity.value = value;
  quantity.has_value = true;
  return quantity;
}

ReferenceParts SplitReference(const Reference& reference) {
  ReferenceParts parts;
  const std::string_view literal = reference.reference;
  if (literal.empty()) {
    parts.type = reference.type;
    return parts;
  }
  if (literal.front() == '#') {
    parts.kind = ReferenceParts::Kind::kContained;
    parts.id = std::string(literal.substr(1));
    parts.type = reference.type;
    return parts;
  }
  if (literal.starts_with("urn:")) {
    parts.kind = ReferenceParts::Kind::kUrn;
  } else if (literal.starts_with("http://") || literal.starts_with("https://")) {
    parts.kind = SplitTypeAndId(literal, parts) ? ReferenceParts::Kind::kAbsolute
                                                : ReferenceParts::Kind::kOther;
  } else if (literal.find("://") == std::string_view::npos && SplitTypeAndId(literal, parts) &&
             parts.base.empty()) {
    parts.kind = ReferenceParts::Kind::kRelative;
  } else {
    parts = ReferenceParts{};
    parts.kind = ReferenceParts::Kind::kOther;
  }
  if (parts.type.empty()) parts.type = reference.type;
  return parts;
}

std::optional<DateTime> StartOf(const TimeChoice& time) {
  if (const auto* point = std::get_if<DateTime>(&time)) return *point;
  if (const auto* period = std::get_if<Period>(&time)) return period->start;
  return std::nullopt;
}

}  // namespace cds::fhir
