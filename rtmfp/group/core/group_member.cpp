#include "rtmfp/group/core/group_member.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "rtmfp/group/core/overlay.hpp"

namespace rtmfp::group {

namespace {
// Pulls sent per tick, in all.
constexpr std::size_t kMaxPullsPerTick = 256;
// Depths at or beyond this are treated as no path (a push loop counts up).
constexpr std::uint8_t kMaxDepth = 64;
// A class refused by a neighbour is not asked of it again this soon.
constexpr Duration kRefusalBackoff = seconds(2);
// Links beyond the neighbour target that cover home classes (cover_home_classes).
constexpr std::size_t kExtraClassLinks = kPushClasses / 2;
// A member that left or went silent is not connected to again this soon.
constexpr Duration kDeadBackoff = seconds(30);
constexpr Duration kFailedConnectBackoff = seconds(10);
constexpr std::size_t kGossipSample = 8;
}  // namespace

GroupMember::GroupMember(const MemberId& self, const GroupId& group, Role role, const Authenticator& auth,
                         RandomSource& random, const GroupConfig& config)
    : self_(self),
      group_(group),
      role_(role),
      random_(random),
      config_(config),
      store_(group, auth, config),
      playout_(config) {
  depth_.fill(role == Role::publisher ? 0 : kDepthUnknown);
  // Until measured, a push is expected within about half the fetch delay.
  push_lag_.fill(config_.fetch_delay / 2);
  push_lag_dev_.fill(config_.fetch_delay / 8);
  if (role == Role::publisher) feed_ = std::make_unique<PublisherFeed>(group, auth, config);
  // A publisher starts with a full pull budget: the first fragments of a run
  // leave before anyone subscribed (a publisher that came back has members
  // waiting for its first join point), and only pulls bring them.
  if (role == Role::publisher) serve_tokens_ = double(config_.publisher_serve_burst);
}

std::vector<MemberId> GroupMember::neighbours() const {
  std::vector<MemberId> out;
  for (const auto& [id, n] : neighbours_) out.push_back(id);
  return out;
}

void GroupMember::send(const MemberId& to, const Message& m, SendKind kind) {
  SendAction a{to, encode_message(m), kind};
  if (std::holds_alternative<FragmentMessage>(m))
    counters_.media_bytes_sent += a.message.size();
  else
    counters_.control_bytes_sent += a.message.size();
  actions_.emplace_back(std::move(a));
}

void GroupMember::remember(const MemberId& id) {
  auto [it, fresh] = known_.try_emplace(id);
  if (!fresh) return;
  it->second.slot = known_ids_.size();
  known_ids_.push_back(id);
}

void GroupMember::forget(const MemberId& id) {
  auto it = known_.find(id);
  if (it == known_.end()) return;
  const std::size_t slot = it->second.slot;
  known_.erase(it);
  if (slot + 1 != known_ids_.size()) {
    known_ids_[slot] = known_ids_.back();
    known_.find(known_ids_[slot])->second.slot = slot;
  }
  known_ids_.pop_back();
}

void GroupMember::add_members(TimePoint, const std::vector<MemberId>& ids) {
  for (const auto& id : ids) {
    if (id == self_ || known_.count(id) || blocked_.count(id)) continue;
    if (known_.size() >= config_.max_known_members) {
      // Replace a random entry that is not a neighbour: the sample stays
      // fresh, and a neighbour gossiping invented members costs O(log n)
      // each (uniform over the known set, whatever IDs it invents).
      const MemberId victim = known_ids_[random_.below(known_ids_.size())];
      if (neighbours_.count(victim) || connecting_.count(victim)) continue;
      forget(victim);
    }
    remember(id);
  }
}

void GroupMember::on_link_up(TimePoint now, const MemberId& peer) {
  if (left_ || peer == self_ || neighbours_.count(peer)) return;
  if (auto b = blocked_.find(peer); b != blocked_.end()) {
    if (now < b->second) {  // dropped for forging: not again
      actions_.emplace_back(DisconnectAction{peer});
      return;
    }
    blocked_.erase(b);
  }
  const bool ours = connecting_.erase(peer) != 0;
  if (!ours && neighbours_.size() >= config_.max_neighbours) {
    send(peer, Goodbye{GoodbyeReason::full}, SendKind::control);
    actions_.emplace_back(DisconnectAction{peer});
    return;
  }
  Neighbour n;
  n.linked_at = n.last_heard = now;
  neighbours_.emplace(peer, std::move(n));
  remember(peer);
  ++counters_.links_up;
  send(peer, Hello{group_, role_ == Role::publisher}, SendKind::control);
  send(peer, build_map(), SendKind::signal);
}

void GroupMember::on_link_down(TimePoint now, const MemberId& peer) {
  connecting_.erase(peer);
  if (neighbours_.count(peer)) drop_neighbour(now, peer, true);
}

void GroupMember::drop_neighbour(TimePoint now, const MemberId& id, bool lost) {
  auto it = neighbours_.find(id);
  if (it == neighbours_.end()) return;
  for (unsigned c = 0; c < kPushClasses; ++c)
    if (pusher_[c] == id) {
      pusher_[c].reset();
      lost_depth_[c] = depth_[c];
      lost_depth_until_[c] = now + seconds(1);
    }
  for (auto& [s, m] : missing_)
    if (m.asked == id) m.asked.reset();
  neighbours_.erase(it);
  if (lost) {
    ++counters_.links_lost;
    if (auto k = known_.find(id); k != known_.end()) k->second.retry_after = now + kDeadBackoff;
  }
  map_dirty_ = true;
}

void GroupMember::on_message(TimePoint now, const MemberId& from, ByteView bytes) {
  auto it = neighbours_.find(from);
  if (it == neighbours_.end() || left_) return;  // no link: nothing to answer on
  it->second.last_heard = now;
  auto m = decode_message(bytes);
  if (!m) {
    ++counters_.malformed;
    return;
  }
  handle(now, from, it->second, std::move(*m));
}

void GroupMember::handle(TimePoint now, const MemberId& from, Neighbour& n, Message&& m) {
  if (auto* h = std::get_if<Hello>(&m)) {
    if (h->group_id != group_) {
      send(from, Goodbye{GoodbyeReason::wrong_group}, SendKind::control);
      actions_.emplace_back(DisconnectAction{from});
      drop_neighbour(now, from, false);
      return;
    }
    n.hello = true;
    n.publisher = h->publisher;
  } else if (auto* mem = std::get_if<Members>(&m)) {
    std::vector<MemberId> fresh;
    for (const auto& id : mem->ids)
      if (!known_.count(id)) fresh.push_back(id);
    add_members(now, fresh);
  } else if (auto* map = std::get_if<FragmentMap>(&m)) {
    on_map(now, from, n, std::move(*map));
  } else if (auto* sub = std::get_if<Subscribe>(&m)) {
    on_subscribe(now, from, n, sub->mask);
  } else if (auto* rep = std::get_if<SubscribeReply>(&m)) {
    on_subscribe_reply(now, from, n, rep->mask);
  } else if (auto* req = std::get_if<Request>(&m)) {
    on_request(now, from, n, req->seqs);
  } else if (auto* f = std::get_if<FragmentMessage>(&m)) {
    on_fragment(now, from, n, std::move(*f));
  } else if (std::holds_alternative<Goodbye>(m)) {
    actions_.emplace_back(DisconnectAction{from});
    drop_neighbour(now, from, true);
  }
}

void GroupMember::learn_newest(TimePoint now, Seq newest) {
  const Seq cap = std::max(store_.newest(), known_newest_) + kMaxAhead;
  newest = std::min(newest, cap);
  if (newest <= known_newest_) return;
  const Seq from = known_newest_ + 1;
  known_newest_ = newest;
  if (!playout_.started()) return;
  for (Seq s = std::max(from, playout_.next()); s <= newest && missing_.size() < config_.max_missing; ++s)
    if (!store_.holds(s)) missing_.try_emplace(s, Missing{now, {}, {}, {}, {}, 0});
}

void GroupMember::on_map(TimePoint now, const MemberId& from, Neighbour& n, FragmentMap&& map) {
  n.map = std::move(map);
  // A neighbour far ahead of everything we hold: most likely a new
  // publisher run (group_types.hpp). Its claim proves nothing, so we only
  // ask it for its latest join point (at most once per request_timeout);
  // that data names its manifest, which we ask for next (on_fragment), and
  // only the verified manifest moves us (new_run).
  if (store_.newest() != 0 && n.map.join_point > store_.newest() + kMaxAhead &&
      (!last_probe_ || now - *last_probe_ >= config_.request_timeout)) {
    last_probe_ = now;
    ++counters_.fragments_requested_from_peers;
    send(from, Request{{n.map.join_point}}, SendKind::signal);
  }
  if (n.map.join_point > join_point_ && n.map.join_point >= store_.floor() &&
      n.map.join_point <= std::max(store_.newest(), known_newest_) + kMaxAhead)
    join_point_ = n.map.join_point;
  learn_newest(now, n.map.newest);
  maybe_start(now);
}

void GroupMember::maybe_start(TimePoint now) {
  if (playout_.started() || role_ == Role::publisher || join_point_ == 0) return;
  playout_.start_at(std::max(join_point_, store_.floor()));
  for (Seq s = playout_.next(); s <= known_newest_ && missing_.size() < config_.max_missing; ++s)
    if (!store_.holds(s)) missing_.try_emplace(s, Missing{now, {}, {}, {}, {}, 0});
  play(now);
}

unsigned GroupMember::subscriber_count(unsigned cls) const {
  unsigned k = 0;
  for (const auto& [id, n] : neighbours_)
    if (n.we_push & (1u << cls)) ++k;
  return k;
}

void GroupMember::on_subscribe(TimePoint now, const MemberId& from, Neighbour& n, std::uint8_t mask) {
  std::uint8_t accepted = 0;
  if (n.hello) {
    for (unsigned c = 0; c < kPushClasses; ++c) {
      const unsigned limit = role_ == Role::publisher ? config_.publisher_push_limit
                             : c == home_class(self_) ? config_.home_push_limit
                                                      : config_.push_limit;
      const std::uint8_t bit = static_cast<std::uint8_t>(1u << c);
      if (!(mask & bit)) continue;
      // Only where we have a path to the publisher ourselves; never back
      // to the member that pushes this class to us (a two-member loop).
      if (depth_[c] >= kMaxDepth || pusher_[c] == from) continue;
      if (n.we_push & bit) {
        accepted |= bit;
        continue;
      }
      // A new subscriber only while our upload has room (the lowest-priority
      // queue drains); the publisher's fan-out is fixed.
      if (role_ != Role::publisher && std::max(wait_peak_[0], wait_peak_[1]) > config_.accept_max_wait) continue;
      if (role_ == Role::publisher) {
        // Each class's first hop is a member whose home class it is (the
        // root of a tree with fan-out), taken from a member for which it is
        // not; another member only while no neighbour has it as home.
        const bool home = home_class(from) == c;
        bool home_around = false;
        for (const auto& [id, o] : neighbours_) home_around |= o.hello && home_class(id) == c;
        if (!home && home_around) continue;
        if (home && subscriber_count(c) >= limit) {
          for (auto& [id, o] : neighbours_) {
            if (&o == &n || !(o.we_push & bit) || home_class(id) == c) continue;
            o.we_push &= static_cast<std::uint8_t>(~bit);
            send(id, SubscribeReply{o.we_push}, SendKind::control);
            break;
          }
        }
      }
      if (subscriber_count(c) >= limit && !release_silent_subscriber(now, n, bit)) continue;
      unsigned total = 0;  // subscriptions we carry, all classes
      for (const auto& [id, o] : neighbours_) total += static_cast<unsigned>(std::popcount(o.we_push));
      if (total >= config_.push_budget && !release_silent_subscriber(now, n, 0xff)) continue;
      accepted |= bit;
    }
  }
  counters_.subscriptions_refused += static_cast<unsigned>(std::popcount(static_cast<unsigned>(mask & ~accepted)));
  n.we_push = accepted;
  send(from, SubscribeReply{accepted}, SendKind::control);
}

// A subscriber in `classes` silent for silent_subscriber (it sends a map at
// least every keepalive_interval) has most likely crashed: one of its push
// slots goes to the member asking now (`asker`), without waiting for
// neighbour_timeout. When the root of a class's subtree crashes, its
// children ask its parent first (the nearest pusher): before, they were
// refused for the 1.5 s the dead member kept the slot, and backed off.
bool GroupMember::release_silent_subscriber(TimePoint now, const Neighbour& asker, std::uint8_t classes) {
  for (auto& [id, o] : neighbours_) {
    const std::uint8_t held = o.we_push & classes;
    if (&o == &asker || !held || now - o.last_heard <= config_.silent_subscriber) continue;
    o.we_push &= static_cast<std::uint8_t>(~(1u << std::countr_zero(held)));
    send(id, SubscribeReply{o.we_push}, SendKind::control);
    ++counters_.silent_subscribers_released;
    return true;
  }
  return false;
}

void GroupMember::on_subscribe_reply(TimePoint now, const MemberId& from, Neighbour& n, std::uint8_t mask) {
  for (unsigned c = 0; c < kPushClasses; ++c) {
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << c);
    if (mask & bit) {
      if (!(n.pushes_to_us & bit) && (n.asked & bit) && pusher_[c] != from) {
        if (pusher_[c]) {  // an upgrade (manage_pushers): the old pusher stops
          if (auto o = neighbours_.find(*pusher_[c]); o != neighbours_.end()) {
            o->second.pushes_to_us &= static_cast<std::uint8_t>(~bit);
            send(o->first, Subscribe{static_cast<std::uint8_t>(o->second.pushes_to_us | o->second.asked)},
                 SendKind::control);
          }
        }
        pusher_[c] = from;
        last_push_at_[c] = now;
        last_push_seq_[c] = known_newest_;  // judged by what appears after now
        ++counters_.pusher_changes;
      }
    } else {
      // The publisher is asked again sooner by a member cut off in the
      // class: it refuses a home member only while its one subscriber of the
      // class is heard from, and frees that slot once the subscriber is
      // silent for silent_subscriber (an upgrade that can wait waits).
      if (n.asked & bit)
        n.refused_until[c] = now + (n.publisher && !has_path(c) ? config_.publisher_refusal_backoff : kRefusalBackoff);
      if (pusher_[c] == from) {  // it shed us (its upload is full): not asked again at once
        pusher_[c].reset();
        n.refused_until[c] = now + kRefusalBackoff;
      }
    }
  }
  n.pushes_to_us = mask;
  n.asked = 0;
  // Accepted classes we no longer want (another pusher won meanwhile).
  std::uint8_t want = 0;
  for (unsigned c = 0; c < kPushClasses; ++c)
    if (pusher_[c] == from) want |= static_cast<std::uint8_t>(1u << c);
  if (want != mask) {
    n.pushes_to_us = want;
    send(from, Subscribe{want}, SendKind::control);
    n.asked = 0;
  }
}

// The publisher's upload stays near one copy: its pull answers come from a
// budget (publisher_serve_share of what it publishes), and a fragment goes
// to members other than its class's subscriber at most once per
// publisher_reserve_interval: the member that got it serves the others.
bool GroupMember::publisher_may_serve(TimePoint now, const Neighbour& n, Seq s, std::size_t bytes) {
  if (serve_tokens_ < double(bytes)) return false;
  if (!(n.we_push & (1u << push_class(s)))) {
    auto [it, fresh] = served_once_.try_emplace(s, now);
    // Until a neighbour advertises it, the copy served may have been lost
    // (2% of pull answers are, and more behind a keyframe burst): served
    // again once it could have landed and been advertised.
    bool landed = false;
    for (const auto& [id, o] : neighbours_) landed |= &o != &n && o.map.holds(s);
    const Duration reserve = landed ? config_.publisher_reserve_interval
                                    : std::min(config_.publisher_reserve_interval,
                                               pull_timeout(n) + config_.map_interval);
    if (!fresh && now - it->second < reserve) return false;
    it->second = now;
    while (served_once_.size() > config_.max_missing) served_once_.erase(served_once_.begin());
  }
  serve_tokens_ -= double(bytes);
  return true;
}

void GroupMember::on_request(TimePoint now, const MemberId& from, Neighbour& n, const std::vector<Seq>& seqs) {
  if (!n.hello) return;
  // Answers that would wait in our upload longer than answer_max_wait come
  // too late to help: declined, so the asker turns to another holder (our
  // maps say how loaded we are). The publisher has its own budget.
  if (role_ != Role::publisher && answer_wait_ > config_.answer_max_wait) {
    counters_.requests_unserved += seqs.size();
    counters_.requests_declined += seqs.size();
    return;
  }
  for (Seq s : seqs) {
    const Bytes* c = store_.get(s);
    if (!c || n.served_this_tick >= config_.serve_per_tick ||
        (role_ == Role::publisher && !publisher_may_serve(now, n, s, c->size()))) {
      ++counters_.requests_unserved;
      continue;
    }
    ++n.served_this_tick;
    ++counters_.fragments_requested_by_peers;
    counters_.bytes_requested_by_peers += c->size();
    send(from, FragmentMessage{s, *c}, SendKind::pull_answer);
  }
}

void GroupMember::on_fragment(TimePoint now, const MemberId& from, Neighbour& n, FragmentMessage&& f) {
  const unsigned cls = push_class(f.seq);
  const bool from_pusher = pusher_[cls] == from;
  auto mit = missing_.find(f.seq);
  const bool pulled = mit != missing_.end() && mit->second.asked == from;
  if (from_pusher && mit != missing_.end()) {
    const Duration lag = now - mit->second.known_at;
    const Duration err = lag > push_lag_[cls] ? lag - push_lag_[cls] : push_lag_[cls] - lag;
    push_lag_dev_[cls] = (push_lag_dev_[cls] * 3 + err) / 4;
    push_lag_[cls] = (push_lag_[cls] * 7 + lag) / 8;
  }
  if (pulled) {
    if (n.outstanding) --n.outstanding;
    const Duration sample = now - mit->second.asked_at;
    n.srtt = n.srtt == Duration{} ? sample : (n.srtt * 7 + sample) / 8;
  }
  std::vector<Seq> newly;
  const Seq held_before = store_.newest();
  const Offer o = store_.offer(now, f.seq, f.content, newly);
  switch (o) {
    case Offer::duplicate:
      ++counters_.duplicates;
      if (from_pusher) {
        last_push_at_[cls] = now;
        mark_lost(f.previous);
      }
      return;
    case Offer::forged:
      ++counters_.forged;
      if (++n.forged >= config_.max_forged_per_neighbour) {
        send(from, Goodbye{GoodbyeReason::misbehaving}, SendKind::control);
        actions_.emplace_back(DisconnectAction{from});
        drop_neighbour(now, from, true);
        if (blocked_.size() >= config_.max_known_members) blocked_.erase(blocked_.begin());
        blocked_[from] = now + std::chrono::hours(1);
        forget(from);
      }
      return;
    case Offer::stale:
    case Offer::malformed:
      ++counters_.stale;
      return;
    case Offer::pending:
    case Offer::stored:
      break;
  }
  if (o == Offer::pending) {
    // Waiting for its manifest, which nothing else will fetch: far ahead
    // (a probe's answer, or a push of a new run), or below where playout
    // starts (the join point's manifest precedes it: a joiner that pulled
    // the join point's fragments waited for that manifest until a push or
    // the hole timeout brought it, about 1.5 s). The sender verified the
    // fragment, so it holds the manifest: asked for it at once.
    auto p = parse_content(f.content);
    const auto* d = p ? std::get_if<DataContent>(&*p) : nullptr;
    const Seq manifest = d && d->back && d->back < f.seq ? f.seq - d->back : 0;
    const bool far_ahead = held_before != 0 && f.seq > held_before + kMaxAhead;
    const bool below_playout = role_ != Role::publisher && (!playout_.started() || manifest < playout_.next());
    if (manifest != 0 && manifest != probe_manifest_ && (far_ahead || below_playout) && !store_.holds(manifest)) {
      probe_manifest_ = manifest;
      ++counters_.fragments_requested_from_peers;
      send(from, Request{{manifest}}, SendKind::signal);
    }
  }
  if (from_pusher) {  // a push only counts once it verified (or may)
    last_push_at_[cls] = now;
    last_push_seq_[cls] = std::max(last_push_seq_[cls], f.seq);
  }
  if (n.publisher) {
    ++counters_.fragments_from_publisher;
    counters_.bytes_from_publisher += f.content.size();
  } else if (pulled) {
    ++counters_.fragments_pulled_from_peers;
    counters_.bytes_pulled_from_peers += f.content.size();
  } else {
    ++counters_.fragments_pushed_from_peers;
    counters_.bytes_pushed_from_peers += f.content.size();
  }
  if (!newly.empty()) {
    const Seq high = *std::max_element(newly.begin(), newly.end());
    if (held_before != 0 && high > held_before + kMaxAhead) new_run(now, held_before, high);
  }
  learn_newest(now, f.seq);
  if (from_pusher) mark_lost(f.previous);
  for (Seq s : newly) on_verified(now, s, s == f.seq ? &from : nullptr);
  if (!newly.empty()) play(now);
}

// A verified fragment `high` lies beyond what we held (`held_before`) by
// more than kMaxAhead: the publisher came back (group_types.hpp, publisher
// runs) or we fell far behind. Either way, as a late join: the earlier
// numbers are dropped for good (a replay of them is stale), pulls and holes
// of the old run are forgotten, and playout starts again at the new run's
// first join point (timestamps kept monotonic by Playout::restart).
void GroupMember::new_run(TimePoint, Seq held_before, Seq high) {
  ++counters_.runs_followed;
  store_.drop_below(std::max(held_before + 1, high - kMaxAhead));
  for (auto& [s, m] : missing_) release_pull(m);
  missing_.clear();
  known_newest_ = store_.newest();
  if (join_point_ < store_.floor()) join_point_ = 0;
  if (playout_.started()) playout_.restart();
  map_dirty_ = true;
}

// A fragment became verified: it leaves the missing list, and goes to every
// subscriber of its class that may not have it.
void GroupMember::on_verified(TimePoint now, Seq s, const MemberId* from) {
  if (auto it = missing_.find(s); it != missing_.end()) {
    // (An answer from the neighbour asked was already counted in on_fragment.)
    if (!from || it->second.asked != *from) release_pull(it->second);
    missing_.erase(it);
  }
  map_dirty_ = true;
  const Bytes* c = store_.get(s);
  if (!c) return;
  if (c->size() > 2 && (*c)[0] == 0) {  // data: note join points
    auto p = parse_content(*c);
    if (const auto* d = p ? std::get_if<DataContent>(&*p) : nullptr) {
      if (d->flags & kJoinPoint) join_point_ = std::max(join_point_, s);
      if ((d->flags & kFirst) && !(d->flags & kConfig) && d->type != MediaType::data)
        playout_.note_frame_start(d->timestamp);
    }
  }
  const unsigned cls = push_class(s);
  for (auto& [id, n] : neighbours_) {
    if (!(n.we_push & (1u << cls)) || (from && id == *from) || n.map.holds(s)) continue;
    ++counters_.fragments_pushed_to_peers;
    counters_.bytes_pushed_to_peers += c->size();
    // Pushes go in verification order, which can differ from number order
    // (manifests travel other classes' trees): only an in-order push names
    // its predecessor.
    Seq& last = n.pushed_last[cls];
    const Seq previous = last < s ? last : 0;
    last = std::max(last, s);
    send(id, FragmentMessage{s, *c, previous}, SendKind::push);
  }
  (void)now;
}

void GroupMember::play(TimePoint now) {
  if (role_ == Role::publisher) return;
  maybe_start(now);
  playout_.catch_up(store_, join_point_);
  const std::size_t before = frames_.size();
  playout_.poll(now, store_, known_newest_, frames_);
  if (frames_.size() > before && !counters_.join_to_first_frame && started_at_)
    counters_.join_to_first_frame = now - *started_at_;
  // Holes playout skipped are no longer worth pulling.
  while (!missing_.empty() && missing_.begin()->first < playout_.next()) {
    release_pull(missing_.begin()->second);
    missing_.erase(missing_.begin());
  }
}

Result<void> GroupMember::publish(TimePoint now, const MediaFrame& frame) {
  if (role_ != Role::publisher || !feed_) return fail(Errc::bad_state, "only the publisher publishes");
  if (left_) return fail(Errc::closed, "left the group");
  return feed_->publish(now, frame);
}

void GroupMember::publisher_tick(TimePoint now) {
  if (!feed_) return;
  for (auto& f : feed_->take(now)) {
    ++counters_.fragments_published;
    counters_.bytes_published += f.content.size();
    serve_tokens_ = std::min(serve_tokens_ + config_.publisher_serve_share * double(f.content.size()),
                             double(config_.publisher_serve_burst));
    if (f.join_point) join_point_ = f.seq;
    const Seq s = f.seq;
    store_.add_own(now, s, std::move(f.content));
    known_newest_ = std::max(known_newest_, s);
    on_verified(now, s, nullptr);
  }
}

void GroupMember::expire_neighbours(TimePoint now) {
  std::vector<MemberId> gone;
  for (const auto& [id, n] : neighbours_)
    if (now - n.last_heard > config_.neighbour_timeout) gone.push_back(id);
  for (const auto& id : gone) {
    ++counters_.neighbours_timed_out;
    actions_.emplace_back(DisconnectAction{id});
    drop_neighbour(now, id, true);
  }
  for (auto it = connecting_.begin(); it != connecting_.end();) {
    if (now - it->second > config_.connect_timeout) {
      if (auto k = known_.find(it->first); k != known_.end()) k->second.retry_after = now + kFailedConnectBackoff;
      actions_.emplace_back(DisconnectAction{it->first});
      it = connecting_.erase(it);
    } else {
      ++it;
    }
  }
}

void GroupMember::manage_pushers(TimePoint now) {
  if (role_ == Role::publisher) return;
  std::map<MemberId, std::uint8_t> ask;
  for (unsigned c = 0; c < kPushClasses; ++c) {
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << c);
    if (pusher_[c]) {
      auto it = neighbours_.find(*pusher_[c]);
      // Stalled: nothing of the class from it for push_stall while at least
      // two newer fragments of the class are known to exist. (Its advertised
      // depth going unknown is not enough: upstream repairs come and go,
      // and a tree that drops on every blip collapses.)
      const bool stalled = now - last_push_at_[c] > config_.push_stall &&
                           known_newest_ >= last_push_seq_[c] + 2 * kPushClasses;
      if (it != neighbours_.end() && !stalled) {
        // A much nearer pusher (two effective hops or more) is asked, at
        // most once per upgrade_interval per class: trees built while
        // members joined in any order get shallow again (each hop costs a
        // link's delay, and its verification waits for the manifest's own
        // path), and a shallow tree is what push lags short of the pull
        // delay need.
        // A pusher cut off from the publisher itself (its depth unknown: a
        // member above it crashed) for orphan_grace (time for it to find a
        // new parent) is replaced as soon as a neighbour with a path
        // accepts, not after upgrade_interval: the whole subtree below us
        // waits for that (a class's first hop crashing cost every member
        // that class for 4 s).
        const auto cur = effective_depth(*pusher_[c], it->second, c);
        if (advertised_depth(it->second, c) < kMaxDepth)
          orphaned_since_[c].reset();
        else if (!orphaned_since_[c])
          orphaned_since_[c] = now;
        const bool orphaned = orphaned_since_[c] && now - *orphaned_since_[c] >= config_.orphan_grace;
        if (!orphaned && now - upgrade_at_[c] < config_.upgrade_interval) continue;
        bool pending = false;
        for (const auto& [id, n] : neighbours_) pending |= (n.asked & bit) != 0;
        if (pending) continue;
        const auto cand = best_pusher(now, c);
        if (cand && cand->second + 2 <= cur) {
          upgrade_at_[c] = now;
          ask[cand->first] |= bit;
        }
        continue;
      }
      lost_depth_[c] = depth_[c];
      lost_depth_until_[c] = now + seconds(1);
      if (it != neighbours_.end()) {  // tell it to stop
        it->second.pushes_to_us &= static_cast<std::uint8_t>(~bit);
        it->second.refused_until[c] = now + kRefusalBackoff;
        send(it->first, Subscribe{it->second.pushes_to_us}, SendKind::control);
      }
      pusher_[c].reset();
    }
    // Already asked somebody?
    bool pending = false;
    for (auto& [id, n] : neighbours_) {
      if ((n.asked & bit) && now - n.asked_at > config_.subscribe_timeout) {
        n.asked &= static_cast<std::uint8_t>(~bit);
        n.refused_until[c] = now + kRefusalBackoff;
      }
      if (n.asked & bit) pending = true;
    }
    if (pending) continue;
    if (const auto best = best_pusher(now, c)) ask[best->first] |= bit;
  }
  for (auto& [id, bits] : ask) {
    auto& n = neighbours_.at(id);
    n.asked |= bits;
    n.asked_at = now;
    send(id, Subscribe{static_cast<std::uint8_t>(n.pushes_to_us | n.asked)}, SendKind::control);
  }
  for (unsigned c = 0; c < kPushClasses; ++c) {
    std::uint8_t d = kDepthUnknown;
    if (pusher_[c])
      if (auto it = neighbours_.find(*pusher_[c]); it != neighbours_.end()) {
        const std::uint8_t pd = advertised_depth(it->second, c);
        d = pd >= kMaxDepth ? kDepthUnknown : static_cast<std::uint8_t>(pd + 1);
      }
    if (d != depth_[c]) map_dirty_ = true;
    depth_[c] = d;
  }
}

// We have a pusher in class `c` that has a path to the publisher.
bool GroupMember::has_path(unsigned c) const {
  if (!pusher_[c]) return false;
  auto it = neighbours_.find(*pusher_[c]);
  return it != neighbours_.end() && advertised_depth(it->second, c) < kMaxDepth;
}

// Hops from the publisher in class `c` a neighbour advertises (the
// publisher: 0).
std::uint8_t GroupMember::advertised_depth(const Neighbour& n, unsigned c) {
  return n.publisher ? 0 : n.map.depth[c];
}

// A neighbour's distance from the publisher in class `c` as a pusher: its
// advertised depth, plus 3 when the class is not its home class (it would
// make us its leaf, where a home-class member is an interior node with room
// for several).
unsigned GroupMember::effective_depth(const MemberId& id, const Neighbour& n, unsigned c) const {
  return advertised_depth(n, c) + (n.publisher || home_class(id) == c ? 0 : 3);
}

// The neighbour nearest the publisher for class `c` that may be asked, ties at random.
std::optional<std::pair<MemberId, unsigned>> GroupMember::best_pusher(TimePoint now, unsigned c) {
  const std::uint8_t bit = static_cast<std::uint8_t>(1u << c);
  std::optional<std::pair<MemberId, unsigned>> best;
  std::uint64_t best_tiebreak = 0;
  for (auto& [id, n] : neighbours_) {
    if (!n.hello || n.refused_until[c] > now || (n.we_push & bit) || pusher_[c] == id) continue;
    if (advertised_depth(n, c) >= kMaxDepth) continue;
    const unsigned d = effective_depth(id, n, c);
    const std::uint64_t t = random_.u64();
    if (!best || d < best->second || (d == best->second && t < best_tiebreak)) {
      best = std::make_pair(id, d);
      best_tiebreak = t;
    }
  }
  return best;
}

// The neighbour asked for this fragment no longer owes it: its place in
// our outstanding pulls there is free again.
void GroupMember::release_pull(Missing& m) {
  if (!m.asked) return;
  if (auto nb = neighbours_.find(*m.asked); nb != neighbours_.end() && nb->second.outstanding)
    --nb->second.outstanding;
  m.asked.reset();
}

Duration GroupMember::pull_timeout(const Neighbour& n) const {
  return std::clamp<Duration>(2 * n.srtt + milliseconds(50), config_.request_timeout, seconds(2));
}

void GroupMember::schedule_pulls(TimePoint now) {
  if (!playout_.started() || neighbours_.empty()) return;
  std::map<MemberId, std::vector<Seq>> batches;
  std::size_t pulls = 0;
  // Pulls that timed out free their places first.
  for (auto& [s, m] : missing_) {
    if (!m.asked || now < m.retry_at) continue;
    m.last_asked = m.asked;
    release_pull(m);
  }
  unsigned outstanding = 0;
  for (const auto& [id, n] : neighbours_) outstanding += n.outstanding;
  std::size_t looked = 0;
  for (auto& [s, m] : missing_) {
    // The lowest numbers are the most urgent (playout waits for them).
    if (pulls >= kMaxPullsPerTick || ++looked > kMaxPullsPerTick * 64) break;
    if (outstanding >= config_.max_outstanding_pulls) break;
    if (m.asked && now < m.retry_at) continue;
    if (store_.holds(s) || store_.waiting(s)) continue;  // waiting: its manifest is what is missing
    const unsigned cls = push_class(s);
    // A push lost on the last hop is pulled at once: the pusher's next push
    // of the class names it (`lost`). Otherwise the pusher gets the time its
    // pushes usually take (measured per class), at most fetch_delay.
    const bool push_expected = pusher_[cls] && !m.lost;
    const Duration known_for = now - m.known_at;
    const Duration fetch_after =
        std::min<Duration>(config_.fetch_delay, push_lag_[cls] + 4 * push_lag_dev_[cls] + milliseconds(20));
    if (push_expected && known_for < fetch_after) continue;
    const MemberId* skipped_by = m.lost && pusher_[cls] ? &*pusher_[cls] : nullptr;
    // A holder other than the one asked last; the publisher only as a last
    // resort. The one asked last again when no other holder is left (the
    // publisher is often the only holder of a fragment its subscriber lost,
    // and it declines while its pull budget is spent: asked again later, it
    // serves; before, such a fragment was never asked for again); a member
    // only after twice its pull timeout (it may just be slow: congested).
    const MemberId* pick = nullptr;
    const MemberId* again = nullptr;
    bool pick_publisher = true;
    std::uint64_t pick_t = 0;
    for (auto& [id, n] : neighbours_) {
      if (!n.hello || !n.map.holds(s) || n.outstanding >= config_.max_requests_per_neighbour) continue;
      // The publisher is asked early by its own class subscriber for what
      // its push lost on the way (`lost`): nobody else can hold that one,
      // and every member below waits for it.
      const bool lost_from_publisher = m.lost && skipped_by && *skipped_by == id;
      const bool publisher_waits = n.publisher && !lost_from_publisher;
      if (m.last_asked && *m.last_asked == id) {
        if (publisher_waits ? known_for >= config_.publisher_fetch_delay : now - m.asked_at >= 2 * pull_timeout(n)) again = &id;
        continue;
      }
      if (publisher_waits && known_for < config_.publisher_fetch_delay) continue;
      // The soonest answer first: its pull round trip, the wait its map
      // advertises (its upload's backlog), our pulls outstanding there;
      // ties at random.
      const std::int64_t expect_ms = n.srtt.count() / 1000 + std::int64_t(n.map.load) * (kLoadUnit.count() / 1000) +
                                     20 * std::int64_t(n.outstanding);
      const std::uint64_t t = (std::uint64_t(std::min<std::int64_t>(expect_ms, 65535)) << 32) + (random_.u64() >> 32);
      if (!pick || (pick_publisher && !n.publisher) || (pick_publisher == n.publisher && t < pick_t)) {
        pick = &id;
        pick_publisher = n.publisher;
        pick_t = t;
      }
    }
    if (!pick) pick = again;
    if (!pick && skipped_by && m.attempts == 0) {
      // Nobody advertised it yet: the pusher that skipped it most likely
      // holds it, whatever its last map said.
      auto it = neighbours_.find(*skipped_by);
      if (it != neighbours_.end() && it->second.outstanding < config_.max_requests_per_neighbour) pick = &it->first;
    }
    if (!pick) continue;
    m.asked = *pick;
    m.asked_at = now;
    m.retry_at = now + pull_timeout(neighbours_.at(*pick));
    ++m.attempts;
    ++neighbours_.at(*pick).outstanding;
    ++outstanding;
    batches[*pick].push_back(s);
    ++pulls;
  }
  for (auto& [id, seqs] : batches) {
    for (std::size_t i = 0; i < seqs.size(); i += kMaxRequestSeqs) {
      Request r;
      r.seqs.assign(seqs.begin() + static_cast<long>(i),
                    seqs.begin() + static_cast<long>(std::min(seqs.size(), i + kMaxRequestSeqs)));
      counters_.fragments_requested_from_peers += r.seqs.size();
      send(id, r, SendKind::signal);
    }
  }
}

FragmentMap GroupMember::build_map() const {
  FragmentMap m;
  m.newest = store_.newest();
  m.join_point = std::min(join_point_, m.newest);
  if (m.join_point != 0 && !store_.holds(m.join_point)) m.join_point = 0;
  m.depth = depth_;
  m.load = static_cast<std::uint8_t>(std::min<std::int64_t>(answer_wait_ / kLoadUnit, 255));
  if (m.newest == 0) return m;
  // The bitmap reaches down to the lowest hole among the last kMaxMapBits;
  // below it, the unbroken run of held fragments (`held_from`).
  const Seq low = m.newest >= kMaxMapBits ? m.newest - kMaxMapBits + 1 : 1;
  Seq lowest_hole = 0;
  for (Seq s = std::max(low, store_.floor()); s <= m.newest; ++s)
    if (!store_.holds(s)) {
      lowest_hole = s;
      break;
    }
  std::size_t bits = 0;
  if (lowest_hole != 0) {
    bits = ((m.newest - lowest_hole + 1) + 7) / 8 * 8;
    m.bitmap.assign(bits / 8, 0);
    for (std::size_t i = 0; i < bits && i < m.newest; ++i)
      if (store_.holds(m.newest - i)) m.bitmap[i / 8] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
  }
  const Seq below = m.newest >= bits ? m.newest - bits + 1 : 1;  // first number under the bitmap + 1
  m.held_from = store_.held_run_below(below, config_.max_fragments);
  if (m.held_from >= below) m.held_from = 0;  // nothing held right under the bitmap
  // What we still hold under older holes (a big keyframe's early half, a
  // fragment only we got from the publisher): advertised too, or nobody
  // could pull it from us.
  m.older = store_.held_runs_below(m.described_from(), kMaxMapRuns);
  return m;
}

void GroupMember::send_maps(TimePoint now) {
  // The publisher's map changes with every fragment and says little its
  // neighbours do not learn from the stream itself: keepalive pace only.
  const bool due_change = map_dirty_ &&
                          (!last_map_ || now - *last_map_ >= config_.map_interval);
  const bool due_keepalive = !last_keepalive_ || now - *last_keepalive_ >= config_.keepalive_interval;
  if (!due_change && !due_keepalive) return;
  const FragmentMap m = build_map();
  for (const auto& [id, n] : neighbours_) send(id, m, SendKind::signal);
  last_map_ = last_keepalive_ = now;
  map_dirty_ = false;
}

void GroupMember::gossip(TimePoint now) {
  if (last_gossip_ && now - *last_gossip_ < config_.gossip_interval) return;
  last_gossip_ = now;
  if (neighbours_.empty() || known_.empty()) return;
  Members m;
  std::vector<MemberId> pool;
  for (const auto& [id, k] : known_)
    if (k.retry_after <= now) pool.push_back(id);
  for (std::size_t i = 0; i < kGossipSample && !pool.empty(); ++i) {
    const std::size_t j = static_cast<std::size_t>(random_.below(pool.size()));
    m.ids.push_back(pool[j]);
    pool[j] = pool.back();
    pool.pop_back();
  }
  m.ids.push_back(self_);
  auto it = neighbours_.begin();
  std::advance(it, static_cast<long>(random_.below(neighbours_.size())));
  send(it->first, m, SendKind::control);
}

void GroupMember::review_overlay(TimePoint now) {
  const std::size_t target = neighbour_target(known_.size() + 1, config_);
  const bool short_of = neighbours_.size() + connecting_.size() < target;
  if (!short_of && last_review_ && now - *last_review_ < config_.overlay_review) return;
  if (last_review_ && now - *last_review_ < config_.tick * 4) return;  // not every tick when short
  last_review_ = now;
  std::vector<MemberId> candidates;
  for (const auto& [id, k] : known_)
    if (k.retry_after <= now || neighbours_.count(id)) candidates.push_back(id);
  const auto desired = choose_neighbours(self_, candidates, target, random_);
  for (const auto& id : desired) {
    if (neighbours_.size() + connecting_.size() >= std::max(target, neighbours_.size())) break;
    if (connecting_.size() >= config_.max_pending_connects) break;
    if (neighbours_.count(id) || connecting_.count(id)) continue;
    connecting_.emplace(id, now);
    ++counters_.connects;
    actions_.emplace_back(ConnectAction{id});
  }
  cover_home_classes(now, target);
}

// The publisher: a class none of its neighbours has as home class (they
// left, or it linked before it knew any) gets a link to a known member of
// that class, up to kExtraClassLinks beyond the target. Its one subscriber
// of a class is taken from those members (on_subscribe); without one it
// is a leaf with one slot, and the whole class hangs from a chain (a
// 100-member run lost 80% of a class for 20 s). Members do not add links
// for this: choose_neighbours covers the classes when they pick, and extra
// links after churn cost the 1 MB keyframe runs their keyframes.
void GroupMember::cover_home_classes(TimePoint now, std::size_t target) {
  if (role_ != Role::publisher) return;
  std::array<bool, kPushClasses> covered{};
  for (const auto& [id, n] : neighbours_) covered[home_class(id)] |= !n.publisher;
  for (const auto& [id, t] : connecting_) covered[home_class(id)] = true;
  if (std::all_of(covered.begin(), covered.end(), [](bool b) { return b; })) return;
  std::array<std::vector<const MemberId*>, kPushClasses> candidates;
  for (const auto& [id, k] : known_)
    if (!covered[home_class(id)] && k.retry_after <= now && !neighbours_.count(id)) candidates[home_class(id)].push_back(&id);
  for (unsigned c = 0; c < kPushClasses; ++c) {
    if (neighbours_.size() + connecting_.size() >= target + kExtraClassLinks ||
        connecting_.size() >= config_.max_pending_connects)
      return;
    if (covered[c] || candidates[c].empty()) continue;
    const MemberId id = *candidates[c][static_cast<std::size_t>(random_.below(candidates[c].size()))];
    connecting_.emplace(id, now);
    ++counters_.connects;
    actions_.emplace_back(ConnectAction{id});
  }
}

// Our pusher names the fragment of the class it pushed before this one: if
// we lack it, it was lost on the last hop.
void GroupMember::mark_lost(Seq previous) {
  if (previous == 0) return;
  if (auto it = missing_.find(previous); it != missing_.end()) it->second.lost = true;
}

void GroupMember::set_upload_wait(TimePoint now, Duration push_wait, Duration answer_wait) {
  const bool was_loaded = answer_wait_ > config_.accept_max_wait;
  push_wait_ = push_wait;
  answer_wait_ = std::max(answer_wait, push_wait);
  if ((answer_wait_ > config_.accept_max_wait) != was_loaded) map_dirty_ = true;
  if (now - wait_window_start_ >= config_.accept_window) {
    wait_peak_[1] = now - wait_window_start_ >= 2 * config_.accept_window ? Duration{} : wait_peak_[0];
    wait_peak_[0] = Duration{};
    wait_window_start_ = now;
  }
  wait_peak_[0] = std::max(wait_peak_[0], push_wait_);
}

// Pushes that wait in our upload longer than shed_wait for shed_interval:
// we carry more subscribers than our upload can, and every one of them
// gets its class late. One is dropped per shed_interval (it subscribes
// elsewhere), a leaf class before our home class, until pushes flow.
void GroupMember::shed_subscribers(TimePoint now) {
  if (role_ == Role::publisher || push_wait_ <= config_.shed_wait) {
    pushes_slow_since_.reset();
    return;
  }
  if (!pushes_slow_since_) pushes_slow_since_ = now;
  if (now - *pushes_slow_since_ < config_.shed_interval) return;
  if (last_shed_ && now - *last_shed_ < config_.shed_interval) return;
  const unsigned home = home_class(self_);
  const std::uint8_t home_bit = static_cast<std::uint8_t>(1u << home);
  Neighbour* victim = nullptr;
  MemberId victim_id{};
  unsigned victim_class = 0;
  std::uint64_t best = 0;
  for (auto& [id, n] : neighbours_) {
    const std::uint8_t leaf = static_cast<std::uint8_t>(n.we_push & ~home_bit);
    if (!n.we_push) continue;
    // Leaf classes first, then the home class; at random among equals.
    const std::uint64_t key = (leaf ? (1ull << 63) : 0) | (random_.u64() >> 1);
    if (!victim || key > best) {
      victim = &n;
      victim_id = id;
      best = key;
      victim_class = leaf ? static_cast<unsigned>(std::countr_zero(leaf)) : home;
    }
  }
  if (!victim) return;
  victim->we_push &= static_cast<std::uint8_t>(~(1u << victim_class));
  send(victim_id, SubscribeReply{victim->we_push}, SendKind::control);
  ++counters_.subscribers_shed;
  last_shed_ = now;
}

void GroupMember::tick(TimePoint now) {
  if (left_) return;
  if (!started_at_) started_at_ = now;
  last_tick_ = now;
  for (auto& [id, n] : neighbours_) n.served_this_tick = 0;
  if (role_ == Role::publisher) publisher_tick(now);
  expire_neighbours(now);
  manage_pushers(now);
  shed_subscribers(now);
  play(now);
  schedule_pulls(now);
  send_maps(now);
  gossip(now);
  review_overlay(now);
  store_.expire(now);
}

std::optional<TimePoint> GroupMember::next_deadline() const {
  if (left_) return std::nullopt;
  if (!last_tick_) return TimePoint{};
  std::optional<TimePoint> d = *last_tick_ + config_.tick;
  if (feed_) d = earliest(d, feed_->next_deadline());
  return d;
}

void GroupMember::leave(TimePoint now) {
  if (left_) return;
  for (const auto& [id, n] : neighbours_) {
    send(id, Goodbye{GoodbyeReason::leaving}, SendKind::control);
    actions_.emplace_back(DisconnectAction{id});
  }
  for (const auto& [id, t] : connecting_) actions_.emplace_back(DisconnectAction{id});
  neighbours_.clear();
  connecting_.clear();
  left_ = true;
  (void)now;
}

}  // namespace rtmfp::group
