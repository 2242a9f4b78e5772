// Encoding and decoding of the group messages (table: group_messages.def).
// Layouts (VLU = RFC 7016 §2.1.2 variable length unsigned):
//   hello          01 | u8 version=1 | group id (32) | u8 flags (0x01 publisher)
//   members        02 | u8 n (<= kMaxMembersPerMessage) | n x member id (32)
//   fragment_map   03 | VLU newest | VLU join point | VLU held from | 8 x u8 depth | u8 load | u16 bits
//                       (<= kMaxMapBits, multiple of 8) | bits/8 bytes: bit i (MSB first) =
//                       holds newest - i; below the bitmap it holds everything from `held from`
//                       | u8 n (<= kMaxMapRuns) | n x (VLU gap | VLU length): older held runs,
//                       highest first: a run's top is (the lowest number described so far) - 1 -
//                       gap, and it holds `length` (>= 1) numbers down from there. Without them a
//                       fragment held below a hole older than the bitmap was advertised by nobody
//                       (a 1 MB keyframe is 1,024 fragments: twice the bitmap). `load`: how
//                       long a pull answer the sender queued now would wait in its upload, in
//                       10 ms units (255: 2.55 s or more): pulls go to less loaded holders.
//   subscribe      04 | u8 class mask
//   subscribe_reply 05 | u8 class mask
//   request        06 | u8 n (1..kMaxRequestSeqs) | n x VLU fragment number
//   fragment       07 | VLU fragment number | VLU previous push | content (fragment_format.hpp),
//                       <= kMaxFragmentContent. `previous push`: on a push, the number of the
//                       fragment of the same class the sender pushed to the receiver before
//                       this one (lower, same class); 0 on a pull answer or when unknown. The
//                       receiver that lacks it knows it was lost on the last hop.
//   goodbye        08 | u8 reason
// Anything else, a short message, or trailing bytes is malformed: the caller
// drops and counts it.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

#include "rtmfp/core/error.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::group {

enum class MessageType : std::uint8_t {
#define X(name, code, what) name = code,
#include "rtmfp/group/core/group_messages.def"
#undef X
};
const char* message_type_name(MessageType t);

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxMembersPerMessage = 16;
inline constexpr std::size_t kMaxMapBits = 512;
inline constexpr std::size_t kMaxMapRuns = 32;
inline constexpr std::size_t kMaxRequestSeqs = 32;
inline constexpr std::size_t kMaxFragmentContent = 2048;
inline constexpr std::uint8_t kDepthUnknown = 255;
inline constexpr Duration kLoadUnit = milliseconds(10);

enum class GoodbyeReason : std::uint8_t { leaving = 0, full = 1, wrong_group = 2, misbehaving = 3 };

struct Hello {
  GroupId group_id{};
  bool publisher = false;
};
struct Members {
  std::vector<MemberId> ids;
};
struct FragmentMap {
  Seq newest = 0;      // 0: holds nothing yet
  Seq join_point = 0;  // 0: knows none
  Seq held_from = 0;   // below the bitmap, holds [held_from, newest - bits]
  std::array<std::uint8_t, kPushClasses> depth{};  // hops from the publisher per class
  std::uint8_t load = 0;  // the sender's pull-answer wait, 10 ms units (kLoadUnit)
  std::vector<std::uint8_t> bitmap;  // bit i (MSB first) = holds newest - i
  // Older held runs [low, high] below all of the above, highest first, at
  // most kMaxMapRuns: what a member still holds under its oldest holes.
  std::vector<std::pair<Seq, Seq>> older;
  // The lowest number the bitmap and `held_from` describe.
  Seq described_from() const;
  bool holds(Seq s) const;
};
struct Subscribe {
  std::uint8_t mask = 0;
};
struct SubscribeReply {
  std::uint8_t mask = 0;
};
struct Request {
  std::vector<Seq> seqs;
};
struct FragmentMessage {
  Seq seq = 0;
  Bytes content;
  Seq previous = 0;  // pushes: the class's previous fragment pushed on this link (0: none known)
};
struct Goodbye {
  GoodbyeReason reason = GoodbyeReason::leaving;
};

using Message = std::variant<Hello, Members, FragmentMap, Subscribe, SubscribeReply, Request, FragmentMessage, Goodbye>;

Result<Message> decode_message(ByteView in);
Bytes encode_message(const Message& m);

}  // namespace rtmfp::group
