#pragma once
// The client <-> broker wire protocol: message types and the payloads they carry.
//
// Every message is a frame (see frame.hpp). Control messages carry a JSON object;
// Input and Output carry raw terminal bytes. The client's first message is Hello;
// the broker answers Hello or Error and closes on a version mismatch.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pyattach {

inline constexpr std::uint32_t kProtocolVersion = 1;

// The most fds one message carries (SCM_RIGHTS; the kernel's SCM_MAX_FD), and the most
// besides stdio a Run request may hand its program (inherited_fds), so that all of them
// go in one message.
inline constexpr int kMaxPassedFds = 253;
inline constexpr std::size_t kMaxInheritedFds = kMaxPassedFds - 3;

enum class MsgType : std::uint32_t {
  Hello = 1,           // both ways  {"version":N}
  Error = 2,           // B->C       {"message":"one line"}; the request failed
  NewSession = 3,      // C->B       see NewSessionRequest in the client
  SessionStarted = 4,  // B->C       {"id":N,"name":S,"pid":P}
  Attach = 5,          // C->B       {"target":S,"rows":R,"cols":C}
  Attached = 6,        // B->C       {"id":N,"name":S}; the redraw follows as Output
  Input = 7,           // C->B       raw bytes for the session's terminal
  Output = 8,          // B->C       raw bytes from the session's terminal
  Resize = 9,          // C->B       {"rows":R,"cols":C}
  Detach = 10,         // C->B       {}
  Exit = 11,           // B->C       {"reason":"detached"|"exited"|"server-exit","status":N,...}
  List = 12,           // C->B       {}, {"fields":[NAME...]} (at most 64) or {"table":true}
                       //            ("table" must be a boolean; false is as if absent, and
                       //            true wins over "fields")
  ListReply = 13,      // B->C       {"sessions":[{...}],"zygotes":[{...}]}, or with fields
                       //            {"rows":[[value per field, null if unknown]...]}, or
                       //            with table {"table":"the text `pyattach ls` prints,
                       //            header line included, each line ending in \n"}
                       //            (session_table.hpp)
  Kill = 14,           // C->B       {"target":S,"signal":N}
  Ok = 15,             // B->C       {} or a JSON result
  KillServer = 16,     // C->B       {}
  Run = 17,            // C->B       like NewSession, with the caller's stdin, stdout and
                       //            stderr attached (SCM_RIGHTS); answered SessionStarted
                       //            then Exit, with no PTY and no session. Optional
                       //            "status_to":NAME, an abstract datagram socket of the
                       //            caller's: the program sends its exit status there too
                       //            (decimal text; the kernel names the sender), ahead of Exit.
                       //            Optional "stdio_closed":[N...], those of fds 0, 1, 2 the
                       //            caller did not have open, in order: they are not attached
                       //            and the program has them closed. Optional
                       //            "inherited_fds":[N...], ascending, each >= 3, at most
                       //            kMaxInheritedFds: the caller's other fds without
                       //            close-on-exec, attached after stdio in that order; the
                       //            program has each at its number, as python3 would
  // 18-29: sessions as a multiplexer (capture, wait, send, rm).
  Capture = 18,  // C->B  {"target":S,"scrollback":N,"ansi":B}; answered with the text as
                 //       Output frames, then Ok {}
  Wait = 19,     // C->B  {"targets":[S...]}; answered once all have ended (and their logs
                 //       are written): Ok {"sessions":[{...as in ListReply...}]}
  Send = 20,     // C->B  {"target":S}; answered Ok. The connection's Input frames then go
                 //       to that session's terminal, without attaching
  SendEnd = 21,  // C->B  {}; answered Ok {"bytes":N} once all input is queued, or Error
  Remove = 22,   // C->B  {"targets":[S...],"all":B}; removes ended sessions; answered
                 //       Ok {"removed":[S...],"errors":["one line"...]}
  Stopped = 23,  // B->C  {"stopped":B} to attached clients: the program was stopped (Ctrl-Z,
                 //       SIGSTOP) or continued. `run` on a terminal stops itself likewise,
                 //       so its shell sees the job stopped as it would see python3
  // 30-39: preload profiles.
  Profiles = 30,       // C->B  {}; answered ProfilesReply
  ProfilesReply = 31,  // B->C  {"profiles":[{"id":N,"python":S,"preload":[...],"state":S,...}]}
  Warm = 32,           // C->B  the profile fields of a Run request (python, flags, preload,
                       //       env, key_env, mode, pool); answered Ok {profile} once it is
                       //       ready, or Error
  Unload = 33,         // C->B  {"target":S} (a profile id); answered Ok {"unloaded":N}
};

// For messages in logs and errors.
std::string_view msg_type_name(MsgType type);

}  // namespace pyattach
