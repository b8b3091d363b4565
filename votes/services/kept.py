"""What a process keeps of what never changes under its key (an electorate by its frozen
roll, a sealed entry by its digest, a vote's figures by its chain's length): bounded, the
least recently used dropped first, shared by a worker's threads."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Kept:
    """Values by key, at most `size` in all: each counts as its `weight` (1 unless said, an
    electorate as its units), and a value heavier than the whole is not kept."""

    def __init__(self, size: int) -> None:
        self.size, self.held = size, 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found[0]
            return None

    def put(self, key, value, weight: int = 1, replace: bool = False) -> None:
        if weight > self.size:
            return
        with self.lock:
            if key in self.entries:
                if not replace:
                    return
                self.held -= self.entries.pop(key)[1]
            self.entries[key] = (value, weight)
            self.held += weight
            while self.held > self.size:
                _key, (_value, dropped) = self.entries.popitem(last=False)
                self.held -= dropped

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.held = 0
