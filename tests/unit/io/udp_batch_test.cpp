// Batched UDP I/O on real loopback sockets: datagrams of mixed sizes (which
// the sender groups into GSO runs) arrive intact and in order, IPv4 peers are
// reached through an IPv6 dual-stack socket, and oversized datagrams are
// dropped and counted, never truncated into the engine.
#include <gtest/gtest.h>

#include "tests/support/net_caps.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "rtmfp/core/random.hpp"
#include "rtmfp/io/udp_batch.hpp"

namespace rtmfp::io {
namespace {

struct Sock {
  int fd = -1;
  bool v6 = false;
  SocketAddress addr;
  ~Sock() {
    if (fd >= 0) close(fd);
  }
};

// Binds a UDP socket on loopback (or [::] for a dual-stack one) at a free port.
bool open_socket(Sock& s, bool v6, bool any = false) {
  s.v6 = v6;
  s.fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  if (s.fd < 0) return false;
  int big = 4 << 20;
  setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    int off = 0;
    setsockopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = any ? in6addr_any : in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return false;
  if (getsockname(s.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  const std::uint16_t port = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  s.addr = v6 ? *SocketAddress::parse("[::1]:" + std::to_string(port)) : SocketAddress::ipv4(127, 0, 0, 1, port);
  return true;
}

// Receives until `want` datagrams arrived or 2 s passed.
std::vector<std::pair<SocketAddress, Bytes>> receive_all(UdpBatch& rx, int fd, std::size_t want) {
  std::vector<std::pair<SocketAddress, Bytes>> got;
  for (int waits = 0; got.size() < want && waits < 200; ++waits) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 10);
    bool would_block = false;
    rx.receive_some(
        1000, [&](const SocketAddress& from, ByteView d) { got.emplace_back(from, Bytes(d.begin(), d.end())); },
        would_block);
  }
  return got;
}

TEST(UdpBatch, MixedSizesArriveIntactAndInOrder) {
  Sock a, b;
  ASSERT_TRUE(open_socket(a, false));
  ASSERT_TRUE(open_socket(b, false));
  UdpBatch tx, rx;
  tx.attach(a.fd, false);
  rx.attach(b.fd, false);
  EXPECT_TRUE(tx.set_path_mtu_probe_mode());
  SeededRandom rng(3);
  std::vector<Bytes> sent;
  // Runs of equal sizes (GSO candidates), shorter tails, singles, empty-ish.
  for (int i = 0; i < 300; ++i) {
    std::size_t n = (i % 50 < 30) ? 1200 : (i % 50 < 40 ? 1472 : 1 + rng.below(1400));
    if (i % 17 == 0) n = 700;
    Bytes d(n);
    rng.fill(d);
    sent.push_back(d);
    tx.queue(b.addr, std::move(d));
  }
  tx.flush();
  EXPECT_EQ(tx.stats().datagrams_sent, sent.size());
  EXPECT_EQ(tx.stats().send_errors, 0u);
  EXPECT_LT(tx.stats().send_calls, sent.size() / 4) << "not batched";
  std::printf("300 datagrams: %llu send calls, %llu GSO runs\n", static_cast<unsigned long long>(tx.stats().send_calls),
              static_cast<unsigned long long>(tx.stats().gso_runs));
  auto got = receive_all(rx, b.fd, sent.size());
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(got[i].first, a.addr) << i;
    ASSERT_EQ(got[i].second, sent[i]) << "datagram " << i << " differs";
  }
  EXPECT_LT(rx.stats().receive_calls, sent.size() / 4) << "not batched";
}

TEST(UdpBatch, DualStackSocketReachesIpv4PeersThroughMappedAddresses) {
  Sock server, v4;
  // The machine is asked with a plain socket first; once it has dual-stack
  // IPv6, a failure to open the product's socket fails the test.
  if (!rtmfp::testing::host_has_dual_stack()) GTEST_SKIP() << "this machine has no dual-stack IPv6";
  ASSERT_TRUE(open_socket(server, true, /*any=*/true));
  ASSERT_TRUE(open_socket(v4, false));
  UdpBatch srv, cli;
  srv.attach(server.fd, true);
  cli.attach(v4.fd, false);
  SocketAddress to = SocketAddress::ipv4(127, 0, 0, 1, server.addr.port);
  cli.queue(to, Bytes{1, 2, 3});
  cli.flush();
  auto got = receive_all(srv, server.fd, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].first.v6) << "v4-mapped source must come back as IPv4: " << got[0].first.to_string();
  EXPECT_EQ(got[0].first, v4.addr);
  srv.queue(got[0].first, Bytes{4, 5});  // an IPv4 destination on the IPv6 socket
  srv.flush();
  EXPECT_EQ(srv.stats().send_errors, 0u);
  auto back = receive_all(cli, v4.fd, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].second, (Bytes{4, 5}));
}

TEST(UdpBatch, OversizedDatagramIsDroppedAndCountedNotTruncated) {
  Sock a, b;
  ASSERT_TRUE(open_socket(a, false));
  ASSERT_TRUE(open_socket(b, false));
  UdpBatch tx, rx;
  tx.attach(a.fd, false);
  rx.attach(b.fd, false);
  tx.queue(b.addr, Bytes(UdpBatch::kSlotSize + 100, 0x5a));
  tx.queue(b.addr, Bytes(10, 0x11));
  tx.flush();
  auto got = receive_all(rx, b.fd, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, Bytes(10, 0x11));
  EXPECT_EQ(rx.stats().oversize_received, 1u);
}

}  // namespace
}  // namespace rtmfp::io

namespace rtmfp::io {
namespace {

// L14: a receive error that never clears (here: the descriptor is not a
// socket, ENOTSOCK on every call) makes receive_some() return after a bounded
// number of failed calls, counted; it used to retry forever.
TEST(UdpBatchErrors, PersistentReceiveErrorReturnsAndIsCounted) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  UdpBatch batch;
  batch.attach(fds[0], false);
  bool would_block = true;
  std::size_t delivered = 0;
  const std::size_t n =
      batch.receive_some(UdpBatch::kBatch, [&](const SocketAddress&, ByteView) { ++delivered; }, would_block);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(delivered, 0u);
  EXPECT_FALSE(would_block);
  EXPECT_EQ(batch.stats().receive_errors, UdpBatch::kMaxReceiveErrors);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace rtmfp::io
