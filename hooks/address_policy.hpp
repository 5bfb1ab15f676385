// SSRF guard for outbound fetches: which IP addresses are public. A pure function over an
// address, so the rules are unit-tested in a table without sockets or DNS.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string_view>

namespace cds::hooks {

/// Why an address is (not) public. Every value except kPublic is refused for an outbound
/// fetch unless the caller allows private addresses for that request.
enum class AddressClass {
  kPublic,
  kUnspecified,    // 0.0.0.0/8, ::
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), 64:ff9b:1::/48
  kSharedAddress,  // 100.64.0.0/10 (carrier-grade NAT)
  kLinkLocal,      // 169.254.0.0/16, fe80::/10
  kMulticast,      // 224.0.0.0/4, ff00::/8
  kBroadcast,      // 255.255.255.255
  kReserved,       // 192.0.0.0/24, 198.18.0.0/15 (benchmarking), 240.0.0.0/4, documentation
                   // ranges (also 2001:db8::/32, 3fff::/20), 2001::/23, IPv6 outside 2000::/3
};

/// Classifies `address`. IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
/// IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are classified by the IPv4
/// address they reach.
[[nodiscard]] AddressClass ClassifyAddress(const boost::asio::ip::address& address) noexcept;

[[nodiscard]] inline bool IsPublicAddress(const boost::asio::ip::address& address) noexcept {
  return ClassifyAddress(address) == AddressClass::kPublic;
}

/// "public", "loopback", "private", … (for logs and failure details).
[[nodiscard]] std::string_view ToString(AddressClass address_class) noexcept;

}  // namespace cds::hooks
