// The node's group service (a node::Service, sans-I/O): hosts the node's
// GroupMembers (rtmfp/group/core, one per group joined) and carries their
// messages over RTMFP sessions to the other members.
//  - Links: a member's ConnectAction opens a session to the peer by its
//    peer ID through the introducer (RFC 7016 §3.5.1.4-3.5.1.6: the EPD
//    names the peer, the rendezvous is the candidate, its Redirect and
//    Forwarded IHello do the rest), or reuses the session already open to
//    it. A session that opens is a link_up for every group that asked for
//    the peer; a session opened to us becomes a link_up of a group when the
//    peer's first flow of that group arrives. A closed session is a
//    link_down in each of its groups; a DisconnectAction closes the
//    group's flows (and the session once no group uses it).
//  - Flows (RFC 7016 §3.6): one sending flow per SendKind per group per
//    neighbour, metadata kGroupSignature + group ID + kind. Control on a
//    reliable ordered flow; maps/requests (signal), pushed fragments and
//    pull answers on flows whose messages carry deadlines: a message not
//    started / finished in time is abandoned (§3.6.2: a sender may abandon a
//    message; the receiver moves past it), and delivered on arrival (RFC
//    7425 §5.1.1 RXI 1 semantics). Priorities control > signal > push >
//    pull_answer (the flow scheduler's). Each flow's queued bytes are
//    bounded; a message over the bound is dropped and counted.
//  - Malformed input (flow metadata, a group we do not hold) is counted and
//    the flow rejected, never fatal.
#pragma once

#include <array>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::group {

inline constexpr std::string_view kGroupSignature = "rtmfp:group/1";
// Queued bytes a sending flow may hold (local bound): the reliable control
// flow, and each lossy flow (a second of a few Mbit/s).
inline constexpr std::uint64_t kMaxControlQueue = 512 * 1024;
inline constexpr std::uint64_t kMaxMediaQueue = 1024 * 1024;
// Groups one node hosts.
inline constexpr std::size_t kMaxGroups = 256;

// Flow metadata of a group flow, and its parse (nullopt: not ours / malformed).
Bytes group_flow_metadata(const GroupId& group, SendKind kind);
struct GroupFlowTag {
  GroupId group{};
  SendKind kind = SendKind::control;
};
std::optional<GroupFlowTag> parse_group_flow_metadata(ByteView metadata);
// The receive order a group flow wants (EndpointConfig::choose_receive_order).
flow::ReceiveOrder group_receive_order(ByteView metadata);

struct GroupServiceStats {
  std::uint64_t sessions_opened = 0, connects = 0, connect_failures = 0;
  std::uint64_t messages_sent = 0, messages_received = 0;
  std::uint64_t send_dropped = 0;   // over a flow's queue bound, or no session
  std::uint64_t malformed = 0;      // flows with bad metadata / of unknown groups
};

// The paths of one group's neighbour links that came up: direct, or
// through an introducer's relay (the initiator's Redirect named the relay,
// origin tag "relay", RFC 7016 §2.1.5; the target answered a Forwarded
// IHello whose reply address the relay was).
struct GroupPaths {
  std::uint64_t direct = 0, relayed = 0;
};

class GroupService : public node::Service {
 public:
  // `introducer`: where peers are introduced (the rendezvous's addresses).
  GroupService(Endpoint& endpoint, RandomSource& random, ProfileKind profile, std::vector<SocketAddress> introducer);
  ~GroupService() override;

  // Hosts a member of `group` (the authenticator must outlive it). Errors:
  // already hosted, too many groups.
  Result<GroupMember*> add_group(TimePoint now, const GroupId& group, Role role, const Authenticator& auth,
                                 const GroupConfig& config = {});
  // Leaves (goodbye to every neighbour) and forgets the group.
  void remove_group(TimePoint now, const GroupId& group);
  GroupMember* member(const GroupId& group);
  GroupPaths paths(const GroupId& group) const;
  void add_members(TimePoint now, const GroupId& group, const std::vector<MemberId>& ids);
  Result<void> publish(TimePoint now, const GroupId& group, const MediaFrame& frame);
  // Runs the members' pending actions (after calling into a member directly).
  void flush(TimePoint now);
  const GroupServiceStats& stats() const { return stats_; }
  // Frames the members played, as they play them (the host's thread).
  using FramesHandler = std::function<void(const GroupId&, std::vector<PlayedFrame>)>;
  void set_frames_handler(FramesHandler handler);

  std::string_view name() const override { return "group"; }
  std::vector<Bytes> signatures() const override;
  bool on_event(TimePoint now, const EndpointEvent& event) override;
  void on_poll(TimePoint now) override { flush(now); }
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(TimePoint now) override;
  void on_shutdown(TimePoint now) override;

 private:
  struct PeerLink {
    std::array<std::optional<FlowId>, 4> out{};  // sending flows, by SendKind
    std::optional<SessionHandle> session;        // the session they belong to
    bool up = false;
  };
  struct Hosted {
    std::unique_ptr<GroupMember> member;
    std::map<MemberId, PeerLink> links;
    std::set<MemberId> connecting;  // asked to connect, waiting for a session
    GroupPaths paths;
  };
  struct Session {
    MemberId peer{};
    bool relayed = false;
    std::map<FlowId, GroupId> in;  // receiving flows and their group
  };

  void run_actions(TimePoint now, const GroupId& gid, Hosted& h);
  void report_upload(TimePoint now, Hosted& h);
  void send(TimePoint now, const GroupId& gid, Hosted& h, const SendAction& a);
  void connect(TimePoint now, const GroupId& gid, Hosted& h, const MemberId& peer);
  void disconnect(TimePoint now, const GroupId& gid, Hosted& h, const MemberId& peer, bool notify);
  void link_up(TimePoint now, const GroupId& gid, Hosted& h, const MemberId& peer);
  void session_closed(TimePoint now, SessionHandle s);
  std::optional<SessionHandle> session_of(const MemberId& peer) const;
  bool session_in_use(const MemberId& peer) const;

  Endpoint& endpoint_;
  RandomSource& random_;
  ProfileKind profile_;
  std::vector<SocketAddress> introducer_;
  std::map<GroupId, Hosted> groups_;
  std::map<SessionHandle, Session> sessions_;   // open sessions and their peer
  std::map<SessionHandle, MemberId> opening_;   // our connects in progress
  // Reply addresses of Forwarded IHellos we answered through a relay (the
  // session from there is relayed); the last kMaxRelayedReplies.
  static constexpr std::size_t kMaxRelayedReplies = 64;
  std::deque<SocketAddress> relayed_replies_;
  GroupServiceStats stats_;
  FramesHandler on_frames_;
  bool shutting_down_ = false;
};

}  // namespace rtmfp::group
