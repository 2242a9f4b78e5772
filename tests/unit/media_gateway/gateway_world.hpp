// Two in-memory RTMFP endpoints (NullProfile, virtual clock, instant
// delivery or a drop filter) for the RTMP-over-RTMFP state machines: a
// client endpoint driving a NetConnectionClient and a server endpoint
// driving a MediaServer. Events are dispatched as they happen, so answers
// go out in the same round, as with the real UDP driver.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "media/gateway/media_server.hpp"
#include "media/gateway/net_connection_client.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"

namespace rtmfp::media::gateway::testing {

struct Peer {
  SocketAddress address;
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<rtmfp::testing::NullProfile> profile;
  std::unique_ptr<Endpoint> endpoint;
  std::function<void(TimePoint, EndpointEvent&&)> on_event;
};

// A NetConnectionClient on a client endpoint, with its events collected.
struct Client {
  Peer* peer = nullptr;
  std::optional<SessionHandle> session;
  std::unique_ptr<EndpointFlowPort> port;
  std::unique_ptr<NetConnectionClient> nc;
  std::vector<NcClientEvent> events;
  std::vector<FlowRejected> rejected;  // flow exceptions seen
  bool session_closed = false;

  bool has(NcClientEvent::Kind k) const {
    for (const auto& e : events)
      if (e.kind == k) return true;
    return false;
  }
  std::vector<rtmp::Message> media() const {
    std::vector<rtmp::Message> r;
    for (const auto& e : events)
      if (e.kind == NcClientEvent::Kind::media) r.push_back(e.message);
    return r;
  }
  const NcClientEvent* failure() const {
    for (const auto& e : events)
      if (e.kind == NcClientEvent::Kind::failed) return &e;
    return nullptr;
  }
};

class World {
 public:
  TimePoint now = at(seconds(1000));
  std::function<bool(const SocketAddress& from, const SocketAddress& to, const Bytes&)> filter;  // false: drop

  Peer& add_peer(std::uint8_t last, EndpointConfig cfg = {}, std::uint16_t port = 1935) {
    auto p = std::make_unique<Peer>();
    p->address = SocketAddress::ipv4(10, 0, 0, last, port);
    p->rng = std::make_unique<SeededRandom>(last * 7919u + port);
    p->profile = std::make_unique<rtmfp::testing::NullProfile>(*p->rng);
    p->endpoint = std::make_unique<Endpoint>(cfg, *p->rng);
    p->endpoint->add_profile(*p->profile);
    peers_.push_back(std::move(p));
    return *peers_.back();
  }

  // A server peer running a MediaServer with `policy`.
  MediaServer& add_server(ServerPolicy policy, rtmp::RegistryLimits limits = {}) {
    EndpointConfig sc;
    sc.receive_buffer = kStreamReceiveBuffer;  // as media/io configures it
    Peer& p = add_peer(1, sc);
    server_peer_ = &p;
    server_ = std::make_unique<MediaServer>(*p.endpoint, std::move(policy), limits);
    p.on_event = [this](TimePoint t, EndpointEvent&& e) {
      server_->on_event(t, e);
      server_->flush(t);
    };
    return *server_;
  }
  MediaServer& server() { return *server_; }
  Peer& server_peer() { return *server_peer_; }

  // A client peer that connects to the server and runs a NetConnectionClient,
  // from its own address or from 10.0.0.`last`:`port`.
  Client& add_client(NcClientConfig cfg, std::optional<std::pair<std::uint8_t, std::uint16_t>> from = std::nullopt) {
    Peer& p = from ? add_peer(from->first, client_config(), from->second)
                   : add_peer(static_cast<std::uint8_t>(10 + clients_.size()), client_config());
    auto c = std::make_unique<Client>();
    c->peer = &p;
    c->nc = std::make_unique<NetConnectionClient>(std::move(cfg));
    Client* cp = c.get();
    p.on_event = [cp](TimePoint t, EndpointEvent&& e) {
      if (auto* o = std::get_if<SessionOpened>(&e)) {
        cp->session = o->session;
        cp->port = std::make_unique<EndpointFlowPort>(*cp->peer->endpoint, o->session);
        (void)cp->nc->start(t, *cp->port);
      } else if (auto* cl = std::get_if<SessionClosed>(&e)) {
        cp->session_closed = true;
        cp->nc->on_session_closed(close_reason_name(cl->reason));
      } else if (cp->port) {
        if (auto* in = std::get_if<FlowIncoming>(&e))
          cp->nc->on_flow_incoming(t, *cp->port, in->flow, in->metadata, in->association);
        else if (auto* m = std::get_if<rtmfp::FlowMessage>(&e))
          cp->nc->on_flow_message(t, *cp->port, m->flow, m->data);
        else if (auto* f = std::get_if<FlowFinished>(&e))
          cp->nc->on_flow_finished(t, *cp->port, f->flow);
        else if (auto* r = std::get_if<FlowRejected>(&e)) {
          cp->rejected.push_back(*r);
          cp->nc->on_flow_rejected(t, *cp->port, r->flow, r->code);
        }
      }
      for (auto& ev : cp->nc->take_events()) cp->events.push_back(std::move(ev));
    };
    ConnectRequest req;
    req.profile = ProfileKind::modern;
    req.epd.uri = "rtmfp://server/live";
    req.candidates = {server_peer_->address};
    EXPECT_TRUE(p.endpoint->connect(now, req));
    clients_.push_back(std::move(c));
    return *clients_.back();
  }

  // A client that opens an RTMFP session to the server and then does
  // nothing (no NetConnection): what an idle or hostile client looks like.
  struct Idle {
    Peer* peer = nullptr;
    bool opened = false, closed = false;
  };
  Idle& add_idle_client(std::uint8_t last, std::uint16_t port = 1935) {
    Peer& p = add_peer(last, client_config(), port);
    idle_.push_back(std::make_unique<Idle>());
    Idle* ip = idle_.back().get();
    ip->peer = &p;
    p.on_event = [ip](TimePoint, EndpointEvent&& e) {
      if (std::holds_alternative<SessionOpened>(e)) ip->opened = true;
      if (std::holds_alternative<SessionClosed>(e)) ip->closed = true;
    };
    ConnectRequest req;
    req.profile = ProfileKind::modern;
    req.epd.uri = "rtmfp://server/live";
    req.candidates = {server_peer_->address};
    EXPECT_TRUE(p.endpoint->connect(now, req));
    return *ip;
  }

  static EndpointConfig client_config() {
    EndpointConfig c;
    c.accept_sessions = false;
    c.receive_buffer = kStreamReceiveBuffer;  // as media/io configures it
    return c;
  }

  // Delivers everything queued and dispatches events, repeatedly.
  void deliver() {
    for (int round = 0; round < 10000; ++round) {
      bool any = false;
      for (auto& p : peers_) {
        while (auto e = p->endpoint->poll_event()) {
          any = true;
          if (p->on_event) p->on_event(now, std::move(*e));
        }
        while (auto t = p->endpoint->poll_transmit(now)) {
          any = true;
          if (filter && !filter(p->address, t->to, t->data)) continue;
          for (auto& q : peers_)
            if (q->address == t->to) q->endpoint->on_datagram(now, p->address, t->data);
        }
      }
      if (!any) return;
    }
  }

  // The NetConnections' own timers (the timestamp merge), as the relay's
  // node thread runs them on its tick.
  std::optional<TimePoint> app_deadline() const {
    std::optional<TimePoint> d = server_ ? server_->next_deadline() : std::nullopt;
    for (const auto& c : clients_) d = earliest(d, c->nc->next_deadline());
    return d;
  }
  void app_tick() {
    if (server_) server_->flush(now);
    for (auto& c : clients_) {
      c->nc->poll(now);
      for (auto& ev : c->nc->take_events()) c->events.push_back(std::move(ev));
    }
  }

  // Runs the virtual clock until pred() or `max` elapsed.
  bool run_until(const std::function<bool()>& pred, Duration max = seconds(30)) {
    const TimePoint limit = now + max;
    deliver();
    while (!pred()) {
      std::optional<TimePoint> next = app_deadline();
      for (auto& p : peers_) next = earliest(next, p->endpoint->next_deadline());
      if (!next || *next > limit) {
        now = limit;
        app_tick();
        deliver();
        return pred();
      }
      now = std::max(now, *next);
      for (auto& p : peers_)
        if (auto d = p->endpoint->next_deadline(); d && *d <= now) p->endpoint->on_deadline(now);
      app_tick();
      deliver();
    }
    return true;
  }
  void run_for(Duration d) {
    const TimePoint limit = now + d;
    (void)run_until([&] { return now >= limit; }, d);
  }

 private:
  std::vector<std::unique_ptr<Peer>> peers_;
  Peer* server_peer_ = nullptr;
  std::unique_ptr<MediaServer> server_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::unique_ptr<Idle>> idle_;
};

}  // namespace rtmfp::media::gateway::testing
