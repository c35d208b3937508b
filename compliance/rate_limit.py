"""How many times an address may do something per window of time, in this process (the public
write side: consent records, subscriptions, objections). Per process on purpose: nothing is
shared but the database, and a limit here only has to stop a script, not count exactly."""

import threading
import time

from django.conf import settings


class RateLimit:
    """At most settings.<limit_setting> calls of allow() per address and window."""

    def __init__(self, window_seconds, limit_setting):
        self.window_seconds = window_seconds
        self.limit_setting = limit_setting
        self.lock = threading.Lock()
        self.window = None
        self.counts = {}
        # Windows are fixed spans of this clock (a test holds it still: calls that straddle
        # the end of a window are counted in two).
        self.clock = time.monotonic

    def allow(self, address):
        window = int(self.clock() // self.window_seconds)
        with self.lock:
            if window != self.window:
                self.window, self.counts = window, {}
            count = self.counts.get(address, 0) + 1
            self.counts[address] = count
        return count <= getattr(settings, self.limit_setting)
