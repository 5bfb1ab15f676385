#include "hooks/hook_engine.hpp"

#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>

#include "cards/response_json.hpp"
#include "fhir/json_parse.hpp"

namespace cds::hooks {
namespace {

bool IsMedicationOrderType(std::string_view type) {
  return type == "MedicationRequest" || type == "MedicationOrder";
}

bool HasMedication(const rapidjson::Value& resource) {
  return resource.HasMember("medicationCodeableConcept") ||
         resource.HasMember("medicationReference");
}

// A RapidJSON output stream that hashes what a Writer writes (64-bit FNV-1a) instead of
// keeping it: the fingerprint needs the serialisation's identity, not its text.
class HashStream {
 public:
  using Ch = char;
  void Put(char c) noexcept { hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL; }
  void Flush() noexcept {}
  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// What makes an order "the same unchanged order" between order-select and order-sign: the
// drug and the dosage as the EHR sent them (their compact JSON). A change to either shows the
// card again.
std::string OrderFingerprint(const rapidjson::Value& resource) {
  HashStream stream;
  rapidjson::Writer<HashStream> writer(stream);
  for (const char* member :
       {"medicationCodeableConcept", "medicationReference", "dosageInstruction"}) {
    const auto it = resource.FindMember(member);
    if (it != resource.MemberEnd()) it->value.Accept(writer);
    stream.Put('|');
    writer.Reset(stream);  // one root value per Writer
  }
  return std::to_string(stream.hash());
}

std::string SeenKey(const HookRequest& request, const engine::Finding& finding,
                    const std::map<std::string, std::string, std::less<>>& fingerprints) {
  const engine::OrderRef& order = finding.primary_order();
  const auto it = fingerprints.find(order.id);
  std::string key = request.context.patient_id;
  key.append("|").append(order.Reference()).append("|").append(finding.meta.id).append("|");
  if (it != fingerprints.end()) key.append(it->second);
  return key;
}

}  // namespace

HookEngine::HookEngine(std::shared_ptr<const engine::Terminology> terminology,
                       engine::RuleSet rules, HookEngineOptions options)
    : terminology_(std::move(terminology)),
      rules_(std::move(rules)),
      options_(std::move(options)),
      seen_(options_.seen_card_capacity, options_.seen_card_ttl) {}

Result<HookOutcome> HookEngine::Evaluate(const HookRequest& request,
                                         std::chrono::sys_seconds now) const {
  HookOutcome outcome;
  fhir::ParseOptions parse_options;
  parse_options.default_utc_offset = options_.default_utc_offset;

  // Prefetch: every key the client filled (null and OperationOutcome keys carry no data).
  std::deque<fhir::Bundle> bundles;
  std::deque<fhir::Resource> resources;
  fhir::MedicationCatalog medications;
  for (const PrefetchItem& item : request.prefetch) {
    if (item.state != PrefetchState::kResource) continue;
    const std::string path = "prefetch." + item.key;
    const auto type = item.value->FindMember("resourceType");
    if (type->value == "Bundle") {
      auto parsed = fhir::ParseBundle(*item.value, path, parse_options);
      outcome.warnings.insert(outcome.warnings.end(), parsed.issues.begin(), parsed.issues.end());
      if (!parsed.value) continue;
      for (const fhir::Bundle::Entry& entry : parsed.value->entry) {
        if (const auto* m = std::get_if<fhir::Medication>(&entry.resource)) {
          medications.Add(*m, entry.full_url);
        }
      }
      bundles.push_back(std::move(*parsed.value));
    } else {
      auto parsed = fhir::ParseResource(*item.value, path, parse_options);
      outcome.warnings.insert(outcome.warnings.end(), parsed.issues.begin(), parsed.issues.end());
      if (!parsed.value) continue;
      if (const auto* m = std::get_if<fhir::Medication>(&*parsed.value)) medications.Add(*m);
      resources.push_back(std::move(*parsed.value));
    }
  }

  // Draft orders. The ones advised on (order-select: the selections; order-sign: all) must be
  // valid, or a signed order would escape checking; the others are context and may be skipped.
  parse_options.external_medications = &medications;
  std::deque<fhir::MedicationRequest> drafts;
  engine::SnapshotInput input;
  std::map<std::string, std::string, std::less<>> fingerprints;
  const bool sign = request.hook == HookType::kOrderSign;
  for (const DraftOrder& order : request.context.draft_orders) {
    if (!IsMedicationOrderType(order.resource_type)) continue;  // ServiceRequest etc.: not ours
    const bool advised = sign || order.selected;
    // The CDS Hooks Sandbox's first call of a screen selects an order before a drug is picked.
    if (!HasMedication(*order.resource)) {
      outcome.warnings.push_back({fhir::Severity::kWarning, order.Path(),
                                  "draft order has no medication yet; nothing to check"});
      continue;
    }
    auto parsed = fhir::ParseResourceAs<fhir::MedicationRequest>(*order.resource, order.Path(),
                                                                 parse_options);
    const auto error =
        std::find_if(parsed.issues.begin(), parsed.issues.end(),
                     [](const fhir::Issue& i) { return i.severity != fhir::Severity::kWarning; });
    if (!parsed.value || error != parsed.issues.end()) {
      if (advised && error != parsed.issues.end()) {
        return Error{HookError::kInvalidValue, error->path, error->message, ""};
      }
      if (advised) {
        return Error{HookError::kInvalidValue, order.Path(), "not a valid MedicationRequest", ""};
      }
      for (const fhir::Issue& issue : parsed.issues) {
        outcome.warnings.push_back({fhir::Severity::kWarning, issue.path,
                                    "unselected draft order skipped: " + issue.message});
      }
      continue;
    }
    outcome.warnings.insert(outcome.warnings.end(), parsed.issues.begin(), parsed.issues.end());
    fingerprints.emplace(order.id, OrderFingerprint(*order.resource));
    drafts.push_back(std::move(*parsed.value));
    input.draft_orders.push_back({&drafts.back(), advised});
  }
  for (const fhir::Bundle& b : bundles) input.bundles.push_back(&b);
  for (const fhir::Resource& r : resources) input.resources.push_back(&r);

  engine::PatientSnapshot snapshot =
      engine::BuildSnapshot(input, now, *terminology_, options_.snapshot);
  outcome.warnings.insert(outcome.warnings.end(), snapshot.issues.begin(), snapshot.issues.end());
  engine::Evaluation evaluation = rules_.Run(snapshot);

  // Advise on the orders of this hook only, and at order-sign not on what order-select showed.
  for (engine::Finding& finding : evaluation.findings) {
    if (!sign && !finding.primary_order().selected) continue;
    const std::string key = SeenKey(request, finding, fingerprints);
    if (sign && seen_.Seen(key, now)) {
      ++outcome.suppressed_repeats;
      continue;
    }
    if (!sign) seen_.Remember(key, now);
    outcome.fired_rule_ids.push_back(finding.meta.id);
    outcome.findings.push_back(std::move(finding));
  }
  // Optional prefetch data the service could not fetch: every card says so (a rule that found
  // nothing in the missing data may be silent for that reason alone).
  for (const UnavailablePrefetch& missing : request.prefetch_unavailable) {
    const std::string line = std::string(missing.partial ? "Incomplete: " : "Not available: ") +
                             missing.key + " (" + missing.reason + ")";
    outcome.warnings.push_back({fhir::Severity::kWarning, "prefetch." + missing.key, line});
    for (engine::Finding& finding : outcome.findings) finding.missing_data.push_back(line);
  }
  const cards::RequestContext context{request.context.patient_id, request.context.encounter_id};
  outcome.cards = cards::BuildCards(outcome.findings, context, options_.cards);
  outcome.response_json = cards::RenderCardsResponse(outcome.cards);
  return outcome;
}

}  // namespace cds::hooks
