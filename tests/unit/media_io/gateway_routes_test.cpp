// The gateway's route set (media/io/gateway.hpp) in process, with file
// routes (no network): routes run, end with their relay's exit code, are
// not run twice when a file is at an end, and apply() adds, keeps and
// removes; the per-route stats and summary lines name the route.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "media/flv/flv_writer.hpp"
#include "media/io/gateway.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;

namespace {

std::string temp_path(const char* name) { return "/tmp/gw_unit_" + std::to_string(::getpid()) + "_" + name; }

std::string write_flv(const char* name, int frames) {
  std::vector<flv::Tag> tags;
  for (int i = 0; i < frames; ++i) {
    Bytes v(100, 0x33);
    v[0] = i % 25 == 0 ? 0x17 : 0x27;
    v[1] = 1;
    tags.push_back({flv::TagType::video, static_cast<std::uint32_t>(i * 40), 0, false, std::move(v), 0});
  }
  auto bytes = flv::write_file(flv::Header{}, tags);
  EXPECT_TRUE(bytes);
  const std::string path = temp_path(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes->data(), 1, bytes->size(), f);
  std::fclose(f);
  return path;
}

// Counts routes that ended (the Gateway's callback) and waits for a number.
struct Ended {
  std::mutex mu;
  std::condition_variable cv;
  int n = 0;
  void operator()() {
    std::lock_guard lk(mu);
    ++n;
    cv.notify_all();
  }
  bool wait(int want) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 20s, [&] { return n >= want; });
  }
};

io::RelayOptions base() {
  io::RelayOptions o;
  o.stats_interval = 0ms;
  o.log_clients = false;
  return o;
}

}  // namespace

TEST(GatewayRoutes, FileRoutesRunOnceWithTheirExitCodes) {
  const std::string in = write_flv("in.flv", 30), out1 = temp_path("out1.flv"), out2 = temp_path("out2.flv");
  Ended ended;
  io::Gateway gw(base(), [&] { ended(); }, 10ms);
  const std::vector<io::RouteSpec> routes{{in, out1, "t:1"}, {"/nonexistent-dir/in.flv", out2, "t:2"}};
  auto c = gw.apply(routes);
  EXPECT_EQ(c.added, 2u);
  ASSERT_TRUE(ended.wait(2));
  EXPECT_EQ(gw.running(), 0u);
  auto r = gw.report();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].exit_code, io::relay_ok);
  EXPECT_EQ(r[0].frames, 30u);
  EXPECT_EQ(r[0].restarts, 0u) << "a file route is not run twice";
  EXPECT_EQ(r[1].exit_code, io::relay_io_error);
  EXPECT_NE(r[1].last_error.find("cannot open FLV input"), std::string::npos) << r[1].last_error;
  EXPECT_EQ(gw.exit_code(), io::relay_io_error) << "the first failing route's code";
  // Named again: kept as they are (the recording is not overwritten).
  c = gw.apply(routes);
  EXPECT_EQ(c.kept, 2u);
  EXPECT_EQ(c.added + c.removed + c.restarted, 0u);
  // Dropped from the set: removed; the set is empty.
  c = gw.apply({routes[0]});
  EXPECT_EQ(c.removed, 1u);
  EXPECT_EQ(gw.report().size(), 1u);
  std::remove(in.c_str());
  std::remove(out1.c_str());
}

TEST(GatewayRoutes, StatsAndSummaryLinesNameTheRoute) {
  io::RelayStats::Snapshot s;
  s.frames = 12;
  s.bytes = 3400;
  s.reconnects = 1;
  const std::string route = "rtmp-listen://0.0.0.0:1935/live/a -> rtmp://h/live/a";
  EXPECT_EQ(io::RelayStats::format(s, false, route).rfind("relay " + route + ": 12 frames, 3400 bytes", 0), 0u);
  EXPECT_EQ(io::RelayStats::format(s, false).rfind("relay: 12 frames", 0), 0u) << "a lone relay's line is unchanged";
  const std::string json = io::RelayStats::format(s, true, route);
  EXPECT_EQ(json.rfind("{\"route\":\"" + route + "\",\"frames\":12,", 0), 0u) << json;
  EXPECT_EQ(io::RelayStats::format(s, true).rfind("{\"frames\":12,", 0), 0u);
  io::Gateway::RouteReport r;
  r.spec = {"rtmp-listen://0.0.0.0:1935/live/a?publish_key=K", "rtmp://h/live/a", "x"};
  r.frames = 5;
  r.restarts = 2;
  r.exit_code = 3;
  const std::string sum = io::Gateway::format(r, true);
  EXPECT_EQ(sum.rfind("{\"route\":\"" + route + "\",\"frames\":5,", 0), 0u) << sum;
  EXPECT_NE(sum.find("\"restarts\":2,\"exit\":3,\"summary\":true}"), std::string::npos) << sum;
  EXPECT_EQ(sum.find("publish_key"), std::string::npos) << "access keys are never printed";
  EXPECT_EQ(io::Gateway::format(r, false).rfind("gateway: summary " + route + ": 5 frames", 0), 0u);
}
