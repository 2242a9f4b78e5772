// SharedMessageEncoder: one RFC 7425 §5.1.2 framing per published message,
// shared by every player it is delivered to; an equal message reuses it, a
// different one (type, timestamp or any payload byte) never does.
#include <gtest/gtest.h>

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/gateway/shared_message.hpp"
#include "media/rtmp/chunk_stream.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace rtmfp::media::gateway;

namespace {

rtmp::Message video(std::uint32_t ts, Bytes payload) {
  rtmp::Message m;
  m.type = rtmp::msg_type::video;
  m.timestamp = ts;
  m.payload = std::move(payload);
  return m;
}

TEST(SharedMessage, FramesAsEncodeMessage) {
  SharedMessageEncoder enc;
  const auto m = video(1234, Bytes{0x17, 0x01, 1, 2, 3});
  const SharedMessage s = enc.encode(m);
  ASSERT_TRUE(s.encoded);
  EXPECT_EQ(*s.encoded, encode_message(m.type, m.timestamp, m.payload));
  EXPECT_EQ(Bytes(s.payload().begin(), s.payload().end()), m.payload);
  EXPECT_EQ(s.type, m.type);
  EXPECT_EQ(s.timestamp, 1234u);
}

TEST(SharedMessage, AnEqualMessageSharesTheBuffer) {
  SharedMessageEncoder enc;
  const auto m = video(40, Bytes(3000, 0xab));
  const auto a = enc.encode(m);
  const auto copy = m;  // another object with the same content
  const auto b = enc.encode(copy);
  EXPECT_EQ(a.encoded.get(), b.encoded.get());
  EXPECT_EQ(enc.encoded(), 1u);
  EXPECT_EQ(enc.reused(), 1u);
}

TEST(SharedMessage, ADifferentMessageGetsItsOwn) {
  SharedMessageEncoder enc;
  auto m = video(40, Bytes(100, 0xab));
  const auto a = enc.encode(m);
  m.payload[99] = 0xac;  // last byte differs
  const auto b = enc.encode(m);
  EXPECT_NE(a.encoded.get(), b.encoded.get());
  EXPECT_EQ(b.payload()[99], 0xac);
  EXPECT_EQ(a.payload()[99], 0xab);  // the first is untouched
  m.timestamp = 41;
  EXPECT_NE(enc.encode(m).encoded.get(), b.encoded.get());
  m.type = rtmp::msg_type::audio;
  const auto c = enc.encode(m);
  EXPECT_EQ((*c.encoded)[0], rtmp::msg_type::audio);
  EXPECT_EQ(enc.encoded(), 4u);
  EXPECT_EQ(enc.reused(), 0u);
}

}  // namespace
