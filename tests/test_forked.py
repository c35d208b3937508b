import gc
import os
import resource
import signal
import time

import pytest

from compliance import forked

pytestmark = pytest.mark.skipif(not forked.FORKING, reason="forking is used on Linux only")


def test_work_runs_in_a_child_and_its_result_comes_back():
    """The result is computed in another process, with the collector off there; the parent's
    collector is left as it was."""
    parent = os.getpid()
    pid, collector_on, payload = forked.run(lambda: (os.getpid(), gc.isenabled(), b"%PDF" * 1000))
    assert pid != parent
    assert collector_on is False
    assert payload == b"%PDF" * 1000
    assert gc.isenabled()


def test_childs_memory_is_not_the_parents():
    """What the child allocates is freed with it: the parent does not grow."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    forked.run(lambda: len(bytearray(200 * 1024 * 1024)))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < before + 100 * 1024
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 200 * 1024


def test_an_error_in_the_child_is_raised_in_the_parent():
    def fail():
        raise ValueError("Refused to fetch 'file:///etc/passwd'")

    with pytest.raises(ValueError, match="Refused to fetch"):
        forked.run(fail)


def test_an_error_that_cannot_travel_is_described():
    class Local(Exception):
        pass

    def fail():
        raise Local("lost in transit")

    with pytest.raises(forked.ChildFailed, match="lost in transit"):
        forked.run(fail)


def test_a_child_that_dies_is_reported():
    with pytest.raises(forked.ChildFailed, match="killed by signal 9"):
        forked.run(lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(forked.ChildFailed, match="exit status 3"):
        forked.run(lambda: os._exit(3))


def test_many_works_run_in_children_results_in_order():
    """Each work in a child of its own; results come back in the works' order, also when a
    result is larger than a pipe holds (the parent reads every child as it writes)."""
    parent = os.getpid()

    def work(n):
        return lambda: (n, os.getpid(), bytes([n]) * (300_000 + n))

    results = forked.run_many([work(n) for n in range(5)], processes=2)
    assert [n for n, _pid, _payload in results] == list(range(5))
    assert all(pid != parent for _n, pid, _payload in results)
    assert len({pid for _n, pid, _payload in results}) == 5
    assert all(payload == bytes([n]) * (300_000 + n) for n, _pid, payload in results)


def test_many_works_run_at_most_so_many_at_a_time():
    def work():
        start = time.monotonic()
        time.sleep(0.3)
        return start, time.monotonic()

    spans = forked.run_many([work] * 4, processes=2)
    for moment, _end in spans:
        running = sum(1 for start, end in spans if start <= moment < end)
        assert running <= 2
    # Two at a time: about two rounds, not four.
    assert max(end for _s, end in spans) - min(start for start, _e in spans) < 1.0


def test_an_error_in_one_of_many_is_raised_once_all_have_ended(tmp_path):
    def fail():
        raise ValueError("part 2 failed")

    def slow(name):
        def work():
            time.sleep(0.2)
            (tmp_path / name).write_text("done")

        return work

    with pytest.raises(ValueError, match="part 2 failed"):
        forked.run_many([slow("first"), fail, slow("third")], processes=3)
    # The others ran to their end before the error was raised.
    assert (tmp_path / "first").read_text() == (tmp_path / "third").read_text() == "done"
