// UUIDs for cards and suggestions.
#pragma once

#include <chrono>
#include <string>

namespace cds::cards {

/// A fresh RFC 9562 version-4 UUID, lower-case "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
/// Thread-safe and lock-free: each thread owns a 64-bit Mersenne Twister seeded once from
/// std::random_device. Not for secrets (UUIDs only need to be unique, not unpredictable).
[[nodiscard]] std::string NewUuidV4();

/// A fresh RFC 9562 version-7 UUID: the Unix time in milliseconds (48 bits), then 74 random
/// bits, "tttttttt-tttt-7xxx-[89ab]xxx-xxxxxxxxxxxx". What cards carry: UUIDs issued later
/// sort later, so the audit store's card index grows at its end instead of at a random page
/// per card (issue 7). A card's UUID thus tells when it was issued, to the millisecond, as the
/// response's Date header does to the second; it authorises nothing (feedback needs the EHR's
/// JWT). Same random source as NewUuidV4.
[[nodiscard]] std::string NewUuidV7(
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace cds::cards
