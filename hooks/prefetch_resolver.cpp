#include "hooks/prefetch_resolver.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <utility>

#include "hooks/prefetch_template.hpp"

namespace cds::hooks {
namespace {

using Clock = std::chrono::steady_clock;
namespace net = boost::asio;

// The backstop fires this long after the budget: the client's own deadline should have ended
// every fetch by then.
constexpr std::chrono::milliseconds kBackstopGrace{150};

std::string_view FailureReason(OutboundFailure failure) {
  switch (failure) {
    case OutboundFailure::kNotAllowed:
      return "FHIR server address not allowed (not a public address)";
    case OutboundFailure::kDns:
      return "FHIR server host not found";
    case OutboundFailure::kConnect:
      return "FHIR server unreachable";
    case OutboundFailure::kTls:
      return "TLS verification of the FHIR server failed";
    case OutboundFailure::kTimeout:
      return "FHIR server timed out";
    case OutboundFailure::kTooLarge:
      return "FHIR server response too large";
    case OutboundFailure::kProtocol:
      return "invalid HTTP response from the FHIR server";
    case OutboundFailure::kRedirect:
      return "FHIR server redirected to another origin";
  }
  return "FHIR server request failed";
}

std::string StatusReason(unsigned status) {
  const std::string code = " (HTTP " + std::to_string(status) + ")";
  if (status == 401 || status == 403) return "FHIR server refused access" + code;
  if (status == 404) return "not found on the FHIR server" + code;
  if (status >= 500) return "FHIR server error" + code;
  return "FHIR server answered" + code;
}

std::string_view StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// The `next` link of a searchset Bundle, or empty.
std::string_view NextLink(const rapidjson::Value& bundle) {
  const auto links = bundle.FindMember("link");
  if (links == bundle.MemberEnd() || !links->value.IsArray()) return {};
  for (const rapidjson::Value& link : links->value.GetArray()) {
    if (StringMember(link, "relation") == "next") return StringMember(link, "url");
  }
  return {};
}

void RemoveNextLinks(rapidjson::Value& bundle) {
  const auto links = bundle.FindMember("link");
  if (links == bundle.MemberEnd() || !links->value.IsArray()) return;
  rapidjson::Value& array = links->value;
  for (auto it = array.Begin(); it != array.End();) {
    if (StringMember(*it, "relation") == "next") {
      it = array.Erase(it);
    } else {
      ++it;
    }
  }
}

// The path of a URL for logs (no query: it carries patient ids).
std::string PathOf(std::string_view url) {
  const auto parts = ParseFhirUrl(url);
  return parts ? parts->path : std::string();
}

std::chrono::milliseconds Millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

struct KeyState {
  std::string key;
  bool required = false;
  std::string read_type;  // "Patient" for an instance read; empty for a search
  std::string url;        // never logged: its query holds patient ids
  PrefetchKeyReport report;
  std::vector<std::unique_ptr<OwnedJson>> pages;
  bool done = false;
};

}  // namespace

// One call's fetches. Each key's pages are fetched one after another; keys run in parallel.
// Every field is guarded by `mutex`, except the constants set before the first fetch.
struct ResolveState : std::enable_shared_from_this<ResolveState> {
  std::shared_ptr<HttpClient> client;
  OutboundRequest request_template;  // authorization, deadline, size limit, allow_private
  FhirUrl server;
  FhirServerAllowlist allowlist;
  bool allow_http = false;
  unsigned page_limit = 5;
  Clock::time_point start;

  std::mutex mutex;
  std::vector<KeyState> keys;
  std::size_t pending = 0;
  bool finished = false;
  std::function<void(PrefetchOutcome)> done;
  PrefetchOutcome outcome;  // fhir_origin; the rest is built by Finish
  // The backstop. Its wait holds only a weak_ptr, and destroying the state cancels it, so a
  // finished call leaves no work behind on the event loop.
  std::optional<net::steady_timer> timer;

  void FetchPage(std::size_t index, std::string url);
  void OnPage(std::size_t index, OutboundResponse response);
  // Ends the call (once): builds the outcome and calls `done`. Keys still running count as
  // timed out. Called with `mutex` held via `lock`, which it releases before calling `done`.
  void Finish(std::unique_lock<std::mutex>& lock);
};

void ResolveState::FetchPage(std::size_t index, std::string url) {
  OutboundRequest request = request_template;
  request.url = std::move(url);
  client->Fetch(std::move(request), [self = shared_from_this(), index](OutboundResponse response) {
    self->OnPage(index, std::move(response));
  });
}

void ResolveState::OnPage(std::size_t index, OutboundResponse response) {
  // Parse outside the lock: pages of different keys parse in parallel.
  std::unique_ptr<OwnedJson> page;
  std::string failure;
  if (!response.ok()) {
    failure = FailureReason(*response.failure);
  } else if (response.status != 200) {
    failure = StatusReason(response.status);
  } else {
    auto parsed = ParseOwnedJson(std::move(response.body));
    if (!parsed) {
      failure = "invalid JSON from the FHIR server";
    } else {
      page = std::move(parsed).value();
    }
  }

  std::unique_lock lock(mutex);
  if (finished) return;  // the budget ended the call; this answer came too late
  KeyState& key = keys[index];
  PrefetchKeyReport& report = key.report;
  report.status = response.status;
  if (!response.ok()) report.failure = std::string(ToString(*response.failure));
  report.latency = Millis(Clock::now() - start);
  if (!response.failure_detail.empty()) report.detail = response.failure_detail;
  const bool first = key.pages.empty();
  if (failure.empty()) {
    const rapidjson::Value& root = page->doc;
    const std::string_view type = StringMember(root, "resourceType");
    if (type.empty()) {
      failure = "the FHIR server's answer is not a FHIR resource";
    } else if (type == "OperationOutcome") {
      failure = "the FHIR server answered with an OperationOutcome";
    } else if (first && !key.read_type.empty()) {
      if (type != key.read_type) failure = "the FHIR server answered with a " + std::string(type);
    } else if (type != "Bundle") {
      failure = "the FHIR server answered a search with a " + std::string(type);
    } else if (BundleReportsFailure(root)) {
      failure = "the FHIR server reported a search error (OperationOutcome entry)";
    }
  }
  if (!failure.empty()) {
    ++report.pages;
    if (first) {
      report.reason = std::move(failure);
    } else {
      // Later pages failing leave the first pages usable: partial data.
      report.ok = true;
      report.partial = true;
      report.reason = "page " + std::to_string(report.pages) + " failed: " + failure;
    }
    key.done = true;
  } else {
    ++report.pages;
    std::string next(NextLink(page->doc));
    if (first) {
      key.pages.push_back(std::move(page));
    } else {
      // Merge this page's entries into the first page's Bundle. The moved values still live
      // in this page's allocator, which the request keeps alive with the first page.
      rapidjson::Document& merged = key.pages.front()->doc;
      auto& allocator = merged.GetAllocator();
      if (!merged.HasMember("entry") || !merged["entry"].IsArray()) {
        merged.RemoveMember("entry");
        merged.AddMember("entry", rapidjson::Value(rapidjson::kArrayType), allocator);
      }
      rapidjson::Value& into = merged["entry"];
      const auto entries = page->doc.FindMember("entry");
      if (entries != page->doc.MemberEnd() && entries->value.IsArray()) {
        for (rapidjson::Value& entry : entries->value.GetArray()) {
          into.PushBack(entry.Move(), allocator);
        }
      }
      key.pages.push_back(std::move(page));
    }
    if (!next.empty() && key.read_type.empty()) {
      const auto next_parts = ParseFhirUrl(next);
      const bool same_server = next_parts && SameOrigin(*next_parts, server) &&
                               allowlist.Admits(*next_parts, allow_http);
      if (!same_server) {
        report.partial = true;
        report.reason = "next page on another server not followed";
      } else if (report.pages >= page_limit) {
        report.partial = true;
        report.reason = "more than " + std::to_string(page_limit) + " pages; the first " +
                        std::to_string(page_limit) + " were used";
      } else {
        lock.unlock();
        FetchPage(index, std::move(next));
        return;
      }
    }
    report.ok = true;
    key.done = true;
  }
  if (--pending == 0) Finish(lock);
}

void ResolveState::Finish(std::unique_lock<std::mutex>& lock) {
  if (finished) return;
  finished = true;
  PrefetchOutcome result = std::move(outcome);
  result.latency = Millis(Clock::now() - start);
  // Failed required keys grouped by reason, in the service's key order:
  // "patient, conditions (FHIR server timed out); labObservations (HTTP 401)".
  std::vector<std::pair<std::string, std::string>> required_failures;  // reason, keys
  std::string first_required_key;
  for (KeyState& key : keys) {
    PrefetchKeyReport report = key.report;
    if (!key.done && !report.skipped) {
      report.reason = "FHIR server timed out";
      report.failure = "timeout";
      report.latency = result.latency;
      report.ok = !key.pages.empty();
      report.partial = report.ok;
    }
    if (report.ok && !key.pages.empty()) {
      rapidjson::Document& merged = key.pages.front()->doc;
      if (report.pages > 1 || report.partial) RemoveNextLinks(merged);
      const rapidjson::Value* value = &merged;
      result.fetched.push_back({key.key, std::move(key.pages), value});
      if (report.partial) result.unavailable.push_back({key.key, report.reason, true});
    } else if (!report.skipped) {
      if (key.required) {
        if (first_required_key.empty()) first_required_key = key.key;
        auto group = std::find_if(required_failures.begin(), required_failures.end(),
                                  [&](const auto& g) { return g.first == report.reason; });
        if (group == required_failures.end()) {
          required_failures.emplace_back(report.reason, key.key);
        } else {
          group->second += ", " + key.key;
        }
      } else {
        result.unavailable.push_back({key.key, report.reason, false});
      }
    }
    result.reports.push_back(std::move(report));
  }
  if (!required_failures.empty()) {
    std::string message = "required prefetch data could not be retrieved: ";
    for (std::size_t i = 0; i < required_failures.size(); ++i) {
      if (i > 0) message += "; ";
      message += required_failures[i].second + " (" + required_failures[i].first + ")";
    }
    result.error =
        Error{HookError::kPreconditionFailed, "prefetch." + first_required_key, message, ""};
    result.fetched.clear();
    result.unavailable.clear();
  }
  auto done_callback = std::move(done);
  lock.unlock();
  done_callback(std::move(result));
}

void PrefetchOutcome::ApplyTo(HookRequest& request) && {
  for (FetchedPrefetch& f : fetched) {
    request.AddFetched(std::move(f.key), std::move(f.documents), f.value);
  }
  for (UnavailablePrefetch& u : unavailable) request.prefetch_unavailable.push_back(std::move(u));
  fetched.clear();
  unavailable.clear();
}

std::string PrefetchOutcome::Summary() const {
  std::string out;
  for (const PrefetchKeyReport& r : reports) {
    if (!out.empty()) out += ",";
    out += r.key + "=";
    if (r.skipped) {
      out += "skipped";
    } else if (r.ok) {
      out += std::to_string(r.status) + (r.partial ? "/partial" : "");
    } else if (r.status != 0) {
      out += "failed-" + std::to_string(r.status);
    } else {
      out += "failed";
    }
    out += "/" + std::to_string(r.pages) + "p/" + std::to_string(r.latency.count()) + "ms";
  }
  return out;
}

std::vector<const PrefetchTemplate*> MissingPrefetchKeys(const HookRequest& request,
                                                         const ServiceDefinition& service) {
  std::vector<const PrefetchTemplate*> missing;
  for (const PrefetchTemplate& t : service.prefetch) {
    const PrefetchItem* item = request.FindPrefetch(t.key);
    if (item == nullptr || item->state == PrefetchState::kOperationOutcome) missing.push_back(&t);
  }
  return missing;
}

bool HasOrderToCheck(const HookRequest& request) {
  const bool sign = request.hook == HookType::kOrderSign;
  for (const DraftOrder& order : request.context.draft_orders) {
    if (!sign && !order.selected) continue;
    if (order.resource_type != "MedicationRequest" && order.resource_type != "MedicationOrder") {
      continue;
    }
    if (order.resource->HasMember("medicationCodeableConcept") ||
        order.resource->HasMember("medicationReference")) {
      return true;
    }
  }
  return false;
}

PrefetchResolver::PrefetchResolver(std::shared_ptr<HttpClient> client,
                                   FhirServerAllowlist allowlist, PrefetchOptions options,
                                   std::shared_ptr<boost::asio::io_context> io)
    : client_(std::move(client)),
      allowlist_(std::move(allowlist)),
      options_(options),
      io_(std::move(io)) {}

void PrefetchResolver::Resolve(const HookRequest& request, const ServiceDefinition& service,
                               std::chrono::sys_seconds now, const FhirServerAllowlist* allowlist,
                               std::function<void(PrefetchOutcome)> done,
                               std::string request_id) const {
  const std::vector<const PrefetchTemplate*> missing = MissingPrefetchKeys(request, service);
  if (missing.empty()) return done(PrefetchOutcome{});

  auto state = std::make_shared<ResolveState>();
  state->start = Clock::now();
  state->client = client_;
  state->allowlist = allowlist != nullptr ? *allowlist : allowlist_;
  state->allow_http = options_.allow_http;
  state->page_limit = std::max(1u, options_.page_limit);
  state->done = std::move(done);

  // Why nothing can be fetched at all, if so (before any connection).
  std::string refused;
  FhirServerVerdict verdict;
  if (request.fhir_server.empty()) {
    refused = "no fhirServer in the request";
  } else {
    verdict = state->allowlist.Check(request.fhir_server, options_.allow_http);
    if (!verdict.allowed) refused = verdict.reason;
  }
  if (const auto parts = ParseFhirUrl(request.fhir_server)) {
    state->server = *parts;
    state->outcome.fhir_origin = parts->Origin();
  }

  OutboundRequest& base = state->request_template;
  base.deadline = state->start + options_.budget;
  base.max_body_bytes = options_.max_response_bytes;
  base.allow_private_address = verdict.listed;
  base.request_id = std::move(request_id);
  if (request.fhir_authorization) {
    base.authorization = "Bearer " + request.fhir_authorization->access_token;
  }

  const auto zone_now = now + options_.utc_offset;
  TemplateContext context{
      request.context.user_id, request.context.patient_id, request.context.encounter_id,
      std::chrono::year_month_day(
          std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(zone_now)))};
  std::string base_url = request.fhir_server;
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();

  std::vector<std::size_t> to_fetch;
  state->keys.reserve(missing.size());
  for (const PrefetchTemplate* t : missing) {
    KeyState key;
    key.key = t->key;
    key.required = t->required;
    key.report.key = t->key;
    key.report.required = t->required;
    if (!IsReadTemplate(t->query, &key.read_type)) key.read_type.clear();
    const RenderedTemplate rendered = RenderPrefetchTemplate(t->query, context);
    if (!rendered.ok()) {
      key.done = true;
      key.report.reason = "cannot build the query: " + rendered.error->message;
      // An optional key whose token has no value here (no encounterId) is not applicable.
      key.report.skipped = !t->required && rendered.error->kind == TemplateError::Kind::kUnresolved;
    } else if (!refused.empty()) {
      key.done = true;
      key.report.reason = refused;
    } else {
      key.url = base_url + "/" + rendered.relative_url;
      key.report.path = PathOf(key.url);
      to_fetch.push_back(state->keys.size());
    }
    state->keys.push_back(std::move(key));
  }

  std::unique_lock lock(state->mutex);
  state->pending = to_fetch.size();
  if (to_fetch.empty()) return state->Finish(lock);
  if (io_) {
    state->timer.emplace(*io_);
    state->timer->expires_at(base.deadline + kBackstopGrace);
    state->timer->async_wait(
        [weak = std::weak_ptr<ResolveState>(state)](const boost::system::error_code& ec) {
          if (ec) return;
          const auto self = weak.lock();
          if (!self) return;
          std::unique_lock timer_lock(self->mutex);
          self->Finish(timer_lock);
        });
  }
  lock.unlock();
  for (std::size_t index : to_fetch) state->FetchPage(index, state->keys[index].url);
}

}  // namespace cds::hooks
