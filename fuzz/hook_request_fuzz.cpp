// Fuzz target: a CDS Hooks service call body through everything that reads it before the
// response: ParseHookRequest (JSON, validation) for both services and, when it validates,
// HookEngine::Evaluate (FHIR views of drafts and prefetch, snapshot, every rule, cards, JSON).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/rule_set.hpp"
#include "engine/rules/catalogue.hpp"
#include "engine/terminology/terminology.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/services.hpp"

namespace {

const cds::hooks::HookEngine& Engine() {
  static const std::unique_ptr<cds::hooks::HookEngine> engine = [] {
    auto terminology =
        cds::engine::Terminology::Load(std::string(CDS_SOURCE_DIR) + "/engine/terminology");
    if (!terminology.ok()) throw std::runtime_error(terminology.error().ToString());
    auto rules = cds::engine::RuleSet::Create(cds::engine::rules::StewardshipCatalogue());
    if (!rules.rule_set) throw std::runtime_error("rule catalogue does not load");
    return std::make_unique<cds::hooks::HookEngine>(
        std::make_shared<const cds::engine::Terminology>(std::move(terminology).value()),
        std::move(*rules.rule_set));
  }();
  return *engine;
}

const cds::hooks::ServiceCatalog& Catalog() {
  static const cds::hooks::ServiceCatalog catalog = cds::hooks::ServiceCatalog::Default();
  return catalog;
}

const auto kNow = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(12);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const cds::hooks::ServiceDefinition& service : Catalog().services()) {
    auto request = cds::hooks::ParseHookRequest(body, service);
    if (!request) continue;
    auto outcome = Engine().Evaluate(request.value(), kNow);
    (void)outcome;
  }
  return 0;
}
