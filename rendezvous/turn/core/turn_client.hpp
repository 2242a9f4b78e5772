// A TURN client (RFC 8656) over UDP, sans-I/O: bytes and `now` in; datagrams
// for the TURN server, events and the next deadline out. No sockets, no
// clocks.
//
//  * Allocate (§7) with the long-term credential mechanism (RFC 8489 §9.2):
//    the first request goes without credentials, a 401 brings REALM and
//    NONCE, the retry carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY
//    under MD5(user:realm:pass); a 438 (stale nonce, §9.2.4) retries with the
//    new NONCE. Success responses to authenticated requests must carry a
//    valid MESSAGE-INTEGRITY, else they are dropped and counted.
//  * Refresh (§8) one minute before the lifetime ends (half of it for a
//    short one); close() sends LIFETIME 0.
//  * CreatePermission (§10) per peer IP, refreshed every 4 minutes (a
//    permission lives 300 s, §9); ChannelBind (§12) per peer transport
//    address, refreshed every 9 minutes (a binding lives 600 s).
//  * send(): ChannelData (§12.4) once the peer's channel is bound, a Send
//    indication (§11.1) before; a permission and a channel are requested on
//    the first send to a peer. Data indications (§11.4) and ChannelData
//    from the server become TurnData events.
//  * Requests are retransmitted as RFC 8489 §6.2.1 says for UDP: RTO 500 ms
//    doubling, 7 transmissions, then 16 RTO of waiting (39.5 s in all).
//
// Bounds: kMaxPending transactions, max_permissions, max_channels,
// kMaxQueued outgoing datagrams and events (the oldest dropped and counted).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rendezvous/turn/core/stun_message.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::turn {

struct TurnClientConfig {
  std::string username, password;
  std::uint32_t requested_lifetime = 600;  // seconds (RFC 8656 §7.2: default 10 min)
  Duration rto = milliseconds(500);        // RFC 8489 §6.2.1
  int max_transmissions = 7;               // Rc
  int final_wait_rtos = 16;                // Rm
  bool fingerprint = true;                 // FINGERPRINT on requests (RFC 8489 §14.7)
  bool auto_channels = true;               // bind a channel on the first send to a peer
  std::size_t max_permissions = 256;
  std::size_t max_channels = 256;
};

inline constexpr std::size_t kMaxPending = 64;
inline constexpr std::size_t kMaxQueued = 4096;
inline constexpr Duration kPermissionRefresh = seconds(240);  // < 300 s (RFC 8656 §9)
inline constexpr Duration kChannelRefresh = seconds(540);     // < 600 s (RFC 8656 §12)
inline constexpr std::size_t kMaxTurnData = 65000;            // one Send indication's DATA

enum class TurnState { idle, allocating, allocated, closing, closed, failed };

struct TurnAllocated {
  SocketAddress relayed;                 // XOR-RELAYED-ADDRESS: where peers send to us
  std::optional<SocketAddress> mapped;   // XOR-MAPPED-ADDRESS: us as the server sees us
  std::uint32_t lifetime = 0;            // seconds
};
struct TurnFailed {  // the allocation could not be made, or was lost
  int code = 0;      // STUN error code, 0 for a timeout or a malformed answer
  std::string reason;
};
struct TurnData {  // from a peer, through the relay
  SocketAddress peer;
  Bytes data;
  bool via_channel = false;
};
struct TurnPermission {  // CreatePermission answered
  SocketAddress peer;    // port 0: a permission is per IP (RFC 8656 §9)
  bool ok = false;
  int code = 0;
};
struct TurnChannel {  // ChannelBind answered
  SocketAddress peer;
  std::uint16_t channel = 0;
  bool ok = false;
  int code = 0;
};
using TurnEvent = std::variant<TurnAllocated, TurnFailed, TurnData, TurnPermission, TurnChannel>;

struct TurnStats {
  std::uint64_t requests = 0, retransmissions = 0, responses = 0;
  std::uint64_t dropped_malformed = 0;   // neither a STUN message nor ChannelData we can parse
  std::uint64_t dropped_unmatched = 0;   // a response to no pending transaction
  std::uint64_t dropped_integrity = 0;   // bad or missing MESSAGE-INTEGRITY / FINGERPRINT
  std::uint64_t dropped_channel = 0;     // ChannelData on a channel we did not bind
  std::uint64_t dropped_overflow = 0;    // queues full (the oldest entry dropped)
  std::uint64_t data_in = 0, data_out = 0, channel_in = 0, channel_out = 0;
};

class TurnClient {
 public:
  TurnClient(TurnClientConfig config, RandomSource& rng);

  // Sends the first Allocate.
  Result<void> start(TimePoint now);
  // A datagram from the TURN server (the caller checks it came from there).
  void on_datagram(TimePoint now, ByteView datagram);
  void on_deadline(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  std::optional<Bytes> poll_transmit();  // to the TURN server
  std::optional<TurnEvent> poll_event();

  // Local misuse (no allocation, table full, oversized data) is an error.
  Result<void> permit(TimePoint now, const SocketAddress& peer);
  Result<void> bind_channel(TimePoint now, const SocketAddress& peer);
  Result<void> send(TimePoint now, const SocketAddress& peer, ByteView data);
  // Refresh with LIFETIME 0 (RFC 8656 §8): the server frees the allocation.
  void close(TimePoint now);

  TurnState state() const { return state_; }
  const std::optional<SocketAddress>& relayed() const { return relayed_; }
  const std::optional<SocketAddress>& mapped() const { return mapped_; }
  bool permitted(const SocketAddress& peer) const;
  std::optional<std::uint16_t> channel(const SocketAddress& peer) const;  // bound ones
  const TurnStats& stats() const { return stats_; }

 private:
  enum class Kind : std::uint8_t { allocate, refresh, permission, channel_bind };
  struct Transaction {
    Kind kind = Kind::allocate;
    TransactionId tid{};
    Bytes request;
    SocketAddress peer;
    std::uint16_t channel = 0;
    std::uint32_t lifetime = 0;
    int sent = 0;
    int auth_retries = 0;
    bool authenticated = false;
    Duration rto{};
    TimePoint deadline{};
  };
  struct Permission {
    bool installed = false, pending = false;
    TimePoint refresh_at{};
  };
  struct Channel {
    std::uint16_t number = 0;
    bool bound = false, pending = false;
    TimePoint refresh_at{};
  };

  void issue(TimePoint now, Transaction t);
  Bytes build(Transaction& t);
  void on_stun(TimePoint now, const StunMessage& m);
  void on_success(TimePoint now, Transaction& t, const StunMessage& m);
  void on_error(TimePoint now, Transaction& t, const StunMessage& m);
  void give_up(TimePoint now, Transaction& t, int code, std::string reason);
  void fail(std::string reason, int code);
  void push_out(Bytes b);
  void push_event(TurnEvent e);
  bool pending(Kind k) const;
  static SocketAddress ip_of(const SocketAddress& a);

  TurnClientConfig config_;
  RandomSource& rng_;
  TurnState state_ = TurnState::idle;
  std::optional<std::array<std::uint8_t, 16>> key_;
  std::string realm_, nonce_;
  std::optional<SocketAddress> relayed_, mapped_;
  std::optional<TimePoint> refresh_at_;
  std::vector<Transaction> pending_;
  std::map<SocketAddress, Permission> permissions_;
  std::map<SocketAddress, Channel> channels_;
  std::map<std::uint16_t, SocketAddress> by_channel_;
  std::uint16_t next_channel_ = kFirstChannel;
  std::deque<Bytes> out_;
  std::deque<TurnEvent> events_;
  TurnStats stats_;
};

}  // namespace rtmfp::turn
