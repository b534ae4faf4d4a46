#include "options.hpp"

#include <iostream>

#include "user_error.hpp"

namespace pyattach {

std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options,
                                                  const std::vector<std::string>& args) {
  options.add_options()("h,help", "show this help");
  std::vector<std::string> storage = {options.program()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  try {
    auto parsed = options.parse(static_cast<int>(argv.size()), argv.data());
    if (parsed.count("help")) {
      std::cout << options.help();
      return std::nullopt;
    }
    return parsed;
  } catch (const cxxopts::exceptions::exception& e) {
    throw UserError(std::string(e.what()) + " (see `" + options.program() + " --help`)",
                    kStatusUsage);
  }
}

std::string single_target(const cxxopts::ParseResult& parsed, const std::string& command) {
  const auto& rest = parsed.unmatched();
  if (!parsed.count("target"))
    throw UserError(command + ": missing session name or id", kStatusUsage);
  if (!rest.empty())
    throw UserError(command + ": unexpected argument '" + rest.front() + "'", kStatusUsage);
  return parsed["target"].as<std::string>();
}

}  // namespace pyattach
