// The order in which a receiving flow hands complete messages to the user.
// RFC 7425 §5.1.1 (receiveIntent, RXI) names the two choices a receiver has;
// the receiver decides per flow, the sender's RXI bit is only a hint.
//
// The three delivery behaviours an application sees come from this choice
// together with what the sender does:
//  * reliable, in order:          original_queuing, sender never abandons;
//  * in order with abandonment:   original_queuing, sender abandons (start-by /
//                                 finish-by, WriteReceipt::abandon); the gap is
//                                 skipped in order once the Forward Sequence
//                                 Number covers it (RFC 7016 §3.6.2.7.1, §3.6.3.3);
//  * out of order:                network_arrival, each message as soon as it is
//                                 complete (RFC 7425 §5.1.1, "RXI = 1").
#pragma once

#include <cstdint>

namespace rtmfp::flow {

enum class ReceiveOrder : std::uint8_t {
  original_queuing,  // RXI 0: ascending sequence number order (RFC 7016 §3.6.3.3)
  network_arrival,   // RXI 1: as soon as complete, gaps and reordering allowed
};

}  // namespace rtmfp::flow
