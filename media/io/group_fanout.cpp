// See group_fanout.hpp.
#include "media/io/group_fanout.hpp"

#include "media/io/group_frames.hpp"

namespace rtmfp::media::io {

class GroupFanout::Player : public rtmp::StreamSink {
 public:
  explicit Player(Play play) : play_(std::move(play)) {}
  void deliver(const Message& m) override {
    if (!group::is_media_type(m.type)) return;
    group::PlayedFrame f;
    f.frame = group_frame_of(m);
    f.run_start = std::exchange(run_start_, false);
    play_(std::move(f));
  }
  void publisher_started() override { run_start_ = true; }
  void publisher_stopped() override {}

 private:
  Play play_;
  bool run_start_ = false;
};

GroupFanout::GroupFanout(rtmp::RegistryLimits limits) : registry_(limits) {}

GroupFanout::~GroupFanout() {
  for (auto& [id, p] : players_) registry_.remove_player(kKey, p.get());
}

void GroupFanout::source_started() {
  // (One key, one publisher: publish() cannot fail here but for the stream
  // limit, which one key never reaches.)
  if (started_) registry_.unpublish(kKey, this);
  (void)registry_.publish(kKey, this);
  started_ = true;
}

void GroupFanout::source_stopped() {
  for (auto* c : {&metadata_, &video_config_, &audio_config_}) c->reset();
  if (!started_) return;
  registry_.unpublish(kKey, this);
  started_ = false;
}

bool GroupFanout::has_source() const { return started_; }

void GroupFanout::on_frame(const group::MediaFrame& f, bool run_start) {
  if (run_start || !started_) source_started();
  if (run_start) {
    // A group's new run does not play an unchanged configuration again
    // (group playout suppresses repeats): the last one goes first, so late
    // players of the run get it too (a changed one follows and replaces it).
    // (At the run's time: timestamps do not go back.)
    for (auto* c : {&metadata_, &video_config_, &audio_config_})
      if (*c) {
        group::MediaFrame again = **c;
        again.timestamp = f.timestamp;
        registry_.on_media(kKey, message_of(std::move(again)));
      }
  }
  if (f.config) {
    (f.type == group::MediaType::video   ? video_config_
     : f.type == group::MediaType::audio ? audio_config_
                                         : metadata_) = f;
  }
  registry_.on_media(kKey, message_of(f));
}

Result<void> GroupFanout::add_player(const void* id, Play play) {
  if (players_.contains(id)) return fail(Errc::invalid_argument, "player already added");
  auto p = std::make_unique<Player>(std::move(play));
  if (auto r = registry_.add_player(kKey, p.get()); !r) return r;
  players_.emplace(id, std::move(p));
  return {};
}

void GroupFanout::remove_player(const void* id) {
  auto it = players_.find(id);
  if (it == players_.end()) return;
  registry_.remove_player(kKey, it->second.get());
  players_.erase(it);
}

}  // namespace rtmfp::media::io
