// The process's group node for the relay's rtmfp-group:// endpoints: one
// RTMFP Node (one identity, one socket) per rendezvous, shared by every
// rtmfp-group:// endpoint of the process that names that rendezvous (a
// gateway holds many group routes on one node). It registers at the
// rendezvous (RegistrationClient), keeps the groups' directory entries
// (GroupDirectoryClient) and hosts their members (group::GroupService) on
// a NodeHost thread of its own; endpoints reach it through post().
//
// The node holds each group once (one membership in its GroupService), and
// every endpoint of the process on that group shares it: a player of a
// group this node publishes is played the publisher's own stream, players
// of a group this node is a member of share that membership, each through
// the group's GroupFanout (from the latest join point; no network hop).
// Roles: the first endpoint on a group decides the membership (publisher,
// or member for a player); a publisher that comes to a group its players
// hold as a member takes it over (the membership leaves and joins again as
// the publisher: the stream is now its own); when the publisher leaves,
// the players it had keep the group's holding (no membership) and wait
// for it to come back (a restarted gateway route) until their idle end. A
// second publisher of one group in one process is refused.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/io/relay.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/crypto/group_specifier.hpp"
#include "rtmfp/group/service/group_service.hpp"

namespace rtmfp::media::io {

// Counters of one group membership, copied from the node's thread.
struct GroupReport {
  std::string specifier;
  bool publisher = false;
  std::size_t neighbours = 0;
  group::GroupCounters counters;
  group::PlayoutCounters playout;
  std::uint64_t frames_delivered = 0, frames_dropped = 0;  // to the relay (its queue is bounded)
  std::uint64_t stream_bytes = 0;  // publisher: media payload published
  group::GroupPaths paths;           // neighbour links that came up, direct or relayed
};
// "direct", "relayed", "direct+relayed" (links of both), or "none".
std::string group_path_name(const group::GroupPaths& p);
std::string group_report_json(const GroupReport& r);
std::string group_report_line(const GroupReport& r);
// Final reports of every membership that ended in this process (the CLI
// prints them as its final JSON).
std::vector<GroupReport> take_final_group_reports();

class GroupNode;
struct GroupHolding;

// One endpoint's group: frames played (member) or to publish (publisher).
class GroupMembership {
 public:
  ~GroupMembership();
  const group::GroupSpecifier& specifier() const { return spec_; }
  // Member: the next played frame; nullopt after `idle` without one (once
  // something played), or when interrupted. Errors: nothing within `first`.
  Result<std::optional<group::PlayedFrame>> next(std::chrono::milliseconds first, std::chrono::milliseconds idle);
  void interrupt();
  // Publisher: one frame into the group.
  void publish(group::MediaFrame frame);
  GroupReport report();

 private:
  friend class GroupNode;
  GroupMembership(std::shared_ptr<GroupNode> node, group::GroupSpecifier spec, bool publisher)
      : node_(std::move(node)), spec_(std::move(spec)), publisher_(publisher) {}

 public:
  // The node's side (group_node.cpp): holding_ on the node's thread, auth_
  // (a publisher's keys) set before; the rest under mu_.
  std::shared_ptr<GroupNode> node_;
  group::GroupSpecifier spec_;
  bool publisher_;
  GroupHolding* holding_ = nullptr;
  std::unique_ptr<group::Ed25519Authenticator> auth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<group::PlayedFrame> frames_;
  bool joined_ = false, failed_ = false, interrupted_ = false;
  std::uint64_t frames_played_ = 0;  // handed to this player by the group's fan-out
  std::string last_error_;
  GroupReport report_;
  std::atomic<std::uint64_t> stream_bytes_{0};
};

class GroupNode : public std::enable_shared_from_this<GroupNode> {
 public:
  // The node for the rendezvous at HOST:PORT (started on first use).
  static Result<std::shared_ptr<GroupNode>> acquire(const std::string& host, std::uint16_t port,
                                                    const RelayOptions& o);
  ~GroupNode();
  // Joins `spec` (a publisher brings its keys); waits until the rendezvous
  // answered with the group's members (and key), at most `timeout`.
  Result<std::shared_ptr<GroupMembership>> join(const group::GroupSpecifier& spec,
                                                std::optional<group::PublisherKeys> keys,
                                                std::chrono::milliseconds timeout);
  PeerId peer_id() const;

 private:
  friend class GroupMembership;
  struct Impl;
  GroupNode();
  void leave(GroupMembership& m);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtmfp::media::io
