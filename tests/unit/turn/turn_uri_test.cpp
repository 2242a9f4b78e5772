// The --turn argument (rendezvous/turn/core/turn_uri.hpp).
#include <gtest/gtest.h>

#include "rendezvous/turn/core/turn_uri.hpp"

namespace rtmfp::turn {
namespace {

TEST(TurnUri, ParsesCredentialsHostAndPort) {
  auto u = parse_turn_uri("turn://alice:s3cret@turn.example.net:3479");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->username, "alice");
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_EQ(u->host, "turn.example.net");
  EXPECT_EQ(u->port, 3479);
  auto d = parse_turn_uri("turn://bob:p%40ss%3Aw@[2001:db8::1]");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->password, "p@ss:w");
  EXPECT_EQ(d->host, "2001:db8::1");
  EXPECT_EQ(d->port, 3478);
  EXPECT_TRUE(parse_turn_uri("turn://u:p@10.0.0.1:3478?transport=udp"));
}

TEST(TurnUri, RefusesWhatItCannotUse) {
  for (const char* bad : {"turns://u:p@h", "turn://h:3478", "turn://u@h", "turn://:p@h", "turn://u:p@",
                          "turn://u:p@h:0", "turn://u:p@h:70000", "turn://u:p@h?transport=tcp", "turn://u:p%4@h",
                          "turn://u:p@[::1"})
    EXPECT_FALSE(parse_turn_uri(bad)) << bad;
}

}  // namespace
}  // namespace rtmfp::turn
