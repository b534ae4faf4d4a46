#pragma once
// Turning a subcommand's arguments into cxxopts results, with the conventions every
// command shares: --help prints and exits 0, a usage error is a UserError with status 2.

#include <cxxopts.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pyattach {

// Parses `args` (without the program and command names). Returns nullopt after
// printing help.
std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options,
                                                  const std::vector<std::string>& args);

// The single positional TARGET of attach and kill.
std::string single_target(const cxxopts::ParseResult& parsed, const std::string& command);

}  // namespace pyattach
