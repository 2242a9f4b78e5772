// rtmfp:// URIs (RFC 7425 §6.1): host, port, path; port 0 and out-of-range
// ports refused with a message naming the port, unless the caller listens.
#include <gtest/gtest.h>

#include "rtmfp/core/uri/rtmfp_uri.hpp"

using namespace rtmfp;

TEST(RtmfpUri, HostPortPathAndDefaults) {
  auto u = parse_uri("rtmfp://example.net/app/s?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.net");
  EXPECT_EQ(u->port, 1935);
  EXPECT_FALSE(u->port_given);
  EXPECT_EQ(u->path, "/app/s?x=1");
  EXPECT_EQ(u->fragment, "frag");
  auto v6 = parse_uri("rtmfp://[::1]:5000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5000);
  EXPECT_TRUE(v6->port_given);
  auto top = parse_uri("rtmfp://h:65535");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->port, 65535);
}

TEST(RtmfpUri, PortZeroIsRefusedUnlessListening) {
  for (const char* bad : {"rtmfp://127.0.0.1:0", "rtmfp://h:00000/app", "rtmfp://[::1]:0/x"}) {
    auto u = parse_uri(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, Errc::invalid_argument);
    EXPECT_NE(u.error().detail.find("port out of range"), std::string::npos) << u.error().detail;
  }
  auto listen = parse_uri("rtmfp-listen://127.0.0.1:0/live/s", "rtmfp-listen", 1935, true);
  ASSERT_TRUE(listen) << listen.error().detail;
  EXPECT_EQ(listen->port, 0);
  EXPECT_TRUE(listen->port_given);
  for (const char* bad : {"rtmfp://h:65536", "rtmfp://h:99999", "rtmfp://h:", "rtmfp://h:123456", "rtmfp://h:1x"})
    EXPECT_FALSE(parse_uri(bad, "rtmfp", 1935, true)) << bad;
}
