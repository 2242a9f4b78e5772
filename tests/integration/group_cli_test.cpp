// P2P broadcast groups with the real commands on loopback (issue 13): a
// private `rtmfp rendezvous` (the group directory), `rtmfp publish` from a
// 10 s FLV (H.264 + AAC, 1 s GOPs, made by ffmpeg) with --realtime, and five
// `rtmfp join`s to FLV files. Every joiner has every audio/video frame of
// the source from its first keyframe on, byte-identical; one joiner killed
// mid-stream (SIGKILL: no goodbye) does not disturb the others. Joiners end
// by themselves once the stream stops (--idle-end) and print their final
// counters as JSON.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/group_test_util.hpp"
#include "tests/support/line_words.hpp"

namespace rtmp_it {
namespace {

using rtmfp::testing::word;

TEST(GroupCli, FiveJoinersGetEveryFrameFromTheirFirstKeyframeAndAKilledOneDisturbsNobody) {
  if (!have("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed (makes the test FLV)";
  TempDir dir("group_cli_it");
  const fs::path input = dir.path() / "in.flv";
  ASSERT_TRUE(make_test_flv(input, 10));

  auto rv = ChildProcess::spawn({RTMFP_CLI, "rendezvous", "--listen", "127.0.0.1:0", "--stats-interval", "0"});
  ASSERT_TRUE(rv);
  auto rv_line = rv->read_line(10s);
  ASSERT_TRUE(rv_line) << rv->stderr_text();
  const std::string rv_uri = word(*rv_line, 1);
  ASSERT_EQ(rv_uri.rfind("rtmfp://", 0), 0u) << *rv_line;

  auto pub = ChildProcess::spawn({RTMFP_CLI, "publish", "--rendezvous", rv_uri, "--group", "test", "--from",
                                  input.string(), "--realtime", "--key", (dir.path() / "pub.key").string(),
                                  "--stats-interval", "1000"});
  ASSERT_TRUE(pub);
  auto pub_line = pub->read_line(15s);
  ASSERT_TRUE(pub_line) << pub->stderr_text();
  ASSERT_EQ(word(*pub_line, 0), "publishing") << *pub_line;
  const std::string spec = word(*pub_line, 1);
  ASSERT_EQ(spec.size(), std::string("test:").size() + 64) << spec;
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "pub.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the key file is private";

  constexpr int kJoiners = 5;
  std::vector<ChildProcess> joiners;
  for (int i = 0; i < kJoiners; ++i) {
    // Two pin the key, the others take it from the rendezvous.
    auto j = ChildProcess::spawn({RTMFP_CLI, "join", "--rendezvous", rv_uri, "--group", i < 2 ? spec : "test",
                                  "--to", (dir.path() / ("out" + std::to_string(i) + ".flv")).string(),
                                  "--idle-end", "3000", "--stats-interval", "1000"});
    ASSERT_TRUE(j);
    joiners.push_back(std::move(*j));
  }
  // Mid-stream, the last joiner dies without a goodbye.
  std::this_thread::sleep_for(4s);
  joiners.back().signal(SIGKILL);
  (void)joiners.back().wait(5s);

  auto prc = pub->wait(60s);
  ASSERT_TRUE(prc) << "publisher did not end: " << pub->stderr_text();
  EXPECT_EQ(*prc, 0) << pub->stderr_text();
  {
    // The publisher's final counters: it uploaded well under one copy per
    // member (the members forward to each other; a server would send 4-5).
    auto line = pub->read_line(2s);
    ASSERT_TRUE(line) << pub->stderr_text();
    auto j = nlohmann::json::parse(*line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << *line;
    EXPECT_EQ(j["role"], "publisher");
    EXPECT_GT(j["fragmentsPublished"].get<long>(), 0);
    EXPECT_GT(j["uploadRatio"].get<double>(), 0.5) << *line;
    EXPECT_LT(j["uploadRatio"].get<double>(), 2.5) << *line;
    std::printf("publisher upload ratio %.2f\n", j["uploadRatio"].get<double>());
  }
  const auto in = av_tags(input);
  for (int i = 0; i + 1 < kJoiners; ++i) {
    SCOPED_TRACE("joiner " + std::to_string(i));
    auto rc = joiners[i].wait(30s);
    ASSERT_TRUE(rc) << joiners[i].stderr_text();
    EXPECT_EQ(*rc, 0) << joiners[i].stderr_text();
    // The final counters, one JSON object.
    auto line = joiners[i].read_line(2s);
    ASSERT_TRUE(line) << joiners[i].stderr_text();
    auto j = nlohmann::json::parse(*line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << *line;
    EXPECT_EQ(j["role"], "member");
    EXPECT_GT(j["framesPlayed"].get<long>(), 0);
    EXPECT_GE(j["joinToFirstFrameMs"].get<double>(), 0.0);
    std::printf("joiner %d: join to first frame %.0f ms, %ld frames played\n", i,
                j["joinToFirstFrameMs"].get<double>(), j["framesPlayed"].get<long>());
    expect_tail_of(in, av_tags(dir.path() / ("out" + std::to_string(i) + ".flv")));
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n", joiners[i].stderr_text().c_str());
  }
  rv->signal(SIGTERM);
  (void)rv->wait(10s);
}

}  // namespace
}  // namespace rtmp_it
