// linkemu: a userspace link emulator between two TUN devices, for real-socket
// tests across network namespaces on kernels without netem. Every IP packet
// read from one TUN device is written to the other after a one-way delay,
// optionally dropped at random (seeded), limited to a rate with a bounded
// drop-tail queue. Works for TCP and UDP alike.
//
//   linkemu --tun-a rtA --tun-b rtB [--delay-ms 20] [--loss 0.02] [--rate-bps 0]
//           [--queue-bytes 262144] [--seed 1] [--duration 600]
//
// It creates both TUN devices, prints "ready" on stdout, and runs until
// SIGINT/SIGTERM or --duration seconds. scripts/netns-link.sh moves the devices
// into two namespaces and addresses them.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int open_tun(const std::string& name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (fd < 0) return -1;
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

using Clock = std::chrono::steady_clock;

struct Packet {
  Clock::time_point due;
  std::vector<std::uint8_t> data;
};

struct Direction {
  int in_fd = -1, out_fd = -1;
  std::deque<Packet> queue;  // ordered by due time (constant delay keeps order)
  Clock::time_point link_free = Clock::now();
  std::size_t queued_bytes = 0;
  std::uint64_t forwarded = 0, lost = 0, overflow = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string tun_a, tun_b;
  double delay_ms = 20, loss = 0, rate_bps = 0, duration = 600;
  std::size_t queue_bytes = 256 * 1024;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--tun-a") tun_a = v;
    else if (k == "--tun-b") tun_b = v;
    else if (k == "--delay-ms") delay_ms = std::atof(v.c_str());
    else if (k == "--loss") loss = std::atof(v.c_str());
    else if (k == "--rate-bps") rate_bps = std::atof(v.c_str());
    else if (k == "--queue-bytes") queue_bytes = static_cast<std::size_t>(std::atol(v.c_str()));
    else if (k == "--seed") seed = static_cast<unsigned>(std::atol(v.c_str()));
    else if (k == "--duration") duration = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "linkemu: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (tun_a.empty() || tun_b.empty()) {
    std::fprintf(stderr, "usage: linkemu --tun-a NAME --tun-b NAME [--delay-ms D] [--loss P] [--rate-bps R]\n");
    return 2;
  }
  int fa = open_tun(tun_a), fb = open_tun(tun_b);
  if (fa < 0 || fb < 0) {
    std::fprintf(stderr, "linkemu: cannot create TUN devices %s/%s: %s (root needed)\n", tun_a.c_str(),
                 tun_b.c_str(), std::strerror(errno));
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  std::printf("ready\n");
  std::fflush(stdout);

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  Direction dirs[2];
  dirs[0].in_fd = fa;
  dirs[0].out_fd = fb;
  dirs[1].in_fd = fb;
  dirs[1].out_fd = fa;
  auto delay = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(delay_ms));
  auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  std::vector<std::uint8_t> buf(65536);

  while (!g_stop && Clock::now() < end) {
    // Wait for input or the next due packet.
    int timeout_ms = 50;
    auto now = Clock::now();
    for (auto& d : dirs)
      if (!d.queue.empty()) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.queue.front().due - now).count();
        timeout_ms = std::max<int>(0, std::min<int>(timeout_ms, static_cast<int>(ms)));
      }
    pollfd p[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
    poll(p, 2, timeout_ms);
    now = Clock::now();
    for (int i = 0; i < 2; ++i) {
      Direction& d = dirs[i];
      for (;;) {
        ssize_t n = read(d.in_fd, buf.data(), buf.size());
        if (n <= 0) break;
        if (loss > 0 && unit(rng) < loss) {
          ++d.lost;
          continue;
        }
        if (d.queued_bytes + static_cast<std::size_t>(n) > queue_bytes) {
          ++d.overflow;
          continue;
        }
        Clock::time_point depart = now;
        if (rate_bps > 0) {
          depart = std::max(now, d.link_free);
          auto tx = std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(static_cast<double>(n) * 8.0 / rate_bps));
          d.link_free = depart + tx;
          depart = d.link_free;
        }
        d.queue.push_back(Packet{depart + delay, std::vector<std::uint8_t>(buf.begin(), buf.begin() + n)});
        d.queued_bytes += static_cast<std::size_t>(n);
      }
      while (!d.queue.empty() && d.queue.front().due <= now) {
        auto& pkt = d.queue.front();
        if (write(d.out_fd, pkt.data.data(), pkt.data.size()) > 0) ++d.forwarded;
        d.queued_bytes -= pkt.data.size();
        d.queue.pop_front();
      }
    }
  }
  std::fprintf(stderr, "linkemu: a->b forwarded %llu lost %llu overflow %llu; b->a forwarded %llu lost %llu overflow %llu\n",
               static_cast<unsigned long long>(dirs[0].forwarded), static_cast<unsigned long long>(dirs[0].lost),
               static_cast<unsigned long long>(dirs[0].overflow), static_cast<unsigned long long>(dirs[1].forwarded),
               static_cast<unsigned long long>(dirs[1].lost), static_cast<unsigned long long>(dirs[1].overflow));
  close(fa);
  close(fb);
  return 0;
}
