#include "rtmfp/io/udp_batch.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#if defined(__linux__)
#include <netinet/udp.h>
#endif

namespace rtmfp::io {

namespace {

#if defined(__linux__) && defined(UDP_SEGMENT)
constexpr bool kHaveGso = true;
#else
constexpr bool kHaveGso = false;
#endif
// Linux caps one GSO send at 64 segments (UDP_MAX_SEGMENTS in older kernels)
// and at one IP datagram's worth of payload.
constexpr std::size_t kMaxGsoSegments = 64;
constexpr std::size_t kMaxGsoBytes = 64000;

socklen_t to_sockaddr(const SocketAddress& a, bool socket_v6, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (!a.v6 && !socket_v6) {
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, a.ip.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&out);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(a.port);
  if (a.v6) {
    std::memcpy(&s->sin6_addr, a.ip.data(), 16);
  } else {  // IPv4 destination on an IPv6 socket: v4-mapped (RFC 4291 §2.5.5.2)
    std::uint8_t* b = reinterpret_cast<std::uint8_t*>(&s->sin6_addr);
    b[10] = b[11] = 0xff;
    std::memcpy(b + 12, a.ip.data(), 4);
  }
  return sizeof(sockaddr_in6);
}

SocketAddress from_sockaddr(const sockaddr_storage& in) {
  SocketAddress a;
  if (in.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&in);
    a.port = ntohs(s->sin_port);
    std::memcpy(a.ip.data(), &s->sin_addr, 4);
    return a;
  }
  const auto* s = reinterpret_cast<const sockaddr_in6*>(&in);
  a.port = ntohs(s->sin6_port);
  const std::uint8_t* b = reinterpret_cast<const std::uint8_t*>(&s->sin6_addr);
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {
    std::memcpy(a.ip.data(), b + 12, 4);
  } else {
    a.v6 = true;
    std::memcpy(a.ip.data(), b, 16);
  }
  return a;
}

}  // namespace

UdpBatch::UdpBatch() : slots_(kBatch * kSlotSize) {}

void UdpBatch::attach(int fd, bool v6) {
  fd_ = fd;
  v6_ = v6;
}

bool UdpBatch::set_path_mtu_probe_mode() {
#if defined(__linux__) && defined(IP_PMTUDISC_PROBE)
  if (fd_ < 0) return false;
  int v4 = IP_PMTUDISC_PROBE;
  const bool ok4 = setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof v4) == 0;
  if (!v6_) return ok4;
  // IPv6 socket: its own setting; the IPv4 one (for v4-mapped peers) is best effort.
  int v6 = IPV6_PMTUDISC_PROBE;
  return setsockopt(fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof v6) == 0;
#else
  return false;
#endif
}

std::size_t UdpBatch::receive_some(std::size_t max, const Sink& on_datagram, bool& would_block) {
  would_block = false;
  std::size_t total = 0;
  std::size_t errors = 0;  // failed calls in this round (bounded: kMaxReceiveErrors)
  while (total < max && fd_ >= 0) {
    const std::size_t want = std::min(kBatch, max - total);
#if defined(__linux__)
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    sockaddr_storage from[kBatch];
    for (std::size_t i = 0; i < want; ++i) {
      iov[i] = iovec{slots_.data() + i * kSlotSize, kSlotSize};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = recvmmsg(fd_, msgs, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      // EAGAIN: drained. Anything else (e.g. ECONNREFUSED from an ICMP error
      // queued on the socket) is not fatal for UDP; the error is consumed.
      // Errors are counted and spend the budget like datagrams, so one that
      // persists (ENOMEM, ENOBUFS) returns to the caller instead of spinning.
      would_block = errno == EAGAIN || errno == EWOULDBLOCK;
      if (!would_block) {
        ++stats_.receive_errors;
        if (++errors >= kMaxReceiveErrors) return total;
        continue;
      }
      return total;
    }
    ++stats_.receive_calls;
    for (int i = 0; i < n; ++i) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        ++stats_.oversize_received;
        continue;
      }
      ++stats_.datagrams_received;
      on_datagram(from_sockaddr(from[i]), ByteView(slots_.data() + i * kSlotSize, msgs[i].msg_len));
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < want) {
      would_block = true;  // the queue had fewer than asked for
      return total;
    }
#else
    sockaddr_storage from;
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(fd_, slots_.data(), kSlotSize, MSG_DONTWAIT | MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      would_block = errno == EAGAIN || errno == EWOULDBLOCK;
      if (!would_block) {
        ++stats_.receive_errors;
        if (++errors >= kMaxReceiveErrors) return total;
        continue;
      }
      return total;
    }
    ++stats_.receive_calls;
    ++total;
    if (static_cast<std::size_t>(n) > kSlotSize) {
      ++stats_.oversize_received;
      continue;
    }
    ++stats_.datagrams_received;
    on_datagram(from_sockaddr(from), ByteView(slots_.data(), static_cast<std::size_t>(n)));
#endif
  }
  return total;
}

void UdpBatch::queue(const SocketAddress& to, Bytes data) { out_.push_back(Out{to, std::move(data)}); }

void UdpBatch::flush_simple(std::size_t from) {
  for (std::size_t i = from; i < out_.size(); ++i) {
    sockaddr_storage sa;
    const socklen_t len = to_sockaddr(out_[i].to, v6_, sa);
    ssize_t r;
    do {
      r = sendto(fd_, out_[i].data.data(), out_[i].data.size(), 0, reinterpret_cast<sockaddr*>(&sa), len);
    } while (r < 0 && errno == EINTR);
    ++stats_.send_calls;
    if (r < 0)
      ++stats_.send_errors;
    else
      ++stats_.datagrams_sent;
  }
}

void UdpBatch::flush() {
  if (fd_ < 0) {
    out_.clear();
    return;
  }
#if defined(__linux__)
  std::size_t next = 0;
  while (next < out_.size()) {
    // Build up to kBatch messages; each is one datagram or a GSO run:
    // consecutive datagrams to one address, all of the first one's size but
    // the last, which may be shorter (udp(7) UDP_SEGMENT).
    mmsghdr msgs[kBatch];
    sockaddr_storage to[kBatch];
    std::vector<iovec>& iov = iov_;  // reused: no allocation per flush once grown
    iov.clear();
    iov.reserve(std::min<std::size_t>(out_.size() - next, kBatch * kMaxGsoSegments));
    struct Ctl {
      alignas(cmsghdr) std::uint8_t buf[CMSG_SPACE(sizeof(std::uint16_t))];
    } ctl[kBatch];
    std::size_t first_of[kBatch + 1];
    std::size_t count_of[kBatch];
    std::size_t m = 0, i = next;
    while (m < kBatch && i < out_.size()) {
      const std::size_t seg = out_[i].data.size();
      std::size_t j = i + 1, bytes = seg;
      if (gso_ && kHaveGso && seg > 0) {
        while (j < out_.size() && j - i < kMaxGsoSegments && out_[j].to == out_[i].to &&
               out_[j].data.size() <= seg && out_[j].data.size() > 0 && bytes + out_[j].data.size() <= kMaxGsoBytes) {
          bytes += out_[j].data.size();
          ++j;
          if (out_[j - 1].data.size() < seg) break;  // a shorter one ends the run
        }
      }
      first_of[m] = i;
      count_of[m] = j - i;
      i = j;
      ++m;
    }
    // iovecs only after the vector stops growing (pointers into it).
    std::size_t iov_base[kBatch];
    for (std::size_t k = 0; k < m; ++k) {
      iov_base[k] = iov.size();
      for (std::size_t d = 0; d < count_of[k]; ++d) {
        auto& b = out_[first_of[k] + d].data;
        iov.push_back(iovec{b.data(), b.size()});
      }
    }
    for (std::size_t k = 0; k < m; ++k) {
      std::memset(&msgs[k], 0, sizeof msgs[k]);
      auto& h = msgs[k].msg_hdr;
      h.msg_namelen = to_sockaddr(out_[first_of[k]].to, v6_, to[k]);
      h.msg_name = &to[k];
      h.msg_iov = &iov[iov_base[k]];
      h.msg_iovlen = count_of[k];
#if defined(UDP_SEGMENT)
      if (count_of[k] > 1) {
        h.msg_control = ctl[k].buf;
        h.msg_controllen = sizeof ctl[k].buf;
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const std::uint16_t gso = static_cast<std::uint16_t>(out_[first_of[k]].data.size());
        std::memcpy(CMSG_DATA(c), &gso, sizeof gso);
      }
#endif
    }
    std::size_t done = 0;
    while (done < m) {
      const int n = sendmmsg(fd_, msgs + done, static_cast<unsigned>(m - done), 0);
      ++stats_.send_calls;
      if (n > 0) {
        for (std::size_t k = done; k < done + static_cast<std::size_t>(n); ++k) {
          stats_.datagrams_sent += count_of[k];
          if (count_of[k] > 1) ++stats_.gso_runs;
        }
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // msgs[done] failed. A kernel or device without UDP GSO says EIO or
      // EINVAL (or ENOPROTOOPT): stop using it and send the rest one by one.
      if (count_of[done] > 1 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
        gso_ = false;
        flush_simple(first_of[done]);
        out_.clear();
        return;
      }
      stats_.send_errors += count_of[done];  // EMSGSIZE (a probe too big), unreachable ...
      ++done;
    }
    next = i;
  }
  out_.clear();
#else
  flush_simple(0);
  out_.clear();
#endif
}

}  // namespace rtmfp::io
