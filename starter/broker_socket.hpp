#pragma once
// Talking to the broker without a C library: connecting, and sending a request right
// behind the Hello, as the client's BrokerClient::connect(…, FirstRequest) does.

#include "frame.hpp"
#include "reply_reader.hpp"

namespace pyattach {

class JsonWriter;

// A connection to the broker of this user's runtime directory (runtime_dir.cpp), if one
// is there and the directory is private; -1 otherwise.
int connect_to_broker(char** envp);

// The fds a request passes (SCM_RIGHTS), ascending.
struct PassedFds {
  int fds[kMaxPassedFds];
  int count;
};

// Hello, then `request` as a frame of `type`, with `passed` attached to its header. False
// if the broker is gone.
bool send_first_request(int socket, MsgType type, const JsonWriter& request,
                        const PassedFds& passed);

// The next reply, reading as needed; false if the connection ends first.
bool receive(ReplyReader& replies, ReplyReader::Reply& reply);

// Hello and the request sent, the broker's Hello received: the broker answers Hello
// before it reads anything else. False, with the socket closed, if it did not.
bool greeted(int socket, MsgType type, const JsonWriter& request, const PassedFds& passed,
             ReplyReader& replies);

}  // namespace pyattach
