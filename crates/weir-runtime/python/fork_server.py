"""Weir's Python fork server: PyFlink's interpreters, started warm.

Every Python application starts two Python processes on the critical path
of its start: the driver of main() beside the Job Manager, and a Python
worker beside each Task Manager (Beam's SDK harness). Each imports
apache_beam, grpc and PyFlink's operations first, about a second of CPU
each. This server imports them once, per runtime, and forks a process that
has them already for every interpreter Flink starts.

Two roles, in one file so that they always agree on the protocol:

  python fork_server.py serve SOCKET
      Imports PyFlink's modules, then listens on SOCKET (mode 0600, only this
      user). It exits when its standard input closes: Weir holds the other end,
      so the server lives exactly as long as the Weir that started it.

  python -I -S fork_server.py client SOCKET ARGS...
      What Flink runs as `python.executable`/`python.client.executable`
      (through a two-line shell script). It hands the server its arguments,
      environment, working directory, process group and standard streams;
      the server forks a process that becomes this interpreter (same mount
      and user namespaces, same process group, same environment, as seen in
      /proc) and runs ARGS; the client relays signals to it and exits as it
      exits. Whatever the server cannot do exactly as `python ARGS` would (no
      server yet, arguments other than `[-u] -m MODULE ...` or
      `[-u] FILE ...`, interpreter settings from PYTHON* variables it cannot
      apply after start-up), the client does by exec'ing the interpreter: the
      server only ever makes a start faster, never different.
"""

import os
import socket
import struct
import sys

# What PyFlink's processes import before they do anything: the driver of a
# Table API or DataStream program, Beam's boot and SDK harness, PyFlink's
# operations and coders. A module this PyFlink lacks is skipped.
PRELOAD = (
    "pyflink.table",
    "pyflink.datastream",
    "pyflink.table.udf",
    "pyflink.fn_execution.flink_fn_execution_pb2",
    "pyflink.fn_execution.coders",
    "grpc",
    "apache_beam.portability.api.org.apache.beam.model.fn_execution.v1.beam_fn_api_pb2_grpc",
    "apache_beam.portability.api.org.apache.beam.model.fn_execution.v1.beam_provision_api_pb2_grpc",
    "apache_beam.runners.worker.sdk_worker",
    "apache_beam.runners.worker.sdk_worker_main",
    "pyflink.fn_execution.beam.beam_sdk_worker_main",
    "pyflink.fn_execution.beam.beam_operations",
    "pyflink.fn_execution.beam.beam_coders",
    "pyflink.fn_execution.table.operations",
    "pyflink.fn_execution.datastream.operations",
    "pyflink.fn_execution.datastream.process.operations",
)

# PYTHON* variables a forked interpreter honours as `python` would; any
# other one set makes the client exec the interpreter instead.
HONOURED = {"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING"}

HEADER = struct.Struct("!I")


# --- client ------------------------------------------------------------------


def plan(args, env):
    """How to run `python ARGS` in a forked interpreter: a dict, or None
    when only the real interpreter can run it exactly."""
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    i = 0
    while i < len(args) and args[i] == "-u":
        unbuffered = True
        i += 1
    if i >= len(args):
        return None
    if any(k.startswith("PYTHON") and k not in HONOURED for k in env):
        return None
    if args[i] == "-m":
        if i + 1 >= len(args) or args[i + 1].startswith("-"):
            return None
        return {"module": args[i + 1], "argv": args[i + 2:], "unbuffered": unbuffered}
    if args[i].startswith("-"):
        return None
    return {"file": args[i], "argv": args[i + 1:], "unbuffered": unbuffered}


def client(path, args):
    import json
    import signal

    def fall_back():
        os.execv(sys.executable, [sys.executable] + args)

    run = plan(args, os.environ)
    if run is None:
        fall_back()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        fall_back()
    try:
        run.update(
            shown=args,
            env=dict(os.environ),
            cwd=os.getcwd(),
            pgid=os.getpgid(0),
            umask=os.umask(0o022),
        )
        os.umask(run["umask"])
        body = json.dumps(run).encode()
        socket.send_fds(sock, [HEADER.pack(len(body)) + body], [0, 1, 2])
        answer = sock.makefile("rb")
        started = answer.readline()
    except Exception:  # noqa: BLE001 - no working directory, a closed stream, …
        started = b""
    if not started or "pid" not in json.loads(started):
        # The server went away, or its fork could not take this process's
        # place (the reason is in its log): nothing ran yet.
        sock.close()
        fall_back()
    pid = json.loads(started)["pid"]

    def relay(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(s, relay)
    # Interrupted by a relayed signal, the read is retried (PEP 475).
    ended = answer.readline()
    if not ended:
        # The process that waits for it was killed: wait for it here.
        import time

        while True:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                        break
            except OSError:
                break
            time.sleep(0.05)
        os._exit(1)
    code = json.loads(ended)["code"]
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


# --- server ------------------------------------------------------------------


def preload():
    import importlib
    import logging
    import warnings

    with warnings.catch_warnings():
        # apache_beam's stager warns about pkg_resources on import; an
        # interpreter that imports it itself still shows the warning.
        warnings.simplefilter("ignore")
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not in this PyFlink
                pass
    # Imports must leave no state a program would not find in a fresh
    # interpreter: no logging handlers, no Python threads (a fork keeps only
    # the thread that forks). Native pools started on import (OpenBLAS's
    # under numpy, jemalloc's under pyarrow) stop and restart around a fork
    # by their own handlers, as under multiprocessing's fork.
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.WARNING)
    import threading

    if threading.active_count() != 1:
        raise SystemExit("fork server: importing PyFlink started Python threads; not serving")


def receive(conn):
    import json

    msg, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    if len(fds) != 3 or len(msg) < HEADER.size:
        raise ValueError("a request carries its length and three streams")
    (length,) = HEADER.unpack_from(msg)
    body = msg[HEADER.size:]
    while len(body) < length:
        more = conn.recv(length - len(body))
        if not more:
            raise ValueError("a request ended early")
        body += more
    return json.loads(body), fds


def serve(path):
    import select
    import signal

    preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound under a temporary name and renamed: a client that finds the path
    # finds a server that is ready.
    tmp = f"{path}.{os.getpid()}"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    old = os.umask(0o177)
    listener.bind(tmp)
    os.umask(old)
    listener.listen(64)
    os.rename(tmp, path)
    # Forked parents are reaped by the kernel.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    me = os.getuid()
    while True:
        ready, _, _ = select.select([listener, 0], [], [])
        if 0 in ready and not os.read(0, 4096):
            os._exit(0)
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        try:
            pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid != me:
                raise PermissionError(f"a client of user {uid}")
            conn.settimeout(5)
            request, fds = receive(conn)
            conn.settimeout(None)
        except Exception as e:  # noqa: BLE001 - one bad client, not the server
            print(f"fork server: refused a request: {e}", file=sys.stderr, flush=True)
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            return wait_for(conn, request, fds, pid)
        for fd in fds:
            os.close(fd)
        conn.close()


def wait_for(conn, request, fds, client_pid):
    """In the forked parent: forks the interpreter, tells the client its pid,
    then how it ended. Returns only in the interpreter."""
    import json

    try:
        os.setpgid(0, request["pgid"])
    except OSError:
        pass
    # Shown as one of the caller's processes too (found by its marker).
    os.environ.clear()
    show_in_proc(request["env"], [sys.executable, "fork_server.py", "waiter"])
    # The interpreter says through this pipe whether it could take the
    # caller's place (nothing: it could); if not, the caller runs `python`.
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(readable)
        try:
            become(conn, request, fds, client_pid)
        except BaseException as e:  # noqa: BLE001 - told, then the caller execs
            os.write(writable, f"{type(e).__name__}: {e}".encode(errors="replace") or b"?")
            os._exit(0)
        os.close(writable)
        return request
    os.close(writable)
    for fd in fds:
        os.close(fd)
    why = b""
    while chunk := os.read(readable, 4096):
        why += chunk
    if why:
        os.waitpid(pid, 0)
        print(f"fork server: the caller runs the interpreter instead: {why.decode()}", file=sys.stderr, flush=True)
        try:
            conn.sendall(json.dumps({"refused": why.decode()}).encode() + b"\n")
        except OSError:
            pass
        os._exit(0)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except OSError:
        pass
    _, status = os.waitpid(pid, 0)
    try:
        conn.sendall(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
    except OSError:
        pass
    os._exit(0)


def enter_namespaces(pid):
    """Joins the user and mount namespaces of process `pid` (the client's:
    Weir gives each Flink JVM a private /etc/flink), where they differ."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    entered = []
    for kind, flag in (("user", 0x10000000), ("mnt", 0x00020000)):
        theirs = f"/proc/{pid}/ns/{kind}"
        if os.readlink(theirs) == os.readlink(f"/proc/self/ns/{kind}"):
            continue
        fd = os.open(theirs, os.O_RDONLY)
        try:
            if libc.setns(fd, flag) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns({kind}): {os.strerror(err)}")
        finally:
            os.close(fd)
        entered.append(kind)
    if "user" in entered:
        # Entering a user namespace grants every capability in it; the JVM's
        # processes hold none once they exec, so neither does this one.
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)
        data = (ctypes.c_uint32 * 6)()
        if libc.capset(header, data) != 0:
            raise OSError(ctypes.get_errno(), "capset")


def show_in_proc(env, argv):
    """Writes `env` and `argv` over this process's initial environment and
    command line, which /proc/PID/environ and /proc/PID/cmdline show: Weir
    finds an application's processes by the variable WEIR_FLINK_CLUSTER
    there, and `ps` shows what runs. The server was started with room to
    spare (a padding variable and argument)."""
    import ctypes

    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 48-51 of stat (arg_start, arg_end, env_start, env_end) are
    # fields[45:49] counted from the state (field 3).
    arg_start, arg_end, env_start, env_end = (int(x) for x in fields[45:49])

    def put(start, end, items):
        room = end - start
        data = b"".join(i.encode(errors="surrogateescape") + b"\0" for i in items)
        data = data[:room]
        ctypes.memmove(start, data + b"\0" * (room - len(data)), room)

    # libc's environ points into that area until the variables are set anew.
    put(env_start, env_end, [f"{k}={v}" for k, v in env.items() if k == "WEIR_FLINK_CLUSTER"] +
        [f"{k}={v}" for k, v in env.items() if k != "WEIR_FLINK_CLUSTER"])
    put(arg_start, arg_end, argv)


def become(conn, request, fds, client_pid):
    import signal

    # In the caller's group, so that a stop signals it with the caller's JVM.
    os.setpgid(0, request["pgid"])
    enter_namespaces(client_pid)
    os.chdir(request["cwd"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.close()
    os.umask(request["umask"])
    env = request["env"]
    os.environ.clear()
    show_in_proc(env, [sys.executable] + request.get("shown", []))
    os.environ.update(env)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def exit_code(e):
    """The status `python` exits with on SystemExit `e`."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1


def finish(code):
    """Ends the forked interpreter as Python's own shutdown would, up to
    what anyone can see: non-daemon threads joined, atexit functions run,
    standard streams flushed. The rest of a shutdown (tearing down every
    module, which would copy each page shared with the server) is skipped."""
    import atexit
    import signal
    import threading

    try:
        threading._shutdown()
    except BaseException:  # noqa: BLE001
        pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed pipe, as in Python
            code = code or 120
    if code == -2:
        # An uncaught KeyboardInterrupt: Python ends by that signal.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def run(request):
    """Runs the program as `python [-u] -m MODULE ARGS` or `python [-u] FILE
    ARGS` would, in this (forked) interpreter."""
    import importlib
    import io
    import runpy
    import types

    env = request["env"]
    if env.get("PYTHONDONTWRITEBYTECODE"):
        sys.dont_write_bytecode = True
    unbuffered = request["unbuffered"]
    encoding, _, errors = (env.get("PYTHONIOENCODING") or "").partition(":")
    streams = []
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        tty = raw.isatty()
        if fd == 0:
            buffered = io.BufferedReader(raw)
        elif unbuffered:
            buffered = raw
        else:
            buffered = io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding=encoding or old.encoding,
            errors=errors or old.errors,
            line_buffering=fd != 0 and (tty or fd == 2),
            write_through=unbuffered and fd != 0,
        )
        streams.append((name, stream))
    for name, stream in streams:
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)

    # sys.path as the interpreter builds it: the program's directory, then
    # PYTHONPATH, then the server's own (standard library, site-packages).
    inherited = sys.path[1:]
    extra = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if "module" in request:
        first = os.getcwd()
        sys.argv = ["-m"] + request["argv"]
    else:
        first = os.path.dirname(os.path.realpath(request["file"]))
        sys.argv = [request["file"]] + request["argv"]
    sys.path[:] = [first] + extra + inherited
    sys.orig_argv = [sys.executable] + request["shown"]
    importlib.invalidate_caches()

    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    if "module" in request:
        runpy._run_module_as_main(request["module"], alter_argv=True)
    else:
        main.__file__ = request["file"]
        main.__cached__ = None
        with open(request["file"], "rb") as f:
            code = compile(f.read(), request["file"], "exec")
        exec(code, main.__dict__)


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role == "client" and len(sys.argv) >= 3:
        client(sys.argv[2], sys.argv[3:])
    elif role == "serve" and len(sys.argv) >= 3:
        # Returns only in a forked interpreter, which then runs the program
        # here, outside the server's frames.
        request = serve(sys.argv[2])
        try:
            run(request)
            code = 0
        except SystemExit as e:
            code = exit_code(e)
        except KeyboardInterrupt:
            code = -2
        except BaseException:  # noqa: BLE001 - printed as Python prints it
            sys.excepthook(*sys.exc_info())
            code = 1
        finish(code)
    else:
        raise SystemExit(f"usage: {sys.argv[0]} serve SOCKET | client SOCKET ARGS...")
