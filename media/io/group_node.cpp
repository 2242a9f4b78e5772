#include "media/io/group_node.hpp"

#include <array>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "media/io/group_fanout.hpp"
#include "rendezvous/control/introduction_message.hpp"
#include "rendezvous/core/nat_checker.hpp"
#include "rendezvous/io/host_socket_pool.hpp"
#include "rendezvous/service/birthday_service.hpp"
#include "rendezvous/service/group_directory_client.hpp"
#include "rendezvous/service/nat_reporter.hpp"
#include "rendezvous/service/registration_client.hpp"
#include "rtmfp/crypto/modern/modern_profile.hpp"
#include "rtmfp/group/service/group_service.hpp"
#include "rtmfp/host/node_host.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/resolve.hpp"
#include "rtmfp/io/system_random.hpp"
#include "rtmfp/node/node.hpp"

namespace rtmfp::media::io {

using rtmfp::io::steady_now;

namespace {
// Played frames waiting for the relay (local bound: ~ a minute of a 30 fps
// stream with audio); past it the oldest is dropped and counted.
constexpr std::size_t kMaxQueuedFrames = 8192;

std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<GroupNode>> g_registry;
std::vector<GroupReport> g_final;

double ms(std::optional<Duration> d) { return d ? static_cast<double>(to_ms(*d)) : -1.0; }
}  // namespace

std::vector<GroupReport> take_final_group_reports() {
  std::lock_guard lk(g_registry_mu);
  return std::exchange(g_final, {});
}

std::string group_path_name(const group::GroupPaths& p) {
  if (p.direct && p.relayed) return "direct+relayed";
  if (p.relayed) return "relayed";
  return p.direct ? "direct" : "none";
}

std::string group_report_json(const GroupReport& r) {
  const auto& c = r.counters;
  const auto& p = r.playout;
  char buf[2048];
  const double ratio = r.stream_bytes ? double(c.media_bytes_sent) / double(r.stream_bytes) : 0.0;
  std::snprintf(
      buf, sizeof buf,
      "{\"group\":\"%s\",\"role\":\"%s\",\"neighbors\":%zu,\"framesPlayed\":%llu,\"framesDelivered\":%llu,"
      "\"framesDropped\":%llu,\"holesSkipped\":%llu,\"fragmentsSkipped\":%llu,"
      "\"fragmentsPushedToPeers\":%llu,\"bytesPushedToPeers\":%llu,\"fragmentsPushedFromPeers\":%llu,"
      "\"bytesPushedFromPeers\":%llu,\"fragmentsRequestedByPeers\":%llu,\"bytesRequestedByPeers\":%llu,"
      "\"fragmentsRequestedFromPeers\":%llu,\"fragmentsPulledFromPeers\":%llu,\"bytesPulledFromPeers\":%llu,"
      "\"fragmentsReceivedFromServer\":%llu,\"bytesReceivedFromServer\":%llu,\"fragmentsPublished\":%llu,"
      "\"bytesPublished\":%llu,\"duplicates\":%llu,\"forged\":%llu,\"malformed\":%llu,\"mediaBytesSent\":%llu,"
      "\"controlBytesSent\":%llu,\"uploadRatio\":%.3f,\"joinToFirstFrameMs\":%.0f,\"publisherRuns\":%llu,"
      "\"path\":\"%s\",\"linksDirect\":%llu,\"linksRelayed\":%llu}",
      r.specifier.c_str(), r.publisher ? "publisher" : "member", r.neighbours, (unsigned long long)p.frames,
      (unsigned long long)r.frames_delivered, (unsigned long long)r.frames_dropped,
      (unsigned long long)p.holes_skipped, (unsigned long long)p.fragments_skipped,
      (unsigned long long)c.fragments_pushed_to_peers, (unsigned long long)c.bytes_pushed_to_peers,
      (unsigned long long)c.fragments_pushed_from_peers, (unsigned long long)c.bytes_pushed_from_peers,
      (unsigned long long)c.fragments_requested_by_peers, (unsigned long long)c.bytes_requested_by_peers,
      (unsigned long long)c.fragments_requested_from_peers, (unsigned long long)c.fragments_pulled_from_peers,
      (unsigned long long)c.bytes_pulled_from_peers, (unsigned long long)c.fragments_from_publisher,
      (unsigned long long)c.bytes_from_publisher, (unsigned long long)c.fragments_published,
      (unsigned long long)c.bytes_published, (unsigned long long)c.duplicates, (unsigned long long)c.forged,
      (unsigned long long)c.malformed, (unsigned long long)c.media_bytes_sent,
      (unsigned long long)c.control_bytes_sent, ratio, ms(c.join_to_first_frame),
      (unsigned long long)c.runs_followed, group_path_name(r.paths).c_str(), (unsigned long long)r.paths.direct,
      (unsigned long long)r.paths.relayed);
  return buf;
}

std::string group_report_line(const GroupReport& r) {
  const auto& c = r.counters;
  char buf[768];
  const double ratio = r.stream_bytes ? double(c.media_bytes_sent) / double(r.stream_bytes) : 0.0;
  std::snprintf(buf, sizeof buf,
                "group %s %s neighbours=%zu played=%llu skipped=%llu pushed_from_peers=%llu pulled=%llu "
                "from_publisher=%llu bytes_sent=%llu duplicates=%llu upload_ratio=%.2f join_ms=%.0f path=%s",
                r.specifier.substr(0, r.specifier.find(':')).c_str(), r.publisher ? "publisher" : "member",
                r.neighbours, (unsigned long long)r.playout.frames, (unsigned long long)r.playout.holes_skipped,
                (unsigned long long)c.bytes_pushed_from_peers, (unsigned long long)c.bytes_pulled_from_peers,
                (unsigned long long)c.bytes_from_publisher, (unsigned long long)c.media_bytes_sent,
                (unsigned long long)c.duplicates, ratio, ms(c.join_to_first_frame), group_path_name(r.paths).c_str());
  return buf;
}

// One group this node holds (node thread only): its membership in the
// GroupService (none while its players wait for their publisher to come
// back), the local publisher and the local players, who play through the
// fan-out (group_fanout.hpp).
struct GroupHolding {
  std::string name;
  std::optional<group::PublicKey> key;  // learned from the rendezvous, or asked for
  GroupMembership* publisher = nullptr;
  std::vector<GroupMembership*> players;
  // The membership: its directory entry (0: none) and, once the rendezvous
  // answered, its group in the service.
  std::uint32_t handle = 0;
  bool as_publisher = false;
  std::optional<group::GroupId> gid;
  std::unique_ptr<group::Ed25519Authenticator> member_auth;
  GroupFanout fanout;
};

struct GroupNode::Impl {
  rtmfp::io::SystemRandom rng;
  std::unique_ptr<crypto::ModernProfile> profile;
  std::unique_ptr<Endpoint> endpoint;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<rendezvous::RegistrationClient> reg;
  std::unique_ptr<rendezvous::GroupDirectoryClient> dir;
  std::unique_ptr<group::GroupService> svc;
  std::unique_ptr<host::NodeHost> host;
  // The NAT check after each registration, its class reported (the
  // introducer plans each introduction between members from both classes,
  // rendezvous/core/path_strategy.hpp), and birthday probing when told to
  // (on the host's extra sockets). Destroyed before the host.
  std::unique_ptr<rendezvous::NatChecker> nat;
  std::unique_ptr<rendezvous::NatReporter> nat_reporter;
  rendezvous::HostSocketPool birthday_sockets;
  std::unique_ptr<rendezvous::BirthdayService> birthday;
  std::string key;
  // Node thread only. The groups held, by name (bounded by the process's
  // endpoints: each holding has one at least).
  std::map<std::string, std::unique_ptr<GroupHolding>> holdings;
  std::map<std::uint32_t, GroupHolding*> by_handle;
  std::map<group::GroupId, GroupHolding*> by_gid;
  std::set<GroupMembership*> memberships;
  // Per group this process published: where its last run stopped (bounded
  // by the groups a process publishes; kept for the process's life).
  std::map<group::GroupId, group::Seq> last_published;

  // A publisher run continues the group above every earlier run
  // (group_types.hpp, publisher runs): from the wall clock, and above this
  // process's own previous run of the group (a gateway route restarted
  // within a millisecond, or a clock stepped back meanwhile).
  group::Seq publisher_first_seq(const group::GroupId& gid) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    group::Seq first = group::run_first_seq(static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0)));
    if (auto it = last_published.find(gid); it != last_published.end())
      first = std::max(first, it->second + 2 * group::kMaxAhead);
    return first;
  }

  void snapshot(GroupMembership& m) {
    GroupHolding* h = m.holding_;
    group::GroupMember* member = nullptr;
    // A player of this node's own publisher has no membership of its own:
    // no neighbours, no network counters, only what it played.
    if (h && h->gid && (m.publisher_ || !h->as_publisher)) member = svc->member(*h->gid);
    std::lock_guard lk(m.mu_);
    m.report_.specifier = m.spec_.to_string();
    m.report_.publisher = m.publisher_;
    m.report_.stream_bytes = m.stream_bytes_;
    if (member) {
      m.report_.neighbours = member->neighbour_count();
      m.report_.counters = member->counters();
      m.report_.playout = member->playout_counters();
      m.report_.paths = svc->paths(*h->gid);
    } else if (!m.publisher_) {
      m.report_.paths = {};
      m.report_.neighbours = 0;
      m.report_.counters = {};
      m.report_.playout = {};
      m.report_.playout.frames = m.frames_played_;
    }
  }

  static void fail_join(GroupMembership& m, std::string why) {
    std::lock_guard lk(m.mu_);
    m.last_error_ = std::move(why);
    m.failed_ = true;
    m.cv_.notify_all();
  }
  static void mark_joined(GroupMembership& m, const std::optional<group::PublicKey>& key) {
    std::lock_guard lk(m.mu_);
    if (m.joined_) return;  // (once: the endpoint reads its specifier from then on)
    if (key) m.spec_.key = key;
    m.joined_ = true;
    m.cv_.notify_all();
  }
  static void note_error(GroupHolding& h, const std::string& why) {
    auto note = [&](GroupMembership* m) {
      std::lock_guard lk(m->mu_);
      m->last_error_ = why;
    };
    if (h.publisher) note(h.publisher);
    for (auto* p : h.players) note(p);
  }

  // A player's frame (from its group's fan-out) into its queue.
  static void deliver(GroupMembership& m, group::PlayedFrame f) {
    std::lock_guard lk(m.mu_);
    if (m.frames_.size() >= kMaxQueuedFrames) {
      m.frames_.pop_front();
      ++m.report_.frames_dropped;
    }
    m.frames_.push_back(std::move(f));
    ++m.frames_played_;
    m.cv_.notify_all();
  }

  void start_membership(TimePoint now, GroupHolding& h, bool publisher) {
    h.as_publisher = publisher;
    h.handle = dir->join(now, h.name, h.key, publisher);
    by_handle[h.handle] = &h;
  }

  void end_membership(TimePoint now, GroupHolding& h) {
    if (h.gid) {
      if (auto* member = svc->member(*h.gid); member && h.as_publisher)
        last_published[*h.gid] = member->next_publish_seq();
      svc->remove_group(now, *h.gid);
      by_gid.erase(*h.gid);
      h.gid.reset();
    }
    if (h.handle) {
      dir->leave(now, h.handle);
      by_handle.erase(h.handle);
      h.handle = 0;
    }
    h.member_auth.reset();
    h.fanout.source_stopped();
  }

  // An endpoint comes to its group: it holds it (the first one), or shares
  // the holding there is (group_node.hpp, roles).
  void attach(TimePoint now, GroupMembership& m) {
    auto& slot = holdings[m.spec_.name];
    if (!slot) {
      slot = std::make_unique<GroupHolding>();
      slot->name = m.spec_.name;
    }
    GroupHolding& h = *slot;
    const auto& key = m.spec_.key;
    auto drop_if_unused = [&] {
      if (!h.publisher && h.players.empty()) holdings.erase(m.spec_.name);
    };
    if (m.publisher_) {
      if (h.publisher) {
        fail_join(m, "group " + h.name + " is already published by this process");
        return;
      }
      if (h.key && key && *h.key != *key && !h.players.empty()) {
        fail_join(m, "group " + h.name + " is played by this process from another publisher (key)");
        return;
      }
      h.publisher = &m;
      m.holding_ = &h;
      // Its players' membership (as a member) gives way: the stream is now
      // this node's own.
      if (h.handle && !h.as_publisher) end_membership(now, h);
      h.key = key;
      start_membership(now, h, true);
      return;  // joined when the rendezvous answers (on_members)
    }
    if (key && h.key && *key != *h.key) {
      fail_join(m, "group " + h.name + " is held by this process under another publisher key");
      drop_if_unused();
      return;
    }
    GroupMembership* mp = &m;
    if (auto r = h.fanout.add_player(mp, [mp](group::PlayedFrame f) { deliver(*mp, std::move(f)); }); !r) {
      fail_join(m, "group " + h.name + ": " + r.error().message());
      drop_if_unused();
      return;
    }
    h.players.push_back(mp);
    m.holding_ = &h;
    if (!h.key) h.key = key;
    if (!h.publisher && !h.handle && h.players.size() == 1) {
      start_membership(now, h, false);  // a new holding: this node joins as a member
    } else if (h.gid || (!h.handle && h.key)) {
      // Joined already, or waiting for its publisher to come back.
      mark_joined(m, h.key);
    }
    // (Otherwise the membership is being joined: on_members.)
  }

  void detach(TimePoint now, GroupMembership& m) {
    GroupHolding* hp = m.holding_;
    if (!hp) return;
    GroupHolding& h = *hp;
    m.holding_ = nullptr;
    if (h.publisher == &m) {
      // The players stay (without a membership) for the publisher's next run.
      h.publisher = nullptr;
      end_membership(now, h);
    } else {
      h.fanout.remove_player(&m);
      std::erase(h.players, &m);
    }
    if (!h.publisher && h.players.empty()) {
      end_membership(now, h);
      holdings.erase(h.name);
    }
  }

  // The rendezvous answered: the first answer creates the member.
  void on_members(TimePoint now, std::uint32_t handle, const rendezvous::control::GroupMembers& g) {
    auto it = by_handle.find(handle);
    if (it == by_handle.end()) return;
    GroupHolding& h = *it->second;
    if (!h.gid) {
      const auto gid = group::group_id(h.name, g.publisher_key);
      const group::Authenticator* auth = nullptr;
      if (h.as_publisher && h.publisher) {
        auth = h.publisher->auth_.get();
      } else {
        h.member_auth = std::make_unique<group::Ed25519Authenticator>(g.publisher_key);
        auth = h.member_auth.get();
      }
      group::GroupConfig config;
      if (h.as_publisher) config.first_seq = publisher_first_seq(gid);
      auto r = svc->add_group(now, gid, h.as_publisher ? group::Role::publisher : group::Role::member, *auth, config);
      if (!r) {
        note_error(h, r.error().message());
        return;
      }
      h.gid = gid;
      by_gid[gid] = &h;
      h.key = g.publisher_key;
      if (h.publisher) mark_joined(*h.publisher, h.key);
      for (auto* p : h.players) mark_joined(*p, h.key);
    }
    std::vector<group::MemberId> ids = g.members;
    if (g.publisher_peer_id) ids.push_back(*g.publisher_peer_id);
    svc->add_members(now, *h.gid, ids);
  }

  void on_failure(std::uint32_t handle, const std::string& reason) {
    auto it = by_handle.find(handle);
    if (it == by_handle.end()) return;
    note_error(*it->second, reason);
  }

  // What the membership plays, to the holding's players.
  void on_frames(const group::GroupId& gid, std::vector<group::PlayedFrame> frames) {
    auto it = by_gid.find(gid);
    if (it == by_gid.end() || it->second->as_publisher) return;
    for (auto& f : frames) it->second->fanout.on_frame(f.frame, f.run_start);
  }

  void publish(GroupMembership& m, const group::MediaFrame& f) {
    GroupHolding* h = m.holding_;
    if (!h || h->publisher != &m || !h->as_publisher || !h->gid) return;
    if (svc->publish(steady_now(), *h->gid, f)) h->fanout.on_frame(f);
  }
};

GroupNode::GroupNode() : impl_(std::make_unique<Impl>()) {}

GroupNode::~GroupNode() {
  if (!impl_->host) return;
  impl_->host->shutdown();
  impl_->host->join();
}

PeerId GroupNode::peer_id() const { return impl_->profile->local_peer_id(); }

Result<std::shared_ptr<GroupNode>> GroupNode::acquire(const std::string& host, std::uint16_t port,
                                                      const RelayOptions& o) {
  const std::string key = host + ":" + std::to_string(port);
  std::lock_guard lk(g_registry_mu);
  if (auto it = g_registry.find(key); it != g_registry.end())
    if (auto n = it->second.lock()) return n;
  asio::io_context io;
  auto addrs = rtmfp::io::resolve(io, host, port);
  if (!addrs) return std::unexpected(addrs.error());
  std::vector<SocketAddress> v4;
  for (const auto& a : *addrs)
    if (!a.v6) v4.push_back(a);
  if (v4.empty()) return fail(Errc::not_found, "rendezvous " + key + " has no IPv4 address");

  std::shared_ptr<GroupNode> n(new GroupNode());
  Impl& im = *n->impl_;
  im.key = key;
  crypto::ModernConfig mc;
  // Peers select us by the peer ID the rendezvous registers (introductions).
  mc.stable_initiator_identity = true;
  auto p = crypto::ModernProfile::create(mc, im.rng);
  if (!p) return std::unexpected(p.error());
  im.profile = std::move(*p);
  EndpointConfig ec;
  ec.choose_receive_order = [](ByteView md) { return group::group_receive_order(md); };
  ec.keepalive_period = seconds(10);
  ec.max_datagram_limit = o.max_datagram_limit;
  ec.open_timeout = seconds(10);
  ec.report_forwarded_ihellos = true;  // the FIHello's tag, for birthday probing's RHellos
  im.endpoint = std::make_unique<Endpoint>(ec, im.rng);
  im.endpoint->add_profile(*im.profile);
  im.node = std::make_unique<node::Node>(*im.endpoint);
  ConnectRequest to_rv;
  to_rv.profile = ProfileKind::modern;
  to_rv.epd.uri = "rtmfp://" + key;
  to_rv.candidates = v4;
  rendezvous::RegistrationOptions ro;
  ro.nat_report_follows = true;
  im.reg = std::make_unique<rendezvous::RegistrationClient>(*im.endpoint, std::vector<ConnectRequest>{to_rv},
                                                            std::vector<SocketAddress>{}, ro);
  Impl* ip = &im;
  rendezvous::NatCheckerConfig nc;
  nc.profile = ProfileKind::modern;
  nc.server = v4.front();
  im.nat = std::make_unique<rendezvous::NatChecker>(
      *im.endpoint, im.rng, nc, [ip](TimePoint now, const rendezvous::NatCheckResult& r) { ip->nat_reporter->done(now, r); });
  im.nat_reporter = std::make_unique<rendezvous::NatReporter>(*im.reg, *im.nat);
  im.birthday = std::make_unique<rendezvous::BirthdayService>(*im.endpoint, &im.birthday_sockets, im.rng.u64());
  im.reg->set_introduction_handler([ip](TimePoint now, const rendezvous::control::Introduction& i) {
    if (auto order = rendezvous::control::birthday_order(i)) ip->birthday->traversal().on_order(now, *order);
  });
  im.dir = std::make_unique<rendezvous::GroupDirectoryClient>(
      *im.reg,
      [ip](TimePoint now, std::uint32_t h, const rendezvous::control::GroupMembers& g) { ip->on_members(now, h, g); },
      [ip](TimePoint, std::uint32_t h, const std::string& why) { ip->on_failure(h, why); });
  im.svc = std::make_unique<group::GroupService>(*im.endpoint, im.rng, ProfileKind::modern, v4);
  im.svc->set_frames_handler(
      [ip](const group::GroupId& gid, std::vector<group::PlayedFrame> f) { ip->on_frames(gid, std::move(f)); });
  for (node::Service* s : {static_cast<node::Service*>(im.reg.get()), static_cast<node::Service*>(im.dir.get()),
                           static_cast<node::Service*>(im.svc.get()), static_cast<node::Service*>(im.nat.get()),
                           static_cast<node::Service*>(im.nat_reporter.get()),
                           static_cast<node::Service*>(im.birthday.get())})
    if (auto a = im.node->add_service(*s); !a) return std::unexpected(a.error());
  host::NodeHostOptions ho;
  ho.listen = {SocketAddress::ipv4(0, 0, 0, 0, 0)};
  ho.drain_limit = milliseconds(1500);
  if (o.stats_interval.count() > 0) {
    ho.stats_interval = std::chrono::duration_cast<Duration>(o.stats_interval);
    ho.on_stats = [ip, json = o.json] {
      for (auto* m : ip->memberships) {
        ip->snapshot(*m);
        GroupReport r;
        {
          std::lock_guard lk(m->mu_);
          r = m->report_;
        }
        std::fprintf(stderr, "%s\n", (json ? group_report_json(r) : group_report_line(r)).c_str());
      }
    };
  }
  im.host = std::make_unique<host::NodeHost>(*im.node, std::move(ho));
  im.birthday_sockets.attach(im.host.get());
  if (auto b = im.host->open(); !b) return std::unexpected(b.error());
  im.host->start();
  g_registry[key] = n;
  return n;
}

Result<std::shared_ptr<GroupMembership>> GroupNode::join(const group::GroupSpecifier& spec,
                                                         std::optional<group::PublisherKeys> keys,
                                                         std::chrono::milliseconds timeout) {
  const bool publisher = keys.has_value();
  group::GroupSpecifier s = spec;
  if (publisher) s.key = keys->public_key;
  std::shared_ptr<GroupMembership> m(new GroupMembership(shared_from_this(), s, publisher));
  if (publisher) m->auth_ = std::make_unique<group::Ed25519Authenticator>(*keys);
  GroupMembership* mp = m.get();
  Impl* ip = impl_.get();
  impl_->host->post([ip, mp] {
    ip->memberships.insert(mp);
    ip->attach(steady_now(), *mp);
  });
  std::unique_lock lk(m->mu_);
  const bool answered = m->cv_.wait_for(lk, timeout, [&] { return m->joined_ || m->failed_ || m->interrupted_; });
  if (!answered || m->failed_) {
    // (`m` leaves on destruction.)
    const std::string why = m->last_error_.empty() ? "no answer from the rendezvous" : m->last_error_;
    const bool refused = m->failed_;
    lk.unlock();
    if (refused) return fail(Errc::invalid_argument, why);  // a local conflict: exit 2, not retried
    return fail(Errc::timeout, "group " + s.name + ": " + why);
  }
  return m;
}

void GroupNode::leave(GroupMembership& m) {
  Impl* ip = impl_.get();
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  impl_->host->post([ip, &m, done] {
    ip->snapshot(m);
    ip->detach(steady_now(), m);
    ip->memberships.erase(&m);
    done->set_value();
  });
  (void)fut.wait_for(std::chrono::seconds(3));
}

GroupMembership::~GroupMembership() {
  node_->leave(*this);
  std::lock_guard lk(g_registry_mu);
  std::lock_guard lk2(mu_);
  if (!joined_) return;  // never in the group: nothing to report
  report_.specifier = spec_.to_string();
  report_.publisher = publisher_;
  g_final.push_back(report_);
}

void GroupMembership::interrupt() {
  std::lock_guard lk(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

Result<std::optional<group::PlayedFrame>> GroupMembership::next(std::chrono::milliseconds first,
                                                               std::chrono::milliseconds idle) {
  std::unique_lock lk(mu_);
  const bool started = report_.frames_delivered > 0;
  if (!cv_.wait_for(lk, started ? idle : first, [&] { return !frames_.empty() || interrupted_; })) {
    if (started) return std::optional<group::PlayedFrame>{};  // the stream ended (or stalled): done
    return fail(Errc::timeout, "no media from group " + spec_.name + " within " +
                                   std::to_string(first.count() / 1000) + " s");
  }
  if (frames_.empty()) return std::optional<group::PlayedFrame>{};
  auto f = std::move(frames_.front());
  frames_.pop_front();
  ++report_.frames_delivered;
  return std::optional<group::PlayedFrame>(std::move(f));
}

void GroupMembership::publish(group::MediaFrame frame) {
  stream_bytes_ += frame.payload.size();
  auto* ip = node_->impl_.get();
  GroupMembership* mp = this;
  ip->host->post([ip, mp, f = std::move(frame)] { ip->publish(*mp, f); });
}

GroupReport GroupMembership::report() {
  auto* ip = node_->impl_.get();
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  ip->host->post([ip, this, done] {
    ip->snapshot(*this);
    done->set_value();
  });
  (void)fut.wait_for(std::chrono::seconds(1));
  std::lock_guard lk(mu_);
  return report_;
}

}  // namespace rtmfp::media::io
