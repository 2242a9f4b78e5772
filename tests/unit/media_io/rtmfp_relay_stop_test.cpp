// The relay's stop request (SIGINT/SIGTERM in the CLI) wakes an rtmfp://
// source blocked waiting for media: the relay stops at once, not after
// --io-timeout. Real UDP on loopback: an RtmfpListenSink that publishes
// nothing serves the stream; the relay plays it into an FLV file. "Blocked"
// is the server's own "playing" line; the stop is decided by the relay's
// return, bounded far below the io_timeout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>

#include "media/io/relay.hpp"
#include "media/io/rtmfp_listen_endpoints.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace rtmfp::media::io;
using namespace std::chrono_literals;

namespace {

TEST(RtmfpRelayStop, AStopRequestWakesAnRtmfpSourceWaitingForMedia) {
  std::mutex mu;
  std::condition_variable cv;
  bool playing = false;
  RtmfpListenServer::Options so;
  so.url = *gateway::parse_rtmfp_media_url("rtmfp-listen://127.0.0.1:0/live/s");  // any free port
  so.log = [&](const std::string& line) {
    if (line.find("playing live/s") == std::string::npos) return;
    std::lock_guard lk(mu);
    playing = true;
    cv.notify_all();
  };
  auto server = RtmfpListenSink::open(so, 120s);
  ASSERT_TRUE(server) << server.error().detail;
  const std::string out = ::testing::TempDir() + "rtmfp_relay_stop_" + std::to_string(::getpid()) + ".flv";
  RelayOptions o;
  o.from = "rtmfp://127.0.0.1:" + std::to_string((*server)->local_address().port) + "/live/s";
  o.to = out;
  o.rtmfp_crypto = "modern";
  o.io_timeout = 120s;  // far beyond the bound below: only the stop request can end next()
  o.stats_interval = 0ms;
  RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return run_relay(o, &control); });
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 30s, [&] { return playing; })) << "the relay never played the stream";
  }
  control.request_stop();
  const bool stopped = relay.wait_for(20s) == std::future_status::ready;
  EXPECT_TRUE(stopped) << "the relay went on waiting for media after the stop request";
  EXPECT_EQ(relay.get(), relay_ok) << "a stop is a clean end";
  std::remove(out.c_str());
}

}  // namespace
