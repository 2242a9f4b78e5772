// A group member's timers and bounds. Every buffer a neighbour can fill has
// its bound here. Defaults are ours, chosen against Flash NetGroup's (design/
// netgroup-wire.md §7): maps every 100 ms to one neighbour, pull only after
// 2.5 s, 8 s window + 2 s relay margin, push to <= 5 neighbours. We pull much
// earlier (a hole is repaired well inside the 2 s play deadline) and keep
// the publisher's upload near one copy (one subscriber per class).
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtmfp/core/time.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

struct GroupConfig {
  // Tick granularity of the pull scheduler.
  Duration tick = milliseconds(50);
  // Fragment maps: to every neighbour when changed, at most this often...
  Duration map_interval = milliseconds(200);
  // ...and at least this often (the map is also the keepalive).
  Duration keepalive_interval = milliseconds(500);
  // A neighbour silent this long is gone (crash without goodbye).
  Duration neighbour_timeout = milliseconds(1500);
  // A push subscriber silent this long (two maps missed: it sends one every
  // map_interval while it receives) gives its push slot to a member that
  // asks for one (most likely it crashed).
  Duration silent_subscriber = milliseconds(500);
  // A member without a path in a class asks the publisher again this soon
  // after a refusal (others: 2 s): the publisher frees a silent
  // subscriber's slot after silent_subscriber.
  Duration publisher_refusal_backoff = milliseconds(500);
  // A missing fragment is pulled at once when its class has no pusher or
  // its pusher already delivered a later fragment of the class (so this one
  // was lost on the way); otherwise once it is later than its class's push
  // usually is (mean + 4 deviations of the measured lag), at most this long
  // after it became known (push gets the first chance: other classes
  // travel other, slower trees).
  Duration fetch_delay = milliseconds(500);
  // The publisher is asked only for what no other neighbour could give for
  // this long (its upload is the one that must stay near one copy).
  Duration publisher_fetch_delay = milliseconds(1000);
  // An unanswered pull is asked of another neighbour after twice the
  // neighbour's measured pull round trip, at least this.
  Duration request_timeout = milliseconds(250);
  // A pusher that delivered nothing of its class this long while a
  // neighbour advertised newer fragments of that class is replaced.
  Duration push_stall = milliseconds(600);
  // A pusher two effective hops nearer the publisher than ours is asked at
  // most this often per class (the tree gets shallow again after churn).
  Duration upgrade_interval = seconds(2);
  // A pusher that lost its own path to the publisher (advertises no depth)
  // this long is replaced by any neighbour with a path that accepts.
  Duration orphan_grace = milliseconds(400);
  // How long a subscription answer may take before the class is re-offered.
  Duration subscribe_timeout = milliseconds(800);
  // Fragments are kept (for playout and for serving neighbours) this long.
  Duration window = seconds(8);
  // Playout waits this long for a hole before skipping to the next frame.
  Duration hole_timeout = milliseconds(1500);
  // A member whose playout is this far behind the newest frame it holds
  // (media time), with a later join point complete, jumps to that join
  // point: a live member does not stay behind after a slow keyframe.
  Duration max_behind = milliseconds(2500);
  // Membership gossip to one random neighbour, and overlay review.
  Duration gossip_interval = seconds(1);
  Duration overlay_review = seconds(2);
  // A connect attempt that has not produced a link by then is given up.
  Duration connect_timeout = seconds(5);

  // Upload awareness. The host reports how long a push / a pull answer
  // queued now would wait in this member's upload (set_upload_wait): the
  // fan-out follows the upload each member has, which nobody configures.
  //  - pulls are declined while answers would wait longer than
  //    answer_max_wait (late, and the asker tries a less loaded holder:
  //    maps carry the wait as `load`);
  //  - a new push subscriber is taken only while pushes waited less than
  //    accept_max_wait over the last one to two accept_windows (keyframe
  //    bursts included). Not the answers' wait: pushes go before pull
  //    answers, so a member busy answering pulls still has room for a push,
  //    and a pushed fragment is what spares a pull; gating on answers let
  //    a pull storm stop every subscription, which made more pulls;
  //  - while pushes wait longer than shed_wait, one push subscriber is shed
  //    per shed_interval (a leaf class before the home class).
  Duration answer_max_wait = milliseconds(200);
  Duration accept_max_wait = milliseconds(100);
  Duration accept_window = seconds(1);
  Duration shed_wait = milliseconds(250);
  Duration shed_interval = milliseconds(500);

  // Subscribers per push class: a member's fan-out, and the publisher's
  // (one: the publisher uploads each fragment once, the mesh does the rest).
  // Each member has a home class (home_class(), group_types.hpp) in which
  // it is an interior node of the push tree (fan-out home_push_limit); in
  // the other classes it pushes to at most push_limit. As SplitStream's
  // stripes: trees of depth log(N) that share the upload, instead of eight
  // chains. Home fan-out 6 leaves about a quarter of the members of a class
  // without a home-class parent (N/8 home members x 6 slots); the leaf slots
  // take them. Two leaf slots per class (budget 16) played 97-99.99% on time
  // in the 100-member simulator over seeds 1-6 where one slot played
  // 87-99.9% (members found no pusher for a class and pulled all of it), but
  // lost a 1 MB keyframe for every member in one of the megabyte runs
  // (GroupSmall.Megabyte*, seed 4): not the default until that is understood.
  unsigned home_push_limit = 6;
  unsigned push_limit = 1;
  unsigned publisher_push_limit = 1;
  // A member's total push subscriptions over all classes (12 = 1.5 copies
  // of the stream); the upload gates above stop it earlier when its upload
  // is smaller.
  unsigned push_budget = 12;
  // Neighbour target: floor(log2(estimated members)) + neighbour_base,
  // within [min_neighbours, max_neighbours]; inbound links beyond
  // max_neighbours are refused.
  unsigned neighbour_base = 5;
  unsigned min_neighbours = 6;
  unsigned max_neighbours = 40;
  unsigned max_pending_connects = 8;

  // Bounds on what neighbours can make us hold.
  std::size_t max_fragments = 16384;        // stored, verified or not
  std::size_t max_fragment_bytes = 24u << 20;  // their content bytes
  std::size_t max_unverified = 4096;        // data waiting for its manifest
  std::size_t max_known_members = 4096;     // gossip and directory samples
  std::size_t max_missing = 16384;          // holes tracked for pulling
  unsigned max_requests_per_neighbour = 16;  // our outstanding pulls at one neighbour
  unsigned max_outstanding_pulls = 96;       // ours, at all neighbours together
  unsigned serve_per_tick = 24;             // fragments served to one neighbour per tick
  unsigned max_forged_per_neighbour = 8;    // then the neighbour is dropped
  // The publisher answers pulls with at most this share of the bytes it
  // publishes (its upload stays near one copy: a push to one subscriber per
  // class, plus this), bursting up to publisher_serve_burst bytes; a
  // fragment goes to a member other than its class's subscriber at most
  // once per publisher_reserve_interval (that member serves the others).
  double publisher_serve_share = 0.2;
  std::size_t publisher_serve_burst = 256u << 10;
  Duration publisher_reserve_interval = seconds(1);

  // Publisher: fragment payload size and manifest batching.
  std::size_t fragment_payload = 1024;
  Duration manifest_batch = milliseconds(40);
  std::size_t manifest_max_fragments = 48;
  // The run's first fragment number (group_types.hpp run_first_seq: from the
  // wall clock, chosen by the io layer; 1 when nothing else matters).
  Seq first_seq = 1;
  // Without video keyframes, a join point at most this often.
  Duration audio_join_interval = seconds(1);
};

}  // namespace rtmfp::group
