#include "media/gateway/rtmfp_url.hpp"

#include <gtest/gtest.h>

namespace rtmfp::media::gateway {
namespace {

TEST(RtmfpMediaUrl, SplitsAppAndStreamLikeRtmp) {
  auto u = parse_rtmfp_media_url("rtmfp://example.com:1936/live/s1");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_EQ(u->scheme, "rtmfp");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 1936);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->stream, "s1");
  EXPECT_EQ(u->tc_url, "rtmfp://example.com:1936/live");
  EXPECT_FALSE(u->listen());
}

TEST(RtmfpMediaUrl, DefaultPortQueryFragmentAndIpv6) {
  auto u = parse_rtmfp_media_url("RTMFP://user@h/app/a/b?t=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 1935);  // RFC 7425 §6.1
  EXPECT_EQ(u->stream, "a/b?t=1");
  EXPECT_EQ(u->tc_url, "rtmfp://h/app") << "no userinfo, no query (E§8.1.2)";
  auto f = parse_rtmfp_media_url("rtmfp://h/app/inst#s");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->app, "app/inst");
  EXPECT_EQ(f->stream, "s");
  auto v6 = parse_rtmfp_media_url("rtmfp-listen://[::1]:5000/live/x");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->listen());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->tc_url, "rtmfp://[::1]:5000/live");
}

// Port 0 means "any free port" for a URL to listen on (as rtmp-listen://
// has it; the relay prints the port it got) and nothing for a peer.
TEST(RtmfpMediaUrl, PortZeroOnlyToListen) {
  auto l = parse_rtmfp_media_url("rtmfp-listen://127.0.0.1:0/live/s");
  ASSERT_TRUE(l) << l.error().detail;
  EXPECT_TRUE(l->listen());
  EXPECT_EQ(l->port, 0);
  EXPECT_FALSE(parse_rtmfp_media_url("rtmfp://127.0.0.1:0/live/s"));
}

TEST(RtmfpMediaUrl, ClearErrors) {
  for (const char* bad : {"rtmfp://h/live", "rtmfp://h/", "rtmfp:///live/s", "rtmfp://h:0/live/s",
                          "rtmfp://h:99999/live/s", "rtmfp-listen://127.0.0.1/live/s", "rtmp://h/live/s", "rtmfp:/h"}) {
    auto u = parse_rtmfp_media_url(bad);
    EXPECT_FALSE(u) << bad;
    if (!u) {
      EXPECT_EQ(u.error().code, Errc::invalid_argument) << bad;
      EXPECT_FALSE(u.error().detail.empty()) << bad;
    }
  }
  EXPECT_TRUE(is_rtmfp_media_url("rtmfp-listen://x"));
  EXPECT_FALSE(is_rtmfp_media_url("rtmp://x"));
}

}  // namespace
}  // namespace rtmfp::media::gateway
