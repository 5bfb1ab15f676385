#include "hooks/address_policy.hpp"

#include <array>
#include <cstdint>

namespace cds::hooks {
namespace {

namespace ip = boost::asio::ip;

struct V4Range {
  std::uint32_t network;
  int prefix;
  AddressClass address_class;
};

constexpr std::uint32_t V4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), the parts that are not
// globally reachable. Broadcast comes before 240/4, which contains it.
constexpr std::array<V4Range, 17> kV4Ranges{{
    {V4(255, 255, 255, 255), 32, AddressClass::kBroadcast},
    {V4(0, 0, 0, 0), 8, AddressClass::kUnspecified},
    {V4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {V4(100, 64, 0, 0), 10, AddressClass::kSharedAddress},
    {V4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {V4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {V4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {V4(192, 0, 0, 0), 24, AddressClass::kReserved},    // IETF protocol assignments
    {V4(192, 0, 2, 0), 24, AddressClass::kReserved},    // TEST-NET-1
    {V4(192, 88, 99, 0), 24, AddressClass::kReserved},  // 6to4 relay anycast (deprecated)
    {V4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {V4(198, 18, 0, 0), 15, AddressClass::kReserved},    // benchmarking
    {V4(198, 51, 100, 0), 24, AddressClass::kReserved},  // TEST-NET-2
    {V4(203, 0, 113, 0), 24, AddressClass::kReserved},   // TEST-NET-3
    {V4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {V4(240, 0, 0, 0), 4, AddressClass::kReserved},
    {V4(0, 0, 0, 0), 0, AddressClass::kPublic},  // everything else
}};

AddressClass ClassifyV4(std::uint32_t address) noexcept {
  for (const V4Range& range : kV4Ranges) {
    const std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
    if ((address & mask) == range.network) return range.address_class;
  }
  return AddressClass::kPublic;
}

std::uint32_t V4At(const ip::address_v6::bytes_type& b, std::size_t offset) {
  return (std::uint32_t{b[offset]} << 24) | (std::uint32_t{b[offset + 1]} << 16) |
         (std::uint32_t{b[offset + 2]} << 8) | std::uint32_t{b[offset + 3]};
}

bool AllZero(const ip::address_v6::bytes_type& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

AddressClass ClassifyV6(const ip::address_v6& address) noexcept {
  const ip::address_v6::bytes_type b = address.to_bytes();
  if (AllZero(b, 0, 10)) {
    if (b[10] == 0xff && b[11] == 0xff) return ClassifyV4(V4At(b, 12));  // ::ffff:a.b.c.d
    if (b[10] == 0 && b[11] == 0) {
      if (AllZero(b, 12, 15) && b[15] == 0) return AddressClass::kUnspecified;  // ::
      if (AllZero(b, 12, 15) && b[15] == 1) return AddressClass::kLoopback;     // ::1
      return ClassifyV4(V4At(b, 12));  // IPv4-compatible ::a.b.c.d (deprecated)
    }
  }
  // 64:ff9b::/96, the well-known NAT64 prefix: the gateway connects to the embedded IPv4.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && AllZero(b, 4, 12)) {
    return ClassifyV4(V4At(b, 12));
  }
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): translates into the operator's network.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1) {
    return AddressClass::kPrivate;
  }
  if (b[0] == 0xff) return AddressClass::kMulticast;                           // ff00::/8
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                    // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(V4At(b, 2));             // 6to4 2002::/16
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return AddressClass::kReserved;  // 2001:db8::/32 documentation
  }
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00) {
    return AddressClass::kReserved;  // 3fff::/20 documentation (RFC 9637)
  }
  if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xfe) == 0x00) {
    return AddressClass::kReserved;  // 2001::/23 IETF protocol assignments (Teredo, ORCHID)
  }
  if ((b[0] & 0xe0) != 0x20) return AddressClass::kReserved;  // only 2000::/3 is global unicast
  return AddressClass::kPublic;
}

}  // namespace

AddressClass ClassifyAddress(const ip::address& address) noexcept {
  if (address.is_v4()) return ClassifyV4(address.to_v4().to_uint());
  return ClassifyV6(address.to_v6());
}

std::string_view ToString(AddressClass address_class) noexcept {
  switch (address_class) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kSharedAddress:
      return "shared-address-space";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "unknown";
}

}  // namespace cds::hooks
