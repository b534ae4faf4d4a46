#include "run_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "diagnostics.hpp"
#include "unique_fd.hpp"

namespace pyattach::e2e {

namespace {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is there now into `into`; closes `fd` at end of file.
void drain(UniqueFd& fd, std::string& into) {
  char buf[65536];
  while (fd) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      fd.reset();
    }
  }
}

}  // namespace

int CommandResult::code() const {
  return raw_status ? shell_status(*raw_status) : -1;
}

std::string CommandResult::describe() const {
  std::string how = timed_out ? "timed out (killed)" : wait_status_text(raw_status.value_or(0));
  return "--- command: " + join_argv(argv) + "\n--- " + how +
         (pipes_closed ? "" : ", output pipes still held open by another process") +
         "\n--- stdout:\n" + printable_tail(out) + "\n--- stderr:\n" + printable_tail(err) +
         "\n--- end";
}

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const CommandOptions& options) {
  CommandResult result;
  result.argv = argv;
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  ChildProcess child =
      ChildProcess::spawn(argv, env, ChildStdio{in.read.get(), out.write.get(), err.write.get()});
  in.read.reset();
  out.write.reset();
  err.write.reset();
  for (int fd : {in.write.get(), out.read.get(), err.read.get()}) set_nonblocking(fd);

  std::string_view to_write = options.stdin_data;
  if (to_write.empty()) in.write.reset();
  Deadline deadline(options.timeout);
  while (true) {
    child.try_reap();
    if (child.reaped()) {
      drain(out.read, result.out);
      drain(err.read, result.err);
      bool pipes_open = out.read || err.read;
      if (!pipes_open || !options.wait_for_pipes_to_close) break;
    }
    if (deadline.passed()) break;
    pollfd fds[4];
    nfds_t count = 0;
    if (in.write) fds[count++] = {in.write.get(), POLLOUT, 0};
    if (out.read) fds[count++] = {out.read.get(), POLLIN, 0};
    if (err.read) fds[count++] = {err.read.get(), POLLIN, 0};
    if (!child.reaped()) fds[count++] = {child.pidfd(), POLLIN, 0};
    if (::poll(fds, count, deadline.poll_ms()) < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    if (in.write) {
      ssize_t n = ::write(in.write.get(), to_write.data(), to_write.size());
      if (n > 0) to_write.remove_prefix(static_cast<std::size_t>(n));
      if (to_write.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) in.write.reset();
    }
    drain(out.read, result.out);
    drain(err.read, result.err);
  }
  result.pipes_closed = !out.read && !err.read;
  if (!child.reaped()) {
    child.kill_and_reap();
    result.timed_out = true;
  } else {
    result.raw_status = child.status();
  }
  return result;
}

}  // namespace pyattach::e2e
