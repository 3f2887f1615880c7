"""Segments: contacts split by their attributes, each segment with its own allocation.

- ``scenario``: the ``segments`` field of a simulated scenario.
- ``pooling``: each variant's effect in a segment pooled toward its campaign-wide effect.
- ``policy``: burt's allocation per segment, the per-segment winner rule at an error split over
  the segments, and the "winner differs by segment" verdict.
- ``simulation``: the segmented simulator and its results; ``policies`` what it runs (burt's
  pooled policy, segment-blind burt and the peers).
"""
