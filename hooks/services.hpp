// The CDS services this server offers (one per hook) and the discovery document.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cds::hooks {

enum class HookType { kOrderSelect, kOrderSign };

[[nodiscard]] std::string_view HookName(HookType hook) noexcept;

/// One prefetch key and its template (a relative FHIR read or search URL with {{tokens}}).
struct PrefetchTemplate {
  std::string key;
  std::string query;
  bool required = false;  // without it the service cannot decide: 412 when it cannot be had
};

struct ServiceDefinition {
  std::string id;
  HookType hook = HookType::kOrderSelect;
  std::string title;
  std::string description;
  std::string usage_requirements;
  std::vector<PrefetchTemplate> prefetch;
};

/// The immutable catalogue of services, with its discovery body rendered once.
class ServiceCatalog {
 public:
  explicit ServiceCatalog(std::vector<ServiceDefinition> services);

  /// The stewardship services for order-select and order-sign.
  [[nodiscard]] static ServiceCatalog Default();

  /// nullptr when no service has this id.
  [[nodiscard]] const ServiceDefinition* Find(std::string_view id) const noexcept;
  [[nodiscard]] const std::vector<ServiceDefinition>& services() const noexcept {
    return services_;
  }
  /// `{"services":[...]}` as served by GET /cds-services.
  [[nodiscard]] const std::string& discovery_json() const noexcept { return discovery_json_; }

 private:
  std::vector<ServiceDefinition> services_;
  std::string discovery_json_;
};

}  // namespace cds::hooks
