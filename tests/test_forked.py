import gc
import os
import resource
import signal

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
