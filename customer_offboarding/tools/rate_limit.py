"""A bounded, thread-safe sliding-window rate limiter (in memory, per process)."""

import threading
import time
from collections import OrderedDict, deque


class RateLimiter:
    """Hits per key in a sliding window; at most ``max_keys`` keys are kept
    (the least recently hit are forgotten first), so memory is bounded
    whatever the number of distinct keys callers make up."""

    def __init__(self, window, max_keys=10000):
        self.window = window
        self.max_keys = max_keys
        self._hits = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key, limit, now=None):
        """Record a hit of ``key``; False (nothing recorded) past ``limit``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            else:
                self._hits.move_to_end(key)
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return True

    def __len__(self):
        return len(self._hits)

    def reset(self):
        with self._lock:
            self._hits.clear()
