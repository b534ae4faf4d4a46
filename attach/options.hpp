#pragma once
// Turning a subcommand's arguments into cxxopts results, with the conventions every
// command shares: --help prints and exits 0, a usage error is a UserError with status 2.

#include <cxxopts.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pyattach {

// Parses `args` (without the program and command names). Returns nullopt after
// printing help.
std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options,
                                                  const std::vector<std::string>& args);

// Where our options end and the Python command line begins: at `--`, or at the first
// word that is not one of `ours` (option name -> whether it takes a value) nor such a
// value. So `pyattach new -d train.py --epochs 3` passes --epochs to the script and
// `pyattach run -u -c code` passes -u to Python, as python3 would take them.
std::pair<std::vector<std::string>, std::vector<std::string>> split_at_command(
    const std::vector<std::string>& args, const std::map<std::string, bool>& ours);

// The single positional TARGET of attach and kill.
std::string single_target(const cxxopts::ParseResult& parsed, const std::string& command);

}  // namespace pyattach
