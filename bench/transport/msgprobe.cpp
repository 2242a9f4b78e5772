// msgprobe: traffic generator and meter for scripts/bench-transport.sh.
//
//   msgprobe send --to udp://HOST:PORT|tcp://HOST:PORT [--rate BITS_PER_S] [--size N]
//                 [--seconds S] [--connect-timeout S]
//       Sends timestamped, sequence-numbered messages of N bytes (default 1200) at a
//       constant bit rate (default 4 Mbit/s) for S seconds (default 20). Message i is
//       due at start + i * interval; its header carries that scheduled time
//       (CLOCK_MONOTONIC, which every network namespace shares), so a sender held back
//       by its transport (a blocked TCP write) shows up as lateness at the receiver.
//       Over TCP each message is preceded by a 4-byte big-endian length. Prints one
//       JSON line at the end.
//
//   msgprobe recv --listen udp://ADDR:PORT|tcp://ADDR:PORT [--deadline-ms D]
//                 [--timeout S] [--expected N] [--grace S]
//       Receives those messages (TCP: accepts one connection) and prints one JSON
//       object: messages_expected / received / on_time (arrival - scheduled send
//       time <= D ms, default 200), latency percentiles over received messages.
//       Stops when every message arrived, when the last message's deadline plus
//       --grace (default 1 s) has passed, at TCP end of stream, or after --timeout
//       seconds (default 60).
//
//   msgprobe gen --bytes N          writes N bytes to stdout (bulk source)
//   msgprobe count [--max-seconds S] [--idle-seconds S] [--timeout S] [--progress 1]
//       Counts bytes on stdin from the first byte until EOF, S seconds, or an idle
//       gap; prints {"bytes":..,"seconds":..,"bytes_per_s":..,"end":..}. The idle
//       gap itself is not counted (seconds = first byte to last byte).
//
//   msgprobe json-get KEY[.KEY...] [FILE]
//       Prints one value from a JSON object (FILE or stdin; if the input is not one
//       JSON document, the last line that parses as an object is used). Exit 1 if
//       the key is missing. KEY "." prints the whole object on one line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;

constexpr std::uint32_t kMagic = 0x524d5042;  // "RMPB"
constexpr std::size_t kHeader = 40;           // magic, size, seq, send_ns, total, interval_ns
constexpr std::uint64_t kMaxMessages = 20'000'000;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until_ns(std::int64_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR && !g_stop) {
  }
}

void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
void put64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "msgprobe: %s\n", msg.c_str());
  std::exit(2);
}

struct Args {
  std::map<std::string, std::string> kv;
  std::vector<std::string> pos;
  Args(int argc, char** argv, int from) {
    for (int i = from; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) == 0) {
        if (i + 1 >= argc) die("missing value for " + a);
        kv[a.substr(2)] = argv[++i];
      } else {
        pos.push_back(a);
      }
    }
  }
  std::string str(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  double num(const std::string& k, double def) const {
    auto it = kv.find(k);
    if (it == kv.end()) return def;
    char* end = nullptr;
    double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end) die("bad number for --" + k + ": " + it->second);
    return v;
  }
};

struct Endpoint {
  bool tcp = false;
  sockaddr_storage addr{};
  socklen_t len = 0;
};

Endpoint parse_endpoint(const std::string& uri) {
  Endpoint e;
  std::string rest;
  if (uri.rfind("udp://", 0) == 0) rest = uri.substr(6);
  else if (uri.rfind("tcp://", 0) == 0) e.tcp = true, rest = uri.substr(6);
  else die("endpoint must be udp://HOST:PORT or tcp://HOST:PORT: " + uri);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) die("missing port in " + uri);
  std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = e.tcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) die("cannot resolve " + uri);
  std::memcpy(&e.addr, res->ai_addr, res->ai_addrlen);
  e.len = res->ai_addrlen;
  freeaddrinfo(res);
  return e;
}

std::string fmt(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR && !g_stop) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// ---------------------------------------------------------------- send
int cmd_send(const Args& a) {
  Endpoint to = parse_endpoint(a.str("to"));
  const double rate = a.num("rate", 4e6), seconds = a.num("seconds", 20);
  const auto size = static_cast<std::size_t>(a.num("size", 1200));
  if (size < kHeader || size > 65000) die("--size must be in [40, 65000]");
  if (rate <= 0 || seconds <= 0) die("--rate and --seconds must be positive");
  const std::uint64_t total =
      std::min<std::uint64_t>(kMaxMessages, static_cast<std::uint64_t>(std::llround(seconds * rate / (8.0 * size))));
  const auto interval_ns = static_cast<std::int64_t>(std::llround(8.0 * size * 1e9 / rate));

  int fd = socket(to.addr.ss_family, to.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  if (to.tcp) {
    const std::int64_t give_up = now_ns() + static_cast<std::int64_t>(a.num("connect-timeout", 5) * 1e9);
    for (;;) {
      if (connect(fd, reinterpret_cast<sockaddr*>(&to.addr), to.len) == 0) break;
      if (now_ns() > give_up || g_stop) die(std::string("connect: ") + std::strerror(errno));
      close(fd);
      usleep(50'000);
      fd = socket(to.addr.ss_family, SOCK_STREAM, 0);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else if (connect(fd, reinterpret_cast<sockaddr*>(&to.addr), to.len) != 0) {
    die(std::string("connect: ") + std::strerror(errno));
  }

  std::vector<std::uint8_t> frame(4 + size);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i * 7 + 1);
  put32(frame.data(), static_cast<std::uint32_t>(size));
  std::uint8_t* msg = frame.data() + 4;
  const std::int64_t start = now_ns() + 10'000'000;
  std::uint64_t sent = 0, send_errors = 0;
  std::int64_t max_behind = 0;
  for (std::uint64_t i = 0; i < total && !g_stop; ++i) {
    const std::int64_t due = start + static_cast<std::int64_t>(i) * interval_ns;
    sleep_until_ns(due);
    max_behind = std::max(max_behind, now_ns() - due);
    put32(msg, kMagic);
    put32(msg + 4, static_cast<std::uint32_t>(size));
    put64(msg + 8, i);
    put64(msg + 16, static_cast<std::uint64_t>(due));
    put64(msg + 24, total);
    put64(msg + 32, static_cast<std::uint64_t>(interval_ns));
    if (to.tcp) {
      if (!write_all(fd, frame.data(), frame.size())) {
        std::fprintf(stderr, "msgprobe: write: %s\n", std::strerror(errno));
        break;
      }
      ++sent;
    } else if (send(fd, msg, size, 0) == static_cast<ssize_t>(size)) {
      ++sent;
    } else {
      ++send_errors;  // e.g. ECONNREFUSED while nothing listens yet
    }
  }
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  if (to.tcp) shutdown(fd, SHUT_WR);
  close(fd);
  std::printf("{\"transport\":\"%s\",\"messages_planned\":%llu,\"messages_sent\":%llu,\"send_errors\":%llu,"
              "\"size\":%zu,\"rate_bps\":%s,\"seconds\":%s,\"max_behind_schedule_ms\":%s}\n",
              to.tcp ? "tcp" : "udp", static_cast<unsigned long long>(total), static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(send_errors), size, fmt(rate).c_str(), fmt(elapsed).c_str(),
              fmt(static_cast<double>(max_behind) / 1e6).c_str());
  return 0;
}

// ---------------------------------------------------------------- recv
struct Meter {
  std::int64_t deadline_ns = 0;
  std::uint64_t total = 0;  // from headers
  std::int64_t interval_ns = 0, first_due = -1, last_due_known = -1;
  std::vector<std::int64_t> latency;  // per seq; -1 = not received
  std::uint64_t received = 0, duplicates = 0, malformed = 0, bytes = 0;

  void on_message(const std::uint8_t* p, std::size_t n, std::int64_t arrival) {
    if (n < kHeader || get32(p) != kMagic || get32(p + 4) != n) {
      ++malformed;
      return;
    }
    const std::uint64_t seq = get64(p + 8), tot = get64(p + 24);
    const auto due = static_cast<std::int64_t>(get64(p + 16));
    if (tot == 0 || tot > kMaxMessages || seq >= tot) {
      ++malformed;
      return;
    }
    if (total == 0) {
      total = tot;
      interval_ns = static_cast<std::int64_t>(get64(p + 32));
      latency.assign(total, -1);
    }
    if (tot != total || seq >= total) {
      ++malformed;
      return;
    }
    // Scheduled time of the last message, from this one's.
    last_due_known = due + static_cast<std::int64_t>(total - 1 - seq) * interval_ns;
    if (latency[seq] >= 0) {
      ++duplicates;
      return;
    }
    latency[seq] = std::max<std::int64_t>(0, arrival - due);
    ++received;
    bytes += n;
  }
  bool finished(std::int64_t now, std::int64_t grace_ns) const {
    if (total > 0 && received >= total) return true;
    return last_due_known >= 0 && now > last_due_known + deadline_ns + grace_ns;
  }
};

int cmd_recv(const Args& a) {
  Endpoint ep = parse_endpoint(a.str("listen"));
  const double deadline_ms = a.num("deadline-ms", 200);
  const std::int64_t grace_ns = static_cast<std::int64_t>(a.num("grace", 1) * 1e9);
  const std::int64_t give_up = now_ns() + static_cast<std::int64_t>(a.num("timeout", 60) * 1e9);
  const auto expected_opt = static_cast<std::uint64_t>(a.num("expected", 0));
  Meter m;
  m.deadline_ns = static_cast<std::int64_t>(deadline_ms * 1e6);

  int lfd = socket(ep.addr.ss_family, ep.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (lfd < 0) die(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rcvbuf = 4 << 20;
  setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&ep.addr), ep.len) != 0) die(std::string("bind: ") + std::strerror(errno));
  if (ep.tcp && listen(lfd, 4) != 0) die(std::string("listen: ") + std::strerror(errno));
  std::fprintf(stderr, "msgprobe: listening\n");

  int fd = lfd;
  std::string end = "timeout";
  std::vector<std::uint8_t> buf(1 << 16);
  std::vector<std::uint8_t> stream;  // TCP reassembly
  bool accepted = !ep.tcp;
  while (!g_stop) {
    const std::int64_t now = now_ns();
    if (m.finished(now, grace_ns)) {
      end = m.received >= m.total ? "complete" : "deadline_passed";
      break;
    }
    if (now > give_up) break;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, 50);
    if (r <= 0) continue;
    if (!accepted) {
      fd = accept(lfd, nullptr, nullptr);
      if (fd < 0) {
        fd = lfd;
        continue;
      }
      accepted = true;
      continue;
    }
    if (!ep.tcp) {
      for (;;) {
        ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n <= 0) break;
        m.on_message(buf.data(), static_cast<std::size_t>(n), now_ns());
      }
      continue;
    }
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n == 0) {
      end = "eof";
      break;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      end = "error";
      break;
    }
    const std::int64_t arrival = now_ns();
    stream.insert(stream.end(), buf.begin(), buf.begin() + n);
    std::size_t off = 0;
    while (stream.size() - off >= 4) {
      const std::uint32_t len = get32(stream.data() + off);
      if (len > 65000) {
        ++m.malformed;
        end = "bad_framing";
        g_stop = 1;
        break;
      }
      if (stream.size() - off < 4 + len) break;
      m.on_message(stream.data() + off + 4, len, arrival);
      off += 4 + len;
    }
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(off));
  }

  const std::uint64_t expected = expected_opt ? expected_opt : m.total;
  std::vector<double> lat;
  std::uint64_t on_time = 0;
  for (std::int64_t l : m.latency)
    if (l >= 0) {
      lat.push_back(static_cast<double>(l) / 1e6);
      if (l <= m.deadline_ns) ++on_time;
    }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    if (lat.empty()) return std::nan("");
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(lat.size()))) - 1;
    return lat[std::min(i, lat.size() - 1)];
  };
  const double frac = expected ? static_cast<double>(on_time) / static_cast<double>(expected) : std::nan("");
  std::printf("{\"transport\":\"%s\",\"deadline_ms\":%s,\"messages_expected\":%llu,\"messages_received\":%llu,"
              "\"on_time\":%llu,\"on_time_fraction\":%s,\"late\":%llu,\"lost\":%llu,\"duplicates\":%llu,"
              "\"malformed\":%llu,\"bytes_received\":%llu,\"latency_ms_p50\":%s,\"latency_ms_p95\":%s,"
              "\"latency_ms_max\":%s,\"end\":\"%s\"}\n",
              ep.tcp ? "tcp" : "udp", fmt(deadline_ms).c_str(), static_cast<unsigned long long>(expected),
              static_cast<unsigned long long>(m.received), static_cast<unsigned long long>(on_time), fmt(frac).c_str(),
              static_cast<unsigned long long>(m.received - on_time),
              static_cast<unsigned long long>(expected > m.received ? expected - m.received : 0),
              static_cast<unsigned long long>(m.duplicates), static_cast<unsigned long long>(m.malformed),
              static_cast<unsigned long long>(m.bytes), fmt(pct(0.5)).c_str(), fmt(pct(0.95)).c_str(),
              fmt(lat.empty() ? std::nan("") : lat.back()).c_str(), end.c_str());
  return 0;
}

// ---------------------------------------------------------------- gen / count
int cmd_gen(const Args& a) {
  auto left = static_cast<std::uint64_t>(a.num("bytes", 1e9));
  std::vector<std::uint8_t> buf(1 << 20);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 131 + (i >> 8));
  signal(SIGPIPE, SIG_IGN);
  while (left > 0 && !g_stop) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
    if (!write_all(1, buf.data(), n)) return errno == EPIPE ? 0 : 1;
    left -= n;
  }
  return 0;
}

int cmd_count(const Args& a) {
  const double max_s = a.num("max-seconds", 5), idle_s = a.num("idle-seconds", 2), timeout_s = a.num("timeout", 30);
  const std::int64_t t0 = now_ns();
  std::int64_t first = -1, last = -1, next_report = 0;
  const bool progress = a.num("progress", 0) != 0;
  std::uint64_t bytes = 0;
  std::string end = "timeout";
  std::vector<std::uint8_t> buf(1 << 20);
  while (!g_stop) {
    const std::int64_t now = now_ns();
    if (first < 0 && now - t0 > static_cast<std::int64_t>(timeout_s * 1e9)) break;
    if (first >= 0 && now - first >= static_cast<std::int64_t>(max_s * 1e9)) {
      end = "max_seconds";
      break;
    }
    if (first >= 0 && now - last > static_cast<std::int64_t>(idle_s * 1e9)) {
      end = "idle";
      break;
    }
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = read(0, buf.data(), buf.size());
    if (n == 0) {
      end = "eof";
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      end = "error";
      break;
    }
    last = now_ns();
    if (first < 0) first = next_report = last;
    bytes += static_cast<std::uint64_t>(n);
    if (progress && last >= next_report) {
      std::fprintf(stderr, "count: t=%.3f s bytes=%llu\n", static_cast<double>(last - first) / 1e9,
                   static_cast<unsigned long long>(bytes));
      next_report += 500'000'000;
    }
  }
  const double secs = first >= 0 ? static_cast<double>(last - first) / 1e9 : 0;
  const double bps = secs > 0 ? static_cast<double>(bytes) / secs : std::nan("");
  std::printf("{\"bytes\":%llu,\"seconds\":%s,\"bytes_per_s\":%s,\"end\":\"%s\"}\n",
              static_cast<unsigned long long>(bytes), fmt(secs).c_str(), fmt(bps).c_str(), end.c_str());
  return 0;
}

// ---------------------------------------------------------------- json-get
int cmd_json_get(const Args& a) {
  if (a.pos.empty()) die("json-get KEY[.KEY...] [FILE]");
  std::string text;
  if (a.pos.size() > 1) {
    std::ifstream f(a.pos[1]);
    if (!f) return 1;
    text.assign(std::istreambuf_iterator<char>(f), {});
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    doc = json();
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object()) doc = std::move(j);
    }
  }
  if (!doc.is_object()) return 1;
  const json* cur = &doc;
  std::istringstream keys(a.pos[0]);
  std::string k;
  while (std::getline(keys, k, '.')) {
    if (k.empty()) continue;  // "." alone prints the whole object, compact
    if (!cur->is_object() || !cur->contains(k)) return 1;
    cur = &(*cur)[k];
  }
  if (cur->is_string()) std::cout << cur->get<std::string>() << "\n";
  else if (cur->is_number_float()) std::cout << fmt(cur->get<double>()) << "\n";
  else std::cout << cur->dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: msgprobe send|recv|gen|count|json-get ... (see the source header)\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const std::string cmd = argv[1];
  Args a(argc, argv, 2);
  if (cmd == "send") return cmd_send(a);
  if (cmd == "recv") return cmd_recv(a);
  if (cmd == "gen") return cmd_gen(a);
  if (cmd == "count") return cmd_count(a);
  if (cmd == "json-get") return cmd_json_get(a);
  std::fprintf(stderr, "msgprobe: unknown command %s\n", cmd.c_str());
  return 2;
}
