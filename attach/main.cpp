// pyattach: the client. Runs one subcommand and exits with its status.

#include <iostream>
#include <map>

#include "commands.hpp"
#include "user_error.hpp"

namespace {

constexpr const char* kUsage =
    "usage: pyattach COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  new [-d] [-n NAME] [--python PATH] [--preload MODS] [--] SCRIPT [ARGS...]\n"
    "                      start a session (also -m MODULE / -c CODE) and attach unless -d\n"
    "  run [--python PATH] [--preload MODS] [--] [PYTHON ARGS...]\n"
    "                      run like python3: same output, status and signals, preloaded\n"
    "  bundle [--python PATH] [--preload MODS] -o FILE\n"
    "                      write a starter: FILE ARGS... runs like python3 ARGS..., preloaded\n"
    "  attach [-r] NAME|ID attach to a session (detach with Ctrl-\\); -r: watch only\n"
    "  ls [--json|-q]      list sessions\n"
    "  capture [-S LINES] [--ansi] NAME|ID\n"
    "                      print a session's screen, with LINES of scrollback first\n"
    "  send [-e] NAME|ID [TEXT...]\n"
    "                      type TEXT (or standard input) into a session; -e: then Enter\n"
    "  wait NAME|ID...     wait until sessions end; exit with the last one's status\n"
    "  rm [-a] NAME|ID...  remove ended sessions (-a: all of them)\n"
    "  kill [-s SIG] NAME|ID\n"
    "                      signal a running session; remove an ended one\n"
    "  kill-server         stop the broker and every session\n"
    "  profiles [--json]   list preload profiles (zygotes): state, import time, memory\n"
    "  warm [--python PATH] [--preload MODS] [--key-env VAR] [--mode M] [--pool N]\n"
    "                      start a profile now and wait until its imports are done\n"
    "  unload ID           stop a profile's zygote (running sessions go on)\n"
    "\n"
    "`pyattach COMMAND --help` describes each command; see pyattach(1).\n";

}  // namespace

int main(int argc, char** argv) {
  using Command = int (*)(const pyattach::Args&);
  const std::map<std::string, Command> commands = {{"new", pyattach::command_new},
                                                   {"run", pyattach::command_run},
                                                   {"bundle", pyattach::command_bundle},
                                                   {"attach", pyattach::command_attach},
                                                   {"a", pyattach::command_attach},
                                                   {"ls", pyattach::command_ls},
                                                   {"list", pyattach::command_ls},
                                                   {"kill", pyattach::command_kill},
                                                   {"kill-server", pyattach::command_kill_server},
                                                   {"profiles", pyattach::command_profiles},
                                                   {"warm", pyattach::command_warm},
                                                   {"unload", pyattach::command_unload},
                                                   {"capture", pyattach::command_capture},
                                                   {"send", pyattach::command_send},
                                                   {"wait", pyattach::command_wait},
                                                   {"rm", pyattach::command_rm}};
  if (argc < 2) {
    std::cerr << kUsage;
    return pyattach::kStatusUsage;
  }
  const std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (name == "--version" || name == "-V") {
    std::cout << "pyattach " << PYATTACH_VERSION << "\n";
    return 0;
  }
  const auto command = commands.find(name);
  try {
    if (command == commands.end())
      throw pyattach::UserError("unknown command '" + name + "' (see `pyattach --help`)",
                                pyattach::kStatusUsage);
    return command->second(pyattach::Args(argv + 2, argv + argc));
  } catch (const pyattach::UserError& error) {
    std::cerr << "pyattach: " << error.what() << "\n";
    return error.status();
  } catch (const std::exception& error) {
    std::cerr << "pyattach: " << error.what() << "\n";
    return pyattach::kStatusError;
  }
}
