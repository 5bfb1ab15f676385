#include "hooks/seen_cards.hpp"

namespace cds::hooks {

void SeenCards::Remember(const std::string& key, std::chrono::sys_seconds now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto [it, inserted] = shown_.insert_or_assign(key, now);
  if (!inserted) return;  // refreshed in place; its eviction slot stays where it was
  order_.push_back(key);
  while (order_.size() > capacity_) {
    shown_.erase(order_.front());
    order_.pop_front();
  }
}

bool SeenCards::Seen(const std::string& key, std::chrono::sys_seconds now) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = shown_.find(key);
  return it != shown_.end() && now - it->second < ttl_;
}

}  // namespace cds::hooks
