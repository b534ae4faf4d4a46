#include "profile.hpp"

#include <algorithm>

namespace pyattach {

namespace {

// Enough for any sensible pool; more would only be a typo that eats the machine's memory.
constexpr int kMaxPool = 64;

}  // namespace

const std::vector<std::string>& Profile::import_env_names() {
  static const std::vector<std::string> names = {
      "PYTHONPATH",     "PYTHONHOME",  "PYTHONSAFEPATH",  "PYTHONNOUSERSITE",
      "PYTHONUSERBASE", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "PYTHONHASHSEED"};
  return names;
}

Profile Profile::from_request(const nlohmann::json& request,
                              const std::map<std::string, std::string>& env) {
  Profile profile;
  profile.python = request.at("python").get<std::string>();
  profile.flags = request.value("flags", std::vector<std::string>{});
  profile.preload = request.at("preload").get<std::vector<std::string>>();
  profile.key_env = request.value("key_env", std::vector<std::string>{});
  std::sort(profile.key_env.begin(), profile.key_env.end());
  profile.key_env.erase(std::unique(profile.key_env.begin(), profile.key_env.end()),
                        profile.key_env.end());
  profile.mode = request.value("mode", std::string("fork"));
  if (profile.mode != "fork" && profile.mode != "spawn")
    throw nlohmann::json::other_error::create(
        501, "unknown mode '" + profile.mode + "' (fork or spawn)", nullptr);
  profile.pool = request.value("pool", 2);
  if (profile.pool < 0 || profile.pool > kMaxPool)
    throw nlohmann::json::other_error::create(
        501,
        "pool size " + std::to_string(profile.pool) + " is not in 0.." + std::to_string(kMaxPool),
        nullptr);
  std::vector<std::string> names = import_env_names();
  names.insert(names.end(), profile.key_env.begin(), profile.key_env.end());
  for (const auto& name : names)
    if (auto found = env.find(name); found != env.end()) profile.import_env[name] = found->second;
  return profile;
}

std::string Profile::key() const {
  return nlohmann::json({{"python", python},
                         {"flags", flags},
                         {"preload", preload},
                         {"env", import_env},
                         {"mode", mode},
                         {"pool", pool}})
      .dump();
}

}  // namespace pyattach
