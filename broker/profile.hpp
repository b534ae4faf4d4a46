#pragma once
// A profile: what makes two zygotes interchangeable. A run is served by a zygote of its
// own profile only, so it never gets modules another interpreter, venv or search path
// would not have given it.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pyattach {

struct Profile {
  std::string python;              // the interpreter as resolved by the client
  std::vector<std::string> flags;  // interpreter flags the zygote is started with (-u, -X dev)
  std::vector<std::string> preload;
  // The variables that change what an import does (import_env_names() and the ones the
  // caller named with --key-env), with their values; an unset one is absent.
  std::map<std::string, std::string> import_env;
  std::vector<std::string> key_env;  // the extra names from --key-env, sorted
  std::string mode = "fork";         // "fork": children forked from one preloaded zygote;
                                     // "spawn": a pool of fresh preloaded interpreters
  int pool = 2;                      // children (fork) or interpreters (spawn) kept ready

  // From a NewSession, Run or Warm request and its environment; throws
  // nlohmann::json::exception for missing or bad values.
  static Profile from_request(const nlohmann::json& request,
                              const std::map<std::string, std::string>& env);

  std::string key() const;
  static const std::vector<std::string>& import_env_names();
};

}  // namespace pyattach
