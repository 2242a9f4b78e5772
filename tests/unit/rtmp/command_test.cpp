// Command / data message codec (R§7.1.1, R§7.2, E§7.2).
#include "media/rtmp/command.hpp"

#include <gtest/gtest.h>

using namespace rtmfp;
using namespace rtmfp::media::rtmp;

TEST(RtmpCommand, ConnectRoundTripAmf0AndAmf3) {
  Command c;
  c.name = "connect";
  c.transaction_id = 1;
  c.command_object = Value::object({{"app", Value::string("live")}, {"objectEncoding", Value::number(3)}});
  for (bool amf3 : {false, true}) {
    auto m = encode_command(c, 0, amf3);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, amf3 ? 17 : 20);
    if (amf3) EXPECT_EQ(m->payload[0], 0);
    auto d = decode_command(*m);
    ASSERT_TRUE(d) << d.error().detail;
    EXPECT_EQ(d->name, "connect");
    EXPECT_EQ(d->transaction_id, 1);
    ASSERT_TRUE(d->command_object.get("app"));
    EXPECT_EQ(*d->command_object.get("app")->as_string(), "live");
  }
}

TEST(RtmpCommand, OnStatusCode) {
  Command c{"onStatus", 0, Value::null(), {status_info("error", "NetStream.Publish.BadName", "busy")}};
  auto m = encode_command(c, 1);
  ASSERT_TRUE(m);
  auto d = decode_command(*m);
  ASSERT_TRUE(d);
  EXPECT_EQ(info_code(*d), "NetStream.Publish.BadName");
}

TEST(RtmpCommand, Malformed) {
  Message m{0, msg_type::command_amf3, 0, 3, {1, 2}};
  auto r = decode_command(m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("format byte"), std::string::npos);
  m = Message{0, msg_type::command_amf0, 0, 3, {0x02, 0x00, 0x03, 'a', 'b', 'c'}};
  r = decode_command(m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("transaction ID"), std::string::npos);
  m.payload = {0x02, 0x00, 0x09, 'a'};
  EXPECT_FALSE(decode_command(m));
  m.type = msg_type::audio;
  EXPECT_FALSE(decode_command(m));
}

TEST(RtmpCommand, SetDataFrame) {
  DataMessage d{"@setDataFrame", {Value::string("onMetaData"), Value::ecma_array({{"width", Value::number(320)}})}};
  auto m = encode_data(d, 1, 0);
  ASSERT_TRUE(m);
  auto back = decode_data(*m);
  ASSERT_TRUE(back);
  auto s = strip_set_data_frame(*back);
  EXPECT_EQ(s.handler, "onMetaData");
  ASSERT_EQ(s.values.size(), 1u);
  EXPECT_EQ(*s.values[0].get("width")->as_number(), 320);
  auto a = add_set_data_frame(s);
  EXPECT_EQ(a.handler, "@setDataFrame");
  EXPECT_EQ(add_set_data_frame(a).values.size(), 2u);
}

TEST(RtmpCommand, SequenceHeaders) {
  EXPECT_TRUE(is_aac_sequence_header(Bytes{0xaf, 0x00, 0x12}));
  EXPECT_FALSE(is_aac_sequence_header(Bytes{0xaf, 0x01}));
  EXPECT_TRUE(is_avc_sequence_header(Bytes{0x17, 0x00}));
  EXPECT_FALSE(is_avc_sequence_header(Bytes{0x17, 0x01}));
  EXPECT_TRUE(is_video_keyframe(Bytes{0x17, 0x01}));
  EXPECT_FALSE(is_video_keyframe(Bytes{0x27, 0x01}));
}
