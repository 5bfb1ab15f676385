// Which cards a clinician has already been shown, so that order-sign does not repeat a card
// seen at order-select for the same unchanged order (CDS Hooks: "a clinician is not told
// twice"). Bounded (oldest evicted first) and time-limited. Memory-only: instances behind a
// load balancer each keep their own, so a repeat is possible when order-select and order-sign
// reach different instances; that errs towards showing a card twice, never towards hiding one
// that was not shown.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cds::hooks {

class SeenCards {
 public:
  SeenCards(std::size_t capacity, std::chrono::seconds ttl) : capacity_(capacity), ttl_(ttl) {}

  /// Remembers `key` as shown at `now`.
  void Remember(const std::string& key, std::chrono::sys_seconds now);
  /// True when `key` was remembered less than the TTL before `now`.
  [[nodiscard]] bool Seen(const std::string& key, std::chrono::sys_seconds now) const;

 private:
  std::size_t capacity_;
  std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::sys_seconds> shown_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace cds::hooks
