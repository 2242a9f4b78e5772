// Relay Messages and group MediaFrames, both ways: what a publisher's relay
// writes becomes a frame marked for the group's join points (keyframes;
// configurations - AVC/AAC sequence headers, onMetaData - which a late
// member gets again at each join point), and a played frame becomes the
// Message a destination writes.
#pragma once

#include "media/io/relay.hpp"
#include "rtmfp/group/core/group_types.hpp"

namespace rtmfp::media::io {

// `m` must be of a group media type (group::is_media_type).
group::MediaFrame group_frame_of(const Message& m);
Message message_of(group::MediaFrame f);

}  // namespace rtmfp::media::io
