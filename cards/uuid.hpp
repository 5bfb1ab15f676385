// Random (version 4) UUIDs for cards and suggestions.
#pragma once

#include <string>

namespace cds::cards {

/// A fresh RFC 9562 version-4 UUID, lower-case "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
/// Thread-safe and lock-free: each thread owns a 64-bit Mersenne Twister seeded once from
/// std::random_device. Not for secrets (UUIDs only need to be unique, not unpredictable).
[[nodiscard]] std::string NewUuidV4();

}  // namespace cds::cards
