// Helpers shared by the rule groups.
#include "engine/rules/common.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace cds::engine::rules {
namespace {

// What the rules did before FormatDecimal: snprintf into a fixed buffer, then trim.
std::string ViaSnprintf(double value, int decimals, std::size_t capacity) {
  std::vector<char> buffer(capacity);
  std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  std::string s(buffer.data());
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

TEST(FormatDecimalTest, TrimsTrailingZeros) {
  EXPECT_EQ(FormatDecimal(62.0, 2, 64), "62");
  EXPECT_EQ(FormatDecimal(2.4, 2, 64), "2.4");
  EXPECT_EQ(FormatDecimal(0.125, 3, 32), "0.125");
  EXPECT_EQ(FormatDecimal(1.0 / 3.0, 2, 64), "0.33");
}

TEST(FormatDecimalTest, SameAsSnprintf) {
  std::vector<double> values = {0.0,
                                -0.0,
                                0.125,  // exact ties round to even in both
                                0.375,
                                2.675,
                                1.005,
                                0.0005,
                                0.0015,
                                -2.5,
                                99.995,
                                1234567.891,
                                1e15,
                                1e22,
                                1e28,
                                1e40,
                                1e300,
                                -1e300,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 random(20261121);
  std::uniform_real_distribution<double> clinical(0.0, 2000.0);
  for (int i = 0; i < 5000; ++i) values.push_back(clinical(random));
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<double>(i) / 8.0);  // many ties
  for (const double v : values) {
    for (const int decimals : {2, 3}) {
      for (const std::size_t capacity : {std::size_t{32}, std::size_t{64}}) {
        ASSERT_EQ(FormatDecimal(v, decimals, capacity), ViaSnprintf(v, decimals, capacity))
            << v << " %." << decimals << "f in " << capacity << " bytes";
      }
    }
  }
}

}  // namespace
}  // namespace cds::engine::rules
