// The group wire format (rtmfp/group/core/group_messages.hpp): every
// message round-trips; malformed input is refused with an error, never a
// crash; bounds hold.
#include <gtest/gtest.h>

#include "rtmfp/group/core/group_messages.hpp"

namespace rtmfp::group {
namespace {

Message round_trip(const Message& m) {
  auto d = decode_message(encode_message(m));
  EXPECT_TRUE(d) << (d ? "" : d.error().message());
  return d ? *d : Message{};
}

TEST(GroupMessages, RoundTripEveryType) {
  Hello h;
  h.group_id[0] = 7;
  h.publisher = true;
  auto hh = std::get<Hello>(round_trip(h));
  EXPECT_EQ(hh.group_id, h.group_id);
  EXPECT_TRUE(hh.publisher);

  Members m;
  m.ids.resize(3);
  m.ids[2][5] = 9;
  EXPECT_EQ(std::get<Members>(round_trip(m)).ids, m.ids);

  FragmentMap f;
  f.newest = 1000;
  f.join_point = 990;
  f.depth = {0, 1, 2, 3, 4, 5, 6, kDepthUnknown};
  f.load = 37;
  f.bitmap = {0xff, 0x0f};
  auto ff = std::get<FragmentMap>(round_trip(f));
  EXPECT_EQ(ff.newest, 1000u);
  EXPECT_EQ(ff.join_point, 990u);
  EXPECT_EQ(ff.depth, f.depth);
  EXPECT_EQ(ff.load, 37);
  EXPECT_EQ(ff.bitmap, f.bitmap);

  EXPECT_EQ(std::get<Subscribe>(round_trip(Subscribe{0x81})).mask, 0x81);
  EXPECT_EQ(std::get<SubscribeReply>(round_trip(SubscribeReply{0x42})).mask, 0x42);
  Request q;
  q.seqs = {1, 300, std::uint64_t{1} << 40};
  EXPECT_EQ(std::get<Request>(round_trip(q)).seqs, q.seqs);
  FragmentMessage fr{77, Bytes{0, 1, 2, 3}};
  auto fr2 = std::get<FragmentMessage>(round_trip(fr));
  EXPECT_EQ(fr2.seq, 77u);
  EXPECT_EQ(fr2.content, fr.content);
  EXPECT_EQ(fr2.previous, 0u);
  FragmentMessage pushed{77, Bytes{0, 1}, 69};  // the class's previous push named
  EXPECT_EQ(std::get<FragmentMessage>(round_trip(pushed)).previous, 69u);
  EXPECT_EQ(std::get<Goodbye>(round_trip(Goodbye{GoodbyeReason::full})).reason, GoodbyeReason::full);
}

TEST(GroupMessages, MapBitsSayWhatIsHeld) {
  FragmentMap f;
  f.newest = 100;
  f.bitmap = {0b10100000};  // holds 100 and 98, not 99, 97..93; below the bitmap: from held_from
  f.held_from = 80;
  EXPECT_TRUE(f.holds(100));
  EXPECT_FALSE(f.holds(99));
  EXPECT_TRUE(f.holds(98));
  EXPECT_FALSE(f.holds(93));
  EXPECT_TRUE(f.holds(92));
  EXPECT_TRUE(f.holds(80));
  EXPECT_FALSE(f.holds(79));
  f.held_from = 0;
  EXPECT_FALSE(f.holds(92));
  EXPECT_FALSE(f.holds(101));
  EXPECT_FALSE(f.holds(0));
}

// Held runs under holes older than the bitmap (a 1 MB keyframe is twice the
// bitmap): encoded as gaps and lengths downward, and advertised.
TEST(GroupMessages, OlderRunsAdvertiseWhatIsHeldUnderOldHoles) {
  FragmentMap f;
  f.newest = 2000;
  f.bitmap = {0xff};  // 1993..2000
  f.held_from = 1900;  // and 1900..1992
  f.older = {{1850, 1890}, {1200, 1200}, {3, 40}};
  auto g = std::get<FragmentMap>(round_trip(f));
  EXPECT_EQ(g.older, f.older);
  EXPECT_EQ(g.described_from(), 1900u);
  for (Seq s : {Seq{1850}, Seq{1890}, Seq{1200}, Seq{3}, Seq{40}, Seq{1950}}) EXPECT_TRUE(g.holds(s)) << s;
  for (Seq s : {Seq{1891}, Seq{1899}, Seq{1849}, Seq{1201}, Seq{1199}, Seq{41}, Seq{2}}) EXPECT_FALSE(g.holds(s)) << s;
  // Without held_from the runs start under the bitmap; a run that is not
  // below what came before ends the list (local misuse: not sent).
  f.held_from = 0;
  f.older = {{1980, 1990}, {1000, 1100}, {1050, 1060}};
  g = std::get<FragmentMap>(round_trip(f));
  ASSERT_EQ(g.older.size(), 2u);
  EXPECT_EQ(g.older[1], (std::pair<Seq, Seq>{1000, 1100}));
  EXPECT_TRUE(g.holds(1985));
  EXPECT_TRUE(g.holds(1000));
  EXPECT_FALSE(g.holds(1991));
  f.older = {{1990, 1995}};  // overlaps the bitmap
  EXPECT_TRUE(std::get<FragmentMap>(round_trip(f)).older.empty());
  // At most kMaxMapRuns.
  f.older.clear();
  for (Seq top = 1900; f.older.size() < kMaxMapRuns + 5; top -= 10) f.older.emplace_back(top - 4, top);
  EXPECT_EQ(std::get<FragmentMap>(round_trip(f)).older.size(), kMaxMapRuns);
}

TEST(GroupMessages, MalformedInputIsRefused) {
  // The fragment maps below differ from this valid one (newest 5, join
  // point 1, 8 depths, load, no bitmap, no older runs) by one defect each.
  EXPECT_TRUE(decode_message(Bytes{0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0}));
  const std::vector<Bytes> bad = {
      {},                                     // empty
      {0x99},                                 // unknown type
      {0x01, 0x01},                           // hello truncated
      {0x02, 17},                             // too many members
      {0x03, 0x05, 0x06, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x00},  // join point after newest
      {0x03, 0x05, 0x01, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00},  // held range after newest
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x07},  // bit count not a multiple of 8
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x08},  // more than 512 bits
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00},  // no older-run count
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 33},  // too many older runs
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 0x00, 0x06},  // run below 1
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 0x05, 0x01},  // gap below 1
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 0x00, 0x00},  // empty run
      {0x03, 0x05, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 2, 0x00, 0x01},  // run count past the end
      {0x04},                                 // subscribe without mask
      {0x04, 0x01, 0x02},                     // trailing byte
      {0x06, 0x00},                           // empty request
      {0x06, 33},                             // request too long
      {0x06, 0x01, 0x00},                     // request for fragment 0
      {0x07, 0x00, 0x00, 0x01},               // fragment 0
      {0x07, 0x05, 0x00},                     // fragment without content
      {0x07, 0x05, 0x05, 0x01},               // previous push not below the fragment
      {0x07, 0x0d, 0x06, 0x01},               // previous push of another class
      {0x08, 0x09},                           // unknown goodbye reason
  };
  for (const auto& b : bad) EXPECT_FALSE(decode_message(b)) << to_hex(b);
  Bytes big = {0x07, 0x01, 0x00};
  big.resize(3 + kMaxFragmentContent + 1, 0);
  EXPECT_FALSE(decode_message(big)) << "oversized fragment";
}

}  // namespace
}  // namespace rtmfp::group
