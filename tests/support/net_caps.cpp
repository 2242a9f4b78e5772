#include "tests/support/net_caps.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtmfp::testing {
namespace {

bool bind_v6(const in6_addr& addr, bool dual) {
  int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  int v6only = dual ? 0 : 1;
  bool ok = ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == 0;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = addr;
  ok = ok && ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

}  // namespace

bool host_has_ipv6_loopback() { return bind_v6(in6addr_loopback, false); }
bool host_has_dual_stack() { return bind_v6(in6addr_any, true) && host_has_ipv6_loopback(); }

}  // namespace rtmfp::testing
