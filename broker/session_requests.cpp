// The broker's answers to the multiplexer requests that work on a session without
// attaching to it: capture, wait, send, rm; and opening a new session's log.

#include <algorithm>
#include <filesystem>

#include "broker.hpp"

namespace pyattach {

namespace {

// Large screens and scrollback are sent in pieces well under the frame limit.
constexpr std::size_t kCaptureChunk = 256 * 1024;

std::string no_session(const std::string& target) {
  return "no session '" + target + "' (see `pyattach ls`)";
}

// A session name as a file name: a slash would make it a path.
std::string file_name_for(std::string name) {
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
}

}  // namespace

void Broker::on_capture(Connection& client, const nlohmann::json& request) {
  const std::string target = request.at("target").get<std::string>();
  const Session* session = find_session(target);
  if (session == nullptr) {
    client.fail(no_session(target));
    return;
  }
  const auto lines = request.value("scrollback", std::int64_t{0});
  if (lines < 0) {
    client.fail("capture: the number of scrollback lines cannot be negative");
    return;
  }
  const std::string text =
      session->capture(static_cast<std::size_t>(lines), request.value("ansi", false));
  for (std::size_t at = 0; at < text.size(); at += kCaptureChunk)
    client.send(MsgType::Output, std::string_view(text).substr(at, kCaptureChunk));
  client.send_json(MsgType::Ok, nlohmann::json::object());
}

void Broker::on_wait(Connection& client, const nlohmann::json& request) {
  const auto targets = request.at("targets").get<std::vector<std::string>>();
  if (targets.empty()) {
    client.fail("wait: no session named");
    return;
  }
  std::vector<Session*> sessions;
  for (const auto& target : targets) {
    Session* session = find_session(target);
    if (session == nullptr) {
      client.fail(no_session(target));
      return;
    }
    sessions.push_back(session);
  }
  const int waiter_id = next_waiter_id_++;
  waiters_[waiter_id] =
      Waiter{client.id(), std::vector<nlohmann::json>(sessions.size()), sessions.size()};
  // Sessions that have already ended answer at once; the last answer sends the reply.
  for (std::size_t i = 0; i < sessions.size(); ++i)
    sessions[i]->when_ended(
        [this, waiter_id, i](const nlohmann::json& ended) { wait_result(waiter_id, i, ended); });
}

void Broker::wait_result(int waiter_id, std::size_t index, const nlohmann::json& ended) {
  auto waiter = waiters_.find(waiter_id);
  if (waiter == waiters_.end()) return;
  waiter->second.results[index] = ended;
  if (--waiter->second.remaining > 0) return;
  if (Connection* client = connection(waiter->second.client))
    client->send_json(MsgType::Ok, {{"sessions", waiter->second.results}});
  waiters_.erase(waiter);
}

void Broker::on_send(Connection& client, const nlohmann::json& request) {
  // Connections are never reused: entries of clients that vanished mid-send are stale.
  std::erase_if(senders_, [this](const auto& entry) { return connection(entry.first) == nullptr; });
  const std::string target = request.at("target").get<std::string>();
  const Session* session = find_session(target);
  if (session == nullptr) {
    client.fail(no_session(target));
    return;
  }
  if (!session->running()) {
    client.fail("session '" + target + "' has ended; there is no program to send input to");
    return;
  }
  if (client.attached_session || senders_.contains(client.id())) {
    client.fail("this connection already has a session");
    return;
  }
  senders_[client.id()] = Sender{session->id()};
  client.send_json(MsgType::Ok, {{"id", session->id()}, {"name", session->name()}});
}

void Broker::on_send_input(Connection& client, std::string_view bytes) {
  auto sender = senders_.find(client.id());
  if (sender == senders_.end()) return;
  auto session = sessions_.find(sender->second.session);
  if (session != sessions_.end() && session->second->write_input(bytes)) {
    sender->second.written += bytes.size();
  } else {
    sender->second.dropped += bytes.size();
  }
}

void Broker::on_send_end(Connection& client) {
  auto sender = senders_.find(client.id());
  if (sender == senders_.end()) {
    client.fail("protocol error: SendEnd without Send");
    return;
  }
  const Sender done = sender->second;
  senders_.erase(sender);
  if (done.dropped > 0) {
    auto session = sessions_.find(done.session);
    const bool ended = session == sessions_.end() || !session->second->running();
    client.fail(std::to_string(done.dropped) + " of " +
                std::to_string(done.written + done.dropped) + " bytes were not sent: " +
                (ended ? "the session ended" : "the program leaves too much input unread"));
    return;
  }
  client.send_json(MsgType::Ok, {{"bytes", done.written}});
}

void Broker::on_remove(Connection& client, const nlohmann::json& request) {
  std::vector<int> ids;
  nlohmann::json errors = nlohmann::json::array();
  if (request.value("all", false))
    for (const auto& [id, session] : sessions_)
      if (!session->running()) ids.push_back(id);
  for (const auto& target : request.value("targets", std::vector<std::string>{})) {
    const Session* session = find_session(target);
    if (session == nullptr) {
      errors.push_back(no_session(target));
    } else if (session->running()) {
      errors.push_back("session '" + target + "' is still running (stop it with `pyattach kill " +
                       target + "`)");
    } else {
      ids.push_back(session->id());
    }
  }
  nlohmann::json removed = nlohmann::json::array();
  for (const int id : ids) {
    auto found = sessions_.find(id);
    if (found == sessions_.end()) continue;  // named twice
    removed.push_back(found->second->name());
    sessions_.erase(found);
  }
  client.send_json(MsgType::Ok, {{"removed", removed}, {"errors", errors}});
}

std::unique_ptr<SessionLog> Broker::open_session_log(const nlohmann::json& request,
                                                     const std::string& name, std::string& error) {
  std::string path = request.value("log", "");
  const std::string dir = request.value("log_dir", "");
  if (path.empty() && !dir.empty()) {
    std::error_code ignored;  // a directory that cannot be made fails the open, with its reason
    std::filesystem::create_directories(dir, ignored);
    path = dir + "/" + file_name_for(name) + ".log";
  }
  if (path.empty()) return nullptr;
  return SessionLog::open(loop_, path, error);
}

}  // namespace pyattach
