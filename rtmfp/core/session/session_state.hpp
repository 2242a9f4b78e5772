// Session states exactly as RFC 7016 §3.5 names them (Fig. 8 transitions).
#pragma once

namespace rtmfp {

enum class SessionState {
  S_IHELLO_SENT,       // §3.5.1.1.1: initiator sent IHello, awaiting RHello
  S_KEYING_SENT,       // §3.5.1.1.1: initiator sent IIKeying, awaiting RIKeying
  S_OPEN,              // §3.5.1.1: keys established
  S_NEARCLOSE,         // §3.5.5: we sent Close, awaiting Close Ack (<= 90 s)
  S_FARCLOSE_LINGER,   // §3.5.5: far end sent Close; we acked; linger 19 s
  S_CLOSED,            // §3.5.5: gone
  S_OPEN_FAILED,       // §3.5.1.1.1: ultimate open timeout or abort
};

inline const char* session_state_name(SessionState s) {
  switch (s) {
    case SessionState::S_IHELLO_SENT: return "S_IHELLO_SENT";
    case SessionState::S_KEYING_SENT: return "S_KEYING_SENT";
    case SessionState::S_OPEN: return "S_OPEN";
    case SessionState::S_NEARCLOSE: return "S_NEARCLOSE";
    case SessionState::S_FARCLOSE_LINGER: return "S_FARCLOSE_LINGER";
    case SessionState::S_CLOSED: return "S_CLOSED";
    case SessionState::S_OPEN_FAILED: return "S_OPEN_FAILED";
  }
  return "?";
}

}  // namespace rtmfp
