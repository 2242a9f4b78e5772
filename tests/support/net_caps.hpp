// What the host's network stack offers, checked with plain sockets BEFORE a
// test starts the product, so a test skips only for the machine and never
// because the product failed (tests.md M3).
#pragma once

namespace rtmfp::testing {

// An AF_INET6 UDP socket can be bound to [::1]:0 (IPv6 is enabled, loopback
// has ::1).
bool host_has_ipv6_loopback();
// An AF_INET6 UDP socket with IPV6_V6ONLY off can be bound to [::]:0 (one
// socket for IPv6 and v4-mapped IPv4 peers).
bool host_has_dual_stack();

}  // namespace rtmfp::testing
