#pragma once
// The drain: reads a client's terminal (the master side of its PTY) as fast as it can,
// the way a fast terminal emulator would, and watches the bytes for a marker. Compiled
// and in the measuring process, so reading is never the slow part of a measurement.

#include <chrono>
#include <cstdint>
#include <string>

namespace muxbench {

class Drain {
 public:
  explicit Drain(int fd) : fd_(fd) {}

  // Reads until `marker` has been seen in the bytes read since the last call (a marker
  // split across two reads is found too). False on timeout or end of file.
  bool until(const std::string& marker, std::chrono::steady_clock::time_point deadline);
  // Reads and drops what is there now, without waiting.
  void discard_pending();
  // Reads and drops output until none has come for `quiet` (or `limit` has passed).
  void settle(std::chrono::milliseconds quiet, std::chrono::milliseconds limit);

  // Bytes read so far (all calls).
  std::uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  std::uint64_t bytes_ = 0;
};

}  // namespace muxbench
