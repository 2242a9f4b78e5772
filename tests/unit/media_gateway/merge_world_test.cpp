// The receive side of RTMP over RTMFP in the in-memory world (client and
// server endpoints, virtual clock, optional 10% loss): audio and video sent
// on separate flows (RFC 7425 §5.1.1) leave the receiving NetConnection in
// timestamp order with every frame present (TimestampMerge); Enhanced RTMP
// streams keep their video after an abandoned frame; data other than
// onMetaData passes both NetConnection hops.
#include <gtest/gtest.h>

#include "media/gateway/timestamp_merge.hpp"
#include "tests/unit/media_gateway/gateway_world.hpp"

namespace rtmfp::media::gateway {
namespace {

using testing::Client;
using testing::World;
using K = NcClientEvent::Kind;

rtmp::Message media(std::uint8_t type, std::uint32_t ts, Bytes payload) {
  rtmp::Message m;
  m.type = type;
  m.timestamp = ts;
  m.payload = std::move(payload);
  return m;
}
rtmp::Message data(const std::string& handler, std::uint32_t ts) {
  return *rtmp::encode_data({handler, {rtmp::Value::object({{"t", rtmp::Value::number(ts)}})}}, 0, ts);
}
// Frames carry their timestamp and a size, to recognise them after the trip.
Bytes frame(std::initializer_list<std::uint8_t> head, std::uint32_t ts, std::size_t size) {
  Bytes b(head);
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(ts >> (24 - 8 * i)));
  b.resize(std::max(b.size(), size), 0x5a);
  return b;
}
rtmp::Message key(std::uint32_t ts) { return media(9, ts, frame({0x17, 0x01, 0, 0, 0}, ts, 3000)); }
rtmp::Message inter(std::uint32_t ts) { return media(9, ts, frame({0x27, 0x01, 0, 0, 0}, ts, 900)); }
rtmp::Message aac(std::uint32_t ts) { return media(8, ts, frame({0xaf, 0x01}, ts, 300)); }

// Enhanced RTMP (v1/v2): AV1 video, Opus audio by FourCC.
rtmp::Message ex_video(std::uint8_t b0, std::uint32_t ts, std::size_t size) {
  return media(9, ts, frame({b0, 'a', 'v', '0', '1'}, ts, size));
}
rtmp::Message ex_key(std::uint32_t ts) { return ex_video(0x91, ts, 3000); }    // KeyFrame, CodedFrames
rtmp::Message ex_inter(std::uint32_t ts) { return ex_video(0xa1, ts, 900); }   // InterFrame, CodedFrames
rtmp::Message opus(std::uint32_t ts) { return media(8, ts, frame({0x91, 'O', 'p', 'u', 's'}, ts, 200)); }

struct Capture : rtmp::StreamSink {
  std::vector<rtmp::Message> got;
  bool stopped = false;
  void deliver(const rtmp::Message& m) override { got.push_back(m); }
  void publisher_started() override {}
  void publisher_stopped() override { stopped = true; }
};

ServerPolicy policy(bool relay_publishes) {
  ServerPolicy p;
  p.app = "live";
  p.stream = "s";
  p.allow_play = relay_publishes;
  p.allow_publish = !relay_publishes;
  return p;
}

NcClientConfig client(bool publish) {
  NcClientConfig c;
  c.app = "live";
  c.tc_url = "rtmfp://server/live";
  c.stream = "s";
  c.publish = publish;
  return c;
}

bool streaming(const Client& c) { return c.has(K::publishing) || c.has(K::playing) || c.failure(); }

// A 10 s stream like the FLV of the report: 25 fps video (keyframe every
// second), AAC at about 43 frames/s, onMetaData first.
std::vector<rtmp::Message> ten_seconds() {
  std::vector<rtmp::Message> v;
  v.push_back(data("onMetaData", 0));
  v.push_back(media(9, 0, {0x17, 0x00, 0, 0, 0, 0x42}));
  v.push_back(media(8, 0, {0xaf, 0x00, 0x12, 0x10}));
  std::uint32_t a = 0, vt = 0;
  while (a < 10000 || vt < 10000) {
    if (vt <= a) {
      v.push_back(vt % 1000 == 0 ? key(vt) : inter(vt));
      vt += 40;
    } else {
      v.push_back(aac(a));
      a += 23;
    }
  }
  return v;
}

std::string describe_order(const std::vector<rtmp::Message>& got) {
  for (std::size_t i = 1; i < got.size(); ++i)
    if (TimestampMerge::before(got[i].timestamp, got[i - 1].timestamp))
      return "type " + std::to_string(got[i].type) + " at " + std::to_string(got[i].timestamp) + " after type " +
             std::to_string(got[i - 1].type) + " at " + std::to_string(got[i - 1].timestamp) + " (message " +
             std::to_string(i) + ")";
  return "in order";
}

void expect_same_frames(const std::vector<rtmp::Message>& sent, const std::vector<rtmp::Message>& got) {
  for (std::uint8_t type : {8, 9}) {
    std::vector<Bytes> a, b;
    for (const auto& m : sent)
      if (m.type == type) a.push_back(m.payload);
    for (const auto& m : got)
      if (m.type == type) b.push_back(m.payload);
    EXPECT_EQ(a.size(), b.size()) << "every frame of type " << int(type);
    EXPECT_TRUE(a == b) << "frames of type " << int(type) << " in order";
  }
}

class MergeWorld : public ::testing::TestWithParam<bool> {
 protected:
  bool lossy() const { return GetParam(); }
  void lose_some(World& w) {
    if (lossy()) w.filter = [this](const SocketAddress&, const SocketAddress&, const Bytes&) { return ++n_ % 10 != 0; };
  }
  int n_ = 0;
};

// `rtmfp relay --from FILE --to rtmfp://` without --realtime: the whole file
// is queued at once. The publisher's audio flow (higher priority) drains
// before its video flow; the server must still hand the registry (and so
// nginx, FLV files, players) one stream in timestamp order.
TEST_P(MergeWorld, PublishedBurstReachesTheRegistryInTimestampOrder) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  lose_some(w);
  const auto sent = ten_seconds();
  for (const auto& m : sent) ASSERT_TRUE(c.nc->send_media(w.now, *c.port, m));
  c.nc->finish(w.now, *c.port);
  ASSERT_TRUE(w.run_until([&] { return cap.stopped; }, seconds(120)));
  expect_same_frames(sent, cap.got);
  EXPECT_EQ(describe_order(cap.got), "in order") << "audio and video interleaved by timestamp";
}

// The same towards an rtmfp:// player (the relay's rtmfp:// source): the
// server's registry fans out a burst, the client's events are in order.
TEST_P(MergeWorld, PlayedBurstLeavesTheClientInTimestampOrder) {
  World w;
  w.add_server(policy(true));
  ASSERT_TRUE(w.server().publish());
  Client& c = w.add_client(client(false));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  lose_some(w);
  const auto sent = ten_seconds();
  for (const auto& m : sent) w.server().media(m);
  w.server().unpublish();
  w.server().flush(w.now);
  ASSERT_TRUE(w.run_until([&] { return c.has(K::ended) || c.failure(); }, seconds(120)));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  const auto got = c.media();
  expect_same_frames(sent, got);
  EXPECT_EQ(describe_order(got), "in order");
}

INSTANTIATE_TEST_SUITE_P(Loss, MergeWorld, ::testing::Values(false, true),
                         [](const auto& info) { return std::string(info.param ? "TenPercentLoss" : "NoLoss"); });

// Enhanced RTMP over RTMFP with deadlines that loss makes miss: after an
// abandoned frame only the rest of that GOP is skipped; the next keyframe
// (an ExHeader keyframe) starts over (review I1: before, no E-RTMP keyframe
// was recognised and every later video frame was skipped).
TEST(MergeWorldEnhanced, VideoResumesAtTheNextKeyframeAfterALoss) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  NcClientConfig cfg = client(true);
  cfg.loss.audio = milliseconds(300);
  cfg.loss.video = milliseconds(300);
  cfg.loss.keyframe = milliseconds(600);
  Client& c = w.add_client(cfg);
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  ASSERT_FALSE(c.failure()) << c.failure()->text;
  ASSERT_TRUE(c.nc->send_media(w.now, *c.port, ex_video(0x90, 0, 40)));  // SequenceStart (reliable)
  ASSERT_TRUE(c.nc->send_media(w.now, *c.port, media(8, 0, frame({0x90, 'O', 'p', 'u', 's'}, 0, 20))));
  bool blackout = false;
  w.filter = [&](const SocketAddress&, const SocketAddress&, const Bytes&) { return !blackout; };
  std::size_t sent_video_after = 0;
  for (std::uint32_t t = 0; t < 5000; t += 40) {
    blackout = t >= 1200 && t < 1800;  // 600 ms without a path, in the second GOP
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, t % 1000 == 0 ? ex_key(t) : ex_inter(t)));
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, opus(t)));
    if (t >= 3000) ++sent_video_after;
    w.run_for(milliseconds(40));
  }
  blackout = false;
  c.nc->finish(w.now, *c.port);
  ASSERT_TRUE(w.run_until([&] { return cap.stopped; }, seconds(60)));
  std::size_t video_after = 0, headers = 0, second_gop = 0;
  for (const auto& m : cap.got) {
    if (m.type != 9) continue;
    if (rtmp::is_video_sequence_header(m.payload)) ++headers;
    else if (m.timestamp >= 3000) ++video_after;
    else if (m.timestamp >= 1000 && m.timestamp < 2000) ++second_gop;
  }
  EXPECT_LT(second_gop, 25u) << "the blackout cost frames of the second GOP (the scenario happened)";
  EXPECT_EQ(headers, 1u);
  EXPECT_EQ(video_after, sent_video_after) << "every video frame of the GOPs after the loss arrives";
  EXPECT_EQ(describe_order(cap.got), "in order");
}

// Review I4: onCuePoint, onTextData, onCaptionInfo, |RtmpSampleAccess pass
// the publisher's NetConnectionServer hop and the player's
// NetConnectionClient hop; @setDataFrame is taken off.
TEST(MergeWorldData, DataOtherThanOnMetaDataPassesBothHops) {
  World w;
  w.add_server(policy(false));
  Capture cap;
  ASSERT_TRUE(w.server().add_player(&cap));
  Client& c = w.add_client(client(true));
  ASSERT_TRUE(w.run_until([&] { return streaming(c); }));
  std::vector<std::string> handlers = {"onMetaData", "onCuePoint", "onTextData", "onCaptionInfo", "|RtmpSampleAccess"};
  std::uint32_t ts = 0;
  for (const auto& h : handlers) {
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, data(h, ts)));
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, aac(ts)));
    ASSERT_TRUE(c.nc->send_media(w.now, *c.port, inter(ts)));
    ts += 40;
  }
  // @setDataFrame around a cue point: the players get the cue point.
  auto wrapped = rtmp::encode_data(rtmp::add_set_data_frame({"onCuePoint", {rtmp::Value::string("x")}}), 0, ts);
  ASSERT_TRUE(c.nc->send_media(w.now, *c.port, *wrapped));
  c.nc->finish(w.now, *c.port);
  ASSERT_TRUE(w.run_until([&] { return cap.stopped; }));
  std::vector<std::string> got;
  for (const auto& m : cap.got)
    if (m.type == 18) got.push_back(rtmp::decode_data(m)->handler);
  auto expected = handlers;
  expected.push_back("onCuePoint");
  EXPECT_EQ(got, expected) << "server hop";

  // The player hop: the server's registry → rtmfp:// client.
  World w2;
  w2.add_server(policy(true));
  ASSERT_TRUE(w2.server().publish());
  Client& p = w2.add_client(client(false));
  ASSERT_TRUE(w2.run_until([&] { return streaming(p); }));
  for (const auto& m : cap.got) w2.server().media(m);
  w2.server().unpublish();
  w2.server().flush(w2.now);
  ASSERT_TRUE(w2.run_until([&] { return p.has(K::ended) || p.failure(); }));
  std::vector<std::string> got2;
  for (const auto& m : p.media())
    if (m.type == 18) got2.push_back(rtmp::decode_data(m)->handler);
  EXPECT_EQ(got2, expected) << "client hop";
}

}  // namespace
}  // namespace rtmfp::media::gateway
