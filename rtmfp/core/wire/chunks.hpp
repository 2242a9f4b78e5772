// Chunk payload codecs, RFC 7016 §2.3.1-§2.3.18. Each struct decodes from a
// chunk payload (the bytes after the 3-byte chunk header) and encodes its
// payload into a writer. Decoded views point into the decoded buffer.
// decode() returns an error naming what was wrong; never reads out of bounds.
#pragma once

#include <cstdint>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/wire/address_codec.hpp"
#include "rtmfp/core/wire/chunk_types.hpp"
#include "rtmfp/core/wire/option.hpp"

namespace rtmfp::wire {

// §2.3.1 Packet Fragment: flags (M 0x80), VLU packetID, VLU fragmentNum, fragment.
struct PacketFragmentChunk {
  static constexpr ChunkType kType = ChunkType::packet_fragment;
  bool more_fragments = false;
  std::uint64_t packet_id = 0;
  std::uint64_t fragment_num = 0;
  ByteView fragment;  // MUST NOT be empty (decode fails if empty)
  static Result<PacketFragmentChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.2 IHello: VLU epdLength, epd, tag (rest).
struct IHelloChunk {
  static constexpr ChunkType kType = ChunkType::ihello;
  ByteView epd;
  ByteView tag;
  static Result<IHelloChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.3 FIHello: VLU epdLength, epd, Address replyAddress, tag (rest).
struct FIHelloChunk {
  static constexpr ChunkType kType = ChunkType::fihello;
  ByteView epd;
  WireAddress reply_address;
  ByteView tag;
  static Result<FIHelloChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.4 RHello: VLU tagLength, tagEcho, VLU cookieLength, cookie, certificate (rest).
struct RHelloChunk {
  static constexpr ChunkType kType = ChunkType::rhello;
  ByteView tag_echo;
  ByteView cookie;
  ByteView certificate;
  static Result<RHelloChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.5 Redirect: VLU tagLength, tagEcho, addresses to the end. Zero
// addresses = Implied Redirect (destination is the packet's source).
struct RedirectChunk {
  static constexpr ChunkType kType = ChunkType::redirect;
  ByteView tag_echo;
  std::vector<WireAddress> addresses;
  static Result<RedirectChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.6 RHello Cookie Change: VLU oldCookieLength, oldCookie, newCookie (rest).
struct CookieChangeChunk {
  static constexpr ChunkType kType = ChunkType::rhello_cookie_change;
  ByteView old_cookie;
  ByteView new_cookie;
  static Result<CookieChangeChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.7 IIKeying: signed part {uint32 initiatorSessionID, VLU cookieLength,
// cookieEcho, VLU certLength, initiatorCertificate, VLU skicLength, SKIC},
// then signature (rest).
struct IIKeyingChunk {
  static constexpr ChunkType kType = ChunkType::iikeying;
  std::uint32_t initiator_session_id = 0;
  ByteView cookie_echo;
  ByteView certificate;
  ByteView skic;
  ByteView signature;
  ByteView signed_part;  // decode only: the bytes the signature covers
  static Result<IIKeyingChunk> decode(ByteView payload);
  // Encodes the signed part only (what the signature covers).
  void encode_signed_part(ByteWriter& w) const;
  // Encodes signed part + signature.
  void encode(ByteWriter& w) const;
};

// §2.3.8 RIKeying: portion {uint32 responderSessionID, VLU skrcLength, SKRC},
// then signature (rest). The signature covers portion || SKIC (of the IIKeying).
struct RIKeyingChunk {
  static constexpr ChunkType kType = ChunkType::rikeying;
  std::uint32_t responder_session_id = 0;
  ByteView skrc;
  ByteView signature;
  ByteView signed_portion;  // decode only: the portion (without SKIC)
  static Result<RIKeyingChunk> decode(ByteView payload);
  void encode_portion(ByteWriter& w) const;
  void encode(ByteWriter& w) const;
};

// §2.3.9 Ping and §2.3.10 Ping Reply: opaque message (may be empty).
struct PingChunk {
  static constexpr ChunkType kType = ChunkType::ping;
  ByteView message;
  static Result<PingChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};
struct PingReplyChunk {
  static constexpr ChunkType kType = ChunkType::ping_reply;
  ByteView message_echo;
  static Result<PingReplyChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.11 User Data flags.
inline constexpr std::uint8_t kUserDataOptions = 0x80;    // OPT
inline constexpr std::uint8_t kUserDataFragmentMask = 0x30;  // FRA
inline constexpr std::uint8_t kUserDataAbandon = 0x02;    // ABN
inline constexpr std::uint8_t kUserDataFinal = 0x01;      // FIN

// §2.3.11 FRA values.
enum class Fragmentation : std::uint8_t {
  whole = 0,   // the whole message
  begin = 1,   // first fragment of a message
  end = 2,     // last fragment
  middle = 3,  // neither first nor last
};

// §2.3.11.1 user data option types.
inline constexpr std::uint64_t kOptionPerFlowMetadata = 0x00;     // §2.3.11.1.1
inline constexpr std::uint64_t kOptionReturnFlowAssociation = 0x0a;  // §2.3.11.1.2
inline constexpr std::uint64_t kOptionFirstIgnorable = 0x2000;   // unknown >= this: ignore

struct UserDataFlags {
  Fragmentation fragmentation = Fragmentation::whole;
  bool abandon = false;
  bool final = false;
  // OPT is derived from whether options are present.
  static UserDataFlags from_byte(std::uint8_t b);
  std::uint8_t to_byte(bool has_options) const;
};

// §2.3.11 User Data: flags, VLU flowID, VLU sequenceNumber, VLU fsnOffset,
// [option list if OPT], data (rest).
struct UserDataChunk {
  static constexpr ChunkType kType = ChunkType::user_data;
  UserDataFlags flags;
  std::uint64_t flow_id = 0;
  std::uint64_t sequence_number = 0;
  std::uint64_t fsn_offset = 0;  // FSN = sequence_number - fsn_offset
  std::vector<Option> options;   // present iff OPT
  ByteView data;
  // Fails if fsn_offset > sequence_number (§2.3.11).
  static Result<UserDataChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
  // Encoded payload size without the 3-byte chunk header.
  std::size_t encoded_size() const;
};

// §2.3.12 Next User Data: flags, [option list if OPT], data (rest). Same flow
// as the preceding (Next) User Data chunk in the packet, sequence number + 1,
// same FSN.
struct NextUserDataChunk {
  static constexpr ChunkType kType = ChunkType::next_user_data;
  UserDataFlags flags;
  std::vector<Option> options;
  ByteView data;
  static Result<NextUserDataChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
  std::size_t encoded_size() const;
};

// §2.3.15 Buffer Probe: VLU flowID.
struct BufferProbeChunk {
  static constexpr ChunkType kType = ChunkType::buffer_probe;
  std::uint64_t flow_id = 0;
  static Result<BufferProbeChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.16 Flow Exception Report: VLU flowID, VLU exception.
struct FlowExceptionReportChunk {
  static constexpr ChunkType kType = ChunkType::flow_exception_report;
  std::uint64_t flow_id = 0;
  std::uint64_t exception = 0;
  static Result<FlowExceptionReportChunk> decode(ByteView payload);
  void encode(ByteWriter& w) const;
};

// §2.3.17 Session Close Request and §2.3.18 Close Ack: empty payloads.
// (A non-empty payload is accepted and ignored.)

}  // namespace rtmfp::wire
