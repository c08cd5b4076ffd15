"""Province scale: the same assessment, partitioned by area and run on Dask.

A province (Zhejiang: 90 counties, tens of thousands of facilities, millions of road nodes)
does not fit one :func:`healthcov.assess` call comfortably. :func:`assess_partitioned` runs one
Dask task per area (county, district): the task reads its own road network from a file (one
file for all, or one file per area on shared storage), keeps the roads within the area plus a
buffer wide enough for every cross-border trip the rules can count, takes the facilities in
that buffer and the population points inside the area, and runs the engine's public stages
(:func:`~healthcov.standards.prepare`, :func:`~healthcov.standards.evaluate`,
:func:`~healthcov.standards.assemble`) for that one area. The client merges the small per-area
pieces through :func:`~healthcov.standards.assemble` too, into the :class:`Assessment` the
single-machine path returns: per-area rows are the same, and jurisdiction-wide rows (a city's
mean response time, ratios with ``scope = "jurisdiction"``) are evaluated on the merged
per-point values, so they are the same too. The client never loads a road network.

Modules: :mod:`.buffers` (how far each task reads, where its roads are), :mod:`.task` (one
partition), :mod:`.execute` (in this process or on Dask), :mod:`.merge` (pieces → assessment),
:mod:`.runner` (:func:`assess_partitioned`).

Exactness. A trip of ``t`` seconds never leaves the circle of radius ``t × top speed`` around
its start, so the buffer ``threshold × top speed + snapping limit`` holds every trip up to the
threshold (see :func:`partition_buffers`). Times beyond it (which enter means and 90th
percentiles) are checked after each run: when a value may have been cut off by the buffer, the
task widens the buffer and runs again (as far as its network file reaches). What could not be
checked is counted per partition in ``assumptions["execution"]["partitions_detail"]``
(``values_beyond_buffer``) and named in the notes.

Division of labour. The client runs the engine without a network (``G=None``) for what needs
none: areas and their population, classes, facility types and statuses, ratio and count rules.
The tasks run the network rules (service circles, radii, response times). Tasks in threads of
one worker process take turns (warning filters are per process); use worker processes, one
thread each, as ``workers=N`` does.
"""

from __future__ import annotations

from .buffers import partition_buffers
from .common import PartitionError, PartitionFailedWarning
from .runner import assess_partitioned

__all__ = ["assess_partitioned", "partition_buffers", "PartitionFailedWarning", "PartitionError"]
