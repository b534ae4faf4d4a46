#pragma once
// The screen of one session, as sessions use it: a ScreenModel (screen_model.hpp) that is
// fed late. Output reaches the clients at once, but plain text (printable ASCII, CR, LF)
// at the end of what came waits here until enough has gathered, something else follows it,
// the session's output goes quiet, or anything reads the screen. Every reader below feeds
// what waits first, so none can see a stale screen. A large piece lets the model leave
// out lines that would scroll out of the screen and the scrollback before it ends, which
// for a flood of text is most of them.
//
// The readers are const (reading does not change what the screen shows) but may feed
// the model: the model and the waiting bytes are mutable. One thread only, like the rest
// of the broker.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "output_buffer.hpp"
#include "screen_model.hpp"

namespace pyattach {

class Screen {
 public:
  static constexpr std::size_t kDefaultScrollbackLines = ScreenModel::kDefaultScrollbackLines;
  // Bytes that may wait. A 120x40 screen with 2000 lines of scrollback needs the last
  // ~2100 lines of a piece (about 210 KB of 100-byte lines) drawn; with 2 MiB pieces 90 %
  // of a text flood is left out. Text that cannot be left out (a scroll region is set, or
  // lines wider than 2 MiB) costs one 2 MiB feed, about 25 ms, when a reader comes. The
  // memory is a mapping of its own, returned once the output goes quiet (settle()).
  static constexpr std::size_t kDefaultDeferBytes = 2 * 1024 * 1024;

  // defer_bytes 0: every feed goes to the model at once. leave_out_lines: see ScreenModel.
  explicit Screen(WindowSize size, std::size_t scrollback_limit = kDefaultScrollbackLines,
                  std::size_t defer_bytes = kDefaultDeferBytes, bool leave_out_lines = true);
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // Everything the child wrote, in order, in chunks of any size.
  void feed(std::string_view bytes);
  // Feeds the model what is waiting and gives the buffer's memory back.
  void settle() const;
  // Bytes not yet fed to the model.
  std::size_t unsettled_bytes() const { return waiting_.size(); }
  // Bytes the model left out (ScreenModel::bytes_left_out()), without settling.
  std::size_t bytes_left_out() const { return model_.bytes_left_out(); }

  // What is waiting is fed at the old size first.
  void resize(WindowSize size);
  // Without settling: only resize() changes the size (libvterm 0.1.4 ignores DECCOLM).
  WindowSize size() const { return model_.size(); }

  // The readers of ScreenModel (see there), each after settle().
  std::string redraw() const;
  std::string text() const;
  std::string styled_text() const;
  std::size_t scrollback_lines() const;
  std::string scrollback_text(std::size_t max_lines) const;
  std::string scrollback_styled(std::size_t max_lines) const;
  bool alternate_screen() const;
  bool cursor_visible() const;
  VTermPos cursor() const;
  TerminalModes modes() const;
  const std::optional<std::string>& title() const;
  VTermScreenCell cell(int row, int col) const;
  VTermScreenCell pen() const;

 private:
  // The model after settle(): the only way the readers reach it.
  const ScreenModel& settled() const;

  mutable ScreenModel model_;
  mutable OutputBuffer waiting_;
};

}  // namespace pyattach
