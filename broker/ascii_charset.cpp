#include "ascii_charset.hpp"

#include <cstddef>

namespace pyattach {

void AsciiCharset::take(unsigned char c) {
  // C0 controls act in every state (CAN and SUB abort a sequence, ESC starts a new one).
  switch (c) {
    case 0x0e:  // SO: G1 to GL
      shifted_in_ = 1;
      return;
    case 0x0f:  // SI: G0 to GL
      shifted_in_ = 0;
      return;
    case 0x18:
    case 0x1a:
      state_ = State::kIdle;
      return;
    case 0x1b:
      state_ = State::kEscape;
      return;
    default:
      break;
  }
  switch (state_) {
    case State::kIdle:
      if (c >= 0x20) single_shift_ = false;  // the shifted character went by
      return;
    case State::kEscape:
      state_ = State::kIdle;
      if (c == '[') {
        state_ = State::kCsi;
        csi_private_ = csi_intermediate_ = csi_names_margins_ = false;
        csi_param_ = 0;
      } else if (c >= '(' && c <= '+') {
        state_ = State::kDesignate;
        designating_ = c - '(';
        designating_96_ = false;
      } else if (c >= '-' && c <= '/') {
        state_ = State::kDesignate;
        designating_ = c - ',';
        designating_96_ = true;
      } else if (c == 'n' || c == 'o') {
        shifted_in_ = c == 'n' ? 2 : 3;  // LS2, LS3
      } else if (c == 'N' || c == 'O') {
        single_shift_ = true;  // SS2, SS3
      } else if (c == 'c') {
        *this = AsciiCharset{};  // RIS resets libvterm's sets, shifts and modes
      } else if (c >= 0x20 && c <= 0x2f) {
        unsure_ = true;  // another intermediate: a sequence not followed here
      }
      return;
    case State::kDesignate:
      state_ = State::kIdle;
      if (c >= 0x30 && c <= 0x7e) {
        designated_[static_cast<std::size_t>(designating_)] = designating_96_ ? 0 : c;
      } else {
        unsure_ = true;  // e.g. ESC ( % 5: a set libvterm does not know, followed no further
      }
      return;
    case State::kCsi:
      if (c >= '0' && c <= '9') {
        csi_param_ = csi_param_ < 100000 ? csi_param_ * 10 + (c - '0') : csi_param_;
      } else if (c == ';' || c == ':') {
        csi_names_margins_ = csi_names_margins_ || csi_param_ == 69;
        csi_param_ = 0;
      } else if (c >= 0x3c && c <= 0x3f) {
        csi_private_ = true;
      } else if (c >= 0x20 && c <= 0x2f) {
        csi_intermediate_ = true;
      } else if (c >= 0x40 && c <= 0x7e) {
        end_csi(c);
      }
      return;
  }
}

void AsciiCharset::end_csi(unsigned char final_byte) {
  state_ = State::kIdle;
  csi_names_margins_ = csi_names_margins_ || csi_param_ == 69;
  // DECSTR (CSI ! p) resets some of what is followed here; DECLRMM (CSI ? 69 h) lets
  // text wrap at a right margin the fast path does not know.
  if (csi_intermediate_ && final_byte == 'p') unsure_ = true;
  if (csi_private_ && csi_names_margins_ && final_byte == 'h') unsure_ = true;
}

}  // namespace pyattach
