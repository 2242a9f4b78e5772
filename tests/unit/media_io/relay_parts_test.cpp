// The relay's parts, without sockets: the reconnect backoff (C8), the
// timestamp rebaser (C4), the destination primer (C2), the publisher capture
// (C3: an abrupt loss is an error, an orderly end is the end), the stats
// (C7) and the exit-code table (C5).
#include <gtest/gtest.h>

#include <thread>

#include "media/io/publisher_capture.hpp"
#include "media/io/reconnect_backoff.hpp"
#include "media/io/relay.hpp"
#include "media/io/relay_stats.hpp"
#include "media/io/sink_primer.hpp"
#include "media/io/timestamp_rebaser.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;
using io::Message;

namespace {

Message av(std::uint8_t type, std::uint32_t ts, std::uint8_t b0 = 0x27, std::uint8_t b1 = 1) {
  Message m;
  m.type = type;
  m.timestamp = ts;
  m.payload = Bytes{b0, b1, 0, 0, 0, static_cast<std::uint8_t>(ts)};
  return m;
}
Message metadata(std::uint32_t ts) {
  rtmp::DataMessage d;
  d.handler = "onMetaData";
  d.values.push_back(rtmp::Value::object({{"width", rtmp::Value::number(320)}}));
  auto m = rtmp::encode_data(d, 0, ts, false);
  EXPECT_TRUE(m);
  return *m;
}

}  // namespace

// ------------------------------------------------------------ C8 backoff

TEST(ReconnectBackoff, DoublesFromHalfASecondToThirtySecondsWithJitter) {
  io::ReconnectBackoff b;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<long long> mid;
  for (int i = 0; i < 10; ++i) mid.push_back(b.on_failure(t0, 0.5)->count());
  EXPECT_EQ(mid, (std::vector<long long>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000}));
  io::ReconnectBackoff lo, hi;
  EXPECT_EQ(lo.on_failure(t0, 0.0)->count(), 400);   // -20%
  EXPECT_EQ(hi.on_failure(t0, 0.999)->count(), 599);  // +20% (exclusive)
}

TEST(ReconnectBackoff, AGoodPeriodResetsDelayAndAttempts) {
  io::ReconnectBackoff::Params p;
  p.max_attempts = 3;
  io::ReconnectBackoff b(p);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.on_failure(t0, 0.5));
  ASSERT_TRUE(b.on_failure(t0, 0.5));
  EXPECT_EQ(b.attempts(), 2);
  b.on_progress(t0 + 5s);  // not long enough
  EXPECT_EQ(b.attempts(), 2);
  b.on_progress(t0 + 10s);
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.on_failure(t0 + 11s, 0.5)->count(), 500);  // starts again at the first delay
  ASSERT_TRUE(b.on_failure(t0 + 12s, 0.5));
  ASSERT_TRUE(b.on_failure(t0 + 13s, 0.5));
  EXPECT_FALSE(b.on_failure(t0 + 14s, 0.5)) << "the 4th consecutive failure exceeds max_attempts = 3";
}

// ------------------------------------------------------------ C4 rebaser

TEST(TimestampRebaser, ANewSourceContinuesOneFrameGapAfterTheLastTimestamp) {
  io::TimestampRebaser r;
  r.source_changed();  // the first source: nothing to rebase
  std::vector<std::uint32_t> out;
  for (std::uint32_t ts : {0u, 40u, 80u, 120u}) out.push_back(r.map(av(9, ts + 5000)));
  EXPECT_EQ(out, (std::vector<std::uint32_t>{5000, 5040, 5080, 5120}));
  r.source_changed();  // the new source starts at 0 again
  EXPECT_EQ(r.map(metadata(0)), 5120u) << "metadata before the first frame keeps the last time";
  EXPECT_EQ(r.map(av(9, 0)), 5160u);
  EXPECT_EQ(r.map(av(8, 23)), 5183u);
  EXPECT_EQ(r.map(av(9, 40)), 5200u);
  r.source_changed();  // and a source that jumps far ahead is pulled back
  EXPECT_EQ(r.map(av(9, 4000000000u)), 5200u + 17u);
}

// ------------------------------------------------------------ C2 primer

TEST(SinkPrimer, PrimesMetadataSequenceHeadersAndTheGopFromTheLastKeyframe) {
  io::SinkPrimer p;
  p.on_message(metadata(0));
  p.on_message(av(9, 0, 0x17, 0));  // AVC sequence header
  p.on_message(av(8, 0, 0xaf, 0));  // AAC sequence header
  p.on_message(av(9, 0, 0x17, 1));  // keyframe
  p.on_message(av(9, 40, 0x27, 1));
  p.on_message(av(9, 80, 0x17, 1));  // the next keyframe: the GOP starts here
  p.on_message(av(8, 90, 0xaf, 1));
  p.on_message(av(9, 120, 0x27, 1));
  auto v = p.prime();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].type, rtmp::msg_type::data_amf0);
  EXPECT_EQ(v[1].payload[0], 0x17);
  EXPECT_EQ(v[1].payload[1], 0);
  EXPECT_EQ(v[2].payload[0], 0xaf);
  EXPECT_EQ(v[3].timestamp, 80u);
  EXPECT_EQ(v[3].payload[0], 0x17);
  EXPECT_EQ(v[4].timestamp, 90u);
  EXPECT_EQ(v[5].timestamp, 120u);
  p.reset();
  EXPECT_TRUE(p.prime().empty()) << "a new source starts a new cache";
}

// ------------------------------------------------------------ C3 capture

TEST(PublisherCapture, AnAbruptLossIsAnErrorThenTheNextPublisherIsRead) {
  io::PublisherCapture c;
  c.publisher_started();
  c.deliver(av(9, 0));
  c.publisher_lost();  // reset / timeout / session dropped
  auto m = c.next(5s, "rtmp-listen", "live/x");
  ASSERT_TRUE(m && *m) << "what the publisher sent before it went is delivered first";
  auto e = c.next(5s, "rtmp-listen", "live/x");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::closed) << e.error().detail;
  EXPECT_EQ(io::exit_code_for(e.error(), io::EndpointKind::listen), io::relay_connect_failed);
  // The next publisher: the capture waits for it (event-driven, no limit).
  std::thread t([&] {
    c.publisher_started();
    c.deliver(av(9, 7));
    c.publisher_stopped();  // FCUnpublish / deleteStream
  });
  auto n = c.next(5s, "rtmp-listen", "live/x");
  t.join();
  ASSERT_TRUE(n && *n);
  EXPECT_EQ((*n)->timestamp, 7u);
  auto end = c.next(5s, "rtmp-listen", "live/x");
  ASSERT_TRUE(end) << end.error().detail;
  EXPECT_FALSE(*end) << "an orderly end is the end of the stream";
  EXPECT_EQ(c.publishers(), 2u);
}

TEST(PublisherCapture, InterruptWakesAWaitingReader) {
  io::PublisherCapture c;
  std::thread t([&] { c.interrupt(); });
  auto r = c.next(60s, "rtmp-listen", "live/x");
  t.join();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
}

// ------------------------------------------------------------ C5 table

TEST(RelayExitCodes, EachErrorClassHasTheReadmeCode) {
  using io::EndpointKind;
  auto code = [](Errc c, EndpointKind k) { return io::exit_code_for(Error{c, {}}, k); };
  EXPECT_EQ(code(Errc::io_error, EndpointKind::file), io::relay_io_error);       // FLV read/write
  EXPECT_EQ(code(Errc::not_found, EndpointKind::file), io::relay_io_error);      // missing input
  EXPECT_EQ(code(Errc::io_error, EndpointKind::listen), io::relay_io_error);     // cannot listen, too slow
  EXPECT_EQ(code(Errc::io_error, EndpointKind::client), io::relay_connect_failed);
  EXPECT_EQ(code(Errc::timeout, EndpointKind::client), io::relay_connect_failed);
  EXPECT_EQ(code(Errc::closed, EndpointKind::listen), io::relay_connect_failed);  // publisher lost
  EXPECT_EQ(code(Errc::refused, EndpointKind::client), io::relay_refused);
  EXPECT_EQ(code(Errc::malformed, EndpointKind::client), io::relay_bad_input);
  EXPECT_EQ(code(Errc::limit_exceeded, EndpointKind::client), io::relay_bad_input);
  EXPECT_EQ(code(Errc::truncated, EndpointKind::file), io::relay_bad_input);
  EXPECT_EQ(code(Errc::crypto_failure, EndpointKind::client), io::relay_tls_failed);
  EXPECT_EQ(code(Errc::invalid_argument, EndpointKind::client), io::relay_bad_url);
}

// ------------------------------------------------------------ C7 stats

TEST(RelayStats, LagStartsAtTheFirstMediaMessageAndSurvivesATimestampReset) {
  io::RelayStats s(0ms, true);
  const auto t0 = std::chrono::steady_clock::now();
  auto snap0 = s.snapshot(t0, false);
  EXPECT_FALSE(snap0.lag_s) << "no lag before media (waiting for a publisher is not lag)";
  s.on_message(metadata(0), t0 + 300s);
  EXPECT_FALSE(s.snapshot(t0 + 300s, false).lag_s) << "metadata does not start the clock";
  s.on_message(av(9, 5000), t0 + 300s);
  s.on_message(av(9, 6000), t0 + 301s);
  EXPECT_NEAR(*s.snapshot(t0 + 301s, false).lag_s, 0.0, 1e-6);
  s.on_message(av(9, 0), t0 + 301s);  // time reset: a 32-bit difference would make this -4.29 M s
  EXPECT_NEAR(*s.snapshot(t0 + 301s, false).lag_s, 6.0, 1e-6);
  s.on_error("destination: boom \"x\"");
  s.on_reconnect();
  const std::string j = io::RelayStats::format(s.snapshot(t0 + 302s, true), true);
  for (const char* key : {"\"frames\":4", "\"bytes\":", "\"kbps\":", "\"lag_s\":", "\"reconnects\":1", "\"skipped\":",
                          "\"players\":", "\"last_error\":\"destination: boom \\\"x\\\"\""})
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
}
