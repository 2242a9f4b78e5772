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

// The relay's service on the node: RFC 7425 §5.1.1 "TC" flows, every
// session event; on_tick at every pump (on_poll) and at least every
// tick_period (its deadline).
class RtmfpNode::Relay final : public node::Service {
 public:
  explicit Relay(RtmfpNode& owner) : owner_(owner) {}

  std::string_view name() const override { return "rtmp-over-rtmfp"; }
  std::vector<Bytes> signatures() const override { return {Bytes{'T', 'C'}}; }
  node::Interests interests() const override {
    node::Interests i;
    i.pings = true;  // the client's §5.3.4 keepalive pings
    return i;
  }
  bool on_event(TimePoint now, const EndpointEvent& e) override {
    if (owner_.o_.on_event) owner_.o_.on_event(now, owner_.node_->endpoint(), e);
    owner_.check_waiters();
    return false;
  }
  void on_poll(TimePoint now) override {
    next_tick_ = now + owner_.o_.tick_period;
    if (owner_.o_.on_tick) owner_.o_.on_tick(now, owner_.node_->endpoint());
    owner_.check_waiters();
  }
  std::optional<TimePoint> next_deadline() const override { return next_tick_; }
  void on_deadline(TimePoint now) override { next_tick_ = now + owner_.o_.tick_period; }

 private:
  RtmfpNode& owner_;
  std::optional<TimePoint> next_tick_;
};

RtmfpNode::RtmfpNode(Options o) : o_(std::move(o)) {}

Result<std::unique_ptr<RtmfpNode>> RtmfpNode::start(Options o) {
  std::unique_ptr<RtmfpNode> n(new RtmfpNode(std::move(o)));
  auto endpoint = std::make_unique<Endpoint>(n->o_.config, n->rng_);
  for (ProfileKind k : n->o_.profiles) {
    auto p = crypto::make_profile(k, std::nullopt, n->rng_);
    if (!p) return std::unexpected(p.error());
    endpoint->add_profile(**p);
    n->profiles_.push_back(std::move(*p));
  }
  n->node_ = std::make_unique<node::Node>(std::move(endpoint));
  n->relay_ = std::make_unique<Relay>(*n);
  if (auto a = n->node_->add_service(*n->relay_); !a) return std::unexpected(a.error());
  host::NodeHostOptions ho;
  ho.listen = {n->o_.bind};
  n->host_ = std::make_unique<host::NodeHost>(*n->node_, std::move(ho));
  if (auto b = n->host_->open(); !b) return std::unexpected(b.error());
  n->local_ = n->host_->local_addresses().front();
  if (n->o_.on_start) n->o_.on_start(n->node_->endpoint());
  n->host_->start();
  return n;
}

RtmfpNode::~RtmfpNode() {
  if (!host_) return;
  host_->stop();
  host_->join();
}

void RtmfpNode::post(std::function<void(TimePoint, Endpoint&)> f) {
  // The host pumps after f (sends, routes events, on_tick), then checks.
  host_->post([this, f = std::move(f)] {
    f(steady_now(), node_->endpoint());
    check_waiters();
  });
}

void RtmfpNode::check_waiters() {
  if (waiters_.empty()) return;
  std::vector<Waiter> keep;
  for (auto& w : std::exchange(waiters_, {})) {
    if (w.pred(node_->endpoint()))
      w.done();
    else
      keep.push_back(std::move(w));
  }
  for (auto& w : keep) waiters_.push_back(std::move(w));
}

bool RtmfpNode::wait_until(std::function<bool(Endpoint&)> pred, milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  host_->post([this, pred = std::move(pred), done]() mutable {
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
  // The node's orderly shutdown (service, then every session, RFC 7016
  // §3.5.5); the host keeps running so later calls still reach the node.
  (void)call([this](TimePoint now, Endpoint&) { node_->shutdown(now); }, timeout);
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
