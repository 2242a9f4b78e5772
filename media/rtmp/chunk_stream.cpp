// RTMP Chunk Stream parser and serializer. See chunk_stream.hpp.
#include "media/rtmp/chunk_stream.hpp"

#include <algorithm>
#include <string>

namespace rtmfp::media::rtmp {

namespace {
std::uint32_t rd24(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2]; }
std::uint32_t rd32be(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint32_t rd32le(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}
void wr24(Bytes& o, std::uint32_t v) {
  o.push_back(std::uint8_t(v >> 16));
  o.push_back(std::uint8_t(v >> 8));
  o.push_back(std::uint8_t(v));
}
void wr32be(Bytes& o, std::uint32_t v) {
  o.push_back(std::uint8_t(v >> 24));
  wr24(o, v & 0xffffff);
}
void wr32le(Bytes& o, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(std::uint8_t(v >> (8 * i)));
}
constexpr std::uint32_t kExtMarker = 0xffffff;
}  // namespace

std::uint32_t default_csid(std::uint8_t type) {
  switch (type) {
    case msg_type::set_chunk_size:
    case msg_type::abort:
    case msg_type::acknowledgement:
    case msg_type::user_control:
    case msg_type::window_ack_size:
    case msg_type::set_peer_bandwidth:
      return 2;  // R§5.4: protocol control messages use chunk stream ID 2
    case msg_type::audio: return 4;
    case msg_type::video: return 6;
    case msg_type::data_amf0:
    case msg_type::data_amf3: return 5;
    default: return 3;  // commands
  }
}

// ---------------------------------------------------------------- parser

Result<void> ChunkParser::feed(ByteView data, std::vector<Message>& out) {
  if (failed_) return std::unexpected(error_);
  bytes_received_ += data.size();
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
  for (;;) {
    auto r = parse_one(out);
    if (!r) {
      failed_ = true;
      error_ = r.error();
      buf_.clear();
      pos_ = 0;
      return std::unexpected(error_);
    }
    if (!*r) break;
  }
  return {};
}

Result<bool> ChunkParser::parse_one(std::vector<Message>& out) {
  const std::size_t avail = buf_.size() - pos_;
  const std::uint8_t* p = buf_.data() + pos_;
  if (avail < 1) return false;
  // Basic header (R§5.3.1.1; the 3-byte form's csid-64 is little-endian, E§4.1).
  const unsigned fmt = p[0] >> 6;
  std::uint32_t csid = p[0] & 0x3f;
  std::size_t n = 1;
  if (csid == 0) {
    if (avail < 2) return false;
    csid = 64 + p[1];
    n = 2;
  } else if (csid == 1) {
    if (avail < 3) return false;
    csid = 64 + p[1] + (std::uint32_t(p[2]) << 8);
    n = 3;
  }
  auto it = streams_.find(csid);
  if (it == streams_.end()) {
    if (fmt != 0)
      return fail(Errc::malformed, "chunk type " + std::to_string(fmt) + " on chunk stream " + std::to_string(csid) +
                                       " which has no previous type 0 header (R§5.3.1.2)");
    if (streams_.size() >= limits_.max_chunk_streams)
      return fail(Errc::limit_exceeded, "too many chunk streams (limit " + std::to_string(limits_.max_chunk_streams) + ")");
  }
  // Copy the header state only; the partial payload stays in place (no
  // per-chunk copy of a large message).
  StreamState cur;
  std::size_t have_partial = 0;
  if (it != streams_.end()) {
    Bytes keep = std::move(it->second.partial);
    cur = it->second;
    it->second.partial = std::move(keep);
    have_partial = it->second.partial.size();
  }
  if (cur.in_message && fmt != 3)
    return fail(Errc::malformed, "chunk type " + std::to_string(fmt) + " header on chunk stream " + std::to_string(csid) +
                                     " while a message is incomplete (only type 3 may continue a message)");

  // Message header (R§5.3.1.2; stream ID little-endian, E§4.2).
  static constexpr std::size_t kHdr[4] = {11, 7, 3, 0};
  const std::size_t hl = kHdr[fmt];
  if (avail < n + hl) return false;
  const std::uint8_t* h = p + n;
  std::uint32_t field = 0;  // timestamp (type 0) or delta (types 1, 2)
  if (fmt <= 2) field = rd24(h);
  if (fmt <= 1) {
    cur.length = rd24(h + 3);
    cur.type = h[6];
  }
  if (fmt == 0) cur.stream_id = rd32le(h + 7);
  n += hl;

  // Extended timestamp (R§5.3.1.3, E§5.1: part of the chunk header).
  if (fmt <= 2) {
    if (field == kExtMarker) {
      if (avail < n + 4) return false;
      field = rd32be(p + n);
      n += 4;
      cur.ext = true;
      cur.ext_value = field;
    } else {
      cur.ext = false;
    }
  } else if (cur.ext) {
    // E§5.1: the field MUST be repeated in every type 3 chunk while indicated,
    // but some peers omit it. Detect from the first occurrence: a repeated field
    // equals the last extended value.
    bool present = ext_mode_ == ExtTsMode::repeated;
    if (ext_mode_ == ExtTsMode::unknown) {
      if (avail < n + 4) return false;
      present = rd32be(p + n) == cur.ext_value;
      ext_mode_ = present ? ExtTsMode::repeated : ExtTsMode::omitted;
    }
    if (present) {
      if (avail < n + 4) return false;
      n += 4;
    }
  }

  // Start of a message: compute its timestamp (R§5.3.1.2.1-4).
  const bool starting = !cur.in_message;
  if (starting) {
    if (cur.length > limits_.max_message_size)
      return fail(Errc::limit_exceeded, "message length " + std::to_string(cur.length) + " on chunk stream " +
                                            std::to_string(csid) + " exceeds the limit of " +
                                            std::to_string(limits_.max_message_size));
    if (fmt == 0) {
      cur.timestamp = field;
      cur.delta = field;  // R§5.3.1.2.4: a type 3 after type 0 uses its timestamp as delta
    } else if (fmt == 1 || fmt == 2) {
      cur.delta = field;
      cur.timestamp += field;
    } else {
      cur.timestamp += cur.delta;
    }
  }
  const std::size_t have = starting ? 0 : have_partial;
  const std::size_t take = std::min<std::size_t>(chunk_size_, cur.length - have);
  if (avail < n + take) return false;
  if (partial_total_ + take > limits_.max_partial_bytes)
    return fail(Errc::limit_exceeded, "too many bytes buffered in incomplete messages");

  // Commit.
  cur.has_header = true;
  cur.in_message = true;
  StreamState& st = streams_[csid];
  Bytes partial = std::move(st.partial);
  if (starting) partial.clear();
  partial.insert(partial.end(), p + n, p + n + take);
  st = std::move(cur);
  st.partial = std::move(partial);
  partial_total_ += take;
  pos_ += n + take;
  if (st.partial.size() == st.length) {
    auto r = on_complete(st, csid, out);
    if (!r) return std::unexpected(r.error());
  }
  return true;
}

Result<void> ChunkParser::on_complete(StreamState& st, std::uint32_t csid, std::vector<Message>& out) {
  partial_total_ -= st.partial.size();
  st.in_message = false;
  Message m;
  m.timestamp = st.timestamp;
  m.type = st.type;
  m.stream_id = st.stream_id;
  m.csid = csid;
  m.payload = std::move(st.partial);
  st.partial = Bytes{};
  if (m.type == msg_type::set_chunk_size) {
    // R§5.4.1: 31-bit size, first bit MUST be zero; 1..0x7fffffff.
    if (m.payload.size() < 4) return fail(Errc::malformed, "Set Chunk Size message shorter than 4 bytes");
    const std::uint32_t v = rd32be(m.payload.data());
    if (v & 0x80000000u) return fail(Errc::malformed, "Set Chunk Size with the reserved top bit set");
    if (v == 0) return fail(Errc::malformed, "Set Chunk Size of 0");
    if (v > limits_.max_chunk_size)
      return fail(Errc::limit_exceeded, "Set Chunk Size " + std::to_string(v) + " exceeds the limit of " +
                                            std::to_string(limits_.max_chunk_size));
    chunk_size_ = v;
  } else if (m.type == msg_type::abort) {
    // E§6: discards the one partially received message on that chunk stream.
    if (m.payload.size() < 4) return fail(Errc::malformed, "Abort message shorter than 4 bytes");
    const std::uint32_t target = rd32be(m.payload.data());
    auto it = streams_.find(target);
    if (it != streams_.end() && it->second.in_message) {
      partial_total_ -= it->second.partial.size();
      it->second.partial = Bytes{};
      it->second.in_message = false;
    }
  }
  out.push_back(std::move(m));
  return {};
}

// ---------------------------------------------------------------- serializer

Result<void> ChunkSerializer::set_chunk_size(std::uint32_t size) {
  if (size == 0 || size > kMaxChunkSizeOnWire)
    return fail(Errc::invalid_argument, "chunk size must be 1..0x7fffffff (R§5.4.1)");
  chunk_size_ = size;
  return {};
}

Result<void> ChunkSerializer::write(const Message& m, Bytes& out) {
  const std::uint32_t csid = m.csid ? m.csid : default_csid(m.type);
  if (csid < 2 || csid > kMaxCsid) return fail(Errc::invalid_argument, "chunk stream ID must be 2..65599");
  if (m.payload.size() > 0xffffff) return fail(Errc::invalid_argument, "message longer than 16777215 bytes");
  const auto len = static_cast<std::uint32_t>(m.payload.size());
  StreamState& st = streams_[csid];
  const std::uint32_t delta = m.timestamp - st.timestamp;
  unsigned fmt;
  if (!st.has_header || st.stream_id != m.stream_id || static_cast<std::int32_t>(delta) < 0)
    fmt = 0;
  else if (st.length != len || st.type != m.type)
    fmt = 1;
  else if (st.delta != delta || st.after_type0)
    // Review I2: after a Type 0, R§5.3.1.2.4 makes the Type 3 delta the
    // Type 0's timestamp, but nginx-rtmp uses 0 (it zeroes dtime on Type 0),
    // so messages at T, 2T, 3T... would all become T there. Type 2 carries
    // the delta explicitly (3 bytes, once).
    fmt = 2;
  else
    fmt = 3;
  const std::size_t start = out.size();

  auto basic = [&](unsigned f) {
    if (csid < 64) {
      out.push_back(std::uint8_t((f << 6) | csid));
    } else if (csid < 320) {
      out.push_back(std::uint8_t(f << 6));
      out.push_back(std::uint8_t(csid - 64));
    } else {  // E§4.1: csid-64 little-endian
      out.push_back(std::uint8_t((f << 6) | 1));
      out.push_back(std::uint8_t((csid - 64) & 0xff));
      out.push_back(std::uint8_t((csid - 64) >> 8));
    }
  };

  basic(fmt);
  if (fmt <= 2) {
    const std::uint32_t field = fmt == 0 ? m.timestamp : delta;
    st.ext = field >= kExtMarker;
    st.ext_value = field;
    wr24(out, st.ext ? kExtMarker : field);
    if (fmt <= 1) {
      wr24(out, len);
      out.push_back(m.type);
    }
    if (fmt == 0) wr32le(out, m.stream_id);
    if (st.ext) wr32be(out, field);
    st.delta = field;
  } else if (st.ext) {
    wr32be(out, st.ext_value);  // E§5.1
  }
  st.has_header = true;
  st.after_type0 = fmt == 0;
  st.timestamp = m.timestamp;
  st.length = len;
  st.type = m.type;
  st.stream_id = m.stream_id;

  std::size_t off = 0;
  for (;;) {
    const std::size_t take = std::min<std::size_t>(chunk_size_, m.payload.size() - off);
    out.insert(out.end(), m.payload.begin() + static_cast<std::ptrdiff_t>(off),
               m.payload.begin() + static_cast<std::ptrdiff_t>(off + take));
    off += take;
    if (off >= m.payload.size()) break;
    basic(3);
    if (st.ext) wr32be(out, st.ext_value);  // E§5.1: in every type 3 chunk
  }
  bytes_written_ += out.size() - start;
  return {};
}

}  // namespace rtmfp::media::rtmp
