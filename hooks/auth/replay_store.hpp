// Replay protection for JWT ids (CDS Hooks best practice: a jti is accepted once and
// remembered until the token expires). An interface, so a deployment running several
// instances can share one store; the embedded default keeps them in this process's memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cds::hooks::auth {

enum class ReplayVerdict {
  kFresh,        // first sight: now remembered until its expiry
  kReplayed,     // seen before and not yet expired
  kFull,         // the store cannot remember more unexpired ids: refuse (fail closed)
  kUnavailable,  // a shared store did not answer in time (down, hanging): refuse (fail closed)
};

/// The key an (iss, jti) pair is remembered by: length-prefixed, so no pair can collide with
/// another, whatever bytes they hold. Ordered the same way on every instance.
[[nodiscard]] std::string ReplayKey(std::string_view iss, std::string_view jti);

/// What a store reports, for /readyz and the metrics.
struct ReplayStoreHealth {
  const char* backend = "memory";  // "memory" or "postgresql"
  /// Answering checks: the in-memory store always is; the shared one while its last connect,
  /// check or purge succeeded. /readyz fails while it is not.
  bool available = true;
  std::uint64_t entries = 0;      // ids remembered now (the in-memory store only)
  std::uint64_t checks = 0;       // the shared store: checks answered fresh or replayed
  std::uint64_t round_trips = 0;  // the shared store: batches that answered checks
  std::uint64_t unavailable = 0;  // the shared store: checks answered kUnavailable
  std::uint64_t purged = 0;       // the shared store: expired rows this instance deleted
  std::string last_error;         // the shared store: "" while available
};

class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  /// Atomically checks and records (iss, jti) until `expires`. `done` is called exactly once,
  /// possibly before this returns (the in-memory store always does). The shared backend
  /// (PgReplayStore, pg_replay_store.hpp) answers later, on another thread. Thread-safe.
  virtual void CheckAndRemember(std::string_view iss, std::string_view jti,
                                std::chrono::sys_seconds expires, std::chrono::sys_seconds now,
                                std::function<void(ReplayVerdict)> done) = 0;
  /// Thread-safe; cheap enough for every scrape and readiness probe.
  [[nodiscard]] virtual ReplayStoreHealth Health() const = 0;
};

/// The embedded store: a bounded in-memory map per shard (sharded locks), expired entries
/// dropped as new ones arrive. One process only: instances behind a load balancer each have
/// their own, so a token replayed to another instance is not caught (docs/security.md).
class InMemoryReplayStore final : public ReplayStore {
 public:
  explicit InMemoryReplayStore(std::size_t max_entries);
  ~InMemoryReplayStore() override;

  void CheckAndRemember(std::string_view iss, std::string_view jti,
                        std::chrono::sys_seconds expires, std::chrono::sys_seconds now,
                        std::function<void(ReplayVerdict)> done) override;
  [[nodiscard]] ReplayStoreHealth Health() const override;
  /// The synchronous core, for tests and benchmarks.
  [[nodiscard]] ReplayVerdict Check(std::string_view iss, std::string_view jti,
                                    std::chrono::sys_seconds expires, std::chrono::sys_seconds now);
  [[nodiscard]] std::size_t size() const;

 private:
  struct Shard;
  std::size_t per_shard_max_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace cds::hooks::auth
