"""Run kwire-mock, a mock Kafka cluster, from Python tests and drive it.

``KwireMock`` starts the ``kwire-mock`` executable that this wheel installs (``--port 0``, so
it never collides with anything, and ``--ready-file``, so it is used only once every listener
accepts), exposes the bootstrap list and a :class:`Controller` of its HTTP control endpoint, and
stops it on :meth:`KwireMock.stop` (or at the end of a ``with`` block)::

    with KwireMock(brokers=3, topics=["orders:3:3"]) as mock:
        producer = Producer({"bootstrap.servers": mock.bootstrap})
        ...
        mock.controller.move_leader("orders", 0)
        assert mock.controller.state().partition("orders", 0).leader_epoch == 1

The pytest fixtures (``kwire_mock``, ``kwire_mock_session``) live in
:mod:`kwire_mock.pytest_plugin` and are registered automatically.
"""

from ._controller import (
    Broker,
    ClusterState,
    ControlError,
    Controller,
    Group,
    Partition,
    Topic,
)
from ._process import KwireMock, MockStartError, find_binary

__all__ = [
    "Broker",
    "ClusterState",
    "ControlError",
    "Controller",
    "Group",
    "KwireMock",
    "MockStartError",
    "Partition",
    "Topic",
    "find_binary",
]
