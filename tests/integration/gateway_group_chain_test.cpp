// The whole chain `make demo` shows (issue 14), with the real programs on
// loopback: ffmpeg publishes a 6 s FLV (H.264 + AAC, 1 s GOPs) to an
// rtmp-listen:// route of `rtmfp gateway` whose destination is a P2P group
// (rtmfp-group://, a private `rtmfp rendezvous`); three `rtmfp join`
// members play it to FLV files; a route of a second gateway (an edge, a
// member over the network like the three) takes the group out to a private
// nginx-rtmp (recording). The second test: one gateway holding both ends of
// the group, its player route served from its own publisher's stream. At every member and
// in nginx's recording: every audio/video frame of the source from the
// first keyframe on, byte-identical, in order, timestamps one constant
// offset from the source's (so monotonic), the AVC/AAC sequence headers,
// and onMetaData at the members (nginx's recorder writes none).
// Decided by events (the gateway's log lines and JSON stats, process
// exits); the timeouts are safety nets.
#include <condition_variable>
#include <functional>
#include <mutex>

#include <nlohmann/json.hpp>

#include "tests/integration/rtmp_test_util.hpp"
#include "tests/support/line_words.hpp"

namespace rtmp_it {
namespace {

using rtmfp::testing::word;

bool is_config(const Tag& t) { return is_avc_header(t) || is_aac_header(t); }

// `out`'s audio and video frames (sequence headers aside; each type on its
// own: an RTMP server or ffmpeg may interleave the two types differently)
// are the source's from the position of its first frame of that type to the
// end: same order, same bytes, timestamps one constant offset from the
// source's (so monotonic). Its first video frame is a keyframe; the AVC and
// AAC sequence headers are there.
void expect_tail_of(const std::vector<Tag>& in_all, const std::vector<Tag>& out_all) {
  for (auto type : {TagType::video, TagType::audio}) {
    SCOPED_TRACE(type == TagType::video ? "video" : "audio");
    std::vector<const Tag*> in, out;
    for (const auto& t : in_all)
      if (t.type == type && !is_config(t)) in.push_back(&t);
    for (const auto& t : out_all)
      if (t.type == type && !is_config(t)) out.push_back(&t);
    ASSERT_FALSE(out.empty()) << "nothing played";
    if (type == TagType::video) {
      EXPECT_TRUE(is_keyframe(*out[0])) << "first video frame is not a keyframe";
    }
    std::size_t start = in.size();
    for (std::size_t i = 0; i < in.size(); ++i)
      if (in[i]->data == out[0]->data) {
        start = i;
        break;
      }
    ASSERT_LT(start, in.size()) << "the first frame is not in the source";
    EXPECT_EQ(out.size(), in.size() - start) << "frames from the first one to the end (first at source frame "
                                             << start << " of " << in.size() << ")";
    const std::size_t n = std::min(out.size(), in.size() - start);
    std::size_t differ = 0, shifted = 0;
    const std::int64_t off = std::int64_t(out[0]->timestamp) - std::int64_t(in[start]->timestamp);
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i]->data != in[start + i]->data) ++differ;
      if (std::int64_t(out[i]->timestamp) - std::int64_t(in[start + i]->timestamp) != off) ++shifted;
    }
    EXPECT_EQ(differ, 0u) << "frames not byte-identical to the source";
    EXPECT_EQ(shifted, 0u) << "timestamps not one constant offset from the source's";
  }
  bool avc = false, aac = false;
  for (const auto& t : out_all) {
    avc = avc || is_avc_header(t);
    aac = aac || is_aac_header(t);
  }
  EXPECT_TRUE(avc && aac) << "sequence headers";
}

// The gateway with stdout and stderr merged, read by a thread into lines the
// test waits on.
class Gateway {
 public:
  explicit Gateway(const std::vector<std::string>& args) {
    std::string cmd = std::string("exec ") + RTMFP_CLI + " gateway";
    for (const auto& a : args) cmd += " '" + a + "'";
    proc_.emplace(ChildProcess::spawn({"/bin/sh", "-c", cmd + " 2>&1"}));
    if (!*proc_) return;
    reader_ = std::thread([this] {
      for (;;) {
        auto l = (*proc_)->read_line(120s);
        std::lock_guard lk(mu_);
        if (!l) {
          eof_ = true;
          cv_.notify_all();
          return;
        }
        lines_.push_back(*l);
        cv_.notify_all();
      }
    });
  }
  ~Gateway() {
    if (proc_ && *proc_ && !exited_) {
      (*proc_)->signal(SIGKILL);
      (void)(*proc_)->wait(5s);
    }
    if (reader_.joinable()) reader_.join();
  }
  bool ok() const { return proc_ && *proc_; }
  // Waits until a line contains `s`; returns it (nullopt on EOF or timeout).
  std::optional<std::string> wait_line(const std::string& s, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lk(mu_);
    std::optional<std::string> found;
    std::size_t i = 0;
    cv_.wait_for(lk, timeout, [&] {
      for (; i < lines_.size(); ++i)
        if (lines_[i].find(s) != std::string::npos) return found = lines_[i], true;
      return eof_;
    });
    return found;
  }
  // Waits until a line satisfies `pred`.
  bool wait_for(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lk(mu_);
    std::size_t i = 0;
    bool found = false;
    cv_.wait_for(lk, timeout, [&] {
      for (; i < lines_.size(); ++i)
        if (pred(lines_[i])) return found = true;
      return eof_;
    });
    return found;
  }
  std::string log() {
    std::lock_guard lk(mu_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }
  std::optional<int> stop() {
    (*proc_)->signal(SIGTERM);
    auto rc = (*proc_)->wait(30s);
    exited_ = rc.has_value();
    if (reader_.joinable()) reader_.join();
    return rc;
  }

 private:
  std::optional<std::optional<ChildProcess>> proc_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false, exited_ = false;
};

// A private rendezvous on a free loopback port (it prints its rtmfp://
// URI first), stopped with SIGTERM when the test ends.
struct TestRendezvous {
  std::optional<ChildProcess> process =
      ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  std::string uri;    // rtmfp://127.0.0.1:PORT, empty when it did not start
  std::string error;  // why not
  TestRendezvous() {
    if (!process) {
      error = "rendezvous did not start";
      return;
    }
    auto line = process->read_line(10s);
    if (line && word(*line, 1).rfind("rtmfp://", 0) == 0)
      uri = word(*line, 1);
    else
      error = (line ? *line + "\n" : std::string()) + process->stderr_text();
  }
  ~TestRendezvous() {
    if (!process) return;
    process->signal(SIGTERM);
    (void)process->wait(10s);
  }
  std::string group(const std::string& name) const { return "rtmfp-group://" + uri.substr(8) + "/" + name; }
};

TEST(GatewayGroupChain, RtmpInThroughAGroupToThreeMembersAndOutToNginxEveryFrameFromTheFirstKeyframe) {
  if (!have("ffmpeg") || !have("nginx") || kRtmpModule.path().empty()) GTEST_SKIP() << "needs ffmpeg and nginx-rtmp";
  TempDir dir("gateway_group_chain");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 6));

  TestRendezvous rv;
  ASSERT_FALSE(rv.uri.empty()) << rv.error;

  PrivateNginx nginx;
  const fs::path rec = dir.path() / "rec";
  fs::create_directories(rec);
  ASSERT_TRUE(nginx.start(dir.path() / "nginx", free_port(), {}, nullptr,
                          "record all; record_path " + rec.string() + ";"));
  const int port = free_port();
  const std::string in_url = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/cam";
  const std::string group = rv.group("cam");
  const std::string out_url = "rtmp://127.0.0.1:" + std::to_string(nginx.rtmp_port()) + "/live/out";
  Gateway gw({"--json", "--stats-interval", "0.2", "--route", in_url, group});
  ASSERT_TRUE(gw.ok());
  ASSERT_TRUE(gw.wait_line("listening rtmp://127.0.0.1:" + std::to_string(port))) << gw.log();

  auto pub = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input.string(), "-c",
                                  "copy", "-f", "flv", "rtmp://127.0.0.1:" + std::to_string(port) + "/live/cam"});
  ASSERT_TRUE(pub);
  auto publishing = gw.wait_line("group: publishing cam:");
  ASSERT_TRUE(publishing) << gw.log();
  const std::string spec = publishing->substr(publishing->find("cam:"));

  constexpr int kMembers = 3;
  std::vector<ChildProcess> members;
  for (int i = 0; i < kMembers; ++i) {
    auto m = ChildProcess::spawn({RTMFP_CLI, "join", "--rendezvous", rv.uri, "--group", "cam", "--to",
                                  (dir.path() / ("m" + std::to_string(i) + ".flv")).string(), "--idle-end", "3000",
                                  "--stats-interval", "0"});
    ASSERT_TRUE(m);
    members.push_back(std::move(*m));
  }
  // The edge's route is a group member too: it publishes what it plays to
  // nginx.
  Gateway edge({"--json", "--stats-interval", "0.2", "--route", group, out_url});
  ASSERT_TRUE(edge.ok());
  ASSERT_TRUE(edge.wait_line("group: joined cam:")) << edge.log();
  // (ffmpeg reading live/out back from nginx is not part of this test: on
  // this 2-core machine, started before the edge publishes, it got one
  // frame in most runs though nginx recorded every frame: not understood
  // yet. `make demo` reads it back and counts the frames.)

  EXPECT_EQ(pub->wait(60s), 0) << pub->stderr_text();
  for (int i = 0; i < kMembers; ++i) {
    SCOPED_TRACE("member " + std::to_string(i));
    auto rc = members[i].wait(30s);
    ASSERT_TRUE(rc) << members[i].stderr_text();
    EXPECT_EQ(*rc, 0) << members[i].stderr_text();
    auto line = members[i].read_line(2s);
    ASSERT_TRUE(line) << members[i].stderr_text();
    auto j = nlohmann::json::parse(*line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << *line;
    EXPECT_EQ(j["role"], "member");
    EXPECT_GT(j["framesPlayed"].get<long>(), 0);
    std::printf("member %d: join to first frame %.0f ms, %ld frames played\n", i, j["joinToFirstFrameMs"].get<double>(),
                j["framesPlayed"].get<long>());
  }
  // The members ended 3 s after the last frame (--idle-end): the edge had
  // the tail as early; its route has written it to nginx.
  EXPECT_EQ(gw.stop(), 0) << gw.log();
  EXPECT_EQ(edge.stop(), 0) << edge.log();
  const std::string log = gw.log();
  {
    // The publisher's upload: the members forward to each other. (The line
    // of the publisher that carried the stream: once ffmpeg left, the route
    // started again and publishes the same group, same key, with nothing
    // published yet.)
    double ratio = -1;
    long published = -1;
    for (std::size_t at = 0; (at = log.find("{\"group\"", at)) != std::string::npos; ++at) {
      auto j = nlohmann::json::parse(log.substr(at, log.find('\n', at) - at), nullptr, false);
      if (j.is_discarded() || j["role"] != "publisher" || j["group"] != spec) continue;
      if (j["fragmentsPublished"].get<long>() > published) {
        published = j["fragmentsPublished"].get<long>();
        ratio = j["uploadRatio"].get<double>();
      }
    }
    std::printf("gateway's publisher upload ratio %.2f\n", ratio);
    EXPECT_GT(ratio, 0.0) << log;
  }
  nginx.stop();

  const auto in = av_tags(input);
  for (int i = 0; i < kMembers; ++i) {
    SCOPED_TRACE("member " + std::to_string(i));
    const fs::path f = dir.path() / ("m" + std::to_string(i) + ".flv");
    expect_tail_of(in, av_tags(f));
    EXPECT_TRUE(has_metadata(f)) << "onMetaData";
  }
  std::vector<fs::path> recs;
  for (const auto& e : fs::directory_iterator(rec))
    if (e.path().extension() == ".flv") recs.push_back(e.path());
  ASSERT_EQ(recs.size(), 1u) << "one recording of live/out";
  {
    SCOPED_TRACE("nginx's recording");
    // (nginx-rtmp's recorder writes no onMetaData, not even for ffmpeg
    // publishing straight to it: checked by hand with Debian 12's module.)
    expect_tail_of(in, av_tags(recs[0]));
  }
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n%s\n", log.c_str(), edge.log().c_str());
}

// One gateway holds both ends of a group: route 1 publishes into
// rtmfp-group://RV/cam, route 2 plays rtmfp-group://RV/cam out to nginx.
// Both endpoints share the process's one node, which holds the group once
// (as its publisher): route 2 is a local player of it, played the
// publisher's own stream (media/io/group_fanout.hpp), with no second
// membership. (This once played nothing: the member's join was refused by
// the node, "group already joined", and the route restarted every second.)
// nginx's recording of route 2: every frame from the first keyframe on.
TEST(GatewayGroupChain, OneGatewayPublishesIntoAGroupAndPlaysItOutFromItsOwnStream) {
  if (!have("ffmpeg") || !have("nginx") || kRtmpModule.path().empty()) GTEST_SKIP() << "needs ffmpeg and nginx-rtmp";
  TempDir dir("gateway_group_one");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 4));
  TestRendezvous rv;
  ASSERT_FALSE(rv.uri.empty()) << rv.error;
  PrivateNginx nginx;
  const fs::path rec = dir.path() / "rec";
  fs::create_directories(rec);
  ASSERT_TRUE(nginx.start(dir.path() / "nginx", free_port(), {}, nullptr,
                          "record all; record_path " + rec.string() + ";"));
  const int port = free_port();
  const std::string in_url = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/cam";
  const std::string group = rv.group("cam");
  const std::string out_url = "rtmp://127.0.0.1:" + std::to_string(nginx.rtmp_port()) + "/live/out";
  Gateway gw({"--json", "--stats-interval", "0.2", "--route", in_url, group, "--route", group, out_url});
  ASSERT_TRUE(gw.ok());
  ASSERT_TRUE(gw.wait_line("listening rtmp://127.0.0.1:" + std::to_string(port))) << gw.log();
  // Both routes are in the group before ffmpeg publishes.
  ASSERT_TRUE(gw.wait_line("group: publishing cam:")) << gw.log();
  ASSERT_TRUE(gw.wait_line("group: joined cam:")) << gw.log();
  auto pub = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input.string(), "-c",
                                  "copy", "-f", "flv", "rtmp://127.0.0.1:" + std::to_string(port) + "/live/cam"});
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->wait(30s), 0) << pub->stderr_text();
  // Route 1 ends its run when ffmpeg leaves, once the tail is out (its sink
  // waits for that); route 2 got each frame as it was published.
  ASSERT_TRUE(gw.wait_line(": done, ", 30s)) << gw.log();
  EXPECT_EQ(gw.stop(), 0);
  const std::string log = gw.log();
  // Route 2's summary: the frames it took out of the group; it started once.
  long frames = -1, restarts = -1;
  for (std::size_t at = 0; (at = log.find("{\"route\":\"rtmfp-group", at)) != std::string::npos; ++at) {
    auto j = nlohmann::json::parse(log.substr(at, log.find('\n', at) - at), nullptr, false);
    if (!j.is_discarded() && j.contains("summary")) {
      frames = j["frames"].get<long>();
      restarts = j["restarts"].get<long>();
    }
  }
  EXPECT_GT(frames, 0) << log;
  EXPECT_EQ(restarts, 0) << log;
  EXPECT_EQ(log.find("already joined"), std::string::npos) << log;
  EXPECT_EQ(log.find("already published"), std::string::npos) << log;
  nginx.stop();
  std::vector<fs::path> recs;
  for (const auto& e : fs::directory_iterator(rec))
    if (e.path().extension() == ".flv") recs.push_back(e.path());
  ASSERT_EQ(recs.size(), 1u) << "one recording of live/out\n" << log;
  expect_tail_of(av_tags(input), av_tags(recs[0]));
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n", log.c_str());
}

// Two routes of one gateway play one group (a publisher's gateway
// elsewhere) to two FLV files: they share the process's one membership of
// the group (media/io/group_node.hpp), each from the join point on; both
// play the whole stream. (A second membership of one group on one node was
// refused: the second route restarted every second with nothing played.)
TEST(GatewayGroupChain, TwoRoutesOfOneGatewayPlayOneGroupThroughOneMembership) {
  if (!have("ffmpeg")) GTEST_SKIP() << "needs ffmpeg";
  TempDir dir("gateway_group_two");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 4));
  TestRendezvous rv;
  ASSERT_FALSE(rv.uri.empty()) << rv.error;
  const int port = free_port();
  const std::string in_url = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/cam";
  const std::string group = rv.group("cam");
  Gateway pub_gw({"--json", "--stats-interval", "0", "--route", in_url, group});
  ASSERT_TRUE(pub_gw.ok());
  ASSERT_TRUE(pub_gw.wait_line("group: publishing cam:")) << pub_gw.log();
  const fs::path out[2] = {dir.path() / "a.flv", dir.path() / "b.flv"};
  Gateway play_gw({"--json", "--stats-interval", "0.2", "--route", group, out[0].string(), "--route", group,
                   out[1].string()});
  ASSERT_TRUE(play_gw.ok());
  int joined = 0;
  ASSERT_TRUE(play_gw.wait_for([&](const std::string& l) { return l.find("group: joined cam:") != std::string::npos && ++joined == 2; }))
      << play_gw.log();
  auto pub = ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input.string(), "-c",
                                  "copy", "-f", "flv", "rtmp://127.0.0.1:" + std::to_string(port) + "/live/cam"});
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->wait(30s), 0) << pub->stderr_text();
  // The messages the publisher's route put into the group ...
  unsigned long long sent = 0;
  ASSERT_TRUE(pub_gw.wait_for([&](const std::string& l) {
    const auto at = l.find(": done, ");
    return at != std::string::npos && std::sscanf(l.c_str() + at, ": done, %llu frames", &sent) == 1;
  }, 30s)) << pub_gw.log();
  // ... each route wrote them all (both joined before the first).
  for (const auto& f : out) {
    SCOPED_TRACE(f.string());
    EXPECT_TRUE(play_gw.wait_for([&](const std::string& l) {
      if (l.rfind("{\"route\"", 0) != 0 || l.find(f.string()) == std::string::npos) return false;
      auto j = nlohmann::json::parse(l, nullptr, false);
      return !j.is_discarded() && j["frames"].get<unsigned long long>() >= sent;
    }, 20s)) << "sent " << sent << "\n" << play_gw.log();
  }
  EXPECT_EQ(play_gw.stop(), 0);
  EXPECT_EQ(pub_gw.stop(), 0);
  const std::string log = play_gw.log();
  EXPECT_EQ(log.find("already joined"), std::string::npos) << log;
  // Neither route failed to join and started again.
  int summaries = 0;
  for (std::size_t at = 0; (at = log.find("{\"route\"", at)) != std::string::npos; ++at) {
    auto j = nlohmann::json::parse(log.substr(at, log.find('\n', at) - at), nullptr, false);
    if (j.is_discarded() || !j.contains("summary")) continue;
    ++summaries;
    EXPECT_EQ(j["reconnects"], 0) << j.dump();
    EXPECT_EQ(j["restarts"], 0) << j.dump();
  }
  EXPECT_EQ(summaries, 2) << log;
  const auto in = av_tags(input);
  for (const auto& f : out) {
    SCOPED_TRACE(f.string());
    expect_tail_of(in, av_tags(f));
    EXPECT_TRUE(has_metadata(f)) << "onMetaData";
  }
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n%s\n", pub_gw.log().c_str(), log.c_str());
}

// A second route publishing into a group the process publishes is refused
// at once with the reason (a bad route: exit 2, not retried); the first
// goes on.
TEST(GatewayGroupChain, ASecondRoutePublishingIntoTheSameGroupIsRefusedWithTheReason) {
  TempDir dir("gateway_group_twice");
  TestRendezvous rv;
  ASSERT_FALSE(rv.uri.empty()) << rv.error;
  const int port = free_port();
  const std::string group = rv.group("cam");
  const std::string base = "rtmp-listen://127.0.0.1:" + std::to_string(port) + "/live/";
  Gateway gw({"--stats-interval", "0", "--route", base + "a", group, "--route",
              base + "b", group});
  ASSERT_TRUE(gw.ok());
  auto refused = gw.wait_line("is already published by this process");
  ASSERT_TRUE(refused) << gw.log();
  EXPECT_TRUE(gw.wait_line("ended (exit 2)")) << gw.log();
  ASSERT_TRUE(gw.wait_line("group: publishing cam:")) << gw.log();
  EXPECT_EQ(gw.stop(), 0) << gw.log();
  const std::string log = gw.log();
  EXPECT_EQ(log.find("reconnecting"), std::string::npos) << log;
}

}  // namespace
}  // namespace rtmp_it
