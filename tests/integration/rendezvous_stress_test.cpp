// A real `rtmfp rendezvous` process on loopback takes 100,000 random,
// truncated and mutated datagrams; afterwards it must still answer probes
// with both profiles, its memory must have stayed bounded, and before any
// cookie round trip it must never have sent an address more than 3 times the
// bytes it received from it (by the server's own bytes_in/bytes_out counts).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "tests/support/child_process.hpp"

namespace rtmfp::testing {
namespace {

using namespace std::chrono_literals;

struct Server {
  ChildProcess proc;
  std::string uri;
  std::uint16_t port = 0;
  std::string modern_id, flash_id;
};

std::optional<Server> start_server() {
  auto p = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--crypto", "both",
                                "--stats-interval", "1"});
  if (!p) return std::nullopt;
  auto l1 = p->read_line(5000ms);
  auto l2 = p->read_line(5000ms);
  if (!l1 || !l2) return std::nullopt;
  Server s{std::move(*p), {}, 0, {}, {}};
  std::istringstream a(*l1), b(*l2);
  std::string word, peerid;
  a >> word >> s.uri >> peerid >> s.modern_id;
  b >> word >> peerid >> s.flash_id;
  s.port = static_cast<std::uint16_t>(std::stoi(s.uri.substr(s.uri.rfind(':') + 1)));
  return s;
}

class UdpSocket {
 public:
  UdpSocket() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    int big = 8 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  ~UdpSocket() { close(fd_); }
  void send(std::uint16_t port, ByteView d) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    if (sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) >= 0) sent += d.size();
  }
  void drain() {
    std::uint8_t buf[65536];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) break;
      received += static_cast<std::size_t>(n);
    }
  }
  std::size_t sent = 0, received = 0;

 private:
  int fd_;
};

// The server's own counters, from its "stats ... bytes_in=N bytes_out=M" lines.
struct ServerCounters {
  std::uint64_t bytes_in = 0, bytes_out = 0, rhellos = 0;
  bool operator==(const ServerCounters&) const = default;
};

std::optional<ServerCounters> parse_stats(const std::string& line) {
  if (line.rfind("stats ", 0) != 0) return std::nullopt;
  auto field = [&](const std::string& k) -> std::optional<std::uint64_t> {
    auto at = line.find(" " + k + "=");
    if (at == std::string::npos) return std::nullopt;
    return std::stoull(line.substr(at + k.size() + 2));
  };
  auto in = field("bytes_in"), out = field("bytes_out"), rh = field("rhellos");
  if (!in || !out || !rh) return std::nullopt;
  return ServerCounters{*in, *out, *rh};
}

// Reads the server's stats lines (one a second) until two in a row agree:
// the server has processed everything it received and sent every reply (a
// loopback sendto has queued each reply in our sockets by then).
std::optional<ServerCounters> settled_counters(ChildProcess& p) {
  std::optional<ServerCounters> last;
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    auto line = p.read_line(5000ms);
    if (!line) return std::nullopt;
    auto c = parse_stats(*line);
    if (!c) continue;
    if (last && *c == *last) return c;
    last = c;
  }
  return std::nullopt;
}

Bytes startup_packet(CryptoProfile& p, std::uint8_t type, ByteView payload) {
  wire::PacketHeader h;
  h.timestamp = 1;
  wire::PacketBuilder b(h, 1100);
  b.add_chunk(type, payload);
  return wire::scramble_datagram(0, p.default_cipher().seal(std::move(b).finish()));
}

TEST(RendezvousStress, SurvivesHostileDatagramsAndStillAnswers) {
  auto server = start_server();
  ASSERT_TRUE(server) << "could not start " << RTMFP_CLI;
  long rss_before = server->proc.rss_kib();

  SeededRandom rng(20261125);
  auto modern = crypto::make_profile(ProfileKind::modern, std::nullopt, rng);
  auto flash = crypto::make_profile(ProfileKind::flash, std::nullopt, rng);
  ASSERT_TRUE(modern && flash);
  // Valid seeds to truncate and mutate: IHellos (that the server answers) and
  // IIKeyings with made-up cookies (that it must ignore), per profile.
  std::vector<Bytes> seeds;
  for (CryptoProfile* p : {modern->get(), flash->get()}) {
    auto epd = p->make_epd(EpdRequest{"rtmfp://127.0.0.1/app", std::nullopt, ""});
    Bytes tag(16, 0x5a);
    wire::IHelloChunk ih{*epd, tag};
    Bytes pl;
    ByteWriter w(pl);
    ih.encode(w);
    seeds.push_back(startup_packet(*p, 0x30, pl));
    Bytes cookie(30, 1), cert(40, 2), skic(40, 3), sig{'X'};
    wire::IIKeyingChunk ik{0x01020304, cookie, cert, skic, sig, {}};
    Bytes pl2;
    ByteWriter w2(pl2);
    ik.encode(w2);
    seeds.push_back(startup_packet(*p, 0x38, pl2));
  }

  constexpr int kSockets = 8;
  std::vector<std::unique_ptr<UdpSocket>> socks;
  for (int i = 0; i < kSockets; ++i) socks.push_back(std::make_unique<UdpSocket>());
  constexpr int kTotal = 100000;
  for (int i = 0; i < kTotal; ++i) {
    UdpSocket& s = *socks[static_cast<std::size_t>(i) % kSockets];
    Bytes d;
    switch (rng.below(3)) {
      case 0:  // random bytes, random size
        d.resize(rng.below(1400));
        rng.fill(d);
        break;
      case 1: {  // truncated valid packet
        const Bytes& seed = seeds[rng.below(seeds.size())];
        d.assign(seed.begin(), seed.begin() + static_cast<long>(rng.below(seed.size() + 1)));
        break;
      }
      default: {  // mutated valid packet (bit flips, possibly still valid)
        d = seeds[rng.below(seeds.size())];
        int flips = static_cast<int>(rng.below(4));
        for (int f = 0; f < flips; ++f) d[rng.below(d.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      }
    }
    s.send(server->port, d);
    if (i % 256 == 255) {
      usleep(500);  // let the server keep up; loopback drops are not the point
      for (auto& x : socks) x->drain();
    }
  }
  // Judge by the server's own account of what it received and sent, once it
  // has settled: loopback drops (tolerated above) shrink what it received,
  // and the ratio is taken against that, not against what the test sent.
  auto counters = settled_counters(server->proc);
  ASSERT_TRUE(counters) << "no settled stats lines from the server: " << server->proc.stderr_text();
  for (auto& x : socks) x->drain();

  std::size_t total_in = 0, total_out = 0;
  for (auto& x : socks) {
    total_in += x->sent;
    total_out += x->received;
  }
  ASSERT_LE(counters->bytes_in, total_in) << "the server counted more than was sent";
  const std::size_t lost_on_the_way = total_in - counters->bytes_in;
  // Before any cookie round trip, <= 3x per address (RFC 7016 §3.5.1.1.2 /
  // the amplification guard) of what the server received from it; the
  // server received at least what was sent from it minus everything lost.
  for (auto& x : socks) {
    const std::size_t received_from = x->sent > lost_on_the_way ? x->sent - lost_on_the_way : 0;
    EXPECT_LE(x->received, 3 * received_from)
        << "server amplified towards one source address (sent " << x->sent << ", lost in all " << lost_on_the_way
        << ", answered " << x->received << ")";
  }
  EXPECT_LE(counters->bytes_out, 3 * counters->bytes_in) << "server sent more than 3x what it received";
  EXPECT_LE(total_out, counters->bytes_out) << "received more than the server says it sent";
  EXPECT_GT(counters->rhellos, 0u) << "the valid IHellos among the noise should have been answered";
  EXPECT_GT(total_out, 0u);

  long rss_after = server->proc.rss_kib();
  EXPECT_LT(rss_after - rss_before, 64 * 1024) << "memory grew from " << rss_before << " KiB to " << rss_after;

  for (auto [crypto, id] : {std::pair{"modern", server->modern_id}, std::pair{"flash", server->flash_id}}) {
    auto r = run_command({RTMFP_CLI, "probe", server->uri, "--crypto", crypto, "--peer-id", id, "--count", "2",
                          "--timeout", "5", "--json"},
                         10000ms);
    EXPECT_EQ(r.exit_code, 0) << crypto << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.out;
  }

  server->proc.signal(SIGINT);
  auto code = server->proc.wait(5000ms);
  ASSERT_TRUE(code) << "server did not stop within 5 s of SIGINT";
  EXPECT_EQ(*code, 0) << server->proc.stderr_text();
  std::printf("sent %zu bytes in %d datagrams, server received %llu and sent %llu bytes (%llu RHellos), %zu arrived;"
              " RSS %ld -> %ld KiB\n",
              total_in, kTotal, static_cast<unsigned long long>(counters->bytes_in),
              static_cast<unsigned long long>(counters->bytes_out), static_cast<unsigned long long>(counters->rhellos),
              total_out, rss_before, rss_after);
}

}  // namespace
}  // namespace rtmfp::testing
