#include "hooks/services.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cds::hooks {
namespace {

// What the engine reads about the patient. Templates use only the tokens CDS Hooks 2.0 allows
// in discovery (context.patientId / encounterId), valid R4 search syntax (`_sort=-date`,
// `clinical-status`), and bounded page sizes.
std::vector<PrefetchTemplate> StewardshipPrefetch() {
  return {
      {"patient", "Patient/{{context.patientId}}", true},
      {"encounter", "Encounter/{{context.encounterId}}", false},
      {"medicationRequests",
       "MedicationRequest?patient={{context.patientId}}&status=active,on-hold"
       "&_include=MedicationRequest:medication&_count=200",
       true},
      {"medicationStatements",
       "MedicationStatement?patient={{context.patientId}}&status=active&_count=200", false},
      {"medicationAdministrations",
       "MedicationAdministration?patient={{context.patientId}}&_sort=-effective-time&_count=200",
       false},
      {"labObservations",
       "Observation?patient={{context.patientId}}&category=laboratory&_sort=-date&_count=500",
       true},
      {"conditions",
       "Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse"
       "&_count=200",
       true},
      {"microbiologyReports",
       "DiagnosticReport?patient={{context.patientId}}"
       "&category=http://terminology.hl7.org/CodeSystem/v2-0074|MB&_sort=-date&_count=100",
       false},
  };
}

std::string RenderDiscovery(const std::vector<ServiceDefinition>& services) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("services");
  w.StartArray();
  for (const ServiceDefinition& s : services) {
    w.StartObject();
    w.Key("hook");
    w.String(HookName(s.hook).data(), static_cast<rapidjson::SizeType>(HookName(s.hook).size()));
    w.Key("id");
    w.String(s.id);
    w.Key("title");
    w.String(s.title);
    w.Key("description");
    w.String(s.description);
    if (!s.usage_requirements.empty()) {
      w.Key("usageRequirements");
      w.String(s.usage_requirements);
    }
    if (!s.prefetch.empty()) {
      w.Key("prefetch");
      w.StartObject();
      for (const PrefetchTemplate& p : s.prefetch) {
        w.Key(p.key.c_str(), static_cast<rapidjson::SizeType>(p.key.size()));
        w.String(p.query);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string_view HookName(HookType hook) noexcept {
  switch (hook) {
    case HookType::kOrderSelect:
      return "order-select";
    case HookType::kOrderSign:
      return "order-sign";
  }
  return "order-select";
}

ServiceCatalog::ServiceCatalog(std::vector<ServiceDefinition> services)
    : services_(std::move(services)), discovery_json_(RenderDiscovery(services_)) {}

ServiceCatalog ServiceCatalog::Default() {
  const std::string usage =
      "Send draft MedicationRequests (R4) with RxNorm codes or text. Prefetch what you can; "
      "the service fetches absent keys from fhirServer (sending fhirAuthorization's access token "
      "when given) and answers 412 when required data cannot be had.";
  return ServiceCatalog({
      {"antimicrobial-stewardship-order-select", HookType::kOrderSelect,
       "Antimicrobial stewardship (order-select)",
       "Checks the selected antibiotic orders against the patient's microbiology, renal function, "
       "conditions and co-medication: carbapenem or polymyxin monotherapy for carbapenem-resistant "
       "organisms, tigecycline in bacteremia or HAP/VAP, carbapenem with valproate, and the rest "
       "of the stewardship rule catalogue.",
       usage, StewardshipPrefetch()},
      {"antimicrobial-stewardship-order-sign", HookType::kOrderSign,
       "Antimicrobial stewardship (order-sign)",
       "Checks every draft order at signing against the stewardship rule catalogue, without "
       "repeating advice already shown at order-select for the same unchanged order.",
       usage, StewardshipPrefetch()},
  });
}

const ServiceDefinition* ServiceCatalog::Find(std::string_view id) const noexcept {
  for (const ServiceDefinition& s : services_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace cds::hooks
