#include "cards/uuid.hpp"

#include <cstdint>
#include <random>

namespace cds::cards {
namespace {

std::uint64_t Random64() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return engine();
}

// hi: time_low..time_hi_and_version, lo: clock_seq_and_variant..node; sets the variant.
std::string Format(std::uint64_t hi, std::uint64_t lo) {
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10xx
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v) {
    for (int i = 15; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (4 * i)) & 0xF];
    }
  };
  put(hi);
  put(lo);
  return out;
}

}  // namespace

std::string NewUuidV4() {
  const std::uint64_t hi = Random64();
  const std::uint64_t lo = Random64();
  return Format((hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL, lo);  // version 4
}

std::string NewUuidV7(std::chrono::system_clock::time_point now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const auto unix_ms = static_cast<std::uint64_t>(ms.count()) & 0xFFFFFFFFFFFFULL;  // 48 bits
  const std::uint64_t rand_a = Random64() & 0x0FFFULL;                              // 12 bits
  return Format((unix_ms << 16) | 0x7000ULL | rand_a, Random64());                  // version 7
}

}  // namespace cds::cards
