#include "cards/json_writer.hpp"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/ieee754.h>
#include <rapidjson/internal/itoa.h>

#include <array>
#include <cstring>

namespace cds::cards {
namespace {

// rapidjson::Writer's escape table: 0 = copy, else the letter after the backslash.
constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Non-zero when one of the eight bytes of `w` is below 0x20, '"' or '\' (exact as a yes/no
// answer: the "has a byte less than n" bit trick; bytes >= 0x80 never count).
constexpr std::uint64_t AnyToEscape(std::uint64_t w) noexcept {
  const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHighBits;
  const std::uint64_t q = w ^ (kOnes * '"');
  const std::uint64_t quote = (q - kOnes) & ~q & kHighBits;
  const std::uint64_t b = w ^ (kOnes * '\\');
  const std::uint64_t backslash = (b - kOnes) & ~b & kHighBits;
  return control | quote | backslash;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char* const s = text.data();
  const std::size_t n = text.size();
  out += '"';
  std::size_t start = 0;  // first byte not yet copied
  std::size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (AnyToEscape(w) == 0) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    const char e = kEscape[c];
    if (e == 0) {
      ++i;
      continue;
    }
    out.append(s + start, i - start);
    out += '\\';
    out += e;
    if (e == 'u') {
      out += "00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
    start = ++i;
  }
  out.append(s + start, n - start);
  out += '"';
}

void JsonWriter::Int64(std::int64_t value) {
  Prefix();
  char buffer[21];
  const char* end = rapidjson::internal::i64toa(value, buffer);
  out_.append(buffer, static_cast<std::size_t>(end - buffer));
  need_comma_ = true;
}

void JsonWriter::Double(double value) {
  Prefix();
  need_comma_ = true;
  if (rapidjson::internal::Double(value).IsNanOrInf()) return;  // as rapidjson::Writer
  char buffer[25];
  const char* end = rapidjson::internal::dtoa(value, buffer, 324);
  out_.append(buffer, static_cast<std::size_t>(end - buffer));
}

}  // namespace cds::cards
