// TimestampMerge: audio/video/data from separate RTMFP flows back into
// timestamp order within stated bounds (RFC 7425 §5.1.1, §5.2).
#include "media/gateway/timestamp_merge.hpp"

#include <gtest/gtest.h>

namespace rtmfp::media::gateway {
namespace {

rtmp::Message msg(std::uint8_t type, std::uint32_t ts, std::size_t size = 10) {
  rtmp::Message m;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = 1;
  m.payload = Bytes(size, static_cast<std::uint8_t>(ts));
  return m;
}
rtmp::Message audio(std::uint32_t ts, std::size_t size = 10) { return msg(8, ts, size); }
rtmp::Message video(std::uint32_t ts, std::size_t size = 10) { return msg(9, ts, size); }

std::vector<std::pair<int, std::uint32_t>> seq(const std::vector<rtmp::Message>& v) {
  std::vector<std::pair<int, std::uint32_t>> r;
  for (const auto& m : v) r.emplace_back(m.type, m.timestamp);
  return r;
}

bool non_decreasing(const std::vector<rtmp::Message>& v) {
  for (std::size_t i = 1; i < v.size(); ++i)
    if (TimestampMerge::before(v[i].timestamp, v[i - 1].timestamp)) return false;
  return true;
}

const TimePoint t0 = at(seconds(100));

// The reported bug: all the audio of a burst arrives first, then the
// video. The merge holds the audio until the video catches up.
TEST(TimestampMerge, AudioBurstBeforeVideoLeavesInterleaved) {
  TimestampMerge tm;
  std::vector<rtmp::Message> out;
  tm.push(t0, video(0), out);  // the video lane is known (sequence header)
  for (std::uint32_t ts = 0; ts <= 1000; ts += 23) tm.push(t0 + milliseconds(1), audio(ts), out);
  // Audio at 0 may leave (video is at 0); the rest waits for video.
  ASSERT_EQ(seq(out), (std::vector<std::pair<int, std::uint32_t>>{{9, 0}, {8, 0}}));
  for (std::uint32_t ts = 40; ts <= 1000; ts += 40) tm.push(t0 + milliseconds(50), video(ts), out);
  EXPECT_TRUE(non_decreasing(out)) << "interleaved by timestamp";
  std::size_t a = 0, v = 0;
  for (const auto& m : out) (m.type == 8 ? a : v)++;
  EXPECT_EQ(v, 25u) << "video 1000 waits for audio to pass 1000";
  EXPECT_EQ(a, 44u) << "audio up to the last video timestamp (989 < 1000) left";
  tm.flush(out);
  EXPECT_EQ(out.size(), 26u + 44u);
  EXPECT_TRUE(non_decreasing(out));
  EXPECT_EQ(tm.held_messages(), 0u);
  EXPECT_EQ(tm.held_bytes(), 0u);
  EXPECT_EQ(tm.forced(), 0u);
  EXPECT_EQ(tm.late(), 0u);
}

TEST(TimestampMerge, InterleavedInputPassesStraightThrough) {
  TimestampMerge tm;
  std::vector<rtmp::Message> out;
  TimePoint now = t0;
  tm.push(now, video(0), out);
  tm.push(now, audio(0), out);
  std::size_t pushed = 2;
  for (std::uint32_t ms = 1; ms < 2000; ++ms) {
    now += milliseconds(1);
    if (ms % 23 == 0) tm.push(now, audio(ms), out), ++pushed;
    if (ms % 40 == 0) tm.push(now, video(ms), out), ++pushed;
    // Never more than one frame interval of the other lane held.
    EXPECT_LE(tm.held_messages(), 3u) << ms;
  }
  EXPECT_TRUE(non_decreasing(out));
  EXPECT_EQ(out.size() + tm.held_messages(), pushed);
}

// The video lane stops (camera off): audio is held only for the idle
// window, then flows without delay.
TEST(TimestampMerge, IdleLaneStopsHoldingAfterTheWindow) {
  MergeLimits lim;
  lim.idle = milliseconds(500);
  TimestampMerge tm(lim);
  std::vector<rtmp::Message> out;
  tm.push(t0, video(0), out);
  tm.push(t0, audio(0), out);
  out.clear();
  tm.push(t0 + milliseconds(100), audio(100), out);
  EXPECT_TRUE(out.empty()) << "video may still bring something before 100";
  ASSERT_TRUE(tm.next_deadline());
  EXPECT_EQ(*tm.next_deadline(), t0 + milliseconds(500)) << "video idle since its last arrival at t0";
  tm.poll(t0 + milliseconds(499), out);
  EXPECT_TRUE(out.empty());
  tm.poll(t0 + milliseconds(500), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(tm.next_deadline()) << "nothing held";
  out.clear();
  tm.push(t0 + milliseconds(600), audio(600), out);
  EXPECT_EQ(out.size(), 1u) << "an idle lane holds nothing back";
  EXPECT_EQ(tm.forced(), 0u);
  // Video comes back: merging again.
  tm.push(t0 + milliseconds(700), video(700), out);
  tm.push(t0 + milliseconds(701), audio(720), out);
  EXPECT_EQ(out.size(), 2u) << "audio 720 waits for video to pass 720";
}

// One lane only (audio-only stream): held once, for the idle window from
// the stream's first message (the video lane might still appear), then
// every message leaves as it arrives.
TEST(TimestampMerge, OneLaneOnly) {
  MergeLimits lim;
  lim.idle = milliseconds(300);
  TimestampMerge tm(lim);
  std::vector<rtmp::Message> out;
  TimePoint now = t0;
  for (std::uint32_t ts = 0; ts < 300; ts += 20, now += milliseconds(20)) tm.push(now, audio(ts), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(*tm.next_deadline(), t0 + milliseconds(300));
  tm.poll(t0 + milliseconds(300), out);
  EXPECT_EQ(out.size(), 15u);
  for (std::uint32_t ts = 300; ts < 2000; ts += 20) {
    now += milliseconds(20);
    const std::size_t before = out.size();
    tm.push(now, audio(ts), out);
    EXPECT_EQ(out.size(), before + 1) << ts;
  }
  EXPECT_TRUE(non_decreasing(out));
  // The same for a video-only stream.
  TimestampMerge tv(lim);
  out.clear();
  tv.push(t0, video(0), out);
  tv.poll(t0 + milliseconds(300), out);
  tv.push(t0 + milliseconds(301), video(40), out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(TimestampMerge, HoldTimeBound) {
  MergeLimits lim;
  lim.idle = seconds(60);
  lim.max_hold = milliseconds(1000);
  TimestampMerge tm(lim);
  std::vector<rtmp::Message> out;
  tm.push(t0, video(0), out);
  tm.push(t0, audio(0), out);
  out.clear();
  // Video keeps arriving but stays behind (a lane stuck far back in time):
  // audio is never held longer than max_hold.
  tm.push(t0 + milliseconds(10), audio(5000), out);
  tm.push(t0 + milliseconds(20), audio(5023), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(*tm.next_deadline(), t0 + milliseconds(1010));
  tm.poll(t0 + milliseconds(1009), out);
  EXPECT_TRUE(out.empty());
  tm.poll(t0 + milliseconds(1010), out);
  ASSERT_EQ(out.size(), 1u) << "the message over the bound, in order";
  EXPECT_EQ(out[0].timestamp, 5000u);
  EXPECT_EQ(tm.forced(), 1u);
  tm.poll(t0 + milliseconds(1020), out);
  EXPECT_EQ(out.size(), 2u);
  // A video frame older than what left goes out at once, counted late.
  tm.push(t0 + milliseconds(1030), video(40), out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(tm.late(), 1u);
}

TEST(TimestampMerge, ByteAndCountBounds) {
  MergeLimits lim;
  lim.idle = seconds(60);
  lim.max_hold = seconds(60);
  lim.max_bytes = 1000;
  lim.max_messages = 1000;
  TimestampMerge tm(lim);
  std::vector<rtmp::Message> out;
  tm.push(t0, video(0), out);
  out.clear();
  for (std::uint32_t i = 1; i <= 30; ++i) {
    tm.push(t0, audio(i * 20, 100), out);
    EXPECT_LE(tm.held_bytes(), 1000u);
  }
  EXPECT_EQ(tm.held_bytes(), 1000u);
  EXPECT_EQ(out.size(), 21u) << "video 0, then the 20 audio frames over the byte bound";
  EXPECT_TRUE(non_decreasing(out));
  EXPECT_EQ(tm.forced(), 20u);

  lim.max_bytes = 1u << 20;
  lim.max_messages = 8;
  TimestampMerge tc(lim);
  out.clear();
  tc.push(t0, video(0), out);
  for (std::uint32_t i = 1; i <= 20; ++i) tc.push(t0, audio(i, 1), out);
  EXPECT_EQ(tc.held_messages(), 8u);
}

// RTMP timestamps wrap modulo 2^32 (RFC 7425 §5.1).
TEST(TimestampMerge, TimestampWrap) {
  TimestampMerge tm;
  std::vector<rtmp::Message> out;
  const std::uint32_t near = 0xFFFFFF00u;
  tm.push(t0, video(near), out);
  tm.push(t0, audio(near), out);
  tm.push(t0, audio(near + 0x80), out);
  tm.push(t0, audio(0x20), out);   // after the wrap
  tm.push(t0, audio(0x60), out);
  EXPECT_EQ(out.size(), 2u) << "audio after the video's last timestamp waits";
  tm.push(t0, video(near + 0xC0), out);
  tm.push(t0, video(0x40), out);  // after the wrap
  EXPECT_EQ(seq(out), (std::vector<std::pair<int, std::uint32_t>>{{9, near},
                                                                   {8, near},
                                                                   {8, near + 0x80},
                                                                   {9, near + 0xC0},
                                                                   {8, 0x20},
                                                                   {9, 0x40}}));
  tm.flush(out);
  EXPECT_EQ(out.back().timestamp, 0x60u);
  EXPECT_EQ(tm.late(), 0u);
}

// Data (onMetaData, onCuePoint) takes its place by timestamp but never
// holds media back; lanes keep their own order.
TEST(TimestampMerge, DataTakesItsPlaceAndLanesKeepTheirOrder) {
  TimestampMerge tm;
  std::vector<rtmp::Message> out;
  tm.push(t0, msg(18, 0), out);
  EXPECT_TRUE(out.empty()) << "media lanes not seen yet: they may still bring timestamp 0";
  tm.push(t0, video(0), out);
  tm.push(t0, audio(0), out);
  tm.push(t0, audio(50), out);
  tm.push(t0, msg(18, 60), out);  // a cue point
  tm.push(t0, audio(100), out);
  tm.push(t0, video(80), out);
  tm.push(t0, video(120), out);
  EXPECT_EQ(seq(out), (std::vector<std::pair<int, std::uint32_t>>{
                          {18, 0}, {9, 0}, {8, 0}, {8, 50}, {18, 60}, {9, 80}, {8, 100}}));
  // Equal timestamps leave in arrival order.
  out.clear();
  tm.flush(out);
  tm.push(t0, audio(200), out);
  tm.push(t0, video(200), out);
  EXPECT_EQ(seq(out), (std::vector<std::pair<int, std::uint32_t>>{{9, 120}, {8, 200}, {9, 200}}));
  // reset() forgets everything.
  tm.push(t0, audio(300), out);
  tm.reset();
  EXPECT_EQ(tm.held_messages(), 0u);
  out.clear();
  tm.push(t0, audio(5), out);
  EXPECT_TRUE(out.empty()) << "a new stream: the video lane is unknown again";
}

}  // namespace
}  // namespace rtmfp::media::gateway
