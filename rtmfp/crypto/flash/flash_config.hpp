// Configuration of the RFC 7425 `flash` cryptography profile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"
#include "rtmfp/crypto/flash/signature.hpp"

namespace rtmfp::crypto {

struct FlashConfig {
  // Persisted server identity (FlashProfile::export_identity()); nullopt makes
  // a fresh one. NOTE: a flash server identity with an ephemeral-key
  // certificate is NOT authenticated - anyone can replay the certificate
  // (RFC 7425 §4.3.4, §7); proven identity is the modern profile's job.
  std::optional<Bytes> identity;
  // DH groups we support (RFC 7425 §4.2): 2 MUST, 5 and 14 SHOULD.
  std::vector<std::uint64_t> dh_groups{2, 5, 14};
  // Packet checks (RFC 7425 §4.5.2.4-5, §4.6.4, §4.6.6). Default: send HMAC
  // and session sequence numbers on request (like Flash Player) AND request
  // them from the far end, so any far end that offers them (Flash Player and
  // this implementation offer both "send on request") protects its packets
  // with a truncated HMAC-SHA256 instead of a 16-bit checksum, and replays
  // are detected (§4.7.3.3, §7). A far end that offers neither still
  // connects with the checksum; set `require` to refuse it.
  flash::CheckPolicy hmac{.send_always = false, .send_on_request = true, .request = true, .require = false};
  std::size_t hmac_length = 10;  // 4..32 (Flash Player uses 10)
  flash::CheckPolicy sseq{.send_always = false, .send_on_request = true, .request = true, .require = false};
  // Responder certificate: Accepts Ancillary Data (RFC 7425 §4.3.3.2), so a
  // Flash client's IHello with EPD = URI selects us; optional Hostname.
  bool accept_ancillary_data = true;
  std::string hostname;
  // Responder certificate with Static DH Public Keys (RFC 7425 §4.3.3.5)
  // instead of Supported Ephemeral Groups; for a fresh identity only (a
  // restored identity keeps its own kind).
  bool static_responder_keys = false;
  // Client identity (RFC 7425 §5.3, §5.4.1, §7): ONE certificate with Static
  // DH Public Keys in every configured group, used as local_certificate() AND
  // as the initiator certificate of every session, so the peer ID the server
  // sees is the one other peers select with a Fingerprint EPD (F§5.4.1), and
  // peers key static/static (§4.6.1.4). Create a new profile instance (a new
  // identity) per NetConnection: a client peer ID MUST NOT be reused (§5.3).
  // Overrides static_responder_keys / initiator_static_key.
  bool client_identity = false;
  // Otherwise, initiator certificates are fresh per session (§5.3): a Static DH
  // Public Key like Flash Player (§4.6.1.3/§4.6.1.4) or ephemeral groups
  // (§4.6.1.1/§4.6.1.2).
  bool initiator_static_key = true;
  // Signatures (RFC 7425 §4.3.5).
  flash::SignaturePolicy signature{};
};

}  // namespace rtmfp::crypto
