// The broker's profiles: which zygote serves a run, and the requests that list, warm and
// unload them.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "broker.hpp"

namespace pyattach {

namespace {

// PYATTACH_IDLE: seconds a zygote may go unused before it exits (0: never).
constexpr long kDefaultIdleSeconds = 1800;

std::chrono::seconds idle_time() {
  const char* text = std::getenv("PYATTACH_IDLE");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(kDefaultIdleSeconds);
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds < 0) return std::chrono::seconds(kDefaultIdleSeconds);
  return std::chrono::seconds(seconds);
}

}  // namespace

Zygote* Broker::zygote_for(const Profile& profile, const std::vector<std::string>& env,
                           std::string& error) {
  const std::string key = profile.key();
  if (auto found = zygotes_.find(key); found != zygotes_.end()) return found->second.get();
  // A stale record of this profile is replaced by the zygote started now.
  std::erase_if(retired_zygotes_, [&](const std::unique_ptr<Zygote>& old) {
    return old->pid() <= 0 && old->profile().key() == key;
  });
  auto zygote = std::make_unique<Zygote>(*this, next_profile_id_++, profile, idle_time());
  if (!zygote->start(zygote_path_, env, error)) return nullptr;
  return zygotes_.emplace(key, std::move(zygote)).first->second.get();
}

bool Broker::superseded(const Zygote& retired) const {
  return zygotes_.count(retired.profile().key()) > 0;
}

void Broker::zygote_retired(Zygote& zygote) {
  auto found = zygotes_.find(zygote.profile().key());
  if (found == zygotes_.end() || found->second.get() != &zygote) return;
  retired_zygotes_.push_back(std::move(found->second));
  zygotes_.erase(found);
}

void Broker::exit_if_idle() {
  if (shutting_down_ || !sessions_.empty() || !runs_.empty() || !connections_.empty() ||
      !zygotes_.empty())
    return;
  for (const auto& zygote : retired_zygotes_)
    if (zygote->pid() > 0) return;
  std::cerr << "pyattachd: nothing left to serve; exiting\n";
  shutdown();
}

void Broker::on_profiles(Connection& client) {
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& [key, zygote] : zygotes_) profiles.push_back(zygote->describe());
  for (const auto& zygote : retired_zygotes_) {
    if (zygote->state() == Zygote::State::Stale && superseded(*zygote)) continue;
    profiles.push_back(zygote->describe());
  }
  std::sort(profiles.begin(), profiles.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a.at("id").get<int>() < b.at("id").get<int>();
  });
  client.send_json(MsgType::ProfilesReply, {{"profiles", profiles}});
}

void Broker::on_warm(Connection& client, const nlohmann::json& request) {
  const auto env = request.at("env").get<std::map<std::string, std::string>>();
  const Profile profile = Profile::from_request(request, env);
  std::vector<std::string> zygote_env;
  for (const auto& [name, value] : env) zygote_env.push_back(name + "=" + value);
  std::string error;
  Zygote* zygote = zygote_for(profile, zygote_env, error);
  if (zygote == nullptr) {
    client.fail(error);
    return;
  }
  const Connection::Id client_id = client.id();
  const int zygote_id = zygote->id();
  zygote->when_ready([this, client_id, zygote_id](const std::string& ready_error) {
    Connection* waiting = connection(client_id);
    if (waiting == nullptr) return;
    if (!ready_error.empty()) {
      waiting->fail(ready_error);
      return;
    }
    for (const auto& [key, candidate] : zygotes_) {
      if (candidate->id() == zygote_id) {
        waiting->send_json(MsgType::Ok, candidate->describe());
        return;
      }
    }
    waiting->send_json(MsgType::Ok, {{"id", zygote_id}});
  });
}

void Broker::on_unload(Connection& client, const nlohmann::json& request) {
  const std::string target = request.at("target").get<std::string>();
  for (const auto& [key, zygote] : zygotes_) {
    if (std::to_string(zygote->id()) != target) continue;
    const int id = zygote->id();
    zygote->retire(Zygote::State::Stopping, "unloaded");  // moves it out of zygotes_
    client.send_json(MsgType::Ok, {{"unloaded", id}});
    return;
  }
  client.fail("no serving profile '" + target + "' (see `pyattach profiles`)");
}

}  // namespace pyattach
