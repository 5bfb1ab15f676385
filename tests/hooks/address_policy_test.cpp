#include "hooks/address_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cds::hooks {
namespace {

struct Case {
  const char* address;
  AddressClass expected;
};

TEST(AddressPolicyTest, ClassifiesEveryRangeAndItsEdges) {
  const Case cases[] = {
      // IPv4
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.255.255.255", AddressClass::kUnspecified},
      {"1.0.0.0", AddressClass::kPublic},
      {"9.255.255.255", AddressClass::kPublic},
      {"10.0.0.0", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"11.0.0.0", AddressClass::kPublic},
      {"100.63.255.255", AddressClass::kPublic},
      {"100.64.0.0", AddressClass::kSharedAddress},
      {"100.127.255.255", AddressClass::kSharedAddress},
      {"100.128.0.0", AddressClass::kPublic},
      {"126.255.255.255", AddressClass::kPublic},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"128.0.0.0", AddressClass::kPublic},
      {"169.253.255.255", AddressClass::kPublic},
      {"169.254.169.254", AddressClass::kLinkLocal},  // cloud metadata endpoints
      {"169.255.0.0", AddressClass::kPublic},
      {"172.15.255.255", AddressClass::kPublic},
      {"172.16.0.0", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.0", AddressClass::kPublic},
      {"192.0.0.8", AddressClass::kReserved},
      {"192.0.1.1", AddressClass::kPublic},
      {"192.0.2.1", AddressClass::kReserved},
      {"192.88.99.1", AddressClass::kReserved},
      {"192.167.255.255", AddressClass::kPublic},
      {"192.168.0.0", AddressClass::kPrivate},
      {"192.168.255.255", AddressClass::kPrivate},
      {"192.169.0.0", AddressClass::kPublic},
      {"198.17.255.255", AddressClass::kPublic},
      {"198.18.0.0", AddressClass::kReserved},
      {"198.19.255.255", AddressClass::kReserved},
      {"198.20.0.0", AddressClass::kPublic},
      {"198.51.100.7", AddressClass::kReserved},
      {"203.0.113.9", AddressClass::kReserved},
      {"8.8.8.8", AddressClass::kPublic},
      {"223.255.255.255", AddressClass::kPublic},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.255", AddressClass::kMulticast},
      {"240.0.0.0", AddressClass::kReserved},
      {"255.255.255.254", AddressClass::kReserved},
      {"255.255.255.255", AddressClass::kBroadcast},
      // IPv6
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"::2", AddressClass::kUnspecified},  // IPv4-compatible 0.0.0.2
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:10.1.2.3", AddressClass::kPrivate},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      {"::127.0.0.1", AddressClass::kLoopback},  // IPv4-compatible
      {"::8.8.8.8", AddressClass::kPublic},
      {"64:ff9b::7f00:1", AddressClass::kLoopback},  // NAT64 of 127.0.0.1
      {"64:ff9b::a00:1", AddressClass::kPrivate},    // NAT64 of 10.0.0.1
      {"64:ff9b::808:808", AddressClass::kPublic},   // NAT64 of 8.8.8.8
      {"64:ff9b:1::1", AddressClass::kPrivate},      // local-use NAT64
      {"2002:7f00:1::1", AddressClass::kLoopback},   // 6to4 of 127.0.0.1
      {"2002:808:808::1", AddressClass::kPublic},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf:ffff::1", AddressClass::kLinkLocal},
      {"fec0::1", AddressClass::kReserved},  // deprecated site-local, outside 2000::/3
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kReserved},
      {"2001::1", AddressClass::kReserved},  // Teredo
      {"2001:10::1", AddressClass::kReserved},
      {"2001:200::1", AddressClass::kPublic},
      {"2606:4700:4700::1111", AddressClass::kPublic},
      {"3fff::1", AddressClass::kReserved},  // documentation (RFC 9637)
      {"3fff:fff::1", AddressClass::kReserved},
      {"3fff:1000::1", AddressClass::kPublic},
      {"3ffe:ffff::1", AddressClass::kPublic},
      {"4000::1", AddressClass::kReserved},
      {"100::1", AddressClass::kReserved},  // discard-only
  };
  for (const Case& c : cases) {
    const auto address = boost::asio::ip::make_address(c.address);
    EXPECT_EQ(ClassifyAddress(address), c.expected)
        << c.address << " is " << ToString(ClassifyAddress(address)) << ", expected "
        << ToString(c.expected);
    EXPECT_EQ(IsPublicAddress(address), c.expected == AddressClass::kPublic) << c.address;
  }
}

TEST(AddressPolicyTest, NamesAreDistinct) {
  const AddressClass all[] = {
      AddressClass::kPublic,    AddressClass::kUnspecified,   AddressClass::kLoopback,
      AddressClass::kPrivate,   AddressClass::kSharedAddress, AddressClass::kLinkLocal,
      AddressClass::kMulticast, AddressClass::kBroadcast,     AddressClass::kReserved};
  for (AddressClass a : all) {
    for (AddressClass b : all) {
      if (a != b) {
        EXPECT_NE(ToString(a), ToString(b));
      }
    }
  }
  EXPECT_EQ(ToString(AddressClass::kLoopback), "loopback");
}

}  // namespace
}  // namespace cds::hooks
