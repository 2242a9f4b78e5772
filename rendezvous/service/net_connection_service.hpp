// Flash-compatible registration at the rendezvous (RFC 7425 §5.3, as Adobe's
// Cirrus and rtmfp-cpp's tcserver do it), sans-I/O, a Service of the
// rendezvous's Node claiming the RTMP-over-RTMFP flow signature "TC" (§5.1.1):
//  - the client's first unassociated stream-0 "TC" flow is its NetConnection
//    control flow (§5.3.1); on "connect" we open our return control flow
//    associated to it (§5.3.2), answer "_result" NetConnection.Connect.Success
//    (objectEncoding echoed, E§8.1.1; plus a non-standard "reflexiveAddress"
//    property: the address we see the session at, which RFC 7425 gives no way
//    to learn and our `rtmfp node` prints), then Set Keepalive Timers (User
//    Control event 41, §5.3.4) with the server and peer keepalive periods;
//  - the session's peer ID is registered at session open by the
//    IntroducerService; if it is not (registry full then), connect registers
//    it, or answers _error NetConnection.Connect.Rejected;
//  - "setPeerInfo" (§5.3.3) after connect: its address strings ("a.b.c.d:port",
//    "[v6]:port", bounded in number and length, malformed ones dropped and
//    counted) become the session's host addresses in the Registry (the
//    reflexive one stays the address the server sees); the client is assumed
//    behind a NAT iff that address is not in its list (§5.3.3);
//  - "createStream" gets a stream ID (at most kMaxStreams per connection), as
//    Cirrus gives one to a Flash Player publishing DIRECT_CONNECTIONS; some
//    clients (rtmfp-cpp's tcconn) close the NetConnection if it fails. The
//    stream's flows are then rejected (below): a rendezvous carries no media;
//  - other commands with a transaction ID get _error NetConnection.Call.Failed
//    (this is not a media server); user control and other types are ignored;
//  - flows that are not "TC", a second unassociated control flow, and flows
//    associated to our return flow (streams, §5.3.5.1) are rejected with code
//    0 (§5.3.5.3) and counted; undecodable or oversized messages are dropped
//    and counted (nc_messages.hpp bounds);
//  - the client closing its control flow ends the NetConnection and we close
//    our return flow (§5.3.6); the session's registration lives as long as the
//    session (IntroducerService).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "media/amf/amf_value.hpp"
#include "media/gateway/flow_port.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/service/nc_messages.hpp"

namespace rtmfp::rendezvous {

struct NetConnectionServiceStats {
  std::uint64_t connects = 0;            // _result sent
  std::uint64_t connects_refused = 0;    // not registrable (registry full)
  std::uint64_t peer_infos = 0;          // setPeerInfo commands applied
  std::uint64_t peer_addresses = 0;      // addresses kept in the registry
  std::uint64_t peer_addresses_malformed = 0;  // not a string, unparseable, or beyond kMaxPeerInfoArgs
  std::uint64_t peer_addresses_unusable = 0;   // parsed but not handed out (loopback, port 0, ...) or beyond kMaxHostAddresses
  std::uint64_t behind_nat = 0;          // setPeerInfo lists without the observed address (§5.3.3)
  std::uint64_t streams = 0;             // createStream answered with a stream ID
  std::uint64_t calls_refused = 0;       // other commands answered with _error
  std::uint64_t ignored = 0;             // messages with nothing to answer
  std::uint64_t out_of_order = 0;        // setPeerInfo or a call before connect, a second connect
  std::uint64_t malformed = 0;           // messages dropped: oversized, bad framing, undecodable command
  std::uint64_t rejected_flows = 0;      // flows refused with code 0
};

class NetConnectionService : public node::Service {
 public:
  // Stream IDs handed out per NetConnection (createStream); a client needs
  // one or two.
  static constexpr std::uint32_t kMaxStreams = 16;

  // keepalive: advised to clients (§5.3.4): the period of their session with
  // us and of their sessions with peers; both below the 30 s NAT mapping
  // timeouts the service must survive.
  NetConnectionService(Endpoint& endpoint, IntroducerService& introducer,
                       media::gateway::SetKeepalive keepalive = {15000, 10000});

  bool on_event(TimePoint now, const EndpointEvent& event) override;
  std::string_view name() const override { return "netconnection"; }
  std::vector<Bytes> signatures() const override { return {Bytes{'T', 'C'}}; }

  const NetConnectionServiceStats& stats() const { return stats_; }
  // Whether the session's last setPeerInfo said it is behind a NAT (§5.3.3);
  // nullopt before one arrived.
  std::optional<bool> behind_nat(SessionHandle session) const;
  bool connected(SessionHandle session) const;

 private:
  struct Channel {
    FlowId in = 0;                 // the client's control flow
    std::optional<FlowId> out;     // our return control flow (§5.3.2)
    bool connected = false;
    bool amf3 = false;
    std::uint32_t streams = 0;  // stream IDs handed out: 1..streams
    std::optional<bool> behind_nat;
  };
  void on_message(TimePoint now, SessionHandle session, Channel& ch, ByteView data);
  void on_connect(TimePoint now, SessionHandle session, Channel& ch, const nc::Connect& c);
  void on_peer_info(SessionHandle session, Channel& ch, const nc::PeerInfo& info);
  void reply(TimePoint now, SessionHandle session, Channel& ch, const std::string& name, double trid,
             media::amf::Value obj, std::vector<media::amf::Value> args);
  void reject(TimePoint now, SessionHandle session, FlowId flow);

  Endpoint& endpoint_;
  IntroducerService& introducer_;
  media::gateway::SetKeepalive keepalive_;
  std::map<SessionHandle, Channel> channels_;
  NetConnectionServiceStats stats_;
};

}  // namespace rtmfp::rendezvous
