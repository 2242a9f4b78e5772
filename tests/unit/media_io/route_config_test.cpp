// The gateway's route list (media/io/route_config.hpp): the config format,
// its errors naming FILE:LINE, route identity and labels.
#include <gtest/gtest.h>

#include "media/io/route_config.hpp"

using namespace rtmfp::media::io;

TEST(RouteConfig, PairsCommentsAndBlankLines) {
  auto r = parse_routes(
      "# ingest\n"
      "\n"
      "rtmp-listen://0.0.0.0:1935/live/cam1   rtmp://10.0.0.5/live/cam1   # to nginx\n"
      "  rtmp-listen://0.0.0.0:1935/live/cam2 rec.flv\n"
      "\t# indented comment\n",
      "gw.conf");
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].src, "rtmp-listen://0.0.0.0:1935/live/cam1");
  EXPECT_EQ((*r)[0].dst, "rtmp://10.0.0.5/live/cam1");
  EXPECT_EQ((*r)[0].origin, "gw.conf:3");
  EXPECT_EQ((*r)[1].dst, "rec.flv");
  EXPECT_EQ((*r)[1].origin, "gw.conf:4");
}

TEST(RouteConfig, ErrorsNameFileAndLine) {
  auto one = parse_routes("# x\nrtmp://a/live/s\n", "f.conf");
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().detail.rfind("f.conf:2: expected 'SRC DST'", 0), 0u) << one.error().detail;
  auto three = parse_routes("a.flv b.flv c.flv\n", "f.conf");
  ASSERT_FALSE(three);
  EXPECT_NE(three.error().detail.find("f.conf:1: "), std::string::npos);
  EXPECT_NE(three.error().detail.find("3 fields"), std::string::npos);
  auto bad_url = parse_routes("\n\nrtmp://host/live in.flv\n", "f.conf");
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().detail.rfind("f.conf:3: ", 0), 0u) << bad_url.error().detail;
  auto bad_port = parse_routes("rtmp-listen://0.0.0.0:99999/live/a out.flv\n", "f.conf");
  ASSERT_FALSE(bad_port);
  EXPECT_EQ(bad_port.error().detail.rfind("f.conf:1: ", 0), 0u) << bad_port.error().detail;
  auto same = parse_routes("a.flv a.flv\n", "f.conf");
  ASSERT_FALSE(same);
  auto twice = parse_routes("a.flv rtmp://h/live/s\n#\na.flv rtmp://h/live/s\n", "f.conf");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().detail.find("f.conf:3: "), std::string::npos) << twice.error().detail;
  EXPECT_NE(twice.error().detail.find("also f.conf:1"), std::string::npos) << twice.error().detail;
}

TEST(RouteConfig, UnknownSchemesAreLeftToTheRelay) {
  // e.g. rtmfp-group:// endpoints of the relay's scheme table.
  auto r = parse_routes("rtmp-listen://0.0.0.0:1935/live/cam rtmfp-group://rv:1935/cam\n", "f");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(check_endpoint("://nothing"));
  EXPECT_TRUE(check_endpoint("-"));
}

TEST(RouteConfig, LabelsDropQueriesSoKeysAreNeverPrinted) {
  RouteSpec r{"rtmp-listen://0.0.0.0:1935/live/cam?publish_key=SECRET", "rtmp://h/live/cam?key=TOKEN", "x"};
  EXPECT_EQ(r.label(), "rtmp-listen://0.0.0.0:1935/live/cam -> rtmp://h/live/cam");
  RouteSpec same{r.src, r.dst, "y"};
  EXPECT_EQ(r, same) << "identity is SRC and DST, not where they were written";
  EXPECT_EQ(r.id(), same.id());
}

TEST(RouteConfig, MissingFileIsNotFound) {
  auto r = load_routes("/nonexistent-dir/routes.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, rtmfp::Errc::not_found);
}
