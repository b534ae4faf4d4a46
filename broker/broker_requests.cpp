// The broker's answers to client requests, one function per message type.

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "broker.hpp"
#include "json_message.hpp"
#include "session_table.hpp"

namespace pyattach {

namespace {

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<WindowSize> requested_size(const nlohmann::json& request) {
  const int rows = request.value("rows", 0);
  const int cols = request.value("cols", 0);
  if (rows <= 0 || cols <= 0 || rows > 10000 || cols > 10000) return std::nullopt;
  return WindowSize{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols)};
}

// The parts of a NewSession or Run request: which zygote, and what its child runs.
struct Launch {
  Profile profile;
  std::vector<std::string> zygote_env;  // the caller's environment, for starting a zygote
  nlohmann::json spawn;                 // argv, cwd, env, umask for the zygote
  std::vector<std::string> argv;
};

// Lowercase hex of bytes other than NUL, as launch_request.cpp writes them.
bool is_hex_without_nul(const nlohmann::json& text) {
  const auto* hex = text.get_ptr<const std::string*>();
  if (hex == nullptr || hex->size() % 2 != 0) return false;
  for (std::size_t i = 0; i < hex->size(); i += 2) {
    const auto digit = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    if (!digit((*hex)[i]) || !digit((*hex)[i + 1]) || hex->compare(i, 2, "00") == 0) return false;
  }
  return true;
}

// The "undecodable" field of a launch (launch_request.hpp), for `argc` arguments: what
// launch_problem() asks of the strings, asked of the bytes (hex) they stand for.
bool exact_bytes_fit(const nlohmann::json& exact, std::size_t argc) {
  if (!exact.is_object()) return false;
  // An environment name: not empty, no '=' (hex 3d at a byte boundary).
  const auto is_name = [](const std::string& hex) {
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      if (hex.compare(i, 2, "3d") == 0) return false;
    return !hex.empty() && is_hex_without_nul(hex);
  };
  for (const auto& [field, value] : exact.items()) {
    if (field == "cwd") {
      if (!is_hex_without_nul(value) || value.get<std::string>().rfind("2f", 0) != 0) return false;
    } else if (field == "argv" || field == "env") {
      if (!value.is_object()) return false;
      for (const auto& [key, bytes] : value.items()) {
        const bool key_fits = field == "env" ? is_name(key)
                                             : all_digits(key) && key.size() < 9 &&
                                                   static_cast<std::size_t>(std::stoi(key)) < argc;
        if (!key_fits || !is_hex_without_nul(bytes)) return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

// What the child could not be given: a NUL cannot pass execve-style strings, and a
// request goes straight to a pooled child, which would only end with status 1. Empty if
// the launch is fine.
std::string launch_problem(const Launch& launch) {
  const auto has_nul = [](const std::string& text) { return text.find('\0') != std::string::npos; };
  for (const auto& arg : launch.argv)
    if (has_nul(arg)) return "an argument contains a NUL byte";
  const auto cwd = launch.spawn.at("cwd").get<std::string>();
  if (cwd.empty() || cwd.front() != '/' || has_nul(cwd))
    return "the working directory must be an absolute path";
  for (const auto& [name, value] : launch.spawn.at("env").items()) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name) ||
        has_nul(value.get<std::string>()))
      return "environment variable names must be non-empty, without '=' or NUL";
  }
  const auto& umask = launch.spawn.at("umask");
  if (!umask.is_number_integer() || umask.get<long long>() < 0 || umask.get<long long>() > 07777)
    return "umask must be an integer 0..07777";
  if (const auto exact = launch.spawn.find("undecodable");
      exact != launch.spawn.end() && !exact_bytes_fit(*exact, launch.argv.size()))
    return "undecodable must map argv indexes, env names and cwd to hex without NUL bytes";
  if (const auto status_to = launch.spawn.find("status_to"); status_to != launch.spawn.end()) {
    const auto* name = status_to->get_ptr<const std::string*>();
    if (name == nullptr || name->empty() || name->size() > 107 || has_nul(*name))
      return "status_to must be an abstract socket name";
  }
  return "";
}

Launch parse_launch(const nlohmann::json& request) {
  Launch launch;
  const auto env = request.at("env").get<std::map<std::string, std::string>>();
  launch.profile = Profile::from_request(request, env);
  for (const auto& [key, value] : env) launch.zygote_env.push_back(key + "=" + value);
  launch.argv = request.at("argv").get<std::vector<std::string>>();
  launch.spawn = {{"argv", launch.argv},
                  {"cwd", request.at("cwd").get<std::string>()},
                  {"env", env},
                  {"umask", request.value("umask", 022)}};
  // The exact bytes of strings that are not UTF-8 (launch_request.hpp), for the zygote.
  if (const auto exact = request.find("undecodable"); exact != request.end())
    launch.spawn["undecodable"] = *exact;
  return launch;
}

// The caller's fds besides stdio without close-on-exec, which python3 would have
// inherited (a Run request, or a NewSession of `run` on a terminal); nullopt after
// failing the request if the list is malformed.
std::optional<std::vector<int>> inherited_fds(Connection& client, const nlohmann::json& request) {
  auto inherited = request.value("inherited_fds", std::vector<int>{});
  if (std::adjacent_find(inherited.begin(), inherited.end(), std::greater_equal<int>()) !=
          inherited.end() ||
      (!inherited.empty() && inherited.front() < 3) || inherited.size() > kMaxInheritedFds) {
    client.fail("inherited_fds must list at most " + std::to_string(kMaxInheritedFds) +
                " distinct fds from 3 up, in order");
    return std::nullopt;
  }
  return inherited;
}

}  // namespace

void Broker::handle_frame(Connection& client, const Frame& frame) {
  if (shutting_down_) return;
  try {
    if (!client.hello_done) {
      if (frame.type != MsgType::Hello) {
        client.fail("protocol error: expected Hello, got " +
                    std::string(msg_type_name(frame.type)));
        return;
      }
      on_hello(client, parse_message(frame.payload));
      return;
    }
    switch (frame.type) {
      case MsgType::Input:
        on_input(client, frame.payload);
        return;
      case MsgType::NewSession:
        on_new_session(client, parse_message(frame.payload));
        return;
      case MsgType::Run:
        on_run(client, parse_message(frame.payload));
        return;
      case MsgType::Attach:
        on_attach(client, parse_message(frame.payload));
        return;
      case MsgType::Resize:
        on_resize(client, parse_message(frame.payload));
        return;
      case MsgType::Detach:
        on_detach(client);
        return;
      case MsgType::List:
        on_list(client, parse_message(frame.payload));
        return;
      case MsgType::Kill:
        on_kill(client, parse_message(frame.payload));
        return;
      case MsgType::Capture:
        on_capture(client, parse_message(frame.payload));
        return;
      case MsgType::Wait:
        on_wait(client, parse_message(frame.payload));
        return;
      case MsgType::Send:
        on_send(client, parse_message(frame.payload));
        return;
      case MsgType::SendEnd:
        on_send_end(client);
        return;
      case MsgType::Remove:
        on_remove(client, parse_message(frame.payload));
        return;
      case MsgType::Profiles:
        on_profiles(client);
        return;
      case MsgType::Warm:
        on_warm(client, parse_message(frame.payload));
        return;
      case MsgType::Unload:
        on_unload(client, parse_message(frame.payload));
        return;
      case MsgType::KillServer:
        client.send_json(MsgType::Ok, nlohmann::json::object());
        shutdown();
        return;
      default:
        client.fail("protocol error: unexpected " + std::string(msg_type_name(frame.type)));
        return;
    }
  } catch (const nlohmann::json::exception& e) {
    client.fail("malformed " + std::string(msg_type_name(frame.type)) + " message: " + e.what());
  }
}

void Broker::on_hello(Connection& client, const nlohmann::json& request) {
  const auto version = request.at("version").get<std::uint32_t>();
  if (version != kProtocolVersion) {
    client.fail("protocol version " + std::to_string(version) +
                " is not supported by this broker (" + std::to_string(kProtocolVersion) +
                "); run `pyattach kill-server` to restart it");
    return;
  }
  client.hello_done = true;
  client.send_json(MsgType::Hello, {{"version", kProtocolVersion}, {"pid", ::getpid()}});
}

Session* Broker::find_session(const std::string& target) {
  for (auto& [id, session] : sessions_)
    if (session->name() == target) return session.get();
  if (all_digits(target) && target.size() < 9) {
    if (auto found = sessions_.find(std::stoi(target)); found != sessions_.end())
      return found->second.get();
  }
  return nullptr;
}

void Broker::on_new_session(Connection& client, const nlohmann::json& request) {
  std::string name = request.value("name", "");
  if (!name.empty()) {
    if (all_digits(name)) {
      client.fail("session name '" + name + "' is a number; numbers are session ids");
      return;
    }
    if (const Session* existing = find_session(name)) {
      // One that never started holds nothing worth keeping: retrying takes its name.
      if (!existing->start_error()) {
        client.fail("a session named '" + name + "' already exists");
        return;
      }
      sessions_.erase(existing->id());
    }
  }
  const auto inherited = inherited_fds(client, request);
  if (!inherited) return;
  if (client.fds_available() != inherited->size()) {
    client.fail("a NewSession request needs the fds in its inherited_fds attached, and no other");
    return;
  }
  std::vector<UniqueFd> fds = client.take_fds(inherited->size());
  Launch launch = parse_launch(request);
  if (!inherited->empty()) launch.spawn["inherited_fds"] = *inherited;
  if (std::string problem = launch_problem(launch); !problem.empty()) {
    client.fail(problem);
    return;
  }
  const WindowSize size = requested_size(request).value_or(WindowSize{});
  std::string error;
  Zygote* zygote = zygote_for(launch.profile, launch.zygote_env, error);
  if (zygote == nullptr) {
    client.fail(error);
    return;
  }
  auto pty = open_pty(size, error);
  if (!pty) {
    client.fail(error);
    return;
  }

  const int id = next_session_id_++;
  if (name.empty()) name = std::to_string(id);
  auto log = open_session_log(request, name, error);
  if (!log && !error.empty()) {
    client.fail(error);
    return;
  }
  keeper_.add(id, name, launch.argv, size, pty->master.get(), log ? log->path() : "");
  auto session =
      std::make_unique<Session>(*this, id, name, launch.argv, std::move(pty->master), size);
  if (log) session->record_to(std::move(log));
  session->transient = request.value("transient", false);
  if (request.value("attach", false)) session->add_client(client);
  sessions_.emplace(id, std::move(session));
  session_zygote_[id] = zygote;
  launch.spawn["mode"] = "pty";
  fds.insert(fds.begin(), std::move(pty->slave));
  const Connection::Id client_id = client.id();
  zygote->spawn(id, std::move(launch.spawn), std::move(fds),
                [this, client_id, id](pid_t pid, const std::string& spawn_error) {
                  session_spawned(client_id, id, pid, spawn_error);
                });
}

void Broker::session_spawned(Connection::Id client_id, int session_id, pid_t pid,
                             const std::string& error) {
  Connection* client = connection(client_id);
  auto found = sessions_.find(session_id);
  if (found == sessions_.end()) return;
  if (!error.empty()) {
    // It stays listed as failed, so `wait` and `attach` get the same answer before and
    // after this point. Its attached clients (the asker, if attached) hear it from it.
    const bool told = client != nullptr && client->attached_session == session_id;
    session_zygote_.erase(session_id);
    found->second->start_failed(error);
    if (client != nullptr && !told) client->fail(error);
    return;
  }
  Session& session = *found->second;
  session.started(pid);
  keeper_.started(session_id, pid);
  if (client != nullptr)
    client->send_json(MsgType::SessionStarted,
                      {{"id", session.id()}, {"name", session.name()}, {"pid", pid}});
  if (auto status = claim_exit(pid)) child_exited(session_id, pid, *status);
  // Its client may have died before the program started (drop_connection() had no pid).
  session.hang_up_if_abandoned();
}

void Broker::on_run(Connection& client, const nlohmann::json& request) {
  // Those of the caller's stdin, stdout and stderr it did not have open: they cannot be
  // passed, and the program must find them closed too, as under python3.
  const auto closed = request.value("stdio_closed", std::vector<int>{});
  if (std::adjacent_find(closed.begin(), closed.end(), std::greater_equal<int>()) != closed.end() ||
      std::any_of(closed.begin(), closed.end(), [](int fd) { return fd < 0 || fd > 2; })) {
    client.fail("stdio_closed must list distinct fds from 0, 1, 2 in order");
    return;
  }
  const auto inherited = inherited_fds(client, request);
  if (!inherited) return;
  const std::size_t passed = 3 - closed.size() + inherited->size();
  if (client.fds_available() != passed || client.run_id) {
    client.fail(
        "a Run request needs its stdin, stdout and stderr attached (all but those "
        "in stdio_closed), then those in inherited_fds");
    return;
  }
  std::vector<UniqueFd> fds = client.take_fds(passed);
  Launch launch = parse_launch(request);
  if (!closed.empty()) launch.spawn["stdio_closed"] = closed;
  if (!inherited->empty()) launch.spawn["inherited_fds"] = *inherited;
  // The program sends its exit status to the caller's own socket too, sparing it the wait
  // for this process to pass it on (a PTY session's caller must wait for its output).
  if (request.contains("status_to")) launch.spawn["status_to"] = request["status_to"];
  if (std::string problem = launch_problem(launch); !problem.empty()) {
    client.fail(problem);
    return;
  }
  std::string error;
  Zygote* zygote = zygote_for(launch.profile, launch.zygote_env, error);
  if (zygote == nullptr) {
    client.fail(error);
    return;
  }
  const int id = next_session_id_++;
  runs_[id] = Run{client.id()};
  client.run_id = id;
  launch.spawn["mode"] = "stdio";
  zygote->spawn(
      id, std::move(launch.spawn), std::move(fds),
      [this, id](pid_t pid, const std::string& spawn_error) { run_spawned(id, pid, spawn_error); });
}

void Broker::run_spawned(int run_id, pid_t pid, const std::string& error) {
  auto run = runs_.find(run_id);
  if (run == runs_.end()) {
    // The client went away before the program started: it must not run unattended.
    if (error.empty() && pid > 0) ::kill(pid, SIGHUP);
    return;
  }
  Connection* client = connection(run->second.client);
  if (!error.empty()) {
    runs_.erase(run);
    if (client != nullptr) client->fail(error);
    return;
  }
  run->second.pid = pid;
  if (client != nullptr) client->send_json(MsgType::SessionStarted, {{"id", run_id}, {"pid", pid}});
  if (auto status = claim_exit(pid)) child_exited(run_id, pid, *status);
}

void Broker::on_attach(Connection& client, const nlohmann::json& request) {
  const std::string target = request.at("target").get<std::string>();
  Session* session = find_session(target);
  if (session == nullptr) {
    client.fail("no session '" + target + "' (see `pyattach ls`)");
    return;
  }
  if (client.attached_session) {
    client.fail("this connection is already attached");
    return;
  }
  if (session->start_error()) {
    client.fail("session '" + target + "' failed to start: " + *session->start_error());
    return;
  }
  session->attach(client, requested_size(request), request.value("read_only", false),
                  request.contains("detach_key")
                      ? std::optional<char>(request.at("detach_key").get<int>())
                      : std::nullopt);
}

void Broker::on_input(Connection& client, const std::string& bytes) {
  if (!client.attached_session) {
    on_send_input(client, bytes);  // `pyattach send`, if that is what this client is
    return;
  }
  if (auto found = sessions_.find(*client.attached_session); found != sessions_.end())
    found->second->input_from(client.id(), bytes);
}

void Broker::on_resize(Connection& client, const nlohmann::json& request) {
  const auto size = requested_size(request);
  if (!client.attached_session || !size) return;
  if (auto found = sessions_.find(*client.attached_session); found != sessions_.end())
    found->second->resize_from(client.id(), *size);
}

void Broker::on_detach(Connection& client) {
  if (!client.attached_session) return;
  auto found = sessions_.find(*client.attached_session);
  nlohmann::json message = {{"reason", "detached"}};
  if (found != sessions_.end()) {
    found->second->detach(client);
    found->second->transient = false;  // detached on purpose: it stays
    message["name"] = found->second->name();
    message["alternate_screen"] = found->second->alternate_screen();
  }
  client.send_json(MsgType::Exit, message);
  client.finish();
}

void Broker::on_list(Connection& client, const nlohmann::json& request) {
  if (request.value("table", false)) {
    // `ls`: the text it prints, made here so that the client has only to write it out.
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [id, session] : sessions_)
      rows.push_back(session->row(session_table_fields()));
    client.send_json(MsgType::ListReply, {{"table", session_table(rows)}});
    return;
  }
  if (request.contains("fields")) {
    // `ls -q` (and older clients' `ls`): one array per session with the named fields, in
    // that order; 50 sessions then cost both sides a third of what 50 full objects do.
    constexpr std::size_t kMaxFields = 64;
    const auto names = request.at("fields").get<std::vector<std::string>>();
    if (names.size() > kMaxFields) {
      client.fail("a List request names at most " + std::to_string(kMaxFields) + " fields");
      return;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [id, session] : sessions_) rows.push_back(session->row(names));
    client.send_json(MsgType::ListReply, {{"rows", std::move(rows)}});
    return;
  }
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [id, session] : sessions_) sessions.push_back(session->describe());
  nlohmann::json zygotes = nlohmann::json::array();
  for (const auto& [key, zygote] : zygotes_) zygotes.push_back(zygote->describe());
  client.send_json(MsgType::ListReply, {{"sessions", sessions}, {"zygotes", zygotes}});
}

void Broker::on_kill(Connection& client, const nlohmann::json& request) {
  const std::string target = request.at("target").get<std::string>();
  const int sig = request.value("signal", SIGTERM);
  Session* session = find_session(target);
  if (session == nullptr) {
    client.fail("no session '" + target + "' (see `pyattach ls`)");
    return;
  }
  if (!session->running()) {
    sessions_.erase(session->id());
    client.send_json(MsgType::Ok, {{"removed", true}});
    return;
  }
  if (sig <= 0 || sig >= NSIG) {
    client.fail("invalid signal number " + std::to_string(sig));
    return;
  }
  if (session->pid() <= 0 || !session->signal(sig)) {
    client.fail("cannot signal session '" + target + "'");
    return;
  }
  client.send_json(MsgType::Ok, {{"signalled", signal_name(sig)}});
}

}  // namespace pyattach
