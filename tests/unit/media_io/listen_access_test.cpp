// ListenAccess / parse_listen_key (review S3): keys served, tokens, URL options.
#include <gtest/gtest.h>

#include "media/io/listen_access.hpp"

using namespace rtmfp;
using rtmfp::media::io::ListenAccess;
using rtmfp::media::io::parse_listen_key;

TEST(ListenAccess, TokensComeFromTheStreamNameQuery) {
  ListenAccess a;
  auto key = parse_listen_key("live/in?publish_key=A1&play_key=B2", a);
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "live/in");
  a.streams = {*key};
  EXPECT_EQ(a.authorize(true, "live", "in?key=A1").value(), "live/in");
  EXPECT_EQ(a.authorize(true, "live", "in?foo=1&key=A1").value(), "live/in");
  EXPECT_EQ(a.authorize(false, "live", "in?key=B2").value(), "live/in");
  EXPECT_EQ(a.authorize(true, "live", "in").error().code, Errc::refused);
  EXPECT_FALSE(a.authorize(true, "live", "in?key=B2"));   // the play token does not publish
  EXPECT_FALSE(a.authorize(true, "live", "in?key=A"));    // a prefix is not the token
  EXPECT_FALSE(a.authorize(true, "live", "in?key=A12"));
  EXPECT_FALSE(a.authorize(true, "live", "other?key=A1"));
  EXPECT_FALSE(a.authorize(true, "other", "in?key=A1"));
}

TEST(ListenAccess, WithoutTokensAnyKeyUnlessRestricted) {
  ListenAccess a;
  EXPECT_EQ(a.authorize(true, "live", "x?y").value(), "live/x");
  a.allow_publish = false;
  EXPECT_FALSE(a.authorize(true, "live", "x"));
  EXPECT_TRUE(a.authorize(false, "live", "x"));
}

TEST(ListenAccess, UnknownOrEmptyUrlOptionsAreRefused) {
  ListenAccess a;
  EXPECT_EQ(parse_listen_key("live/in", a).value(), "live/in");
  EXPECT_FALSE(parse_listen_key("live/in?key=x", a));
  EXPECT_FALSE(parse_listen_key("live/in?publish_key=", a));
}
