/* multiplexer_child: the program that runs inside every session of bench/multiplexer,
 * the same binary under pyattach, tmux, screen, dtach and on a plain PTY, so the tools
 * are compared on identical output.
 *
 *   multiplexer_child MODE INFO_FILE NONCE [MEGABYTES | LINES]
 *
 * It puts its terminal in raw mode (no echo, no output processing: it writes "\r\n"
 * itself, so every tool sees the same bytes), prints "READY-<NONCE>", then writes
 * "<pid> <ppid>\n" to INFO_FILE (via rename, so the file appears complete), and:
 *   flood N  waits for the byte 'g' (repainting READY on ^L), writes N MB of 100-byte lines, then
 * "END-<NONCE>"; echo     answers each byte b with "\r" b (no scrolling); ^L repaints the READY
 * line, as dtach expects of a program on attach (it keeps no screen); fill N   writes N+40 lines of
 * 120 characters (a full 120x40 screen and N lines of scrollback), then "END-<NONCE>". Afterwards
 * it idles until its terminal hangs up, so the session stays for measuring. The markers are
 * assembled at run time, so they never appear on screen before the program prints them (not even in
 * a command line). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { kLineBytes = 100, kBlockLines = 1000 };

static int write_all(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(STDOUT_FILENO, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

static int write_text(const char* text) {
  return write_all(text, strlen(text));
}

static void report_pids(const char* info_path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", info_path);
  FILE* f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "%ld %ld\n", (long)getpid(), (long)getppid());
  fclose(f);
  rename(tmp, info_path);
}

/* Blocks until the terminal hangs up (the session is killed). */
static void idle(void) {
  char byte;
  while (read(STDIN_FILENO, &byte, 1) > 0 || errno == EINTR) {
  }
}

static int flood(long megabytes, const char* ready_line, const char* end_marker) {
  /* 1000 distinct lines of 98 printable characters + "\r\n", written as one block. */
  static char block[kLineBytes * kBlockLines];
  for (int line = 0; line < kBlockLines; ++line) {
    char* p = block + line * kLineBytes;
    int n = snprintf(p, kLineBytes, "%06d ", line);
    for (int i = n; i < kLineBytes - 2; ++i) p[i] = (char)('!' + (line * 7 + i) % 94);
    p[kLineBytes - 2] = '\r';
    p[kLineBytes - 1] = '\n';
  }
  /* Only 'g' starts: a terminal may answer queries; ^L (dtach's attach) repaints. */
  char go = 0;
  while (go != 'g') {
    ssize_t n = read(STDIN_FILENO, &go, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return 1;
    if (go == '\f' && write_text(ready_line) < 0) return 1;
  }
  long long total = megabytes * 1000LL * 1000LL;
  while (total > 0) {
    size_t chunk = total < (long long)sizeof block ? (size_t)total : sizeof block;
    if (write_all(block, chunk) < 0) return 1;
    total -= (long long)chunk;
  }
  return write_text(end_marker) < 0;
}

static int echo(const char* ready_line) {
  char byte;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    if (byte == '\f') {
      if (write_text(ready_line) < 0) return 1;
      continue;
    }
    char reply[2] = {'\r', byte};
    if (write_all(reply, 2) < 0) return 1;
  }
}

static int fill(long lines, const char* end_marker) {
  char line[123];
  for (long i = 0; i < lines + 40; ++i) {
    int n = snprintf(line, sizeof line, "%07ld ", i);
    for (int c = n; c < 120; ++c) line[c] = (char)('a' + (i + c) % 26);
    line[120] = '\r';
    line[121] = '\n';
    if (write_all(line, 122) < 0) return 1;
  }
  return write_text(end_marker) < 0;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: multiplexer_child flood|echo|fill INFO_FILE NONCE [N]\n");
    return 2;
  }
  const char* mode = argv[1];
  long count = argc > 4 ? atol(argv[4]) : 0;
  struct termios raw;
  if (tcgetattr(STDIN_FILENO, &raw) == 0) {
    cfmakeraw(&raw);
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  }
  char ready_line[256], end_marker[256];
  snprintf(ready_line, sizeof ready_line, "\r%s-%s\r\n", "READY", argv[3]);
  snprintf(end_marker, sizeof end_marker, "\r\n%s-%s\r\n", "END", argv[3]);
  if (write_text(ready_line) < 0) return 1;
  report_pids(argv[2]);
  int status = 0;
  if (strcmp(mode, "flood") == 0)
    status = flood(count, ready_line, end_marker);
  else if (strcmp(mode, "echo") == 0)
    return echo(ready_line);
  else if (strcmp(mode, "fill") == 0)
    status = fill(count, end_marker);
  else
    return 2;
  idle();
  return status;
}
