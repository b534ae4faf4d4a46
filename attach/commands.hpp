#pragma once
// One function per pyattach subcommand. Each takes the arguments after the command
// name, returns the exit status, and throws UserError for anything that goes wrong.

#include <map>
#include <string>
#include <vector>

namespace pyattach {

using Args = std::vector<std::string>;

int command_new(const Args& args);
int command_run(const Args& args);
// The options `run` reads before the Python command line (name -> takes a value), for
// split_at_command.
const std::map<std::string, bool>& run_option_names();
int command_bundle(const Args& args);
int command_attach(const Args& args);
int command_ls(const Args& args);
int command_kill(const Args& args);
int command_kill_server(const Args& args);
int command_profiles(const Args& args);
int command_warm(const Args& args);
int command_unload(const Args& args);
int command_capture(const Args& args);
int command_wait(const Args& args);
int command_send(const Args& args);
int command_rm(const Args& args);

}  // namespace pyattach
