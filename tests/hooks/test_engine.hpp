// The real decision pipeline for hooks/ tests: the shipped terminology and rule catalogue.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/config.hpp"
#include "hooks/hook_engine.hpp"

namespace cds::hooks::testing {

/// Loaded once per test binary; a load failure fails the calling test.
inline std::shared_ptr<const HookEngine> TestEngine() {
  static const std::shared_ptr<const HookEngine> engine = []() -> std::shared_ptr<HookEngine> {
    auto terminology =
        engine::Terminology::Load(std::string(CDS_SOURCE_DIR) + "/engine/terminology");
    if (!terminology.ok()) return nullptr;
    auto rules = engine::RuleSet::Create(engine::rules::StewardshipCatalogue());
    if (!rules.rule_set) return nullptr;
    return std::make_shared<HookEngine>(
        std::make_shared<const engine::Terminology>(std::move(terminology).value()),
        std::move(*rules.rule_set));
  }();
  EXPECT_NE(engine, nullptr) << "terminology or rule catalogue failed to load";
  return engine;
}

/// The default configuration with the clinical clock fixed at the instant the test data
/// (bench/data, tests/data) was written for, so that lookback windows do not drift with the
/// real date. Token lifetimes and audit times stay real time.
inline ServerConfig FixedClockConfig() {
  ServerConfig config = DefaultConfig();
  config.fixed_now =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(12);
  return config;
}

}  // namespace cds::hooks::testing
