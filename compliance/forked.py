"""Running one piece of work in a forked child process: how WeasyPrint renders the documents.

A large document makes WeasyPrint build some 400,000 Python objects that refer to each other in
cycles. Rendered in the web process, the garbage collector has to walk them while they grow and
find and free them all afterwards (a third of a second and more for the benchmark's summary), and
the process keeps the memory it grew to. A child forked for the rendering starts with everything
already imported, runs with the collector off, sends its result back through a pipe and is then
discarded whole by the operating system: nothing to collect, nothing to free, and the web process
stays as small as it was.

The child only renders: it never touches the database or the parent's other open files, and it
leaves with os._exit, so nothing the parent owns (connections, temporary files, atexit handlers) is
closed or run twice. Forking is used on Linux only, where the product runs; elsewhere (macOS forks
badly with threads, Windows cannot) the work runs in the calling process.
"""

import gc
import os
import pickle
import selectors
import sys

FORKING = sys.platform == "linux"


class ChildFailed(RuntimeError):
    """The child process ended without sending a result back."""


def run(work):
    """work()'s result, computed in a forked child process; its exceptions are raised here."""
    return run_many([work], processes=1)[0]


def run_many(works, processes):
    """[work() for work in works], each computed in a forked child process, at most `processes`
    of them at a time (a large document's parts: each child's memory is given back to the
    system when it ends). The first exception raised by a work is raised here, once every
    child has ended."""
    if not FORKING:
        return [work() for work in works]
    results = [None] * len(works)
    waiting = list(enumerate(works))
    running = {}  # read end -> (index, pid, chunks read)
    selector = selectors.DefaultSelector()
    failure = None
    while waiting or running:
        while waiting and len(running) < max(1, processes) and failure is None:
            index, work = waiting.pop(0)
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                _run_in_child(work, read_end, write_end)
            os.close(write_end)
            running[read_end] = (index, pid, [])
            selector.register(read_end, selectors.EVENT_READ)
        if not running:
            break
        # Read from every child as it writes: a result larger than a pipe's buffer would
        # otherwise keep its child waiting.
        for key, _events in selector.select():
            index, pid, chunks = running[key.fd]
            chunk = os.read(key.fd, 1 << 20)
            if chunk:
                chunks.append(chunk)
                continue
            selector.unregister(key.fd)
            os.close(key.fd)
            del running[key.fd]
            _pid, status = os.waitpid(pid, 0)
            try:
                results[index] = _outcome(b"".join(chunks), status)
            except Exception as error:
                failure = failure or error
    selector.close()
    if failure is not None:
        raise failure
    return results


def _outcome(payload, status):
    if not payload:
        raise ChildFailed(f"The rendering process ended without a result ({_describe(status)}).")
    outcome, value = pickle.loads(payload)
    if outcome == "error":
        raise value
    return value


def _run_in_child(work, read_end, write_end):
    exit_code = 1
    try:
        os.close(read_end)
        # This process is thrown away afterwards: its garbage never needs collecting.
        gc.disable()
        try:
            outcome = ("result", work())
        except Exception as error:
            outcome = ("error", error)
        try:
            payload = pickle.dumps(outcome)
        except Exception:
            payload = pickle.dumps(("error", ChildFailed(f"{outcome[1]!r} (not picklable)")))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        exit_code = 0
    finally:
        os._exit(exit_code)


def _describe(status):
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
