#include "tests/support/free_port.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace rtmfp::testing {
namespace {

bool bindable(int type, int port) {
  const int s = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

// The lock file shared by every test process of this user on this machine.
int lock_fd() {
  static const int fd = [] {
    const char* dir = std::getenv("TMPDIR");
    const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/rtmfp-test-ports.lock";
    return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }();
  return fd;
}

// Takes the byte-range lock at offset `port`; false when another process
// holds it. Without a lock file (unwritable TMPDIR) only the in-process set
// guards.
}  // namespace

bool reserve_port_across_processes(int port) {
  const int fd = lock_fd();
  if (fd < 0) return true;
  struct flock l {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_start = port;
  l.l_len = 1;
  return ::fcntl(fd, F_SETLK, &l) == 0;
}

int free_port(PortProto proto) {
  static std::mutex mu;
  static std::set<int> handed_out;
  static std::mt19937 gen(std::random_device{}());
  std::lock_guard lock(mu);
  int lo = 32768;
  if (std::ifstream r("/proc/sys/net/ipv4/ip_local_port_range"); r) r >> lo;
  const int first = 10000, last = std::max(first + 1000, lo - 1);
  std::uniform_int_distribution<int> pick(first, last);
  for (int attempt = 0; attempt < 500; ++attempt) {
    const int port = pick(gen);
    if (handed_out.contains(port)) continue;
    if (proto != PortProto::udp && !bindable(SOCK_STREAM, port)) continue;
    if (proto != PortProto::tcp && !bindable(SOCK_DGRAM, port)) continue;
    if (!reserve_port_across_processes(port)) continue;
    handed_out.insert(port);
    return port;
  }
  ADD_FAILURE() << "no free port on 127.0.0.1 below the ephemeral range";
  return 0;
}

}  // namespace rtmfp::testing
