#include "hooks/hook_request.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "hooks/json.hpp"

namespace cds::hooks {

struct HookRequest::Storage {
  std::string body;  // parsed in place: the document's strings point into it
  rapidjson::Document doc;
  std::vector<std::unique_ptr<OwnedJson>> fetched;  // documents fetched for prefetch keys
};

HookRequest::HookRequest() : storage_(std::make_unique<Storage>()) {}
HookRequest::~HookRequest() = default;
HookRequest::HookRequest(HookRequest&&) noexcept = default;
HookRequest& HookRequest::operator=(HookRequest&&) noexcept = default;

const PrefetchItem* HookRequest::FindPrefetch(std::string_view key) const noexcept {
  for (const PrefetchItem& item : prefetch) {
    if (item.key == key) return &item;
  }
  return nullptr;
}

void HookRequest::AddFetched(std::string key, std::vector<std::unique_ptr<OwnedJson>> documents,
                             const rapidjson::Value* value) {
  for (auto& document : documents) storage_->fetched.push_back(std::move(document));
  PrefetchItem item;
  item.key = std::move(key);
  item.state = PrefetchState::kResource;
  item.value = value;
  for (PrefetchItem& existing : prefetch) {
    if (existing.key == item.key) {
      existing = std::move(item);
      return;
    }
  }
  prefetch.push_back(std::move(item));
}

Result<std::unique_ptr<OwnedJson>> ParseOwnedJson(std::string text) {
  auto owned = std::make_unique<OwnedJson>();
  owned->text = std::move(text);
  if (auto error = ParseJsonInPlace(owned->text, owned->doc)) return *error;
  return owned;
}

std::string DraftOrder::Path() const {
  return IndexPath("context.draftOrders.entry", entry_index) + ".resource";
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Error Invalid(std::string path, std::string message) {
  return Error{HookError::kInvalidValue, std::move(path), std::move(message), ""};
}

std::optional<Error> ParseFhirAuthorization(const rapidjson::Value& v, HookRequest& out) {
  const std::string path = "fhirAuthorization";
  if (!v.IsObject()) return WrongType(path, "object", v);
  ObjectReader r(v, path);
  FhirAuthorization auth;
  auto token = r.RequiredString("access_token");
  if (!token) return token.error();
  auto type = r.RequiredString("token_type");
  if (!type) return type.error();
  if (!EqualsIgnoreCase(type.value(), "Bearer")) {
    return Invalid(r.Path("token_type"), "must be \"Bearer\"");
  }
  if (const rapidjson::Value* expires = r.Find("expires_in")) {
    if (!expires->IsInt64()) return WrongType(r.Path("expires_in"), "integer", *expires);
    if (expires->GetInt64() < 0) return Invalid(r.Path("expires_in"), "must not be negative");
    auth.expires_in = expires->GetInt64();
  }
  // scope and subject are REQUIRED by the spec, yet some EHRs omit them; nothing here needs
  // them, so absence is tolerated while a wrong type is still an error.
  for (const char* key : {"scope", "subject", "patient"}) {
    auto s = r.OptionalString(key);
    if (!s) return s.error();
    if (!s.value()) continue;
    std::string value(*s.value());
    if (std::string_view(key) == "scope") auth.scope = std::move(value);
    if (std::string_view(key) == "subject") auth.subject = std::move(value);
    if (std::string_view(key) == "patient") auth.patient = std::move(value);
  }
  auth.access_token.assign(token.value());
  auth.token_type.assign(type.value());
  out.fhir_authorization = std::move(auth);
  return std::nullopt;
}

std::optional<Error> ParseDraftOrders(const rapidjson::Value& bundle, HookContext& context) {
  const std::string path = "context.draftOrders";
  ObjectReader r(bundle, path);
  auto resource_type = r.RequiredString("resourceType");
  if (!resource_type) return resource_type.error();
  if (resource_type.value() != "Bundle") {
    return Invalid(r.Path("resourceType"), "draftOrders must be a FHIR Bundle");
  }
  auto entries = r.OptionalArray("entry");
  if (!entries) return entries.error();
  if (entries.value() == nullptr) return std::nullopt;  // an empty draft
  const rapidjson::Value& array = *entries.value();
  context.draft_orders.reserve(array.Size());
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const std::string entry_path = IndexPath(r.Path("entry"), i);
    const rapidjson::Value& entry = array[i];
    if (!entry.IsObject()) return WrongType(entry_path, "object", entry);
    auto resource = ObjectReader(entry, entry_path).RequiredObject("resource");
    if (!resource) return resource.error();
    const std::string resource_path = JoinPath(entry_path, "resource");
    ObjectReader rr(*resource.value(), resource_path);
    auto type = rr.RequiredString("resourceType");
    if (!type) return type.error();
    auto id = rr.OptionalString("id");
    if (!id) return id.error();
    DraftOrder order;
    order.entry_index = i;
    order.resource_type.assign(type.value());
    if (id.value()) order.id.assign(*id.value());
    order.resource = resource.value();
    context.draft_orders.push_back(std::move(order));
  }
  return std::nullopt;
}

std::optional<Error> ParseSelections(const rapidjson::Value& selections, HookContext& context) {
  const std::string path = "context.selections";
  if (!selections.IsArray()) return WrongType(path, "array", selections);
  if (selections.Empty()) return Invalid(path, "must list at least one selected order");
  context.selections.reserve(selections.Size());
  for (rapidjson::SizeType i = 0; i < selections.Size(); ++i) {
    const std::string item_path = IndexPath(path, i);
    const rapidjson::Value& s = selections[i];
    if (!s.IsString()) return WrongType(item_path, "string", s);
    const std::string_view ref(s.GetString(), s.GetStringLength());
    if (!IsRelativeReference(ref)) {
      return Invalid(item_path, "must be a relative reference Type/id (e.g. MedicationRequest/1)");
    }
    auto match = std::find_if(
        context.draft_orders.begin(), context.draft_orders.end(), [&](const DraftOrder& o) {
          return !o.id.empty() && o.resource_type.size() + 1 + o.id.size() == ref.size() &&
                 ref.starts_with(o.resource_type) && ref[o.resource_type.size()] == '/' &&
                 ref.ends_with(o.id);
        });
    if (match == context.draft_orders.end()) {
      return Invalid(item_path, "selection \"" + std::string(ref) +
                                    "\" matches no entry of context.draftOrders");
    }
    match->selected = true;
    context.selections.emplace_back(ref);
  }
  return std::nullopt;
}

std::optional<Error> ParseContext(const rapidjson::Value& v, HookType hook, HookContext& context) {
  const std::string path = "context";
  ObjectReader r(v, path);
  auto user = r.RequiredString("userId");
  if (!user) return user.error();
  auto patient = r.RequiredString("patientId");
  if (!patient) return patient.error();
  auto encounter = r.OptionalString("encounterId");
  if (!encounter) return encounter.error();
  context.user_id.assign(user.value());
  context.patient_id.assign(patient.value());
  if (encounter.value()) context.encounter_id.assign(*encounter.value());

  auto draft = r.RequiredObject("draftOrders");
  if (!draft) return draft.error();
  if (auto error = ParseDraftOrders(*draft.value(), context)) return error;

  if (hook == HookType::kOrderSelect) {
    const rapidjson::Value* selections = r.Find("selections");
    if (selections == nullptr) return Missing(r.Path("selections"));
    if (auto error = ParseSelections(*selections, context)) return error;
  }
  return std::nullopt;
}

}  // namespace

// A searchset Bundle may carry an OperationOutcome entry (search.mode = outcome). Warnings there
// (e.g. "results truncated") leave the data usable; an error or fatal issue means the client's
// search failed, so the key counts as missing.
bool BundleReportsFailure(const rapidjson::Value& bundle) {
  const auto entries = bundle.FindMember("entry");
  if (entries == bundle.MemberEnd() || !entries->value.IsArray()) return false;
  for (const rapidjson::Value& entry : entries->value.GetArray()) {
    if (!entry.IsObject()) continue;
    const auto search = entry.FindMember("search");
    const auto resource = entry.FindMember("resource");
    if (search == entry.MemberEnd() || resource == entry.MemberEnd()) continue;
    if (!search->value.IsObject() || !resource->value.IsObject()) continue;
    const auto mode = search->value.FindMember("mode");
    if (mode == search->value.MemberEnd() || !mode->value.IsString() ||
        std::string_view(mode->value.GetString()) != "outcome") {
      continue;
    }
    const auto issues = resource->value.FindMember("issue");
    if (issues == resource->value.MemberEnd() || !issues->value.IsArray()) continue;
    for (const rapidjson::Value& issue : issues->value.GetArray()) {
      if (!issue.IsObject()) continue;
      const auto severity = issue.FindMember("severity");
      if (severity == issue.MemberEnd() || !severity->value.IsString()) continue;
      const std::string_view s = severity->value.GetString();
      if (s == "error" || s == "fatal") return true;
    }
  }
  return false;
}

namespace {

std::optional<Error> ParsePrefetch(const rapidjson::Value& v, HookRequest& out) {
  const std::string path = "prefetch";
  if (!v.IsObject()) return WrongType(path, "object", v);
  out.prefetch.reserve(v.MemberCount());
  for (const auto& member : v.GetObject()) {
    PrefetchItem item;
    item.key.assign(member.name.GetString(), member.name.GetStringLength());
    const std::string item_path = JoinPath(path, item.key);
    const rapidjson::Value& value = member.value;
    if (value.IsNull()) {
      item.state = PrefetchState::kNull;
    } else if (value.IsObject()) {
      auto type = ObjectReader(value, item_path).RequiredString("resourceType");
      if (!type) return type.error();
      item.value = &value;
      if (type.value() == "OperationOutcome" ||
          (type.value() == "Bundle" && BundleReportsFailure(value))) {
        item.state = PrefetchState::kOperationOutcome;
      } else {
        item.state = PrefetchState::kResource;
      }
    } else {
      return WrongType(item_path, "FHIR resource (object) or null", value);
    }
    out.prefetch.push_back(std::move(item));
  }
  return std::nullopt;
}

}  // namespace

bool IsRelativeReference(std::string_view ref) {
  const auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  const std::size_t slash = ref.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == ref.size()) return false;
  const std::string_view type = ref.substr(0, slash);
  const std::string_view id = ref.substr(slash + 1);
  return std::all_of(type.begin(), type.end(), word) &&
         std::all_of(id.begin(), id.end(), [&](char c) { return word(c) || c == '-' || c == '.'; });
}

bool IsAbsoluteHttpUrl(std::string_view url) noexcept {
  if (url.size() > 2048) return false;
  std::size_t scheme_end = 0;
  if (url.size() > 8 && EqualsIgnoreCase(url.substr(0, 8), "https://")) {
    scheme_end = 8;
  } else if (url.size() > 7 && EqualsIgnoreCase(url.substr(0, 7), "http://")) {
    scheme_end = 7;
  } else {
    return false;
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '#' || c == '\\') return false;
  }
  const std::string_view rest = url.substr(scheme_end);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  return authority.front() != ':';
}

Result<HookRequest> ParseHookRequest(std::string body, const ServiceDefinition& service) {
  HookRequest request;
  HookRequest::Storage& storage = *request.storage_;
  storage.body = std::move(body);
  if (auto error = ParseJsonInPlace(storage.body, storage.doc)) return *error;
  const rapidjson::Value& root = storage.doc;
  if (!root.IsObject()) return WrongType("", "a JSON object", root);
  ObjectReader r(root, "");

  auto hook = r.RequiredString("hook");
  if (!hook) return hook.error();
  if (hook.value() != HookName(service.hook)) {
    return Invalid("hook", "service \"" + service.id + "\" handles hook \"" +
                               std::string(HookName(service.hook)) + "\", not \"" +
                               std::string(hook.value()) + "\"");
  }
  request.hook = service.hook;

  auto instance = r.RequiredString("hookInstance");
  if (!instance) return instance.error();
  if (instance.value().size() > 256) return Invalid("hookInstance", "longer than 256 characters");
  request.hook_instance.assign(instance.value());

  auto server = r.OptionalString("fhirServer");
  if (!server) return server.error();
  if (server.value()) {
    if (!IsAbsoluteHttpUrl(*server.value())) {
      return Invalid("fhirServer", "must be an absolute http(s) URL");
    }
    request.fhir_server.assign(*server.value());
  }

  if (const rapidjson::Value* auth = r.Find("fhirAuthorization")) {
    if (request.fhir_server.empty()) {
      return Error{HookError::kInvariant, "fhirAuthorization",
                   "fhirAuthorization requires fhirServer (cds-r-1)", ""};
    }
    if (auto error = ParseFhirAuthorization(*auth, request)) return *error;
  }

  auto context = r.RequiredObject("context");
  if (!context) return context.error();
  if (auto error = ParseContext(*context.value(), service.hook, request.context)) return *error;

  if (const rapidjson::Value* prefetch = r.Find("prefetch")) {
    if (auto error = ParsePrefetch(*prefetch, request)) return *error;
  }
  return request;
}

}  // namespace cds::hooks
