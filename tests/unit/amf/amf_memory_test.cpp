// Review P2/P3: decode memory is charged at its real size, so 1 MB of any
// input costs a bounded, small multiple of its size at peak. Measured with a
// counting global operator new in this test binary (current and peak bytes
// live). Each construction prints its peak decode memory per input byte.
#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "media/amf/amf0.hpp"
#include "media/amf/amf3.hpp"

namespace {
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};
std::atomic<bool> g_counting{false};

void note_alloc(void* p) {
  if (!p || !g_counting.load(std::memory_order_relaxed)) return;
  std::size_t now = g_live.fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
  std::size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

// Only this binary's plain new/delete are replaced; every allocation and
// free is counted by its usable size, so frees of blocks allocated before
// counting started are clamped at zero below.
void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  note_alloc(p);
  return p;
}
void operator delete(void* p) noexcept {
  if (p && g_counting.load(std::memory_order_relaxed)) {
    std::size_t sz = malloc_usable_size(p);
    std::size_t cur = g_live.load();
    while (!g_live.compare_exchange_weak(cur, cur >= sz ? cur - sz : 0)) {
    }
  }
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace rtmfp::media::amf {
namespace {

template <class F>
std::size_t peak_of(F&& f) {
  g_live = 0;
  g_peak = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_peak.load();
}

void put_u29(Bytes& w, std::uint32_t v) {
  if (v < 0x80) {
    w.push_back(static_cast<std::uint8_t>(v));
  } else if (v < 0x4000) {
    w.insert(w.end(), {static_cast<std::uint8_t>(0x80 | (v >> 7)), static_cast<std::uint8_t>(v & 0x7f)});
  } else if (v < 0x200000) {
    w.insert(w.end(), {static_cast<std::uint8_t>(0x80 | (v >> 14)), static_cast<std::uint8_t>(0x80 | ((v >> 7) & 0x7f)),
                       static_cast<std::uint8_t>(v & 0x7f)});
  } else {
    w.insert(w.end(), {static_cast<std::uint8_t>(0x80 | (v >> 22)), static_cast<std::uint8_t>(0x80 | ((v >> 15) & 0x7f)),
                       static_cast<std::uint8_t>(0x80 | ((v >> 8) & 0x7f)), static_cast<std::uint8_t>(v & 0xff)});
  }
}

constexpr std::size_t kInput = 1u << 20;
// For 1 MB of input the budget is 64 KiB + 12 bytes per input byte; a
// growing property vector may hold up to twice what it charged.
constexpr std::size_t kMaxPeak = 26u << 20;

void report(const char* what, std::size_t input, std::size_t peak) {
  std::printf("[amf-memory] %-34s input %8zu B  peak %10zu B  %.1f B per input byte\n", what, input, peak,
              static_cast<double>(peak) / static_cast<double>(input));
}

// The review's P2 construction: one inline trait with N sealed names (the
// first "a", the others string references), then objects referencing that
// trait nested as the first member, 70 deep.
TEST(AmfMemory, Amf3TraitsReferenceAmplificationIsBounded) {
  const std::uint32_t n = static_cast<std::uint32_t>(kInput - 150);
  Bytes w{0x0A};
  put_u29(w, (n << 4) | 3);
  w.insert(w.end(), {0x01, 0x03, 0x61});
  w.insert(w.end(), n - 1, 0x00);
  for (int i = 0; i < 70; ++i) w.insert(w.end(), {0x0A, 0x01});
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf3::decode(w); });
  report("AMF3 traits-reference nesting", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_LT(peak, kMaxPeak);
}

// The same through the AMF0 avmplus switch, as in an RTMP command before connect.
TEST(AmfMemory, Amf3TraitsAmplificationBehindTheAvmplusSwitchIsBounded) {
  const std::uint32_t n = static_cast<std::uint32_t>(kInput - 150);
  Bytes w{0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0x11, 0x0A};
  put_u29(w, (n << 4) | 3);
  w.insert(w.end(), {0x01, 0x03, 0x61});
  w.insert(w.end(), n - 1, 0x00);
  for (int i = 0; i < 70; ++i) w.insert(w.end(), {0x0A, 0x01});
  Result<std::vector<Value>> r;
  std::size_t peak = peak_of([&] { r = amf0::decode_all(w); });
  report("AMF0 0x11 -> AMF3 traits nesting", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_LT(peak, kMaxPeak);
}

TEST(AmfMemory, Amf0StrictArrayOfNullsIsBounded) {
  Bytes w{0x0A};
  const std::uint32_t n = static_cast<std::uint32_t>(kInput - 5);
  w.insert(w.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  w.insert(w.end(), n, 0x05);
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf0::decode(w); });
  report("AMF0 strict array of nulls", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_LT(peak, kMaxPeak);
}

TEST(AmfMemory, Amf3DenseArrayOfNullsIsBounded) {
  Bytes w{0x09};
  const std::uint32_t n = static_cast<std::uint32_t>(kInput - 6);
  put_u29(w, (n << 1) | 1);
  w.push_back(0x01);
  w.insert(w.end(), n, 0x01);
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf3::decode(w); });
  report("AMF3 dense array of nulls", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_LT(peak, kMaxPeak);
}

// Deep nesting: arrays of count 2^16 nested 64 deep (every level reserves).
TEST(AmfMemory, DeepNestingWithLargeDeclaredCountsIsBounded) {
  Bytes w;
  while (w.size() + 5 < kInput - 1) w.insert(w.end(), {0x0A, 0x00, 0x0F, 0xFF, 0xFF});
  w.push_back(0x05);
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf0::decode(w); });
  report("AMF0 deep nesting (count 1M each)", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_LT(peak, kMaxPeak);
  Bytes w3;
  while (w3.size() + 4 < kInput - 1) {
    w3.push_back(0x09);
    put_u29(w3, (0xFFFF << 1) | 1);
    w3.push_back(0x01);
  }
  w3.push_back(0x01);
  Result<Value> r3;
  std::size_t peak3 = peak_of([&] { r3 = amf3::decode(w3); });
  report("AMF3 deep nesting (count 64K each)", w3.size(), peak3);
  ASSERT_FALSE(r3);
  EXPECT_LT(peak3, kMaxPeak);
}


// The constructions the per-slot pre-charge cannot stop early: property
// lists, whose count is not on the wire (each member costs a 120-byte slot
// for 4 input bytes), and AMF3 objects that are also copied into the
// reference table.
TEST(AmfMemory, PropertyListsAreBounded) {
  Bytes w{0x03};
  while (w.size() + 4 < kInput - 3) w.insert(w.end(), {0x00, 0x01, 'a', 0x05});
  w.insert(w.end(), {0x00, 0x00, 0x09});
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf0::decode(w); });
  report("AMF0 object of null properties", w.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_LT(peak, kMaxPeak);

  Bytes w3{0x09, 0x01, 0x03, 'a', 0x09, 0x01, 0x01};
  while (w3.size() + 4 < kInput - 2) w3.insert(w3.end(), {0x00, 0x09, 0x01, 0x01});
  w3.insert(w3.end(), {0x01});
  Result<Value> r3;
  std::size_t peak3 = peak_of([&] { r3 = amf3::decode(w3); });
  report("AMF3 assoc pairs of empty arrays", w3.size(), peak3);
  ASSERT_FALSE(r3);
  EXPECT_LT(peak3, kMaxPeak);
}

// Long strings: memory is the string itself (plus the AMF3 table's copy).
TEST(AmfMemory, LongStringsCostTheirSize) {
  Bytes w{0x0C};
  const std::uint32_t n = static_cast<std::uint32_t>(kInput - 5);
  w.insert(w.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  w.insert(w.end(), n, 'x');
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf0::decode(w); });
  report("AMF0 long string", w.size(), peak);
  ASSERT_TRUE(r);
  EXPECT_LT(peak, 3 * kInput);
  // AMF3: many 100-byte strings, then references to them.
  Bytes w3{0x09};
  const std::uint32_t k = 5000, refs = 400000;
  put_u29(w3, ((k + refs) << 1) | 1);
  w3.push_back(0x01);
  for (std::uint32_t i = 0; i < k; ++i) {
    w3.push_back(0x06);
    put_u29(w3, (100 << 1) | 1);
    for (int j = 0; j < 100; ++j) w3.push_back(static_cast<std::uint8_t>('a' + (i + j) % 26));
    w3[w3.size() - 1] = static_cast<std::uint8_t>(i);
    w3[w3.size() - 2] = static_cast<std::uint8_t>(i >> 8);
  }
  for (std::uint32_t i = 0; i < refs; ++i) {
    w3.push_back(0x06);
    put_u29(w3, (i % k) << 1);
  }
  Result<Value> r3;
  std::size_t peak3 = peak_of([&] { r3 = amf3::decode(w3); });
  report("AMF3 string references", w3.size(), peak3);
  EXPECT_LT(peak3, kMaxPeak);
}

// AMF0 references re-decode the referenced bytes: a reference bomb fails at
// the budget and the object table holds no copies.
TEST(AmfMemory, Amf0ReferenceCopiesAreCharged) {
  Bytes z{0x0A, 0, 0, 0, 41};
  z.insert(z.end(), {0x0A, 0, 0, 0, 2, 0x05, 0x05});
  for (std::uint8_t i = 0; i < 40; ++i) z.insert(z.end(), {0x0A, 0, 0, 0, 2, 0x07, 0, static_cast<std::uint8_t>(i + 1), 0x07, 0, static_cast<std::uint8_t>(i + 1)});
  Result<Value> r;
  std::size_t peak = peak_of([&] { r = amf0::decode(z); });
  report("AMF0 reference bomb", z.size(), peak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_LT(peak, 2u << 20) << "a small input gets a small budget";
}

// Legitimate large metadata (an onMetaData keyframe index: arrays of
// numbers) still decodes within the proportional budget.
TEST(AmfMemory, KeyframeIndexMetadataStillDecodes) {
  std::vector<Value> times, pos;
  for (int i = 0; i < 20000; ++i) {
    times.emplace_back(i * 2.0);
    pos.emplace_back(i * 100000.0);
  }
  Value meta = Value::ecma_array({{"duration", 40000.0},
                                  {"keyframes", Value::object({{"times", Value::array(times)},
                                                               {"filepositions", Value::array(pos)}})}});
  auto w = amf0::encode_all({Value("onMetaData"), meta});
  ASSERT_TRUE(w);
  auto r = amf0::decode_all(*w);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ((*r)[1], meta);
}

}  // namespace
}  // namespace rtmfp::media::amf

namespace rtmfp::media::amf {
namespace {
// amf3_spec_2013 §3.15/§3.16 byte layouts (checked against the spec text):
// vector-int-type = 0x0D U29V-value fixed-vector *(U32);
// vector-object-type = 0x10 U29V-value fixed-vector object-type-name *(value-type);
// dictionary-type = 0x11 U29Dict-value weak-keys *(entry-key entry-value).
TEST(Amf3Spec2013, VectorAndDictionaryLayouts) {
  auto vi = amf3::decode(Bytes{0x0D, 0x05, 0x01, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE});
  ASSERT_TRUE(vi);
  const Vector* v = vi->as_vector();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, VectorKind::int32);
  EXPECT_TRUE(v->fixed);
  ASSERT_EQ(v->items.size(), 2u);
  EXPECT_EQ(v->items[1].as_number(), -2.0);
  auto vu = amf3::decode(Bytes{0x0E, 0x03, 0x00, 0xFF, 0xFF, 0xFF, 0xFE});
  ASSERT_TRUE(vu);
  EXPECT_EQ(vu->as_vector()->items[0].as_number(), 4294967294.0);
  auto vo = amf3::decode(Bytes{0x10, 0x05, 0x00, 0x03, '*', 0x04, 0x07, 0x01});
  ASSERT_TRUE(vo);
  EXPECT_EQ(vo->as_vector()->type_name, "*");
  EXPECT_EQ(vo->as_vector()->items.size(), 2u);
  auto d = amf3::decode(Bytes{0x11, 0x03, 0x01, 0x06, 0x03, 'a', 0x04, 0x01});
  ASSERT_TRUE(d);
  const Dictionary* dict = d->as_dictionary();
  ASSERT_TRUE(dict);
  EXPECT_TRUE(dict->weak_keys);
  ASSERT_EQ(dict->entries.size(), 1u);
  EXPECT_EQ(dict->entries[0].key.as_string(), "a");
  // Round trip through the encoder gives the same bytes.
  for (const auto& val : {*vi, *vu, *vo, *d}) {
    auto enc = amf3::encode(val);
    ASSERT_TRUE(enc);
    auto again = amf3::decode(*enc);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, val);
  }
  // A second Vector by reference (implicit object table, §3.15).
  auto two = amf3::decode_all(Bytes{0x09, 0x05, 0x01, 0x0D, 0x03, 0x00, 0, 0, 0, 9, 0x0D, 0x02});
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)[0][1], (*two)[0][0]);
}
}  // namespace
}  // namespace rtmfp::media::amf
