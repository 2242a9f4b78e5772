// Session key assembly and group choice shared by both handshake sides.
#include <algorithm>

#include "rtmfp/crypto/flash/handshake.hpp"
#include "rtmfp/crypto/flash/key_schedule.hpp"
#include "rtmfp/crypto/flash/packet_cipher.hpp"

namespace rtmfp::crypto::flash {

std::optional<std::uint64_t> choose_group(const std::vector<std::uint64_t>& ours,
                                          const std::vector<std::uint64_t>& theirs) {
  std::optional<std::uint64_t> best;
  std::size_t best_bits = 0;
  for (std::uint64_t g : ours) {
    const DhGroupInfo* info = find_dh_group(g);
    if (!info || std::find(theirs.begin(), theirs.end(), g) == theirs.end()) continue;
    if (info->bits > best_bits) {
      best = g;
      best_bits = info->bits;
    }
  }
  return best;
}

SessionKeys make_session_keys(ByteView dh_secret, ByteView sknc, ByteView skfc, const DirectionChecks& send,
                              const DirectionChecks& recv) {
  const KeySchedule k = derive_keys(dh_secret, sknc, skfc);  // §4.6.3-4.6.5
  CipherConfig c;
  std::copy_n(k.encrypt_key.begin(), 16, c.encrypt_key.begin());  // AES-128: first 16 bytes (§4.6.3)
  std::copy_n(k.decrypt_key.begin(), 16, c.decrypt_key.begin());
  c.hmac_send_key = k.hmac_send_key;
  c.hmac_recv_key = k.hmac_recv_key;
  c.send = send;
  c.recv = recv;
  SessionKeys keys;
  keys.cipher = std::make_unique<FlashPacketCipher>(c);
  keys.near_nonce.assign(k.near_nonce.begin(), k.near_nonce.end());
  keys.far_nonce.assign(k.far_nonce.begin(), k.far_nonce.end());
  return keys;
}

}  // namespace rtmfp::crypto::flash
