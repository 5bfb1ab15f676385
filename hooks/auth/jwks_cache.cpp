#include "hooks/auth/jwks_cache.hpp"

#include "hooks/log.hpp"

namespace cds::hooks::auth {

JwksCache::JwksCache(std::string iss, std::shared_ptr<HttpClient> client, Options options)
    : iss_(std::move(iss)), client_(std::move(client)), options_(std::move(options)) {}

std::uint64_t JwksCache::fetches() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

bool JwksCache::StartFetchLocked(Entry& entry, Clock::time_point now) {
  if (entry.in_flight || !client_) return false;
  // A URL never tried is fetched at once (the allowlist bounds how many there are); after
  // that, one fetch per refetch interval for the whole issuer.
  if (entry.attempted && last_fetch_ && now - *last_fetch_ < options_.refetch_interval) {
    return false;
  }
  entry.in_flight = true;
  entry.attempted = true;
  last_fetch_ = now;
  ++fetches_;
  return true;
}

void JwksCache::FindKey(const std::string& jku, const std::string& kid, KeyDone done,
                        std::string_view request_id) {
  if (!client_) {
    return done(
        AuthFailure{AuthReason::kKeySetUnavailable, "no HTTP client configured to fetch " + jku});
  }
  const Clock::time_point now = options_.clock();
  std::shared_ptr<const Jwk> key;
  bool fetch = false;
  std::optional<AuthFailure> failure;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[jku];
    if (entry.keys) key = entry.keys->Find(kid);
    if (key) {
      // Stale but holding the kid: answer now, refresh in the background if allowed.
      if (now - entry.fetched_at >= options_.ttl) fetch = StartFetchLocked(entry, now);
    } else if (entry.in_flight) {
      entry.waiters.push_back({kid, std::move(done)});
    } else if (StartFetchLocked(entry, now)) {
      fetch = true;
      entry.waiters.push_back({kid, std::move(done)});
    } else if (entry.keys) {
      failure = AuthFailure{AuthReason::kUnknownKey,
                            "kid " + ForLog(kid, 80) + " not in " + jku +
                                " (refetch not due: at most one per " +
                                std::to_string(options_.refetch_interval.count()) + " s)"};
    } else {
      failure = AuthFailure{AuthReason::kKeySetUnavailable,
                            jku + " could not be fetched; next attempt after the refetch interval"};
    }
  }
  if (fetch) Fetch(jku, request_id);
  if (key) return done(std::move(key));
  if (failure) done(std::move(*failure));
}

void JwksCache::Fetch(const std::string& jku, std::string_view request_id) {
  OutboundRequest request;
  request.url = jku;
  request.accept = "application/jwk-set+json, application/json";
  request.deadline = Clock::now() + options_.fetch_timeout;
  request.max_body_bytes = options_.max_bytes;
  // The operator listed this URL explicitly (auth.issuers[].jku / --trust-issuer).
  request.allow_private_address = true;
  request.request_id = std::string(request_id);
  LogLine(LogLevel::kInfo, "jwks fetch")
      .Str("request_id", request_id)
      .Str("iss", iss_)
      .Str("jku", jku);
  client_->Fetch(std::move(request),
                 [self = shared_from_this(), jku, id = std::string(request_id)](
                     OutboundResponse response) { self->OnFetched(jku, id, std::move(response)); });
}

void JwksCache::OnFetched(const std::string& jku, const std::string& request_id,
                          OutboundResponse response) {
  std::shared_ptr<const JwkSet> fetched;
  std::string problem;
  std::string_view result = "ok";
  if (!response.ok()) {
    problem = std::string(ToString(*response.failure)) + ": " + response.failure_detail;
    result = ToString(*response.failure);
  } else if (response.status != 200) {
    problem = "HTTP status " + std::to_string(response.status);
    result = "http_error";
  } else {
    auto parsed = ParseJwkSet(response.body);
    if (!parsed) {
      problem = "not a JWK Set: " + parsed.error().message;
      result = "invalid";
    } else {
      fetched = std::make_shared<const JwkSet>(std::move(parsed).value());
    }
  }
  if (options_.on_fetch) options_.on_fetch(result);
  if (fetched) {
    LogLine line(LogLevel::kInfo, "jwks fetched");
    line.Str("request_id", request_id)
        .Str("iss", iss_)
        .Str("jku", jku)
        .Int("keys", static_cast<std::int64_t>(fetched->keys.size()));
    std::string skipped;
    for (const std::string& s : fetched->skipped) skipped += (skipped.empty() ? "" : "; ") + s;
    if (!skipped.empty()) line.Str("skipped", skipped);
  } else {
    LogLine(LogLevel::kWarn, "jwks fetch failed")
        .Str("request_id", request_id)
        .Str("iss", iss_)
        .Str("jku", jku)
        .Str("error", problem);
  }
  std::vector<Waiter> waiters;
  std::shared_ptr<const JwkSet> keys;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[jku];
    entry.in_flight = false;
    if (fetched) {
      entry.keys = fetched;
      entry.fetched_at = options_.clock();
    }
    keys = entry.keys;  // on failure, what was cached before (if anything)
    waiters.swap(entry.waiters);
  }
  for (Waiter& w : waiters) {
    std::shared_ptr<const Jwk> key = keys ? keys->Find(w.kid) : nullptr;
    if (key) {
      w.done(std::move(key));
    } else if (keys) {
      w.done(AuthFailure{AuthReason::kUnknownKey,
                         "kid " + ForLog(w.kid, 80) + " not in " + jku + " after a refetch"});
    } else {
      w.done(AuthFailure{AuthReason::kKeySetUnavailable, jku + ": " + problem});
    }
  }
}

}  // namespace cds::hooks::auth
