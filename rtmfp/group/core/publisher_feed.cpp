#include "rtmfp/group/core/publisher_feed.hpp"

#include <algorithm>

namespace rtmfp::group {

PublisherFeed::PublisherFeed(const GroupId& group, const Authenticator& auth, const GroupConfig& config)
    : group_(group), auth_(auth), config_(config), next_seq_(std::max<Seq>(1, config.first_seq)) {
  config_.manifest_max_fragments = std::clamp<std::size_t>(config_.manifest_max_fragments, 1, kMaxManifestSpan);
  config_.fragment_payload = std::clamp<std::size_t>(config_.fragment_payload, 64, kMaxFragmentContent - 32);
}

void PublisherFeed::queue(const MediaFrame& f, std::uint8_t flags) {
  queued_.push_back(Queued{f, flags});
}

Result<void> PublisherFeed::publish(TimePoint now, const MediaFrame& frame) {
  if (frame.payload.size() > kMaxFrameSize) return fail(Errc::invalid_argument, "frame larger than 16 MiB");
  if (!first_queued_at_) first_queued_at_ = now;
  ++frames_;
  std::uint8_t flags = 0;
  if (frame.config) {
    configs_[static_cast<std::uint8_t>(frame.type)] = frame;
    queue(frame, kConfig);
    return {};
  }
  if (frame.type == MediaType::video) seen_video_ = true;
  bool join = false;
  if (frame.type == MediaType::video && frame.keyframe) {
    join = true;
    flags |= kKeyframe;
  } else if (!seen_video_ && frame.type == MediaType::audio &&
             (!last_audio_join_ || now - *last_audio_join_ >= config_.audio_join_interval)) {
    join = true;
    last_audio_join_ = now;
  }
  if (join) {
    // Metadata first, then audio and video sequence headers (the order a
    // player expects them in, as at the start of an FLV stream).
    bool first = true;
    for (std::uint8_t t : {std::uint8_t(18), std::uint8_t(8), std::uint8_t(9)}) {
      auto it = configs_.find(t);
      if (it == configs_.end()) continue;
      queue(it->second, static_cast<std::uint8_t>(kRepeat | kConfig | (first ? kJoinPoint : 0)));
      first = false;
    }
    if (first) flags |= kJoinPoint;
  }
  queue(frame, flags);
  return {};
}

std::optional<TimePoint> PublisherFeed::next_deadline() const {
  if (!first_queued_at_) return std::nullopt;
  return *first_queued_at_ + config_.manifest_batch;
}

std::vector<OutFragment> PublisherFeed::take(TimePoint now, bool flush_all) {
  std::vector<OutFragment> out;
  if (queued_.empty()) {
    first_queued_at_.reset();
    return out;
  }
  if (!flush_all && now < *first_queued_at_ + config_.manifest_batch) return out;

  // Cut every queued frame into data contents (their manifest distance is
  // filled once the batch's layout is known).
  struct Piece {
    DataContent d;
    bool join_point = false;
  };
  std::vector<Piece> pieces;
  for (const auto& q : queued_) {
    const Bytes& p = q.frame.payload;
    std::size_t off = 0;
    do {
      const std::size_t n = std::min(config_.fragment_payload, p.size() - off);
      Piece piece;
      piece.d.flags = static_cast<std::uint8_t>(q.flags & (kRepeat | kKeyframe | kConfig));
      if (off == 0) {
        piece.d.flags |= kFirst | (q.flags & kJoinPoint);
        piece.d.type = q.frame.type;
        piece.d.timestamp = q.frame.timestamp;
        piece.d.frame_size = static_cast<std::uint32_t>(p.size());
        piece.join_point = (q.flags & kJoinPoint) != 0;
      }
      piece.d.chunk = ByteView(p.data() + off, n);
      off += n;
      if (off == p.size()) piece.d.flags |= kLast;
      pieces.push_back(piece);
    } while (off < p.size());
  }
  // Lay out: manifest, up to manifest_max_fragments data, manifest, ...
  for (std::size_t i = 0; i < pieces.size();) {
    const std::size_t n = std::min(config_.manifest_max_fragments, pieces.size() - i);
    const Seq m = next_seq_;
    std::vector<OutFragment> data;
    std::vector<FragmentHash> hashes;
    for (std::size_t k = 0; k < n; ++k) {
      Piece& pc = pieces[i + k];
      pc.d.back = static_cast<std::uint8_t>(k + 1);
      OutFragment f{m + 1 + k, encode_data(pc.d), pc.join_point};
      hashes.push_back(auth_.hash(f.seq, f.content));
      data.push_back(std::move(f));
    }
    out.push_back(OutFragment{m, encode_manifest(group_, m, hashes, auth_), false});
    ++manifests_;
    for (auto& f : data) out.push_back(std::move(f));
    next_seq_ = m + 1 + n;
    i += n;
  }
  queued_.clear();
  first_queued_at_.reset();
  return out;
}

}  // namespace rtmfp::group
