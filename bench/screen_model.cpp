// screen_model: how fast a session's screen model takes the child's output, without PTYs
// or clients in the way. Feeds the same bytes in 64 KiB chunks (what the broker reads from
// the PTY at a time) and prints MB/s per input and screen size: into the model at once
// (broker/screen_model.*), and through the deferring Screen sessions use (broker/screen.*,
// whose last settle() is timed too).
//
//   screen_model [--mb N]     (default 100 MB per case)

#include "screen_model.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "screen.hpp"

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// 100-byte lines of plain text: what `yes`-style output and logging look like.
std::string plain_lines(std::size_t bytes) {
  std::string out;
  out.reserve(bytes + 100);
  for (unsigned n = 0; out.size() < bytes; ++n) {
    char line[101];
    std::snprintf(line, sizeof line, "%08u ", n);
    std::string text(line);
    text.resize(98, static_cast<char>('a' + n % 26));
    out += text;
    out += "\r\n";
  }
  return out;
}

// Coloured text with cursor movement, erases and a scroll region: what progress bars,
// test runners and full-screen programs write.
std::string colourful(std::size_t bytes) {
  std::string out;
  out.reserve(bytes + 200);
  for (unsigned n = 0; out.size() < bytes; ++n) {
    char piece[200];
    std::snprintf(piece, sizeof piece,
                  "\x1b[%u;%uH\x1b[1;3%um%05u\x1b[38;5;%um progress \x1b[48;2;%u;40;90m%3u%%"
                  "\x1b[m\x1b[K\r\n\x1b[2;30r\x1b[30;1H\x1b[32mok\x1b[m test_%u \xe4\xb8\xad "
                  "e\xcc\x81\x1b[r\r\n",
                  n % 40 + 1, n % 80 + 1, n % 8, n, n % 256, n % 256, n % 100, n);
    out += piece;
  }
  return out;
}

// Feeds the input in 64 KiB chunks and returns MB/s.
template <typename Model>
double feed_rate(std::string_view input, pyattach::WindowSize size) {
  Model screen(size);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < input.size(); at += kChunk) {
    screen.feed(input.substr(at, kChunk));
  }
  if constexpr (requires { screen.settle(); }) screen.settle();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return static_cast<double>(input.size()) / 1e6 / took.count();
}

// Heap bytes a 120x40 screen holds once full, with `lines` lines of scrollback (100-byte
// lines, a colour change in each), measured with mallinfo2 around its life.
std::size_t screen_bytes(std::size_t lines) {
  const std::string text = plain_lines(100 * (lines + 40));
  const std::size_t before = mallinfo2().uordblks;
  auto screen = std::make_unique<pyattach::ScreenModel>(pyattach::WindowSize{40, 120}, lines);
  for (std::size_t at = 0; at < text.size(); at += 100) {
    screen->feed("\x1b[32m");
    screen->feed(std::string_view(text).substr(at, 8));
    screen->feed("\x1b[m");
    screen->feed(std::string_view(text).substr(at + 8, 92));
  }
  return mallinfo2().uordblks - before;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t megabytes = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) {
      megabytes = std::strtoul(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: screen_model [--mb N]\n");
      return 2;
    }
  }
  if (megabytes == 0) {
    std::fprintf(stderr, "screen_model: --mb needs a positive number\n");
    return 2;
  }
  const std::size_t bytes = megabytes * 1000 * 1000;
  const std::string lines = plain_lines(bytes);
  const std::string colours = colourful(bytes);

  using pyattach::Screen;
  using pyattach::ScreenModel;
  std::printf("| input (%zu MB) | fed to | 120x40 | 120x100 |\n|---|---|---|---|\n", megabytes);
  std::printf("| 100-byte lines | model at once | %.1f MB/s | %.1f MB/s |\n",
              feed_rate<ScreenModel>(lines, {40, 120}), feed_rate<ScreenModel>(lines, {100, 120}));
  std::printf("| 100-byte lines | deferring Screen | %.1f MB/s | %.1f MB/s |\n",
              feed_rate<Screen>(lines, {40, 120}), feed_rate<Screen>(lines, {100, 120}));
  std::printf("| colours, cursor moves, scroll region | model at once | %.1f MB/s | %.1f MB/s |\n",
              feed_rate<ScreenModel>(colours, {40, 120}),
              feed_rate<ScreenModel>(colours, {100, 120}));
  std::printf(
      "| colours, cursor moves, scroll region | deferring Screen | %.1f MB/s | %.1f MB/s |\n",
      feed_rate<Screen>(colours, {40, 120}), feed_rate<Screen>(colours, {100, 120}));
  std::printf("\nheap of a full 120x40 screen with 2000 scrollback lines: %zu KB\n",
              screen_bytes(2000) / 1024);
  return 0;
}
