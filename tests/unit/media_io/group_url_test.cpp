// rtmfp-group:// URLs (media/io/group_endpoints.hpp): what is refused before
// any socket opens (exit code 2, bad URL).
#include <gtest/gtest.h>

#include "media/io/group_endpoints.hpp"

namespace rtmfp::media::io {
namespace {

TEST(GroupUrl, BadUrlsAreRefusedAsBadUrlsBeforeAnyNetworking) {
  RelayOptions o;
  EXPECT_TRUE(is_group_url("rtmfp-group://127.0.0.1:1935/news"));
  EXPECT_FALSE(is_group_url("rtmfp://127.0.0.1:1935/news"));
  for (const char* url : {"rtmfp-group://127.0.0.1:1935", "rtmfp-group://127.0.0.1:1935/", "rtmfp-group://:1935/news",
                          "rtmfp-group://127.0.0.1:0/news", "rtmfp-group://127.0.0.1:99999/news",
                          "rtmfp-group://127.0.0.1:1935/a/b", "rtmfp-group://127.0.0.1:1935/news:abcd",
                          "rtmfp-group://[::1/news"}) {
    SCOPED_TRACE(url);
    auto s = open_group_source(url, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(exit_code_for(s.error(), endpoint_kind(url)), relay_bad_url) << s.error().message();
    auto k = open_group_sink(url, o);
    ASSERT_FALSE(k);
    EXPECT_EQ(exit_code_for(k.error(), endpoint_kind(url)), relay_bad_url) << k.error().message();
  }
}

TEST(GroupUrl, APublisherCannotClaimAnotherPublishersKey) {
  RelayOptions o;
  auto k = open_group_sink("rtmfp-group://127.0.0.1:1935/news:" + std::string(64, 'a'), o);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace rtmfp::media::io
