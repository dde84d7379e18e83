"""A step's peak memory: what it held at its largest, not what the process held before it or keeps after."""

from __future__ import annotations

import ctypes
import ctypes.util
import time

from ops.memory import PeakMemory, give_back_freed_memory, resident_bytes

MB = 1024 * 1024


def test_the_peak_of_a_part_counts_what_it_allocated_and_not_what_came_before() -> None:
    before = resident_bytes()
    assert before is not None, "Linux: /proc/self/statm is readable"
    with PeakMemory(interval=0.01) as memory:
        block = bytearray(300 * MB)  # zero-filled: every page is touched
        time.sleep(0.1)
        del block
        time.sleep(0.05)
    peak = memory.stop()
    assert peak is not None and peak >= (before + 280 * MB) // MB
    with PeakMemory(interval=0.01) as later:
        time.sleep(0.05)
    assert (later.stop() or 0) < peak - 200, "a part after it does not inherit its peak"


def test_a_peak_between_two_samples_is_still_counted_at_the_end() -> None:
    with PeakMemory(interval=60) as memory:  # no sample taken while the block is held
        block = bytearray(200 * MB)
        assert (memory.stop() or 0) >= 200
        del block


def test_memory_freed_inside_the_heap_is_handed_back() -> None:
    """Blocks freed below one still in use stay resident until the heap's free pages are handed back."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(3000)]  # under the mmap threshold: from the heap
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    for block in blocks[:-1]:
        libc.free(block)  # the last block keeps the heap from shrinking at its top
    before = resident_bytes() or 0
    give_back_freed_memory()
    after = resident_bytes() or 0
    libc.free(blocks[-1])
    assert before - after > 150 * MB, (before // MB, after // MB)
