// pyattach-keeper: holds every session's terminal so that a broker crash or upgrade
// loses none (see keeper.hpp). Started by pyattachd, never by people.
//
//   pyattach-keeper --broker PATH --ready-fd N   first start: run PATH as the broker and
//                                                report its readiness on fd N
//   pyattach-keeper --adopt-fd N                 a running broker lost its keeper: serve
//                                                it over the channel on fd N

#include <signal.h>
#include <sys/prctl.h>
#include <uv.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "daemon.hpp"
#include "keeper.hpp"
#include "runtime_dir.hpp"

namespace {

int usage() {
  std::cerr << "usage: pyattach-keeper --broker PATH --ready-fd N | --adopt-fd N\n"
               "(started by pyattachd; see pyattachd(1))\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker;
  int ready_fd = -1;
  int adopt_fd = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--broker") {
      broker = argv[i + 1];
    } else if (option == "--ready-fd") {
      ready_fd = std::atoi(argv[i + 1]);
    } else if (option == "--adopt-fd") {
      adopt_fd = std::atoi(argv[i + 1]);
    } else {
      return usage();
    }
  }
  if (argc % 2 != 1 || (broker.empty() == (adopt_fd < 0)) || (!broker.empty() && ready_fd < 3) ||
      (adopt_fd >= 0 && adopt_fd < 3))
    return usage();

  pyattach::UniqueFd ready(ready_fd);
  pyattach::UniqueFd adopted(adopt_fd);
  ::signal(SIGPIPE, SIG_IGN);
  // A dead broker's programs (their zygote exits with it) become our children.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  pyattach::raise_open_file_limit();  // it holds a copy of every session's terminal

  const std::string dir = pyattach::runtime_dir_path();
  uv_loop_t loop;
  uv_loop_init(&loop);
  int status = 0;
  {
    pyattach::Keeper keeper(&loop, dir);
    std::string error;
    if (!keeper.start(error)) {
      std::cerr << "pyattach-keeper: " << error << "\n";
      if (ready) [[maybe_unused]]
        auto ignored = ::write(ready.get(), error.data(), error.size());
      status = 1;
    } else if (adopted) {
      keeper.adopt_broker(std::move(adopted));
    } else {
      keeper.start_broker(broker, std::move(ready));
    }
    if (status == 0) uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // let closed handles finish closing
  uv_loop_close(&loop);
  return status;
}
