#!/usr/bin/python3
"""Writes the seed corpus of each fuzz target (tests/fuzz/corpus/<target>/): valid
conversations and a few near misses, so the fuzzer starts from real protocol paths.
Run it again after a protocol change; the files are committed."""

import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
TYPES = dict(Hello=1, Error=2, NewSession=3, SessionStarted=4, Attach=5, Attached=6, Input=7,
             Output=8, Resize=9, Detach=10, Exit=11, List=12, ListReply=13, Kill=14, Ok=15,
             KillServer=16, Run=17)


def frame(kind, payload=b""):
    if not isinstance(payload, bytes):
        payload = json.dumps(payload, separators=(",", ":")).encode()
    return struct.pack("<II", TYPES[kind], len(payload)) + payload


HELLO = frame("Hello", {"version": 1})
LAUNCH = {"python": "/usr/bin/python3", "flags": ["-u"], "preload": ["numpy"],
          "env": {"PATH": "/usr/bin", "PYTHONPATH": "/x"}, "argv": ["job.py", "a"],
          "cwd": "/tmp", "umask": 18}

BROKER = {
    # first byte: bit 0 passes three fds with the first byte (a `run` client)
    "hello_list": b"\0" + HELLO + frame("List", {}),
    "bad_version": b"\0" + frame("Hello", {"version": 99}),
    "no_hello": b"\0" + frame("List", {}),
    "new_attach_io": b"\0" + HELLO + frame("NewSession", dict(LAUNCH, name="job", attach=True,
                                                              transient=True, rows=24, cols=80))
    + frame("Input", b"print(1)\r") + frame("Resize", {"rows": 50, "cols": 132})
    + frame("Detach", {}),
    "new_then_attach": b"\0" + HELLO + frame("NewSession", dict(LAUNCH, name="job"))
    + frame("Attach", {"target": "job", "rows": 10, "cols": 40}) + frame("Input", b"x")
    + frame("List", {}),
    "new_kill": b"\0" + HELLO + frame("NewSession", LAUNCH) + frame("Kill", {"target": "1",
                                                                             "signal": 15})
    + frame("Kill", {"target": "1", "signal": 99}),
    "run_with_fds": b"\1" + HELLO + frame("Run", LAUNCH),
    "run_without_fds": b"\0" + HELLO + frame("Run", LAUNCH),
    # the three fds as stdin, stderr and an inherited fd 5; then as one too many
    "run_inherited_fds": b"\1" + HELLO + frame("Run", dict(LAUNCH, stdio_closed=[1],
                                                           inherited_fds=[5])),
    "run_undecodable": b"\1" + HELLO + frame("Run", dict(LAUNCH, undecodable={
        "argv": {"1": "ff61"}, "env": {"4eff": "e9"}, "cwd": "2f746d70ff"})),
    "run_inherited_fds_missing": b"\1" + HELLO + frame("Run", dict(LAUNCH, inherited_fds=[5])),
    "kill_server": b"\0" + HELLO + frame("KillServer", {}),
    "list_table": b"\0" + HELLO + frame("NewSession", dict(LAUNCH, name="job"))
    + frame("List", {"table": True, "fields": ["id"]}) + frame("List", {"table": 1}),
    "malformed_json": b"\0" + HELLO + frame("Attach", b"{\"target\":"),
    "oversized": b"\0" + HELLO + struct.pack("<II", 3, 5 * 1024 * 1024),
    "unknown_type": b"\0" + HELLO + struct.pack("<II", 99, 0),
    "server_to_client_type": b"\0" + HELLO + frame("Output", b"x"),
    "wrong_types": b"\0" + HELLO + frame("NewSession", dict(LAUNCH, argv="job.py", rows="x")),
    # get<int>() of a float that does not fit is undefined behaviour (see json_message.hpp)
    "float_out_of_range": b"\0" + frame("Hello", {"version": 1e30}),
}

ZYGOTE = {
    "ready_spawned_exited": b"\n".join([
        b'{"op":"ready","load_ms":12.5,"version":"3.11.2"}',
        b'{"op":"spawned","id":1,"pid":4242}',
        b'{"op":"spawn-failed","id":2,"message":"cannot chdir"}',
        b'{"op":"exited","id":1,"pid":4242,"status":256}']),
    "failed": b'{"op":"failed","message":"Traceback\\nModuleNotFoundError: No module named x"}',
    "with_fd": b'@{"op":"ready"}\n{"op":"spawned","id":2,"pid":7}',
    "unknown_op": b'{"op":"what","id":1}\n{"id":1}\n[1,2]\n"op"',
    "wrong_types": b'{"op":"ready","load_ms":"x"}\n{"op":"spawned","id":"1","pid":1.5}',
    "float_out_of_range": b'{"op":"ready"}\n{"op":"spawned","id":1e+100,"pid":5}',
    # A pooled child handed over with its channel (here /dev/null: a send to it fails),
    # one without a channel, and the ends of a pooled and of a spawned child by pid alone.
    "pooled_then_exited": b"\n".join([
        b'@{"op":"pooled","pid":4243}',
        b'{"op":"ready"}',
        b'@{"op":"pooled","pid":4244}',
        b'{"op":"pooled","pid":4245}',
        b'{"op":"spawned","id":1,"pid":4242}',
        b'{"op":"exited","pid":4244,"status":0}',
        b'{"op":"exited","pid":4242,"status":9}']),
}

EXIT = frame("Exit", {"reason": "exited", "status": 3})
CLIENT = {
    # first byte: 0 ls, 1 ls --json, 2 kill, 3 kill-server, 4 run on a terminal, 5 attach
    "ls": b"\0" + HELLO + frame("ListReply", {"sessions": [
        {"id": 1, "name": "job", "pid": 42, "state": "running", "clients": 1, "age_s": 75.0,
         "command": ["job.py", "a b"]},
        {"id": 2, "name": "2", "pid": 43, "state": "exited", "status": 3, "clients": 0,
         "age_s": 4000.0, "command": []},
        {"id": 3, "name": "k", "pid": 44, "state": "killed", "signal": "TERM", "clients": 0,
         "age_s": 1.0, "command": ["x"]}], "zygotes": []}),
    "ls_table": b"\0" + HELLO + frame("ListReply", {"table": "ID  NAME\n1   job \u00e9\n"}),
    "ls_json": b"\1" + HELLO + frame("ListReply", {"sessions": [], "zygotes": []}),
    "kill": b"\2" + HELLO + frame("Ok", {"signalled": "INT"}),
    "kill_error": b"\2" + HELLO + frame("Error", {"message": "no session 'job'"}),
    "kill_server": b"\3" + HELLO + frame("Ok", {}) + frame("Exit", {"reason": "server-exit"}),
    "run": b"\4" + HELLO + frame("Output", b"early") + frame("SessionStarted",
                                                             {"id": 1, "name": "1", "pid": 9})
    + frame("Output", b"hello\r\n") + frame("Exit", {"reason": "exited", "status": 0}),
    "run_signal": b"\4" + HELLO + frame("SessionStarted", {"id": 1, "pid": 9})
    + frame("Exit", {"reason": "exited", "status": 130, "signal": 2}),
    "attach": b"\5" + HELLO + frame("Attached", {"id": 1, "name": "job"})
    + frame("Output", b"\x1b[2J\x1b[Hscreen") + frame("Exit", {"reason": "detached",
                                                               "name": "job",
                                                               "alternate_screen": True}),
    "attach_server_exit": b"\5" + HELLO + frame("Attached", {"id": 1, "name": "job"}) + EXIT
    + frame("Exit", {"reason": "server-exit"}),
    "refused": b"\0" + frame("Error", {"message": "permission denied"}),
}

FRAME = {
    # first byte: read size 1..64 for the split decode
    "two_frames": b"\x07" + HELLO + frame("Input", b"abc"),
    "partial": b"\x00" + HELLO[:5],
    "oversized": b"\x03" + struct.pack("<II", 8, 0xFFFFFFFF),
    "unknown": b"\x10" + struct.pack("<II", 0, 0),
    "empty_payload": b"\x01" + frame("Detach"),
}

for target, seeds in [("fuzz_broker_requests", BROKER), ("fuzz_zygote_messages", ZYGOTE),
                      ("fuzz_client_frames", CLIENT), ("fuzz_frame", FRAME)]:
    directory = HERE / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (directory / name).write_bytes(data)
