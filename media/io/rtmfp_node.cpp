// See rtmfp_node.hpp.
#include "media/io/rtmfp_node.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <future>

#include "rtmfp/crypto/profiles.hpp"
#include "rtmfp/io/clock.hpp"

namespace rtmfp::media::io {

using rtmfp::io::steady_now;

RtmfpNode::RtmfpNode(Options o) : o_(std::move(o)), work_(io_.get_executor()), tick_timer_(io_) {}

Result<std::unique_ptr<RtmfpNode>> RtmfpNode::start(Options o) {
  std::unique_ptr<RtmfpNode> n(new RtmfpNode(std::move(o)));
  n->endpoint_ = std::make_unique<Endpoint>(n->o_.config, n->rng_);
  for (ProfileKind k : n->o_.profiles) {
    auto p = crypto::make_profile(k, std::nullopt, n->rng_);
    if (!p) return std::unexpected(p.error());
    n->endpoint_->add_profile(**p);
    n->profiles_.push_back(std::move(*p));
  }
  n->driver_ = std::make_unique<rtmfp::io::UdpDriver>(n->io_, *n->endpoint_);
  if (auto b = n->driver_->bind(n->o_.bind); !b) return std::unexpected(b.error());
  n->local_ = n->driver_->local_address();
  RtmfpNode* self = n.get();
  n->driver_->on_event = [self](EndpointEvent&& e) {
    if (self->o_.on_event) self->o_.on_event(steady_now(), *self->endpoint_, std::move(e));
  };
  n->driver_->on_poll = [self](TimePoint now) {
    if (self->o_.on_tick) self->o_.on_tick(now, *self->endpoint_);
    self->check_waiters();
  };
  if (n->o_.on_start) n->o_.on_start(*n->endpoint_);
  n->driver_->start();
  n->tick();
  n->thread_ = std::thread([self] { self->io_.run(); });
  return n;
}

RtmfpNode::~RtmfpNode() {
  asio::post(io_, [this] {
    tick_timer_.cancel();
    driver_->stop();
    work_.reset();
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

void RtmfpNode::tick() {
  tick_timer_.expires_after(o_.tick_period);
  tick_timer_.async_wait([this](asio::error_code ec) {
    if (ec) return;
    driver_->pump();
    tick();
  });
}

void RtmfpNode::post(std::function<void(TimePoint, Endpoint&)> f) {
  asio::post(io_, [this, f = std::move(f)] {
    f(steady_now(), *endpoint_);
    driver_->pump();
    check_waiters();
  });
}

void RtmfpNode::check_waiters() {
  if (waiters_.empty()) return;
  std::vector<Waiter> keep;
  for (auto& w : std::exchange(waiters_, {})) {
    if (w.pred(*endpoint_))
      w.done();
    else
      keep.push_back(std::move(w));
  }
  for (auto& w : keep) waiters_.push_back(std::move(w));
}

bool RtmfpNode::wait_until(std::function<bool(Endpoint&)> pred, milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(io_, [this, pred = std::move(pred), done]() mutable {
    waiters_.push_back({std::move(pred), [done] { done->set_value(); }});
    check_waiters();
  });
  return fut.wait_for(timeout) == std::future_status::ready;
}

bool RtmfpNode::call(std::function<void(TimePoint, Endpoint&)> f, milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  post([f = std::move(f), done](TimePoint now, Endpoint& e) {
    f(now, e);
    done->set_value();
  });
  return fut.wait_for(timeout) == std::future_status::ready;
}

void RtmfpNode::shutdown(milliseconds timeout) {
  (void)call([](TimePoint now, Endpoint& e) { e.shutdown(now); }, timeout);
  (void)wait_until([](Endpoint& e) { return e.drained(); }, timeout);
}

std::vector<std::string> peer_info_addresses(std::uint16_t port, bool v6) {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    SocketAddress a;
    if (i->ifa_addr->sa_family == AF_INET && !v6) {
      auto* s = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      std::memcpy(a.ip.data(), &s->sin_addr, 4);
      if (a.ip[0] == 169 && a.ip[1] == 254) continue;  // link-local
    } else if (i->ifa_addr->sa_family == AF_INET6 && v6) {
      auto* s = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      a.v6 = true;
      std::memcpy(a.ip.data(), &s->sin6_addr, 16);
      if (a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80) continue;  // fe80::/10
    } else {
      continue;
    }
    a.port = port;
    if (a.is_loopback() || a.is_unspecified()) continue;
    std::string text = a.to_string();
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace rtmfp::media::io
