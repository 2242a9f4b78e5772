#include "rtmfp/core/bytes.hpp"

namespace rtmfp {

std::string to_hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool from_hex(std::string_view hex, Bytes& out) {
  int pending = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    int v = hex_value(c);
    if (v < 0) return false;
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending << 4 | v));
      pending = -1;
    }
  }
  return pending < 0;
}

std::uint8_t ByteReader::u8() {
  auto v = take(1);
  return v.empty() ? 0 : v[0];
}

std::uint16_t ByteReader::u16() {
  auto v = take(2);
  return v.empty() ? 0 : static_cast<std::uint16_t>(v[0] << 8 | v[1]);
}

std::uint32_t ByteReader::u32() {
  auto v = take(4);
  if (v.empty()) return 0;
  return std::uint32_t{v[0]} << 24 | std::uint32_t{v[1]} << 16 | std::uint32_t{v[2]} << 8 | v[3];
}

std::uint64_t ByteReader::u64() {
  std::uint64_t hi = u32();
  std::uint64_t lo = u32();
  return hi << 32 | lo;
}

ByteView ByteReader::take(std::size_t n) {
  if (!ok_ || n > data_.size() - pos_) {
    ok_ = false;
    return {};
  }
  auto v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

ByteView ByteReader::rest() {
  if (!ok_) return {};
  auto v = data_.subspan(pos_);
  pos_ = data_.size();
  return v;
}

void ByteWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
}

void ByteWriter::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v));
}

void ByteWriter::patch_u16(std::size_t pos, std::uint16_t v) {
  out_[pos] = static_cast<std::uint8_t>(v >> 8);
  out_[pos + 1] = static_cast<std::uint8_t>(v);
}

}  // namespace rtmfp
