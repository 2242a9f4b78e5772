// The TURN client core (rendezvous/turn/core) against a real TURN server:
// Debian's coturn as a private process on free loopback ports. The client
// allocates with long-term credentials (401, then MESSAGE-INTEGRITY),
// sends to a peer UDP socket (CreatePermission, ChannelBind, a Send
// indication, then ChannelData), gets the peer's answers (ChannelData and a
// Data indication from a second peer port under the same IP permission),
// and frees the allocation; a wrong password fails with 401. Decided by
// events, bounded by time only as a failure.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "rendezvous/turn/core/turn_client.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/system_random.hpp"
#include "tests/support/private_coturn.hpp"

namespace rtmfp::turn {
namespace {

using rtmfp::testing::PrivateCoturn;

struct Udp {
  int fd = -1;
  SocketAddress local;
  Udp() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    local = SocketAddress::ipv4(127, 0, 0, 1, ntohs(a.sin_port));
  }
  ~Udp() { ::close(fd); }
  void send_to(const SocketAddress& to, ByteView data) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to.port);
    std::memcpy(&a.sin_addr, to.ip.data(), 4);
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  std::optional<std::pair<SocketAddress, Bytes>> recv_now() const {
    std::uint8_t buf[65536];
    sockaddr_in a{};
    socklen_t n = sizeof a;
    const ssize_t r = ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&a), &n);
    if (r < 0) return std::nullopt;
    SocketAddress from;
    std::memcpy(from.ip.data(), &a.sin_addr, 4);
    from.port = ntohs(a.sin_port);
    return std::make_pair(from, Bytes(buf, buf + r));
  }
};

// Drives a TurnClient on a UDP socket, and the peers' sockets, until `done`
// says so (or a 10 s failure bound).
struct Driver {
  SocketAddress server;
  Udp sock;
  io::SystemRandom rng;
  TurnClient client;
  std::vector<TurnEvent> events;
  std::vector<std::pair<int, std::pair<SocketAddress, Bytes>>> peer_rx;  // (peer index, datagram)
  std::vector<const Udp*> peers;

  Driver(const PrivateCoturn& c, std::string password)
      : server(SocketAddress::ipv4(127, 0, 0, 1, static_cast<std::uint16_t>(c.port()))),
        client(
            [&] {
              TurnClientConfig cfg;
              cfg.username = c.config().user;
              cfg.password = std::move(password);
              return cfg;
            }(),
            rng) {}

  bool run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      while (auto t = client.poll_transmit()) sock.send_to(server, *t);
      while (auto e = client.poll_event()) events.push_back(std::move(*e));
      if (done()) return true;
      if (std::chrono::steady_clock::now() > limit) return false;
      std::vector<pollfd> fds{{sock.fd, POLLIN, 0}};
      for (const Udp* p : peers) fds.push_back({p->fd, POLLIN, 0});
      int wait_ms = 100;
      if (auto d = client.next_deadline())
        wait_ms = std::clamp<int>(static_cast<int>(to_ms(*d - io::steady_now())), 0, 100);
      ::poll(fds.data(), fds.size(), wait_ms);
      while (auto d = sock.recv_now()) {
        if (d->first == server) client.on_datagram(io::steady_now(), d->second);
      }
      for (std::size_t i = 0; i < peers.size(); ++i)
        while (auto d = peers[i]->recv_now()) peer_rx.emplace_back(static_cast<int>(i), std::move(*d));
      const TimePoint now = io::steady_now();
      if (auto d = client.next_deadline(); d && *d <= now) client.on_deadline(now);
    }
  }
  template <class E>
  const E* find() const {
    for (const auto& e : events)
      if (const E* x = std::get_if<E>(&e)) return x;
    return nullptr;
  }
  template <class E>
  std::vector<E> all() const {
    std::vector<E> out;
    for (const auto& e : events)
      if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
  }
};

bool have_coturn() { return !PrivateCoturn::binary().empty(); }

TEST(TurnCoturn, AllocatesPermitsBindsAndRelaysBothWays) {
  if (!have_coturn()) GTEST_SKIP() << "turnserver not installed (Debian package coturn)";
  auto coturn = PrivateCoturn::start();
  ASSERT_TRUE(coturn);
  Driver d(*coturn, coturn->config().password);
  Udp peer, peer2;
  d.peers = {&peer, &peer2};
  ASSERT_TRUE(d.client.start(io::steady_now()));
  ASSERT_TRUE(d.run_until([&] { return d.client.state() != TurnState::allocating; })) << coturn->log();
  ASSERT_EQ(d.client.state(), TurnState::allocated) << coturn->log();
  ASSERT_TRUE(d.find<TurnAllocated>());
  const TurnAllocated alloc = *d.find<TurnAllocated>();  // a copy: events grows
  const TurnAllocated* a = &alloc;
  EXPECT_EQ(a->relayed, SocketAddress::ipv4(127, 0, 0, 1, static_cast<std::uint16_t>(coturn->relay_port())));
  ASSERT_TRUE(a->mapped);
  EXPECT_EQ(*a->mapped, d.sock.local);  // coturn sees us at our own loopback address
  EXPECT_GT(a->lifetime, 0u);

  // First datagram: a Send indication (with CreatePermission and ChannelBind
  // requested before it); the peer gets it from the relayed address.
  const Bytes hello1{'h', 'e', 'l', 'l', 'o', '1'};
  ASSERT_TRUE(d.client.send(io::steady_now(), peer.local, hello1));
  ASSERT_TRUE(d.run_until([&] { return !d.peer_rx.empty() && d.find<TurnChannel>() && d.find<TurnPermission>(); }))
      << coturn->log();
  EXPECT_EQ(d.peer_rx[0].first, 0);
  EXPECT_EQ(d.peer_rx[0].second.first, a->relayed);
  EXPECT_EQ(d.peer_rx[0].second.second, hello1);
  ASSERT_TRUE(d.find<TurnPermission>()->ok);
  ASSERT_TRUE(d.find<TurnChannel>()->ok) << d.find<TurnChannel>()->code;
  EXPECT_EQ(d.client.channel(peer.local), kFirstChannel);
  EXPECT_EQ(d.client.stats().data_out, 1u);

  // Then ChannelData out, 20 datagrams.
  for (int i = 0; i < 20; ++i) {
    const Bytes m{'c', static_cast<std::uint8_t>(i)};
    ASSERT_TRUE(d.client.send(io::steady_now(), peer.local, m));
  }
  ASSERT_TRUE(d.run_until([&] { return d.peer_rx.size() >= 21; })) << coturn->log();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(d.peer_rx[1 + i].second.first, a->relayed);
    EXPECT_EQ(d.peer_rx[1 + i].second.second, (Bytes{'c', static_cast<std::uint8_t>(i)}));
  }
  EXPECT_EQ(d.client.stats().channel_out, 20u);

  // In: the bound peer's datagram arrives as ChannelData, the second peer's
  // (another port on the permitted IP, no channel) as a Data indication.
  const Bytes reply{'r', 'e', 'p', 'l', 'y'};
  const Bytes other{'o', 't', 'h', 'e', 'r'};
  peer.send_to(a->relayed, reply);
  peer2.send_to(a->relayed, other);
  ASSERT_TRUE(d.run_until([&] { return d.all<TurnData>().size() >= 2; })) << coturn->log();
  bool got_reply = false, got_other = false;
  for (const auto& td : d.all<TurnData>()) {
    if (td.peer == peer.local && td.data == reply && td.via_channel) got_reply = true;
    if (td.peer == peer2.local && td.data == other && !td.via_channel) got_other = true;
  }
  EXPECT_TRUE(got_reply);
  EXPECT_TRUE(got_other);
  EXPECT_EQ(d.client.stats().dropped_integrity, 0u);
  EXPECT_EQ(d.client.stats().dropped_malformed, 0u);
  EXPECT_EQ(d.client.stats().dropped_unmatched, 0u);

  // Free the allocation (Refresh, LIFETIME 0).
  d.client.close(io::steady_now());
  ASSERT_TRUE(d.run_until([&] { return d.client.state() == TurnState::closed; })) << coturn->log();
}

TEST(TurnCoturn, WrongPasswordFailsWith401) {
  if (!have_coturn()) GTEST_SKIP() << "turnserver not installed (Debian package coturn)";
  auto coturn = PrivateCoturn::start();
  ASSERT_TRUE(coturn);
  Driver d(*coturn, "not-the-password");
  ASSERT_TRUE(d.client.start(io::steady_now()));
  ASSERT_TRUE(d.run_until([&] { return d.client.state() != TurnState::allocating; }));
  EXPECT_EQ(d.client.state(), TurnState::failed);
  const TurnFailed* f = d.find<TurnFailed>();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, 401);
}

}  // namespace
}  // namespace rtmfp::turn
