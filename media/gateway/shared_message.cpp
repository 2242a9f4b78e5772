// See shared_message.hpp.
#include "media/gateway/shared_message.hpp"

#include <algorithm>

#include "media/gateway/rtmfp_mapping.hpp"

namespace rtmfp::media::gateway {

namespace {
constexpr std::size_t kHeader = 5;  // §5.1.2: type (1) + timestamp (4)
}

ByteView SharedMessage::payload() const {
  if (!encoded || encoded->size() < kHeader) return {};
  return ByteView(*encoded).subspan(kHeader);
}

SharedMessage SharedMessageEncoder::encode(const rtmp::Message& m) {
  if (last_.encoded && last_.type == m.type && last_.timestamp == m.timestamp) {
    const ByteView p = last_.payload();
    if (p.size() == m.payload.size() && std::equal(p.begin(), p.end(), m.payload.begin())) {
      ++reused_;
      return last_;
    }
  }
  last_.type = m.type;
  last_.timestamp = m.timestamp;
  last_.encoded = std::make_shared<const Bytes>(encode_message(m.type, m.timestamp, m.payload));
  ++encoded_;
  return last_;
}

}  // namespace rtmfp::media::gateway
