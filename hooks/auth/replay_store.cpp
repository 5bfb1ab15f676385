#include "hooks/auth/replay_store.hpp"

#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

namespace cds::hooks::auth {
namespace {

constexpr std::size_t kShards = 16;

}  // namespace

struct InMemoryReplayStore::Shard {
  using Entry = std::pair<std::chrono::sys_seconds, std::string>;  // expiry, key
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::chrono::sys_seconds> expiry_by_key;
  // Oldest expiry first; an entry whose key was re-added later with another expiry is stale
  // and skipped when popped.
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> by_expiry;

  void DropExpired(std::chrono::sys_seconds now) {
    while (!by_expiry.empty() && by_expiry.top().first <= now) {
      const auto it = expiry_by_key.find(by_expiry.top().second);
      if (it != expiry_by_key.end() && it->second <= now) expiry_by_key.erase(it);
      by_expiry.pop();
    }
  }
};

std::string ReplayKey(std::string_view iss, std::string_view jti) {
  std::string key = std::to_string(iss.size());
  key.reserve(key.size() + 1 + iss.size() + jti.size());
  key.append(":").append(iss).append(jti);
  return key;
}

InMemoryReplayStore::InMemoryReplayStore(std::size_t max_entries)
    : per_shard_max_(std::max<std::size_t>(1, max_entries / kShards)),
      shards_(std::make_unique<Shard[]>(kShards)) {}

InMemoryReplayStore::~InMemoryReplayStore() = default;

void InMemoryReplayStore::CheckAndRemember(std::string_view iss, std::string_view jti,
                                           std::chrono::sys_seconds expires,
                                           std::chrono::sys_seconds now,
                                           std::function<void(ReplayVerdict)> done) {
  done(Check(iss, jti, expires, now));
}

ReplayVerdict InMemoryReplayStore::Check(std::string_view iss, std::string_view jti,
                                         std::chrono::sys_seconds expires,
                                         std::chrono::sys_seconds now) {
  std::string key = ReplayKey(iss, jti);
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  const std::lock_guard<std::mutex> lock(shard.mutex);
  shard.DropExpired(now);
  if (const auto it = shard.expiry_by_key.find(key); it != shard.expiry_by_key.end()) {
    return ReplayVerdict::kReplayed;
  }
  if (shard.expiry_by_key.size() >= per_shard_max_) return ReplayVerdict::kFull;
  shard.expiry_by_key.emplace(key, expires);
  shard.by_expiry.emplace(expires, std::move(key));
  return ReplayVerdict::kFresh;
}

ReplayStoreHealth InMemoryReplayStore::Health() const {
  ReplayStoreHealth health;
  health.entries = size();
  return health;
}

std::size_t InMemoryReplayStore::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    const std::lock_guard<std::mutex> lock(shards_[i].mutex);
    total += shards_[i].expiry_by_key.size();
  }
  return total;
}

}  // namespace cds::hooks::auth
