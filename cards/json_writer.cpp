#include "cards/json_writer.hpp"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/ieee754.h>
#include <rapidjson/internal/itoa.h>

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// For the eight bytes of `w` (little-endian load): the high bit of each byte below 0x20, '"' or
// '\' set ("has a byte less than n" bit trick; bytes >= 0x80 never count). A borrow can also
// mark a byte above a marked one, never one below it, so the lowest mark is exact and zero means
// none.
constexpr std::uint64_t EscapeMarks(std::uint64_t w) noexcept {
  const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHighBits;
  const std::uint64_t q = w ^ (kOnes * '"');
  const std::uint64_t quote = (q - kOnes) & ~q & kHighBits;
  const std::uint64_t b = w ^ (kOnes * '\\');
  const std::uint64_t backslash = (b - kOnes) & ~b & kHighBits;
  return control | quote | backslash;
}

// Index of the first byte of s[i, n) that AppendJsonString escapes, or n: sixteen bytes at a
// time with SSE2 (part of x86-64), else eight with the bit trick, then byte by byte.
std::size_t FirstToEscape(const char* s, std::size_t i, std::size_t n) noexcept {
#if defined(__SSE2__)
  for (; n - i >= 16; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    const auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
    if (mask != 0) return i + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    for (; n - i >= 8; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s + i, 8);
      const std::uint64_t marks = EscapeMarks(w);
      if (marks != 0) return i + static_cast<std::size_t>(std::countr_zero(marks)) / 8;
    }
  }
  for (; i < n; ++i) {
    if (kEscape[static_cast<unsigned char>(s[i])] != 0) return i;
  }
  return n;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char* const s = text.data();
  const std::size_t n = text.size();
  out += '"';
  std::size_t start = 0;  // first byte not yet copied
  for (std::size_t i = FirstToEscape(s, 0, n); i < n; i = FirstToEscape(s, start, n)) {
    const auto c = static_cast<unsigned char>(s[i]);
    const char e = kEscape[c];
    out.append(s + start, i - start);
    out += '\\';
    out += e;
    if (e == 'u') {
      out += "00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
    start = i + 1;
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
