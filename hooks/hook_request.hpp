// A CDS Hooks service call (spec §3, order-select / order-sign context of the Hook Library),
// validated and parsed once into a typed object. FHIR resources inside it (draft orders,
// prefetch) stay as JSON values owned by the request until fhir/ turns them into views.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/hook_error.hpp"
#include "hooks/services.hpp"

namespace cds::hooks {

/// `fhirAuthorization` (spec §3). The access token is a secret: never log or store it.
struct FhirAuthorization {
  std::string access_token;
  std::string token_type;  // "Bearer" (compared case-insensitively, RFC 6749 §5.1)
  std::optional<std::int64_t> expires_in;
  std::string scope;
  std::string subject;
  std::string patient;
};

/// One entry of `context.draftOrders` with the identity used by `selections`.
struct DraftOrder {
  std::size_t entry_index = 0;  // position in draftOrders.entry, for element paths
  std::string resource_type;
  std::string id;                              // may be empty
  const rapidjson::Value* resource = nullptr;  // owned by the HookRequest
  bool selected = false;                       // order-select: listed in `selections`
  [[nodiscard]] std::string Reference() const { return resource_type + "/" + id; }
  [[nodiscard]] std::string Path() const;  // "context.draftOrders.entry[i].resource"
};

/// What a prefetch key held (spec §4 table).
enum class PrefetchState {
  kResource,          // a resource or Bundle: use it
  kNull,              // `null`: the client had no data; do not refetch
  kOperationOutcome,  // the client hit an error: treat as missing
};

struct PrefetchItem {
  std::string key;
  PrefetchState state = PrefetchState::kNull;
  const rapidjson::Value* value = nullptr;  // the resource (kResource, kOperationOutcome)
};

/// A JSON text parsed in place together with its document. Heap-allocated and never moved,
/// because the document's strings point into `text` (RapidJSON insitu).
struct OwnedJson {
  std::string text;
  rapidjson::Document doc;
};

/// Parses `text` (a FHIR server's answer) with the request body's parser and limits
/// (ParseJsonInPlace: UTF-8 validated, nesting limited).
[[nodiscard]] Result<std::unique_ptr<OwnedJson>> ParseOwnedJson(std::string text);

/// A prefetch key the service needed but could not retrieve itself (optional data: the call
/// proceeds and the cards say what is missing).
struct UnavailablePrefetch {
  std::string key;
  std::string reason;    // "FHIR server timed out"; never a token or a query value
  bool partial = false;  // some data was retrieved (e.g. the page limit was reached)
};

struct HookContext {
  std::string user_id;
  std::string patient_id;
  std::string encounter_id;             // empty when absent (optional in both hooks)
  std::vector<std::string> selections;  // order-select only
  std::vector<DraftOrder> draft_orders;
};

/// A validated service call. Move-only; the JSON it points into lives as long as it does.
class HookRequest {
 public:
  HookRequest(HookRequest&&) noexcept;
  HookRequest& operator=(HookRequest&&) noexcept;
  ~HookRequest();

  HookType hook = HookType::kOrderSelect;
  std::string hook_instance;
  std::string fhir_server;  // empty when absent
  std::optional<FhirAuthorization> fhir_authorization;
  HookContext context;
  std::vector<PrefetchItem> prefetch;  // in request order; keys absent from the request are absent

  /// Optional prefetch data the service could not retrieve (filled by the prefetch resolver).
  std::vector<UnavailablePrefetch> prefetch_unavailable;

  /// The prefetch item for `key`, or nullptr when the client did not send that key.
  [[nodiscard]] const PrefetchItem* FindPrefetch(std::string_view key) const noexcept;

  /// Sets prefetch `key` to `value` (a resource or Bundle inside `documents`, fetched from
  /// fhirServer), replacing what the client sent for that key (an OperationOutcome) or adding
  /// it. The request keeps `documents` alive as long as it lives, so the engine reads fetched
  /// data exactly like prefetched data.
  void AddFetched(std::string key, std::vector<std::unique_ptr<OwnedJson>> documents,
                  const rapidjson::Value* value);

 private:
  friend Result<HookRequest> ParseHookRequest(std::string body, const ServiceDefinition& service);
  struct Storage;
  HookRequest();
  std::unique_ptr<Storage> storage_;
};

/// Validates and parses the body of `POST /cds-services/{service.id}`. Errors carry the path of
/// the offending element; the first problem found is reported. Unknown members and `extension`
/// are ignored. Takes the body by value: it is parsed in place, without copying strings.
[[nodiscard]] Result<HookRequest> ParseHookRequest(std::string body,
                                                   const ServiceDefinition& service);

/// True when a searchset Bundle carries an OperationOutcome entry (search.mode = outcome) with
/// an error or fatal issue: the search failed, and the Bundle counts as missing data.
[[nodiscard]] bool BundleReportsFailure(const rapidjson::Value& bundle);

/// True when `ref` is a relative reference "Type/id" as the Hook Library's invariant ord-1 has it
/// for context.userId: ^[\d\w]+\/[\d\w-.]+$ (ASCII word characters).
[[nodiscard]] bool IsRelativeReference(std::string_view ref);

/// True when `url` is an absolute http(s) URL with a host and no fragment, user-info or
/// whitespace (what a `fhirServer` base URL may be).
[[nodiscard]] bool IsAbsoluteHttpUrl(std::string_view url) noexcept;

}  // namespace cds::hooks
