"""Processes the tests and the benchmarks both start: a live burt server, MongoDB-wire emulators.

A top-level package of its own so that neither side imports the other: `bench/` is an entry
point and must not reach into `tests/`, and `tests/` must not depend on the benchmarks.
"""
