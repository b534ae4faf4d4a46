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

std::pair<std::vector<std::string>, std::vector<std::string>> split_at_command(
    const std::vector<std::string>& args, const std::map<std::string, bool>& ours) {
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (arg == "--") {
      return {std::vector<std::string>(args.begin(), args.begin() + i),
              std::vector<std::string>(args.begin() + i + 1, args.end())};
    }
    const auto option = ours.find(arg.substr(0, arg.find('=')));
    if (option == ours.end()) break;
    i += option->second && arg.find('=') == std::string::npos ? 2 : 1;
  }
  i = std::min(i, args.size());
  return {std::vector<std::string>(args.begin(), args.begin() + i),
          std::vector<std::string>(args.begin() + i, args.end())};
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
