// One member of a P2P broadcast group, sans-I/O: member samples, link
// events, neighbours' messages and `now` in; messages to neighbours,
// connect/disconnect requests, played frames and the next deadline out.
// The host (the node's group service, or the simulator) carries each
// Send over its link (reliable ones on a reliable flow, fragments and maps
// on a flow that may lose them) and opens/closes links on request.
//
// Delivery, push-pull over the neighbour mesh:
//  - push: per class (fragment number mod 8) a member subscribes to one
//    neighbour nearer the publisher (advertised push depth), which forwards
//    every new fragment of that class at once; the publisher takes one
//    subscriber per class, members push_limit; a pusher that stalls
//    (push_stall) or leaves is replaced at the next tick.
//  - maps: what each member holds, to every neighbour when it changed
//    (map_interval) and at least every keepalive_interval.
//  - pull: a fragment known to exist (a map, or a later fragment of its
//    class from its pusher) and still missing after fetch_delay (at once if
//    its class has no pusher) is requested from a neighbour holding it, and
//    from another after request_timeout.
//  - every fragment is verified (fragment_store.hpp) before it is played or
//    forwarded; a neighbour that sends max_forged_per_neighbour forgeries is
//    dropped.
// Membership: a ring + long links + random overlay (overlay.hpp) over the
// members this member knows (directory samples, gossip), repaired when
// neighbours leave or go silent (neighbour_timeout).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_counters.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/core/playout.hpp"
#include "rtmfp/group/core/publisher_feed.hpp"

namespace rtmfp::group {

// How a message travels. The host keeps one flow per kind to a neighbour
// and sends the kinds in this order of priority (a push never waits behind
// a pull answer, and a pull answer only uses what pushes leave of the
// upload).
enum class SendKind : std::uint8_t {
  control,      // hello, subscriptions, gossip, goodbye: reliable, ordered
  signal,       // fragment maps and pull requests: may be lost, small, urgent
  push,         // fragments pushed down a class tree: may be lost
  pull_answer,  // fragments answering a pull: may be lost, lowest priority
};

struct SendAction {
  MemberId to{};
  Bytes message;
  SendKind kind = SendKind::control;
  bool reliable() const { return kind == SendKind::control; }
};
struct ConnectAction {
  MemberId to{};
};
struct DisconnectAction {
  MemberId to{};
};
using GroupAction = std::variant<SendAction, ConnectAction, DisconnectAction>;

enum class Role { member, publisher };

class GroupMember {
 public:
  GroupMember(const MemberId& self, const GroupId& group, Role role, const Authenticator& auth,
              RandomSource& random, const GroupConfig& config = {});

  // Members to consider as neighbours (a directory sample). Bounded.
  void add_members(TimePoint now, const std::vector<MemberId>& ids);
  // A link to `peer` opened (we asked, or it connected to us) / closed.
  void on_link_up(TimePoint now, const MemberId& peer);
  void on_link_down(TimePoint now, const MemberId& peer);
  // A group message from a linked peer. Malformed input is counted, never fatal.
  void on_message(TimePoint now, const MemberId& from, ByteView message);
  // Publisher only: one frame of the live stream.
  Result<void> publish(TimePoint now, const MediaFrame& frame);
  void tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  // The host's view of this member's upload: how long a push / a pull
  // answer queued now would wait before it leaves (what waits in the send
  // queues ahead of it, at the rate they drain). Hosts that never call it
  // leave both 0: fan-out then stops only at the configured limits.
  void set_upload_wait(TimePoint now, Duration push_wait, Duration answer_wait);
  // Says goodbye to every neighbour and asks for every link to close.
  void leave(TimePoint now);

  std::vector<GroupAction> take_actions() { return std::exchange(actions_, {}); }
  std::vector<PlayedFrame> take_frames() { return std::exchange(frames_, {}); }

  const MemberId& id() const { return self_; }
  Role role() const { return role_; }
  const GroupCounters& counters() const { return counters_; }
  const PlayoutCounters& playout_counters() const { return playout_.counters(); }
  std::size_t neighbour_count() const { return neighbours_.size(); }
  std::vector<MemberId> neighbours() const;
  std::size_t known_count() const { return known_.size(); }
  // Holes tracked for pulling (bounded by max_missing).
  std::size_t missing_count() const { return missing_.size(); }
  std::uint8_t depth(unsigned cls) const { return depth_[cls]; }
  // Classes this member pushes to the neighbour `id` (0 if none, or not a neighbour).
  std::uint8_t pushes_to(const MemberId& id) const {
    auto it = neighbours_.find(id);
    return it == neighbours_.end() ? 0 : it->second.we_push;
  }
  std::optional<MemberId> pusher(unsigned cls) const { return pusher_[cls]; }
  const FragmentStore& store() const { return store_; }
  // The fragment playout needs next (0 before it starts).
  Seq playout_next() const { return playout_.next(); }
  // Publisher: the number its next fragment gets (0 for a member).
  Seq next_publish_seq() const { return feed_ ? feed_->next_seq() : 0; }

 private:
  struct Neighbour {
    bool hello = false;
    bool publisher = false;
    TimePoint linked_at{}, last_heard{};
    FragmentMap map;
    std::uint8_t pushes_to_us = 0;   // classes it accepted to push to us
    std::uint8_t asked = 0;          // classes we asked it for, awaiting its reply
    TimePoint asked_at{};
    std::uint8_t we_push = 0;        // classes we push to it
    std::array<TimePoint, kPushClasses> refused_until{};
    unsigned outstanding = 0;        // our pulls it has not answered
    Duration srtt{};                 // smoothed pull round trip (0: none measured yet)
    unsigned served_this_tick = 0;
    // Per class, the highest fragment we pushed to it (its `previous push`).
    std::array<Seq, kPushClasses> pushed_last{};
    unsigned forged = 0;
  };
  struct Missing {
    TimePoint known_at{};
    TimePoint asked_at{};
    TimePoint retry_at{};  // asked: when to ask another neighbour
    std::optional<MemberId> asked;       // the pull outstanding
    std::optional<MemberId> last_asked;  // who did not answer last time
    unsigned attempts = 0;
    // Our pusher pushed it (a later push named it as its previous one) and
    // it never came: lost on the last hop, pulled at once.
    bool lost = false;
  };
  struct Known {
    TimePoint retry_after{};
    std::size_t slot = 0;  // its index in known_ids_
  };

  void send(const MemberId& to, const Message& m, SendKind kind);
  // The known set and its index (uniform random replacement in O(log n)).
  void remember(const MemberId& id);
  void forget(const MemberId& id);
  void drop_neighbour(TimePoint now, const MemberId& id, bool lost);
  void handle(TimePoint now, const MemberId& from, Neighbour& n, Message&& m);
  void on_map(TimePoint now, const MemberId& from, Neighbour& n, FragmentMap&& map);
  void on_subscribe(TimePoint now, const MemberId& from, Neighbour& n, std::uint8_t mask);
  bool release_silent_subscriber(TimePoint now, const Neighbour& asker, std::uint8_t classes);
  void on_subscribe_reply(TimePoint now, const MemberId& from, Neighbour& n, std::uint8_t mask);
  void on_request(TimePoint now, const MemberId& from, Neighbour& n, const std::vector<Seq>& seqs);
  bool publisher_may_serve(TimePoint now, const Neighbour& n, Seq s, std::size_t bytes);
  void on_fragment(TimePoint now, const MemberId& from, Neighbour& n, FragmentMessage&& f);
  void on_verified(TimePoint now, Seq s, const MemberId* from);
  void new_run(TimePoint now, Seq held_before, Seq high);
  void mark_lost(Seq previous);
  Duration pull_timeout(const Neighbour& n) const;
  void release_pull(Missing& m);
  void learn_newest(TimePoint now, Seq newest);
  void maybe_start(TimePoint now);
  void play(TimePoint now);

  void publisher_tick(TimePoint now);
  void expire_neighbours(TimePoint now);
  void manage_pushers(TimePoint now);
  static std::uint8_t advertised_depth(const Neighbour& n, unsigned c);
  bool has_path(unsigned c) const;
  unsigned effective_depth(const MemberId& id, const Neighbour& n, unsigned c) const;
  std::optional<std::pair<MemberId, unsigned>> best_pusher(TimePoint now, unsigned c);
  void schedule_pulls(TimePoint now);
  void send_maps(TimePoint now);
  void gossip(TimePoint now);
  void review_overlay(TimePoint now);
  void cover_home_classes(TimePoint now, std::size_t target);
  void shed_subscribers(TimePoint now);
  FragmentMap build_map() const;
  unsigned subscriber_count(unsigned cls) const;

  MemberId self_;
  GroupId group_;
  Role role_;
  RandomSource& random_;
  GroupConfig config_;
  FragmentStore store_;
  Playout playout_;
  std::unique_ptr<PublisherFeed> feed_;

  std::map<MemberId, Neighbour> neighbours_;
  std::map<MemberId, TimePoint> connecting_;  // connect requested at
  std::map<MemberId, Known> known_;
  std::vector<MemberId> known_ids_;  // known_'s keys, in no order
  std::map<MemberId, TimePoint> blocked_;  // dropped for forging, until (bounded by max_known_members)
  std::map<Seq, Missing> missing_;
  std::array<std::optional<MemberId>, kPushClasses> pusher_{};
  std::array<TimePoint, kPushClasses> last_push_at_{};
  std::array<TimePoint, kPushClasses> upgrade_at_{};  // a nearer pusher last asked
  std::array<std::optional<TimePoint>, kPushClasses> orphaned_since_{};  // our pusher's depth unknown since
  std::array<Seq, kPushClasses> last_push_seq_{};
  // How long after we learn of a fragment its pusher delivers it, per class
  // (smoothed mean and deviation, as RFC 6298 does for round trips): a
  // fragment later than mean + 4 deviations is pulled.
  std::array<Duration, kPushClasses> push_lag_{}, push_lag_dev_{};
  std::array<std::uint8_t, kPushClasses> depth_{};
  // After losing a class's pusher at depth d, only neighbours advertising a
  // depth below d qualify for a while: those above may be our own
  // subscribers' subtree with stale depths, and picking one makes a loop.
  std::array<std::uint8_t, kPushClasses> lost_depth_{};
  std::array<TimePoint, kPushClasses> lost_depth_until_{};
  Duration push_wait_{}, answer_wait_{};  // set_upload_wait
  // The highest push wait of the current and the previous accept window
  // (a keyframe's burst shows there even when the queue is empty now).
  std::array<Duration, 2> wait_peak_{};
  TimePoint wait_window_start_{};
  std::optional<TimePoint> pushes_slow_since_, last_shed_;
  double serve_tokens_ = 0;  // publisher: pull-answer bytes it may still send
  std::map<Seq, TimePoint> served_once_;  // publisher: fragments served to a non-subscriber, when
  Seq known_newest_ = 0;
  Seq join_point_ = 0;  // newest join point known (held or advertised)
  std::optional<TimePoint> last_probe_;  // asked a neighbour far ahead for its join point
  Seq probe_manifest_ = 0;               // the manifest last asked for a far-ahead fragment
  std::optional<TimePoint> started_at_;  // created / first tick
  std::optional<TimePoint> last_tick_, last_map_, last_keepalive_, last_gossip_, last_review_;
  bool map_dirty_ = true;
  bool left_ = false;
  std::vector<GroupAction> actions_;
  std::vector<PlayedFrame> frames_;
  GroupCounters counters_;
};

}  // namespace rtmfp::group
