// See viewer_pool.hpp.
#include "bench/gateway_load/viewer_pool.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "media/gateway/flow_port.hpp"
#include "media/gateway/net_connection_client.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "media/gateway/rtmfp_url.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/system_random.hpp"

namespace rtmfp::bench {

using media::gateway::NcClientEvent;
using media::gateway::NetConnectionClient;

struct ViewerPool::Viewer {
  int fd = -1;
  io::SystemRandom rng;
  std::unique_ptr<CryptoProfile> profile;
  std::unique_ptr<Endpoint> ep;
  std::optional<NetConnectionClient> nc;
  std::optional<SessionHandle> session;
  std::unique_ptr<media::gateway::EndpointFlowPort> port;
  bool started = false;  // connect() issued
  ViewerCounters c;
  std::vector<std::uint64_t> frames;  // (type << 32) | timestamp of each audio/video frame
  ~Viewer() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

SocketAddress from_sockaddr(const sockaddr_in& sa) {
  SocketAddress a;
  std::memcpy(a.ip.data(), &sa.sin_addr, 4);
  a.port = ntohs(sa.sin_port);
  return a;
}

sockaddr_in to_sockaddr(const SocketAddress& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  std::memcpy(&sa.sin_addr, a.ip.data(), 4);
  sa.sin_port = htons(a.port);
  return sa;
}

}  // namespace

Result<std::unique_ptr<ViewerPool>> ViewerPool::start(const Options& o) {
  auto url = media::gateway::parse_rtmfp_media_url(o.url);
  if (!url) return std::unexpected(url.error());
  auto server = SocketAddress::parse(url->host + ":" + std::to_string(url->port));
  if (!server || server->v6) return fail(Errc::invalid_argument, "viewer pool: numeric IPv4 server address needed");
  std::unique_ptr<ViewerPool> p(new ViewerPool());
  p->o_ = o;
  p->epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd_ < 0) return fail(Errc::io_error, "epoll_create1: " + std::string(std::strerror(errno)));
  for (int i = 0; i < o.viewers; ++i) {
    auto v = std::make_unique<Viewer>();
    v->fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (v->fd < 0) return fail(Errc::io_error, "socket: " + std::string(std::strerror(errno)));
    int rcvbuf = 1 << 20;
    (void)::setsockopt(v->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000002u + std::uint32_t(i / std::max(1, o.per_address)));
    if (::bind(v->fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return fail(Errc::io_error, "bind 127.0.0.x: " + std::string(std::strerror(errno)));
    EndpointConfig cfg;
    cfg.accept_sessions = false;
    cfg.open_timeout = seconds(20);
    cfg.receive_buffer = media::gateway::kStreamReceiveBuffer;
    v->ep = std::make_unique<Endpoint>(cfg, v->rng);
    auto prof = crypto::make_profile(o.profile, std::nullopt, v->rng);  // a fresh identity per viewer
    if (!prof) return std::unexpected(prof.error());
    v->profile = std::move(*prof);
    v->ep->add_profile(*v->profile);
    media::gateway::NcClientConfig nc;
    nc.app = url->app;
    nc.tc_url = url->tc_url;
    nc.stream = url->stream;
    nc.publish = false;
    v->nc.emplace(std::move(nc));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = std::uint32_t(i);
    if (::epoll_ctl(p->epfd_, EPOLL_CTL_ADD, v->fd, &ev) != 0)
      return fail(Errc::io_error, "epoll_ctl: " + std::string(std::strerror(errno)));
    p->viewers_.push_back(std::move(v));
  }
  // The server and the EPD go to connect() on the pool's thread.
  ConnectRequest req;
  req.profile = o.profile;
  req.epd.uri = url->tc_url;  // RFC 7425 §4.4.2.2, §5.3.1
  req.candidates = {*server};
  p->thread_ = std::thread([raw = p.get(), req] {
    std::size_t next = 0;
    auto last_ramp = io::steady_now() - seconds(1);
    auto last_scan = io::steady_now();
    std::vector<epoll_event> evs(256);
    std::vector<std::uint8_t> buf(65536);
    while (!raw->stop_) {
      const int n = ::epoll_wait(raw->epfd_, evs.data(), int(evs.size()), 5);
      std::lock_guard lk(raw->mu_);
      TimePoint now = io::steady_now();
      // Ramp: connects_per_tick new handshakes every 10 ms.
      if (next < raw->viewers_.size() && now - last_ramp >= milliseconds(10)) {
        last_ramp = now;
        for (int k = 0; k < raw->o_.connects_per_tick && next < raw->viewers_.size(); ++k, ++next) {
          Viewer& v = *raw->viewers_[next];
          v.started = true;
          if (auto s = v.ep->connect(now, req); !s) {
            v.c.failed = true;
            v.c.error = "connect: " + s.error().message();
          }
          raw->pump(v);
        }
      }
      for (int i = 0; i < n; ++i) {
        Viewer& v = *raw->viewers_[evs[i].data.u32];
        for (int k = 0; k < 256; ++k) {
          sockaddr_in from{};
          socklen_t fl = sizeof from;
          const ssize_t r = ::recvfrom(v.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
          if (r < 0) break;
          v.c.received_bytes += std::uint64_t(r);
          v.ep->on_datagram(now, from_sockaddr(from), ByteView(buf.data(), std::size_t(r)));
        }
        raw->pump(v);
      }
      // Timers: every viewer's deadlines at most 5 ms late.
      if (now - last_scan >= milliseconds(5)) {
        last_scan = now;
        for (auto& vp : raw->viewers_) {
          Viewer& v = *vp;
          if (!v.started) continue;
          bool due = false;
          if (auto d = v.ep->next_deadline(); d && *d <= now) {
            v.ep->on_deadline(now);
            due = true;
          }
          if (auto d = v.nc->next_deadline(); d && *d <= now) {
            v.nc->poll(now);
            due = true;
          }
          if (due) raw->pump(v);
        }
      }
      raw->cpu_ = thread_cpu_seconds();
    }
  });
  return p;
}

void ViewerPool::pump(Viewer& v) {
  const TimePoint now = io::steady_now();
  for (int round = 0; round < 16; ++round) {
    bool any = false;
    while (auto t = v.ep->poll_transmit(now)) {
      any = true;
      const sockaddr_in to = to_sockaddr(t->to);
      (void)::sendto(v.fd, t->data.data(), t->data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    while (auto ev = v.ep->poll_event()) {
      any = true;
      if (auto* op = std::get_if<SessionOpened>(&*ev)) {
        if (!op->initiator || v.session) continue;
        v.session = op->session;
        v.port = std::make_unique<media::gateway::EndpointFlowPort>(*v.ep, op->session);
        if (auto r = v.nc->start(now, *v.port); !r) {
          v.c.failed = true;
          v.c.error = "NetConnection: " + r.error().message();
        }
      } else if (auto* f = std::get_if<SessionOpenFailed>(&*ev)) {
        v.c.failed = true;
        v.c.error = "session: " + f->error.message();
      } else if (auto* cl = std::get_if<SessionClosed>(&*ev)) {
        if (v.session && cl->session == *v.session) v.nc->on_session_closed(close_reason_name(cl->reason));
      } else if (v.port) {
        if (auto* in = std::get_if<FlowIncoming>(&*ev))
          v.nc->on_flow_incoming(now, *v.port, in->flow, in->metadata, in->association);
        else if (auto* m = std::get_if<FlowMessage>(&*ev))
          v.nc->on_flow_message(now, *v.port, m->flow, m->data);
        else if (auto* fin = std::get_if<FlowFinished>(&*ev))
          v.nc->on_flow_finished(now, *v.port, fin->flow);
        else if (auto* rej = std::get_if<FlowRejected>(&*ev))
          v.nc->on_flow_rejected(now, *v.port, rej->flow, rej->code);
      }
    }
    for (auto& e : v.nc->take_events()) {
      using K = NcClientEvent::Kind;
      if (e.kind == K::playing) {
        v.c.playing = true;
      } else if (e.kind == K::media) {
        const auto type = e.message.type;
        if (type == media::rtmp::msg_type::audio || type == media::rtmp::msg_type::video) {
          ++v.c.frames;
          v.c.media_bytes += e.message.payload.size();
          v.c.last_ts = e.message.timestamp;
          v.c.any_frame = true;
          v.frames.push_back((std::uint64_t(type) << 32) | e.message.timestamp);
        }
      } else if (e.kind == K::failed || e.kind == K::ended) {
        v.c.failed = true;
        if (v.c.error.empty()) v.c.error = e.kind == K::ended ? "stream ended" : e.error.message();
      }
    }
    if (!any) break;
  }
}

ViewerPool::~ViewerPool() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  viewers_.clear();
  if (epfd_ >= 0) ::close(epfd_);
}

ViewerPool::Snapshot ViewerPool::snapshot() {
  std::lock_guard lk(mu_);
  Snapshot s;
  for (auto& v : viewers_) {
    s.viewers.push_back(v->c);
    s.playing += v->c.playing && !v->c.failed ? 1 : 0;
    s.failed += v->c.failed ? 1 : 0;
  }
  s.cpu_seconds = cpu_.load();
  return s;
}

std::vector<std::uint64_t> ViewerPool::frames_in(std::uint32_t from, std::uint32_t to) {
  std::lock_guard lk(mu_);
  std::vector<std::uint64_t> r;
  for (auto& v : viewers_) {
    std::set<std::uint64_t> seen;
    for (auto f : v->frames) {
      const auto ts = std::uint32_t(f & 0xffffffffu);
      if (ts > from && ts <= to) seen.insert(f);
    }
    r.push_back(seen.size());
  }
  return r;
}

}  // namespace rtmfp::bench
