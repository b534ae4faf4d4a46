// pyattach warm: start a profile's zygote ahead of time and wait until it is ready, so the
// first run pays no import time.

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "broker_client.hpp"
#include "commands.hpp"
#include "launch_request.hpp"
#include "options.hpp"
#include "user_error.hpp"

namespace pyattach {

namespace {

std::string what_loads(const nlohmann::json& request) {
  std::string modules;
  for (const auto& module : request.at("preload")) {
    if (!modules.empty()) modules += ",";
    modules += module.get<std::string>();
  }
  return modules.empty() ? "the interpreter" : modules;
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1)
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s";
  return out.str();
}

// Waits for the broker's answer; on a terminal, redraws one progress line meanwhile.
nlohmann::json wait_until_ready(BrokerClient& broker, const std::string& modules) {
  const bool progress = ::isatty(2) != 0;
  const auto start = std::chrono::steady_clock::now();
  const auto clear = [&] {
    if (progress) std::cerr << "\r\033[K" << std::flush;
  };
  for (;;) {
    if (auto frame = broker.next_frame()) {
      clear();
      if (frame->type == MsgType::Error) throw_broker_error(*frame);
      if (frame->type != MsgType::Ok)
        throw UserError("protocol error: unexpected " + std::string(msg_type_name(frame->type)));
      return nlohmann::json::parse(frame->payload);
    }
    if (progress)
      std::cerr << "\r\033[Kpreloading " << modules << "… " << seconds_since(start) << std::flush;
    pollfd fd{broker.fd(), POLLIN, 0};
    if (::poll(&fd, 1, progress ? 100 : -1) > 0 && !broker.read_some()) {
      clear();
      throw UserError("lost the connection to the broker while preloading " + modules);
    }
  }
}

}  // namespace

int command_warm(const Args& args) {
  cxxopts::Options options("pyattach warm",
                           "Start a profile's zygote and wait until its preloads are imported");
  options.add_options()("python", "Python interpreter (default: python3 on PATH)",
                        cxxopts::value<std::string>())(
      "preload", "modules to preload, comma-separated (default: $PYATTACH_PRELOAD)",
      cxxopts::value<std::string>());
  add_profile_options(options);
  const auto parsed = parse_options(options, args);
  if (!parsed) return 0;
  if (!parsed->unmatched().empty())
    throw UserError("warm: unexpected argument '" + parsed->unmatched().front() + "'",
                    kStatusUsage);
  LaunchOptions launch;
  if (parsed->count("python")) launch.python = (*parsed)["python"].as<std::string>();
  if (parsed->count("preload")) launch.preload = (*parsed)["preload"].as<std::string>();
  read_profile_options(*parsed, launch);
  const nlohmann::json request = profile_request(launch, {});
  const std::string modules = what_loads(request);

  auto broker = BrokerClient::connect(true);
  broker->send_json(MsgType::Warm, request);
  const auto start = std::chrono::steady_clock::now();
  const nlohmann::json profile = wait_until_ready(*broker, modules);
  std::cout << "profile " << profile.at("id").get<int>() << " ready: " << modules;
  if (profile.contains("load_ms"))
    std::cout << " (imports took " << std::fixed << std::setprecision(1)
              << profile.at("load_ms").get<double>() << " ms, waited " << seconds_since(start)
              << ")";
  std::cout << "\n";
  return 0;
}

}  // namespace pyattach
