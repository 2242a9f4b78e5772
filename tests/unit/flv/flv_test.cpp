// FLV reader/writer/helpers: round trip, byte-exact vector, streaming one
// byte at a time, truncation, tolerance of previous-tag-size mismatches,
// strictness about malformed headers and tags.
#include <fstream>

#include <gtest/gtest.h>

#include "media/amf/amf0.hpp"
#include "media/flv/flv_media.hpp"
#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "tests/unit/amf/amf_test_util.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace rtmfp::media::flv;
using amf_test::hex;

namespace {

std::vector<Tag> sample_tags() {
  auto meta = make_script("onMetaData", amf::Value::ecma_array({{"duration", 0}, {"width", 640}, {"height", 360},
                                                               {"videocodecid", 7}, {"audiocodecid", 10}}));
  EXPECT_TRUE(meta);
  std::vector<Tag> tags;
  tags.push_back(Tag{TagType::script, 0, 0, false, *meta, 0});
  tags.push_back(Tag{TagType::video, 0, 0, false, hex("17 00 000000 01640028ffe1"), 0});  // AVC seq header
  tags.push_back(Tag{TagType::audio, 0, 0, false, hex("af 00 1210"), 0});                 // AAC seq header
  tags.push_back(Tag{TagType::video, 40, 0, false, hex("17 01 000050 00000005 65888000"), 0});
  tags.push_back(Tag{TagType::audio, 46, 0, false, hex("af 01 21001234"), 0});
  tags.push_back(Tag{TagType::video, 0x12345678, 0, false, hex("27 01 ffffd8 aa"), 0});  // extended timestamp, CTS -40
  return tags;
}

Bytes sample_file() {
  auto f = write_file(Header{}, sample_tags());
  EXPECT_TRUE(f);
  return *f;
}

std::vector<Tag> read_streamed(ByteView data, std::size_t step, Reader& rd) {
  std::vector<Tag> out;
  for (std::size_t i = 0; i < data.size(); i += step) {
    rd.feed(data.subspan(i, std::min(step, data.size() - i)));
    for (;;) {
      auto t = rd.next();
      EXPECT_TRUE(t) << t.error().message();
      if (!t || !*t) break;
      out.push_back(std::move(**t));
    }
  }
  return out;
}

}  // namespace

TEST(Flv, RoundTrip) {
  Bytes file = sample_file();
  auto f = read_file(file);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->header, Header{});
  EXPECT_EQ(f->tags, sample_tags());
  EXPECT_EQ(f->stats.prev_size_mismatches, 0u);
  EXPECT_FALSE(f->stats.missing_final_prev_size);
  EXPECT_EQ(f->tags[5].timestamp, 0x12345678u);
  EXPECT_EQ(f->tags[0].offset, 13u);
  // writing what we read reproduces the bytes
  auto again = write_file(f->header, f->tags);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, file);
}

TEST(Flv, ByteExactVector) {
  // rfc-vectors/flv/minimal.hex: header (audio+video), one AAC sequence header tag
  Bytes want = amf_test::load_vector("flv/minimal.hex");
  Bytes out;
  write_header(Header{}, out);
  ASSERT_TRUE(write_tag(Tag{TagType::audio, 0x01000002, 0, false, hex("af 00 1210"), 0}, out));
  EXPECT_EQ(to_hex(out), to_hex(want));
  auto f = read_file(want);
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_EQ(f->tags.size(), 1u);
  EXPECT_EQ(f->tags[0].timestamp, 0x01000002u);
}

TEST(Flv, StreamedOneByteAtATimeParsesIdentically) {
  Bytes file = sample_file();
  for (std::size_t step : {1u, 2u, 7u, 13u, 4096u}) {
    Reader rd;
    auto tags = read_streamed(file, step, rd);
    EXPECT_TRUE(rd.finish());
    EXPECT_EQ(tags, sample_tags()) << "step " << step;
    EXPECT_EQ(rd.offset(), file.size());
  }
}

TEST(Flv, TruncatedFileGivesClearError) {
  Bytes file = sample_file();
  Bytes cut(file.begin(), file.end() - 9);  // inside the last tag's data
  Reader rd;
  auto tags = read_streamed(cut, 1, rd);
  EXPECT_EQ(tags.size(), sample_tags().size() - 1);
  auto end = rd.finish();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, Errc::truncated);
  // the last tag starts 11 + 6 + 4 bytes before the end
  std::size_t last_offset = file.size() - 4 - 6 - 11;
  EXPECT_NE(end.error().detail.find("truncated tag at offset " + std::to_string(last_offset)), std::string::npos)
      << end.error().detail;

  // every truncation point gives either success (at a tag boundary) or a clear error
  for (std::size_t n = 0; n < file.size(); ++n) {
    auto f = read_file(ByteView(file.data(), n));
    if (!f) {
      EXPECT_EQ(f.error().code, Errc::truncated) << n << ": " << f.error().message();
    }
  }
  EXPECT_FALSE(read_file(ByteView(file.data(), 5)));
}

TEST(Flv, MissingFinalPreviousTagSizeTolerated) {
  Bytes file = sample_file();
  file.resize(file.size() - 4);
  auto f = read_file(file);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(f->stats.missing_final_prev_size);
  EXPECT_EQ(f->tags.size(), sample_tags().size());
}

TEST(Flv, PreviousTagSizeMismatchCountedWhenNextTagSane) {
  Bytes file = sample_file();
  std::size_t first_prev = 9 + 4 + 11 + sample_tags()[0].data.size();
  file[first_prev + 3] ^= 0x55;
  auto f = read_file(file);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->stats.prev_size_mismatches, 1u);
  EXPECT_EQ(f->tags, sample_tags());

  // mismatch followed by garbage is an error
  Bytes bad = sample_file();
  bad[first_prev + 3] ^= 0x55;
  bad[first_prev + 4] = 0x07;  // next tag type 7
  auto g = read_file(bad);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().detail.find("previous tag size mismatch"), std::string::npos) << g.error().detail;
}

TEST(Flv, StrictAboutMalformed) {
  Bytes file = sample_file();
  Bytes sig = file;
  sig[0] = 'X';
  auto a = read_file(sig);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().detail.find("bad FLV signature"), std::string::npos);
  Reader early;  // fails as soon as the signature byte arrives
  early.feed(hex("46 4c 58"));
  EXPECT_FALSE(early.next());
  EXPECT_FALSE(early.next());  // sticky

  Bytes ver = file;
  ver[3] = 2;
  EXPECT_FALSE(read_file(ver));
  Bytes off = file;
  off[8] = 5;  // DataOffset 5
  EXPECT_FALSE(read_file(off));

  Bytes reserved = file;
  reserved[13] |= 0x40;
  auto r = read_file(reserved);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("reserved tag-type bits"), std::string::npos);

  Bytes unknown = file;
  unknown[13] = 0x0f;
  auto u = read_file(unknown);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().detail.find("unknown tag type 15 at offset 13"), std::string::npos) << u.error().detail;

  Bytes filtered = file;
  filtered[13] |= 0x20;
  auto fl = read_file(filtered);
  ASSERT_TRUE(fl);
  EXPECT_TRUE(fl->tags[0].filtered);
  EXPECT_EQ(fl->stats.filtered_tags, 1u);
}

TEST(Flv, DataOffsetPaddingSkipped) {
  Bytes file = sample_file();
  Bytes padded(file.begin(), file.begin() + 9);
  padded[8] = 12;
  padded.insert(padded.end(), {0, 0, 0});
  padded.insert(padded.end(), file.begin() + 9, file.end());
  auto f = read_file(padded);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->header.data_offset, 12u);
  EXPECT_EQ(f->tags, sample_tags());
}

TEST(Flv, TagInfoHelpers) {
  auto tags = sample_tags();
  auto meta = parse_script(tags[0].data);
  ASSERT_TRUE(meta) << meta.error().message();
  EXPECT_EQ(meta->name, "onMetaData");
  EXPECT_EQ(meta->value()["width"].as_number(), 640.0);

  auto v = parse_video(tags[1].data);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->codec_id, static_cast<std::uint8_t>(VideoCodec::avc));
  EXPECT_TRUE(v->sequence_header);
  EXPECT_EQ(v->payload_offset, 5u);

  auto n = parse_video(tags[3].data);
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->sequence_header);
  EXPECT_EQ(n->packet_type, 1);
  EXPECT_EQ(n->composition_time, 0x50);

  auto inter = parse_video(tags[5].data);
  ASSERT_TRUE(inter);
  EXPECT_FALSE(inter->keyframe);
  EXPECT_EQ(inter->composition_time, -40);

  auto ex = parse_video(hex("90 68766331"));  // enhanced keyframe, sequence start, 'hvc1'
  ASSERT_TRUE(ex);
  EXPECT_TRUE(ex->enhanced);
  EXPECT_TRUE(ex->keyframe);
  EXPECT_TRUE(ex->sequence_header);
  EXPECT_EQ(ex->fourcc, 0x68766331u);

  auto a = parse_audio(tags[2].data);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sound_format, static_cast<std::uint8_t>(SoundFormat::aac));
  EXPECT_EQ(a->sound_rate, 3);
  EXPECT_EQ(a->sound_size, 1);
  EXPECT_EQ(a->sound_type, 1);
  EXPECT_TRUE(a->sequence_header);
  auto raw = parse_audio(tags[4].data);
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->sequence_header);

  EXPECT_FALSE(parse_video({}));
  EXPECT_FALSE(parse_video(hex("17 00")));
  EXPECT_FALSE(parse_audio({}));
  EXPECT_FALSE(parse_audio(hex("af")));
  EXPECT_FALSE(parse_script(hex("00 3ff0000000000000")));  // no name string
  EXPECT_FALSE(parse_script(hex("02 00 0a 6f6e")));        // truncated
}

TEST(Flv, WriterRejectsOversizedTag) {
  Tag t;
  t.type = TagType::video;
  t.data.resize(kMaxDataSize + 1);
  Bytes out;
  EXPECT_FALSE(write_tag(t, out));
  EXPECT_TRUE(out.empty());
}
