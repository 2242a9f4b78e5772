// A deterministic simulator for P2P broadcast groups: many GroupMembers
// (rtmfp/group/core) on a virtual clock, joined by links with a one-way
// delay per pair, random loss, and an upload capacity per member (a FIFO
// that serialises what the member sends; media waiting more than a second
// is dropped, as a congested path would). Reliable messages (the member's
// control: hello, subscriptions, gossip, goodbye) stand for messages on a
// reliable RTMFP flow: each loss costs a retransmission (one RTT + 200 ms);
// fragments, maps and pulls may be lost. A link opens two RTTs after a
// connect (the RTMFP handshake), and members crash without a goodbye.
//
// A synthetic live stream (audio + video with keyframes, configuration at
// the start) is published; every frame's payload names its index and is
// otherwise pseudo-random, so each member's played frames are checked byte
// for byte and timed against their publishing time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing::groupsim {

using namespace std::chrono_literals;
using group::GroupMember;
using group::MediaFrame;
using group::MediaType;
using group::MemberId;

struct StreamShape {
  double bitrate = 1'000'000;  // bits/s of payload, audio + video
  double fps = 30;
  Duration gop = 1s;
  double audio_fps = 50;
  std::size_t audio_bytes = 160;
  double keyframe_share = 0.3;  // of a GOP's video bytes
  std::size_t keyframe_bytes = 0;  // fixed keyframe size instead (0: from the share)
};

struct WorldConfig {
  std::uint64_t seed = 1;
  std::size_t members = 100;  // besides the publisher
  double loss = 0.05;
  Duration min_delay = 10ms, max_delay = 80ms;
  double upload_min = 1.5, upload_max = 5.0;  // members' upload, multiples of the bitrate
  double publisher_upload = 3.0;
  double churn_per_minute = 0.0;  // share of members leaving abruptly (and as many joining) per minute
  Duration join_spread = 1s;      // initial members join within this after the publisher starts
  Duration run = 30s;
  Duration warmup = 5s;    // frames published before this are not scored
  Duration deadline = 2s;  // a frame is on time when played within this of publishing
  std::size_t directory_sample = 16;
  std::size_t forgers = 0;  // members that alter every fragment they send
  std::size_t late_joiners = 0;  // join at random times between warmup and run - 5 s
  // Publisher restart (0: none): the publisher crashes then, and a new one
  // with the same key (a new peer ID, a new run numbered from a later wall
  // clock, timestamps from 0 again, a changed video sequence header, the
  // same audio one) starts restart_gap later.
  Duration restart_at{};
  Duration restart_gap = 300ms;
  std::uint64_t unix_ms = 0;  // the publisher's wall clock at the start (run_first_seq), 0: numbers from 1
  std::uint64_t first_seq = 0;  // the publisher's first fragment number instead (0: from unix_ms)
  std::size_t replayers = 0;  // members that record the first run's fragments and replay them after the restart
  StreamShape stream;
  group::GroupConfig group;
};

struct FrameRecord {
  TimePoint published{};
  MediaFrame frame;
  bool scored = false;  // audio/video, not configuration
};

struct Results {
  std::uint64_t expected = 0, on_time = 0, late = 0, missing = 0, corrupt = 0;
  std::uint64_t keyframes_expected = 0, keyframes_played = 0;  // complete, whenever
  sim::Samples delay_ms;          // publish -> play, every played scored frame
  sim::Samples join_ms;           // join -> first frame played, members joining after the warmup
  sim::Samples crash_gap_ms;      // longest playout gap of members that lost a pusher in a crash
  double publisher_upload_ratio = 0;  // publisher's bytes on the wire / stream payload bytes
  double control_share = 0;        // control bytes / media bytes, all members
  std::uint64_t forged_dropped = 0;
  std::size_t members_never_played = 0;
  std::size_t max_neighbours = 0;
  double mean_neighbours = 0;
  bool connected = true;  // the neighbour graph, from the publisher
  // Publisher restart: per member, from the new run's first keyframe
  // published to the first frame of the new run played.
  sim::Samples resume_ms;
  std::size_t members_not_resumed = 0;
  std::uint64_t timestamps_backwards = 0;   // audio/video timestamps played lower than the previous one
  std::uint64_t old_after_new = 0;          // first-run frames played after a second-run frame
  std::size_t new_video_config_played = 0;  // members that played the second run's (changed) video config
  std::size_t audio_config_replayed = 0;    // members that played the unchanged audio config again
  double store_mib_per_member = 0;
  std::uint64_t publish_failures = 0;
  double on_time_share() const { return expected ? double(on_time) / double(expected) : 0; }
  std::string summary() const;
};

class World {
 public:
  explicit World(WorldConfig c);
  Results run();

 private:
  struct Queued {
    std::size_t to = 0;
    Bytes msg;
    group::SendKind kind = group::SendKind::control;
    TimePoint queued{};
  };
  struct Member {
    std::array<std::deque<Queued>, 4> queue;
    std::array<std::uint64_t, 4> queued_wire{};  // bytes on the wire waiting in each queue
    TimePoint sending_until{};                   // the message being sent leaves then
    bool transmitting = false;
    std::unique_ptr<GroupMember> core;
    std::unique_ptr<group::Ed25519Authenticator> auth;
    bool alive = true;
    bool forger = false;
    bool replayer = false;
    std::vector<Bytes> recorded;  // replayer: first-run fragment messages
    std::int64_t last_ts = -1;     // last audio/video timestamp played
    std::uint64_t ts_backwards = 0, old_after_new = 0, audio_config_plays = 0;
    bool played_new_run = false, played_new_video_config = false;
    std::int64_t first_new_run_us = -1;    TimePoint joined{}, left{};
    bool has_left = false;
    double upload_bps = 0;
    std::set<std::size_t> links;  // members it holds a link with (its own view)
    std::uint64_t wire_bytes = 0;
    std::vector<std::int64_t> played_us;  // per frame index, -1 = not played
    std::int64_t first_played_us = -1;
    std::uint64_t corrupt = 0;
    std::uint64_t tick_version = 0;
    std::optional<TimePoint> tick_at;
  };
  struct Event {
    TimePoint at;
    std::uint64_t order;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  void schedule(TimePoint at, std::function<void()> fn) { events_.push(Event{at, next_order_++, std::move(fn)}); }
  std::size_t add_member(group::Role role, TimePoint now, group::Seq first_seq = 0);
  void restart_publisher(TimePoint now);
  void replay(std::size_t i, TimePoint now);
  void kill(std::size_t i, TimePoint now);
  void pump(std::size_t i, TimePoint now);  // runs a member's actions, reschedules its tick
  void report_upload(std::size_t i, TimePoint now);  // the member's upload wait, as a host measures it
  void deliver(std::size_t from, std::size_t to, Bytes msg, group::SendKind kind, TimePoint now);
  void transmit(std::size_t from, TimePoint now);
  Duration delay(std::size_t a, std::size_t b) const;
  void publish_frames(TimePoint now);
  MediaFrame make_frame(std::uint64_t index, MediaType type, bool key, bool config, std::size_t size) const;
  std::vector<MemberId> directory_sample(std::size_t except);

  WorldConfig c_;
  SeededRandom rng_;
  group::PublisherKeys keys_;
  group::GroupId group_id_{};
  std::vector<Member> members_;
  std::map<MemberId, std::size_t> index_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::uint64_t next_order_ = 0;
  TimePoint now_{};
  TimePoint t0_{};
  std::vector<FrameRecord> frames_;
  std::uint64_t payload_bytes_ = 0;
  std::uint64_t publish_failures_ = 0;
  double video_frame_accum_ = 0, audio_frame_accum_ = 0;
  std::uint64_t video_index_ = 0;
  std::vector<std::pair<TimePoint, std::vector<std::size_t>>> crashes_;  // crash time, members linked to it
  bool debug_ = std::getenv("GROUPSIM_DEBUG") != nullptr;
  std::optional<std::size_t> watch_member_ = std::getenv("GROUPSIM_WATCH_MEMBER")
                                                 ? std::optional<std::size_t>(std::strtoull(std::getenv("GROUPSIM_WATCH_MEMBER"), nullptr, 10))
                                                 : std::nullopt;
  std::size_t publisher_ = 0;
  std::size_t restart_index_ = 0;        // first frame of the second run (0: no restart yet)
  std::optional<TimePoint> restart_key_at_;  // the second run's first keyframe published
  TimePoint run_t0_{};                   // the current run's timestamp origin
  std::array<std::uint64_t, 4> late_drops_{};
  std::array<std::uint64_t, 4> dup_by_kind_{};  // duplicates received, by how they were sent  // per send kind: waited over 1 s in an upload queue  // prints the first members' counters
};

inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline World::World(WorldConfig c) : c_(std::move(c)), rng_(c_.seed) {
  std::array<std::uint8_t, 32> seed{};
  for (std::size_t i = 0; i < 8; ++i) seed[i] = static_cast<std::uint8_t>(c_.seed >> (8 * i));
  keys_ = group::publisher_keys_from_seed(seed);
  rng_.fill(group_id_);
}

inline Duration World::delay(std::size_t a, std::size_t b) const {
  const std::uint64_t h = mix(c_.seed ^ mix(std::min(a, b) * 1000003 + std::max(a, b)));
  const auto span = (c_.max_delay - c_.min_delay).count();
  return c_.min_delay + Duration(static_cast<std::int64_t>(h % static_cast<std::uint64_t>(span + 1)));
}

inline MediaFrame World::make_frame(std::uint64_t index, MediaType type, bool key, bool config,
                                    std::size_t size) const {
  MediaFrame f;
  f.type = type;
  f.keyframe = key;
  f.config = config;
  f.payload.resize(std::max<std::size_t>(size, 8));
  std::uint64_t x = mix(index ^ 0x5eed);
  for (std::size_t i = 0; i < f.payload.size(); ++i) {
    if (i % 8 == 0) x = mix(x);
    f.payload[i] = static_cast<std::uint8_t>(x >> (8 * (i % 8)));
  }
  for (std::size_t i = 0; i < 8; ++i) f.payload[i] = static_cast<std::uint8_t>(index >> (8 * i));
  return f;
}

inline std::size_t World::add_member(group::Role role, TimePoint now, group::Seq first_seq) {
  const std::size_t i = members_.size();
  Member m;
  MemberId id{};
  rng_.fill(id);
  if (role == group::Role::publisher)
    m.auth = std::make_unique<group::Ed25519Authenticator>(keys_);
  else
    m.auth = std::make_unique<group::Ed25519Authenticator>(keys_.public_key);
  group::GroupConfig gc = c_.group;
  if (first_seq) gc.first_seq = first_seq;
  m.core = std::make_unique<GroupMember>(id, group_id_, role, *m.auth, rng_, gc);
  m.joined = now;
  const double x = role == group::Role::publisher
                       ? c_.publisher_upload
                       : c_.upload_min + (c_.upload_max - c_.upload_min) * rng_.unit();
  m.upload_bps = x * c_.stream.bitrate;
  members_.push_back(std::move(m));
  index_[id] = i;
  if (role != group::Role::publisher) members_[i].core->add_members(now, directory_sample(i));
  pump(i, now);
  return i;
}

inline std::vector<MemberId> World::directory_sample(std::size_t except) {
  std::vector<std::size_t> alive;
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (i != except && members_[i].alive) alive.push_back(i);
  std::vector<MemberId> out;
  for (std::size_t k = 0; k < c_.directory_sample && !alive.empty(); ++k) {
    const std::size_t j = static_cast<std::size_t>(rng_.below(alive.size()));
    out.push_back(members_[alive[j]].core->id());
    alive[j] = alive.back();
    alive.pop_back();
  }
  return out;
}

inline void World::kill(std::size_t i, TimePoint now) {
  Member& m = members_[i];
  if (!m.alive) return;
  // Who loses a pusher with it (for the recovery figure).
  std::vector<std::size_t> affected;
  for (std::size_t j : m.links) {
    if (!members_[j].alive) continue;
    (void)j;
    affected.push_back(j);
  }
  crashes_.emplace_back(now, std::move(affected));
  if (watch_member_) std::printf("    %.3f member %zu crashed\n", std::chrono::duration<double>(now - t0_).count(), i);
  m.alive = false;
  m.has_left = true;
  m.left = now;
}

// A member's upload: one queue per send kind, served in priority order at
// the member's upload rate (the host sends its flows by priority). Media
// that waited more than a second is dropped, as a congested path would.
constexpr std::size_t kWireOverhead = 48;  // UDP/IP + RTMFP packet, chunk and flow headers

inline void World::deliver(std::size_t from, std::size_t to, Bytes msg, group::SendKind kind, TimePoint now) {
  Member& a = members_[from];
  a.queued_wire[static_cast<std::size_t>(kind)] += msg.size() + kWireOverhead;
  a.queue[static_cast<std::size_t>(kind)].push_back(Queued{to, std::move(msg), kind, now});
  if (!a.transmitting) transmit(from, now);
}

inline void World::transmit(std::size_t from, TimePoint now) {
  Member& a = members_[from];
  a.transmitting = false;
  if (!a.alive) return;
  Queued q;
  bool found = false;
  for (auto& lane : a.queue) {
    while (!lane.empty()) {
      q = std::move(lane.front());
      lane.pop_front();
      a.queued_wire[static_cast<std::size_t>(q.kind)] -= q.msg.size() + kWireOverhead;
      if (q.kind != group::SendKind::control && now - q.queued > 1s) {  // too late: dropped
        ++late_drops_[static_cast<std::size_t>(q.kind)];
        continue;
      }
      found = true;
      break;
    }
    if (found) break;
  }
  if (!found) return;
  const std::size_t wire = q.msg.size() + kWireOverhead;
  const TimePoint leave = now + Duration(static_cast<std::int64_t>(double(wire) * 8e6 / a.upload_bps));
  a.sending_until = leave;
  a.wire_bytes += wire;
  a.transmitting = true;
  schedule(leave, [this, from] { transmit(from, now_); });
  const std::size_t to = q.to;
  Bytes msg = std::move(q.msg);
  if (a.forger && !msg.empty() && msg[0] == static_cast<std::uint8_t>(group::MessageType::fragment))
    msg.back() ^= 0x5a;  // alters the content (hash or signature no longer match)
  Duration d = delay(from, to);
  if (q.kind == group::SendKind::control) {
    while (rng_.unit() < c_.loss) d += 2 * delay(from, to) + 200ms;
  } else if (rng_.unit() < c_.loss) {
    return;
  }
  schedule(leave + d, [this, from, to, kind = q.kind, msg = std::move(msg)] {
    Member& b = members_[to];
    if (!b.alive || !b.links.count(from)) return;
    if (b.replayer && restart_index_ == 0 && b.recorded.size() < 4096 && !msg.empty() &&
        msg[0] == static_cast<std::uint8_t>(group::MessageType::fragment))
      b.recorded.push_back(msg);
    report_upload(to, now_);
    if (watch_member_ && (from == *watch_member_ || to == *watch_member_) && !msg.empty()) {
      // GROUPSIM_WATCH_MEMBER: its subscriptions, both ways.
      if (auto m = group::decode_message(msg)) {
        const auto* sub = std::get_if<group::Subscribe>(&*m);
        const auto* rep = std::get_if<group::SubscribeReply>(&*m);
        if (sub || rep)
          std::printf("    %.3f %zu -> %zu %s %02x\n", std::chrono::duration<double>(now_ - t0_).count(), from, to,
                      sub ? "subscribe" : "reply", unsigned(sub ? sub->mask : rep->mask));
      }
    }
    const std::uint64_t dup_before = b.core->counters().duplicates;
    b.core->on_message(now_, members_[from].core->id(), msg);
    dup_by_kind_[static_cast<std::size_t>(kind)] += b.core->counters().duplicates - dup_before;
    pump(to, now_);
  });
}

inline void World::pump(std::size_t i, TimePoint now) {
  Member& m = members_[i];
  if (!m.alive) return;
  for (auto& a : m.core->take_actions()) {
    if (auto* s = std::get_if<group::SendAction>(&a)) {
      auto it = index_.find(s->to);
      if (it == index_.end() || !m.links.count(it->second)) continue;
      deliver(i, it->second, std::move(s->message), s->kind, now);
    } else if (auto* c = std::get_if<group::ConnectAction>(&a)) {
      auto it = index_.find(c->to);
      if (it == index_.end()) continue;
      const std::size_t j = it->second;
      if (!members_[j].alive) continue;  // the connect times out in the member
      const Duration rtt = 2 * delay(i, j);
      schedule(now + rtt + rtt / 2, [this, i, j] {  // the responder's side opens first
        if (!members_[j].alive || !members_[i].alive) return;
        members_[j].links.insert(i);
        members_[j].core->on_link_up(now_, members_[i].core->id());
        pump(j, now_);
      });
      schedule(now + 2 * rtt, [this, i, j] {
        if (!members_[i].alive || !members_[j].alive || !members_[j].links.count(i)) return;
        members_[i].links.insert(j);
        members_[i].core->on_link_up(now_, members_[j].core->id());
        pump(i, now_);
      });
    } else if (auto* d = std::get_if<group::DisconnectAction>(&a)) {
      auto it = index_.find(d->to);
      if (it == index_.end()) continue;
      const std::size_t j = it->second;
      m.links.erase(j);
      schedule(now + delay(i, j), [this, i, j] {  // the session close reaches the far end
        if (!members_[j].alive || !members_[j].links.erase(i)) return;
        members_[j].core->on_link_down(now_, members_[i].core->id());
        pump(j, now_);
      });
    }
  }
  for (auto& f : m.core->take_frames()) {
    std::uint64_t index = 0;
    for (std::size_t b = 0; b < 8 && b < f.frame.payload.size(); ++b)
      index |= std::uint64_t(f.frame.payload[b]) << (8 * b);
    if (index >= frames_.size()) continue;
    if (f.frame.payload != frames_[index].frame.payload) {
      ++m.corrupt;
      continue;
    }
    if (f.frame.type != MediaType::data && !f.frame.config) {
      if (m.last_ts >= 0 && std::int64_t(f.frame.timestamp) < m.last_ts) {
        ++m.ts_backwards;
        if (debug_)
          std::printf("member %zu: t=%lld index %llu (restart %zu) ts %u after %lld\n", i,
                      (long long)((now - t0_).count() / 1000), (unsigned long long)index, restart_index_,
                      f.frame.timestamp, (long long)m.last_ts);
      }
      m.last_ts = f.frame.timestamp;
    }
    if (restart_index_ != 0) {
      if (index >= restart_index_) {
        if (!m.played_new_run) m.first_new_run_us = (now - t0_).count();
        m.played_new_run = true;
        if (index == restart_index_ + 1) m.played_new_video_config = true;
      } else if (m.played_new_run && !f.frame.config) {
        ++m.old_after_new;
        if (debug_)
          std::printf("member %zu: t=%lld old index %llu after new (restart %zu) seq %llu\n", i,
                      (long long)((now - t0_).count() / 1000), (unsigned long long)index, restart_index_,
                      (unsigned long long)f.seq);
      }
    }
    if (index == 1) ++m.audio_config_plays;
    if (debug_ && f.frame.config && restart_index_)
      std::printf("member %zu: t=%lld config index %llu type %d seq %llu\n", i, (long long)((now - t0_).count() / 1000),
                  (unsigned long long)index, int(f.frame.type), (unsigned long long)f.seq);
    if (m.played_us.size() < frames_.size()) m.played_us.resize(frames_.size(), -1);
    if (m.played_us[index] < 0) m.played_us[index] = (now - t0_).count();
    if (m.first_played_us < 0) m.first_played_us = (now - t0_).count();
  }
  const auto d = m.core->next_deadline();
  if (d && (!m.tick_at || *d < *m.tick_at || *m.tick_at <= now)) {
    const TimePoint at = std::max(*d, now);
    m.tick_at = at;
    const std::uint64_t v = ++m.tick_version;
    schedule(at, [this, i, v] {
      Member& mm = members_[i];
      if (!mm.alive || mm.tick_version != v) return;
      mm.tick_at.reset();
      report_upload(i, now_);
      mm.core->tick(now_);
      pump(i, now_);
    });
  }
}

// What waits ahead of a new push (control, signal and push queues) and of a
// new pull answer (all four), at the member's upload rate.
inline void World::report_upload(std::size_t i, TimePoint now) {
  Member& m = members_[i];
  const double rest = m.sending_until > now ? double((m.sending_until - now).count()) : 0.0;
  const auto wait = [&](std::uint64_t bytes) {
    return Duration(static_cast<std::int64_t>(rest + double(bytes) * 8e6 / m.upload_bps));
  };
  const std::uint64_t ahead_of_push = m.queued_wire[0] + m.queued_wire[1] + m.queued_wire[2];
  m.core->set_upload_wait(now, wait(ahead_of_push), wait(ahead_of_push + m.queued_wire[3]));
}

// The publisher crashes; restart_gap later a new process with the same key
// joins (a directory sample, as the rendezvous gives) and publishes a new
// run: timestamps from 0, the same audio sequence header (its payload is
// the first run's: members do not play it again), a changed video one.
inline void World::restart_publisher(TimePoint now) {
  Member& old = members_[publisher_];
  old.alive = false;
  old.has_left = true;
  old.left = now;
  schedule(now + c_.restart_gap, [this] {
    const auto ms = static_cast<std::uint64_t>((now_ - t0_).count() / 1000);
    publisher_ = add_member(group::Role::publisher, now_, group::run_first_seq(c_.unix_ms + ms));
    members_[publisher_].core->add_members(now_, directory_sample(publisher_));
    pump(publisher_, now_);
    run_t0_ = now_;
    restart_index_ = frames_.size();
    video_index_ = 0;
  });
}

// A replayer sends the first run's fragments it recorded to every neighbour
// again (as pushes), a few per tick, after the restart.
inline void World::replay(std::size_t i, TimePoint now) {
  Member& m = members_[i];
  if (!m.alive || restart_index_ == 0 || m.recorded.empty()) return;
  for (int k = 0; k < 8; ++k) {
    const Bytes& msg = m.recorded[static_cast<std::size_t>(rng_.below(m.recorded.size()))];
    for (std::size_t j : m.links) deliver(i, j, msg, group::SendKind::push, now);
  }
}

inline void World::publish_frames(TimePoint now) {
  // Called every 1 ms of virtual time while publishing: emits the frames due.
  if (!members_[publisher_].alive) return;
  const bool second_run = restart_index_ != 0;
  const StreamShape& s = c_.stream;
  const double audio_bps = s.audio_fps * double(s.audio_bytes) * 8;
  const double video_bps = std::max(0.0, s.bitrate - audio_bps);
  const double gop_frames = s.fps * std::chrono::duration<double>(s.gop).count();
  const double gop_bytes = video_bps / 8 * std::chrono::duration<double>(s.gop).count();
  const std::size_t key_bytes = s.keyframe_bytes ? s.keyframe_bytes : std::size_t(gop_bytes * s.keyframe_share);
  const std::size_t p_bytes =
      std::size_t(std::max(200.0, (gop_bytes - double(key_bytes)) / std::max(1.0, gop_frames - 1)));
  auto emit = [&](MediaType type, bool key, bool config, std::size_t size) {
    const std::uint64_t index = frames_.size();
    FrameRecord r;
    r.published = now;
    r.frame = make_frame(index, type, key, config, size);
    r.frame.timestamp = static_cast<std::uint32_t>((now - run_t0_).count() / 1000);
    r.scored = !config && now - t0_ >= c_.warmup && now - t0_ < c_.run;
    payload_bytes_ += r.frame.payload.size();
    if (second_run && index == restart_index_ + 2) r.frame.payload = frames_[1].frame.payload;  // same audio config
    if (second_run && key && !config && !restart_key_at_) restart_key_at_ = now;
    auto& pub = members_[publisher_];
    if (!pub.core->publish(now, r.frame)) ++publish_failures_;
    frames_.push_back(std::move(r));
  };
  if (frames_.empty() || frames_.size() == restart_index_) {
    emit(MediaType::data, false, true, 300);  // metadata
    if (second_run) {
      emit(MediaType::video, false, true, 48);  // a changed video sequence header (restart_index_ + 1)
      emit(MediaType::audio, false, true, 16);  // the same audio one (restart_index_ + 2)
    } else {
      emit(MediaType::audio, false, true, 16);  // audio sequence header
      emit(MediaType::video, false, true, 40);  // video sequence header
    }
  }
  audio_frame_accum_ += s.audio_fps / 1000.0;
  video_frame_accum_ += s.fps / 1000.0;
  while (audio_frame_accum_ >= 1) {
    audio_frame_accum_ -= 1;
    emit(MediaType::audio, false, false, s.audio_bytes);
  }
  while (video_frame_accum_ >= 1) {
    video_frame_accum_ -= 1;
    const bool key = std::fmod(double(video_index_), gop_frames) < 1.0;
    ++video_index_;
    emit(MediaType::video, key, false, key ? key_bytes : p_bytes);
  }
  pump(publisher_, now);
}

inline Results World::run() {
  t0_ = TimePoint{} + 1s;
  now_ = t0_;
  run_t0_ = t0_;
  std::uint64_t first = c_.first_seq ? c_.first_seq : group::run_first_seq(c_.unix_ms);
  if (const char* f = std::getenv("GROUPSIM_FIRST")) first = std::strtoull(f, nullptr, 10);
  publisher_ = add_member(group::Role::publisher, now_, first);
  // Initial members, spread over join_spread.
  for (std::size_t k = 0; k < c_.members; ++k) {
    const Duration at = Duration(static_cast<std::int64_t>(rng_.unit() * double(c_.join_spread.count())));
    const bool forger = k < c_.forgers;
    const bool replayer = k >= c_.forgers && k < c_.forgers + c_.replayers;
    schedule(t0_ + at, [this, forger, replayer] {
      const std::size_t i = add_member(group::Role::member, now_);
      members_[i].forger = forger;
      members_[i].replayer = replayer;
    });
  }
  for (std::size_t k = 0; k < c_.late_joiners; ++k) {
    const double span = std::chrono::duration<double>(c_.run - c_.warmup - 5s).count();
    const Duration at = c_.warmup + Duration(static_cast<std::int64_t>(rng_.unit() * span * 1e6));
    schedule(t0_ + at, [this] { add_member(group::Role::member, now_); });
  }
  // Churn: one member leaves abruptly and one joins, evenly spaced.
  if (c_.churn_per_minute > 0) {
    const double per_s = c_.churn_per_minute * double(c_.members) / 60.0;
    const Duration every = Duration(static_cast<std::int64_t>(1e6 / per_s));
    for (TimePoint t = t0_ + c_.warmup; t < t0_ + c_.run; t += every) {
      schedule(t, [this] {
        std::vector<std::size_t> alive;
        for (std::size_t i = 1; i < members_.size(); ++i)
          if (members_[i].alive && !members_[i].forger) alive.push_back(i);
        if (!alive.empty()) kill(alive[static_cast<std::size_t>(rng_.below(alive.size()))], now_);
        add_member(group::Role::member, now_);
      });
    }
  }
  if (std::getenv("GROUPSIM_TRACE")) {
    for (TimePoint t = t0_; t < t0_ + c_.run; t += 1s)
      schedule(t, [this] {
        std::string line;
        std::uint64_t served = members_[0].core->counters().fragments_requested_by_peers;
        for (unsigned c = 0; c < 8; ++c) {
          int none = 0;
          for (std::size_t i = 1; i < members_.size(); ++i)
            if (members_[i].alive && members_[i].core->depth(c) == 255) ++none;
          line += std::to_string(none) + " ";
        }
        std::size_t missing = 0;
        for (std::size_t i = 1; i < members_.size(); ++i) missing += members_[i].core->counters().fragments_requested_from_peers;
        std::string pubn;
        for (const auto& id : members_[0].core->neighbours()) {
          const std::size_t j = index_[id];
          pubn += std::to_string(j) + "(h" + std::to_string(group::home_class(id)) + " p" +
                  std::to_string(members_[0].core->pushes_to(id)) + ") ";
        }
        std::printf("  publisher neighbours: %s\n", pubn.c_str());
        if (const char* w = std::getenv("GROUPSIM_WATCH")) {  // a class's home members: pusher and depth
          const unsigned wc = unsigned(std::atoi(w));
          std::string homes;
          for (std::size_t i = 1; i < members_.size(); ++i) {
            if (!members_[i].alive || group::home_class(members_[i].core->id()) != wc) continue;
            const auto p = members_[i].core->pusher(wc);
            homes += std::to_string(i) + "<" + (p ? std::to_string(index_[*p]) : std::string("-")) + " d" +
                     std::to_string(members_[i].core->depth(wc)) + " ";
          }
          std::printf("  class %u homes (member<pusher depth): %s\n", wc, homes.c_str());
        }
        std::printf("t=%.0f members=%zu no-pusher per class: %s| publisher served %llu | pulls asked %zu\n",
                    std::chrono::duration<double>(now_ - t0_).count(), members_.size(), line.c_str(),
                    (unsigned long long)served, missing);
      });
  }
  if (c_.restart_at > Duration{}) schedule(t0_ + c_.restart_at, [this] { restart_publisher(now_); });
  if (c_.replayers > 0)
    for (TimePoint t = t0_; t < t0_ + c_.run; t += 50ms)
      schedule(t, [this] {
        for (std::size_t i = 0; i < members_.size(); ++i)
          if (members_[i].replayer) replay(i, now_);
      });
  // The stream: frames due every millisecond, for the whole run.
  for (TimePoint t = t0_; t < t0_ + c_.run; t += 1ms) schedule(t, [this] { publish_frames(now_); });
  const TimePoint end = t0_ + c_.run + c_.deadline + 1s;
  while (!events_.empty() && events_.top().at <= end) {
    Event e = events_.top();
    events_.pop();
    now_ = e.at;
    e.fn();
  }

  Results r;
  r.publish_failures = publish_failures_;
  // GROUPSIM_DEBUG: on time per 5 s of publishing (where a collapse starts).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> timeline(static_cast<std::size_t>(c_.run / 5s) + 1);
  // Scoring: every scored frame published while the member was playing
  // (from its first played frame, until it left) counts for that member.
  for (std::size_t i = 1; i < members_.size(); ++i) {
    Member& m = members_[i];
    if (m.forger || m.replayer || i == publisher_) continue;
    r.corrupt += m.corrupt;
    r.timestamps_backwards += m.ts_backwards;
    r.old_after_new += m.old_after_new;
    if (restart_index_ != 0 && !m.has_left) {
      if (m.first_new_run_us < 0 || !restart_key_at_)
        ++r.members_not_resumed;
      else
        r.resume_ms.add(double(m.first_new_run_us - (*restart_key_at_ - t0_).count()) / 1000.0);
      if (m.played_new_video_config) ++r.new_video_config_played;
      if (m.audio_config_plays > 1) ++r.audio_config_replayed;
    }
    m.played_us.resize(frames_.size(), -1);
    if (m.first_played_us < 0) {
      // Never played: every frame published from its join + 2 s on counts as missing.
      for (const auto& f : frames_)
        if (f.scored && f.published >= m.joined + 2s && (!m.has_left || f.published + c_.deadline < m.left)) {
          ++r.expected;
          ++r.missing;
        }
      if (!m.has_left || m.left - m.joined > 3s) ++r.members_never_played;
      continue;
    }
    if (m.joined >= t0_ + c_.warmup) r.join_ms.add(double(m.first_played_us - (m.joined - t0_).count()) / 1000.0);
    const TimePoint first = t0_ + Duration(m.first_played_us);
    for (std::size_t k = 0; k < frames_.size(); ++k) {
      const auto& f = frames_[k];
      if (!f.scored || f.published < first) continue;
      if (m.has_left && f.published + c_.deadline >= m.left) continue;
      ++r.expected;
      const std::int64_t p = m.played_us[k];
      auto& bucket = timeline[std::min(timeline.size() - 1, static_cast<std::size_t>((f.published - t0_) / 5s))];
      ++bucket.first;
      if (p >= 0 && p - (f.published - t0_).count() <= std::chrono::duration_cast<std::chrono::microseconds>(c_.deadline).count())
        ++bucket.second;
      if (f.frame.keyframe) {
        ++r.keyframes_expected;
        if (p >= 0) ++r.keyframes_played;
      }
      if (p < 0) {
        ++r.missing;
        continue;
      }
      const double d = double(p - (f.published - t0_).count()) / 1000.0;
      r.delay_ms.add(d);
      if (d <= double(std::chrono::duration_cast<std::chrono::milliseconds>(c_.deadline).count()))
        ++r.on_time;
      else
        ++r.late;
    }
  }
  // Recovery: the longest gap between played frames, for members that had a
  // link with a crashed member, over the 3 s after the crash.
  for (const auto& [t, affected] : crashes_) {
    for (std::size_t j : affected) {
      Member& m = members_[j];
      if (m.first_played_us < 0 || (m.has_left && m.left < t + 3s)) continue;
      std::vector<std::int64_t> times;
      for (std::size_t k = 0; k < frames_.size(); ++k)
        if (frames_[k].scored && frames_[k].published >= t - 500ms && frames_[k].published < t + 3s &&
            m.played_us[k] >= 0)
          times.push_back(m.played_us[k]);
      std::sort(times.begin(), times.end());
      std::int64_t gap = 0;
      for (std::size_t k = 1; k < times.size(); ++k) gap = std::max(gap, times[k] - times[k - 1]);
      r.crash_gap_ms.add(double(gap) / 1000.0);
    }
  }
  if (debug_) {
    std::printf("on time per 5 s:");
    for (const auto& [e, o] : timeline) std::printf(" %.1f", e ? 100.0 * double(o) / double(e) : 0.0);
    std::printf("\n");
    // Sums over every member but the publisher, and the push depths seen.
    group::GroupCounters sum;
    std::array<std::size_t, 10> depths{};
    for (std::size_t i = 1; i < members_.size(); ++i) {
      const auto& k = members_[i].core->counters();
      sum.fragments_pushed_to_peers += k.fragments_pushed_to_peers;
      sum.fragments_pushed_from_peers += k.fragments_pushed_from_peers;
      sum.fragments_requested_by_peers += k.fragments_requested_by_peers;
      sum.fragments_requested_from_peers += k.fragments_requested_from_peers;
      sum.fragments_pulled_from_peers += k.fragments_pulled_from_peers;
      sum.fragments_from_publisher += k.fragments_from_publisher;
      sum.duplicates += k.duplicates;
      sum.requests_unserved += k.requests_unserved;
      sum.pusher_changes += k.pusher_changes;
      sum.requests_declined += k.requests_declined;
      sum.subscribers_shed += k.subscribers_shed;
      sum.silent_subscribers_released += k.silent_subscribers_released;
      if (!members_[i].alive) continue;
      for (unsigned c = 0; c < 8; ++c) ++depths[std::min<std::size_t>(members_[i].core->depth(c), 9)];
    }
    std::printf("all members: released %llu declined %llu shed %llu dup push %llu dup answer %llu | ", (unsigned long long)sum.silent_subscribers_released, (unsigned long long)sum.requests_declined,
                (unsigned long long)sum.subscribers_shed, (unsigned long long)dup_by_kind_[2],
                (unsigned long long)dup_by_kind_[3]);
    std::printf("all members: pushed_from %llu pulled %llu asked %llu served %llu unserved %llu from_pub %llu dup %llu "
                "pusher_changes %llu | depth histogram 0..8,none:",
                (unsigned long long)sum.fragments_pushed_from_peers, (unsigned long long)sum.fragments_pulled_from_peers,
                (unsigned long long)sum.fragments_requested_from_peers, (unsigned long long)sum.fragments_requested_by_peers,
                (unsigned long long)sum.requests_unserved, (unsigned long long)sum.fragments_from_publisher,
                (unsigned long long)sum.duplicates, (unsigned long long)sum.pusher_changes);
    for (auto d : depths) std::printf(" %zu", d);
    std::printf("\nqueue drops (over 1 s) signal %llu push %llu pull answers %llu | upload use (wire / capacity) by decile:",
                (unsigned long long)late_drops_[1], (unsigned long long)late_drops_[2], (unsigned long long)late_drops_[3]);
    std::array<std::size_t, 11> use{};
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const Member& m = members_[i];
      const TimePoint end = m.has_left ? m.left : now_;
      const double secs = std::chrono::duration<double>(end - m.joined).count();
      if (secs <= 1) continue;
      ++use[std::min<std::size_t>(10, static_cast<std::size_t>(double(m.wire_bytes) * 8 / (m.upload_bps * secs) * 10))];
    }
    for (auto u : use) std::printf(" %zu", u);
    std::printf("\n");
    for (std::size_t i = 0; i < members_.size(); ++i) {
      const auto& pc = members_[i].core->playout_counters();
      std::size_t played2 = 0;
      for (std::size_t k = restart_index_; restart_index_ && k < members_[i].played_us.size(); ++k)
        played2 += members_[i].played_us[k] >= 0;
      {
        const auto& st = members_[i].core->store();
        const group::Seq nx = members_[i].core->playout_next();
        std::printf("  playout next %llu (low 22 bits) held %d, floor %llu\n", (unsigned long long)(nx & ((1u << 22) - 1)),
                    int(st.holds(nx)), (unsigned long long)(st.floor() & ((1u << 22) - 1)));
        group::Seq gap = nx;
        while (gap <= st.newest() && st.holds(gap)) ++gap;
        int holders = 0;
        for (std::size_t k = 0; k < members_.size(); ++k)
          if (members_[k].core && members_[k].core->store().holds(gap)) ++holders;
        std::printf("  first gap %llu (+%llu), held by %d of %zu stores, pub floor %llu\n", (unsigned long long)(gap & ((1u << 22) - 1)),
                    (unsigned long long)(gap - nx), holders, members_.size(),
                    (unsigned long long)(members_[0].core->store().floor() & ((1u << 22) - 1)));
      }
      std::printf("member %zu: frames %llu holes %llu frag_skipped %llu restarts %llu runs %llu newest %llu played run2 %zu of %zu\n", i,
                  (unsigned long long)pc.frames, (unsigned long long)pc.holes_skipped,
                  (unsigned long long)pc.fragments_skipped, (unsigned long long)pc.restarts,
                  (unsigned long long)members_[i].core->counters().runs_followed,
                  (unsigned long long)(members_[i].core->store().newest() & ((1u << 22) - 1)), played2,
                  frames_.size() - restart_index_);
    }
    for (std::size_t i = 0; i < members_.size() && i < 4; ++i) {
      const auto& k = members_[i].core->counters();
      std::printf("member %zu: pushed_to %llu requested_by %llu unserved %llu | from_pub %llu pushed_from %llu pulled %llu asked %llu dup %llu stale %llu | media %llu control %llu | refused %llu pusher_changes %llu | depth %u %u %u %u %u %u %u %u\n",
                  i, (unsigned long long)k.fragments_pushed_to_peers, (unsigned long long)k.fragments_requested_by_peers,
                  (unsigned long long)k.requests_unserved, (unsigned long long)k.fragments_from_publisher,
                  (unsigned long long)k.fragments_pushed_from_peers, (unsigned long long)k.fragments_pulled_from_peers,
                  (unsigned long long)k.fragments_requested_from_peers, (unsigned long long)k.duplicates,
                  (unsigned long long)k.stale, (unsigned long long)k.media_bytes_sent,
                  (unsigned long long)k.control_bytes_sent, (unsigned long long)k.subscriptions_refused,
                  (unsigned long long)k.pusher_changes, members_[i].core->depth(0), members_[i].core->depth(1),
                  members_[i].core->depth(2), members_[i].core->depth(3), members_[i].core->depth(4),
                  members_[i].core->depth(5), members_[i].core->depth(6), members_[i].core->depth(7));
    }
  }
  r.publisher_upload_ratio = double(members_[publisher_].wire_bytes) / double(std::max<std::uint64_t>(1, payload_bytes_));
  std::uint64_t control = 0, media = 0;
  std::size_t alive = 0;
  double neighbours = 0, store = 0;
  for (auto& m : members_) {
    control += m.core->counters().control_bytes_sent;
    media += m.core->counters().media_bytes_sent;
    r.forged_dropped += m.core->counters().forged;
    if (!m.alive) continue;
    ++alive;
    neighbours += double(m.core->neighbour_count());
    r.max_neighbours = std::max(r.max_neighbours, m.core->neighbour_count());
    store += double(m.core->store().bytes());
  }
  r.control_share = double(control) / double(std::max<std::uint64_t>(1, media));
  r.mean_neighbours = neighbours / double(std::max<std::size_t>(1, alive));
  r.store_mib_per_member = store / double(std::max<std::size_t>(1, alive)) / (1 << 20);
  // Connectivity of the neighbour graph among live members, from the publisher.
  std::vector<bool> seen(members_.size(), false);
  std::vector<std::size_t> todo{publisher_};
  seen[publisher_] = true;
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    for (std::size_t j : members_[i].links)
      if (!seen[j] && members_[j].alive) {
        seen[j] = true;
        todo.push_back(j);
      }
  }
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].alive && !seen[i]) r.connected = false;
  return r;
}

inline std::string Results::summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "on-time %.4f (%llu/%llu; late %llu, missing %llu) delay p50 %.0f p95 %.0f ms, join p50 %.0f p95 %.0f "
                "ms, crash gap p95 %.0f ms (n=%zu), corrupt %llu, publisher upload %.3fx, control/media %.3f, neighbours mean %.1f "
                "max %zu, never played %zu, forged dropped %llu",
                on_time_share(), (unsigned long long)on_time, (unsigned long long)expected, (unsigned long long)late,
                (unsigned long long)missing, delay_ms.median(), delay_ms.p95(), join_ms.median(), join_ms.p95(),
                crash_gap_ms.p95(), crash_gap_ms.count(), (unsigned long long)corrupt, publisher_upload_ratio, control_share, mean_neighbours,
                max_neighbours, members_never_played, (unsigned long long)forged_dropped);
  return buf;
}

}  // namespace rtmfp::testing::groupsim
