// SessionClosed for every session that was open, whoever closed it (RFC 7016
// §3.5.5): a remote Close, an idle timeout, and also a local close(), an
// abrupt close and a shutdown. Exactly once per session, when it leaves for
// S_CLOSED, so an application (rtmfp/node's routing table, a server's
// per-session state) can drop what it keeps for the session on this one event.
#include <gtest/gtest.h>

#include <algorithm>

#include "endpoint_harness.hpp"

namespace rtmfp::testing {
namespace {

ConnectRequest to_server(Node& server) {
  ConnectRequest r;
  r.profile = ProfileKind::modern;
  r.epd.uri = "rtmfp://server/app";
  r.candidates = {server.address};
  return r;
}

std::size_t closed_events(const Node& n, SessionHandle h) {
  auto all = n.events_of<SessionClosed>();
  return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const SessionClosed& c) { return c.session == h; }));
}

TEST(EndpointCloseEvent, LocalCloseIsReportedOnceWhenTheCloseAckEndsIt) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  ASSERT_TRUE(client.endpoint->close(h.now, *s));
  h.deliver();
  ASSERT_TRUE(client.endpoint->sessions().empty()) << "the Close Ack ends S_NEARCLOSE";
  auto closed = client.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].session, *s);
  EXPECT_EQ(closed[0].reason, CloseReason::local_close);
  // A second close, the far end's linger, time: no second event.
  EXPECT_FALSE(client.endpoint->close(h.now, *s));
  h.run_for(seconds(60));
  EXPECT_EQ(closed_events(client, *s), 1u);
  EXPECT_EQ(server.events_of<SessionClosed>().size(), 1u);
}

TEST(EndpointCloseEvent, UnansweredLocalCloseIsReportedAtTheNearCloseTimeout) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  h.filter = [](SentDatagram&) { return false; };  // the server vanished
  ASSERT_TRUE(client.endpoint->close(h.now, *s));
  h.deliver();
  EXPECT_EQ(closed_events(client, *s), 0u) << "still S_NEARCLOSE: not closed yet";
  ASSERT_TRUE(h.run_until([&] { return client.endpoint->sessions().empty(); }, seconds(120)));
  auto closed = client.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, CloseReason::local_close);
}

TEST(EndpointCloseEvent, AbruptCloseIsReportedAtOnce) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !client.events_of<SessionOpened>().empty(); }, seconds(5)));
  ASSERT_TRUE(client.endpoint->close(h.now, *s, /*abrupt=*/true));
  h.deliver();
  auto closed = client.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, CloseReason::aborted);
  h.run_for(seconds(60));
  EXPECT_EQ(client.events_of<SessionClosed>().size(), 1u);
}

TEST(EndpointCloseEvent, ShutdownReportsEveryOpenSessionOnce) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& a = h.add(addr(2, 5000), 2);
  Node& b = h.add(addr(3, 5000), 3);
  ASSERT_TRUE(a.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(b.endpoint->connect(h.now, to_server(server)));
  ASSERT_TRUE(h.run_until([&] { return server.events_of<SessionOpened>().size() == 2; }, seconds(5)));
  // One client answers the Close, the other has vanished (shutdown_grace ends it).
  h.filter = [&](SentDatagram& d) { return d.to != b.address && d.from != b.address; };
  server.endpoint->shutdown(h.now);
  ASSERT_TRUE(h.run_until([&] { return server.endpoint->drained(); }, seconds(30)));
  auto closed = server.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_NE(closed[0].session, closed[1].session);
  for (const auto& c : closed) EXPECT_EQ(c.reason, CloseReason::shutdown);
  h.run_for(seconds(60));
  EXPECT_EQ(server.events_of<SessionClosed>().size(), 2u);
}

TEST(EndpointCloseEvent, RemoteCloseStaysOneEventThroughTheLinger) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(h.run_until([&] { return !server.events_of<SessionOpened>().empty(); }, seconds(5)));
  ASSERT_TRUE(client.endpoint->close(h.now, *s));
  h.run_for(seconds(60));  // S_FARCLOSE_LINGER ends on the server
  ASSERT_TRUE(server.endpoint->sessions().empty());
  auto closed = server.events_of<SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, CloseReason::remote_close);
}

TEST(EndpointCloseEvent, ASessionThatNeverOpenedIsNotReportedClosed) {
  Harness h;
  Node& server = h.add(addr(1, 1935), 1);
  Node& client = h.add(addr(2, 5000), 2);
  auto s = client.endpoint->connect(h.now, to_server(server));
  ASSERT_TRUE(s);
  ASSERT_TRUE(client.endpoint->close(h.now, *s));  // before it opened
  h.run_for(seconds(30));
  EXPECT_EQ(client.events_of<SessionOpenFailed>().size(), 1u);
  EXPECT_TRUE(client.events_of<SessionClosed>().empty());
}

}  // namespace
}  // namespace rtmfp::testing
