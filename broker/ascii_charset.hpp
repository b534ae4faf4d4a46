#pragma once
// Follows the character-set controls in a terminal byte stream (ISO 2022 designations and
// shifts, as libvterm implements them) to say whether printable ASCII would be drawn as
// itself. The screen model writes runs of such text straight into its grid instead of
// handing libvterm one glyph at a time (ScreenModel::write_text_run); a run is only taken that
// way while this says ASCII is plain. It errs on the side of "not plain": anything it does
// not follow exactly (a soft reset, margins, an odd designation) turns the shortcut off.

#include <array>

namespace pyattach {

class AsciiCharset {
 public:
  // Every byte of the stream, in order, except inside runs of printable ASCII taken while
  // idle() (those change nothing here).
  void take(unsigned char c);
  // No escape sequence is half-read and no single shift is waiting for its character.
  bool idle() const { return state_ == State::kIdle && !single_shift_; }
  // Printable ASCII would come out as itself, in the cell the cursor is on and to its right.
  bool plain() const { return idle() && !unsure_ && designated_[shifted_in_] == 'B'; }

 private:
  enum class State : unsigned char { kIdle, kEscape, kDesignate, kCsi };
  void end_csi(unsigned char final_byte);

  State state_ = State::kIdle;
  std::array<unsigned char, 4> designated_{'B', 'B', 'B', 'B'};  // G0..G3 ('B': ASCII)
  int shifted_in_ = 0;           // which of G0..G3 is mapped to GL (SI, SO, LS2, LS3)
  int designating_ = 0;          // the G set an ESC ( ) * + - . / names
  bool designating_96_ = false;  // ESC - . /: a 96-character set, never plain ASCII
  bool single_shift_ = false;    // SS2 or SS3: the next character comes from G2 or G3
  bool unsure_ = false;          // until a full reset (RIS)
  // The CSI being read: whether it is private ('?'), has an intermediate, and which of the
  // numbers libvterm's left/right margin mode (69) was among its arguments.
  bool csi_private_ = false;
  bool csi_intermediate_ = false;
  unsigned csi_param_ = 0;
  bool csi_names_margins_ = false;
};

}  // namespace pyattach
