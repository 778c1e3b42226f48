"""pytest fixtures that run kwire-mock (registered through the ``pytest11`` entry point).

``kwire_mock``
    a fresh cluster per test. Options come from ``@pytest.mark.kwire_mock(brokers=1, ...)`` or
    from indirect parametrization
    (``@pytest.mark.parametrize("kwire_mock", [{"brokers": 1}], indirect=True)``); the keyword
    options are those of :class:`kwire_mock.KwireMock`.
``kwire_mock_session``
    one cluster for the whole session; its options come from the ``kwire_mock_session_options``
    fixture, which a ``conftest.py`` may override.

Both yield a started :class:`kwire_mock.KwireMock` (``.bootstrap``, ``.controller``) and stop
it at teardown. When a test fails, the mock's last log lines are added to the report.
"""

from typing import Any, Dict, Iterator

import pytest

from ._process import KwireMock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kwire_mock(**options): options of the kwire_mock fixture's cluster "
        "(brokers, topics, follower_lag_ms, min_insync_replicas, ...)",
    )


def _options(request: pytest.FixtureRequest) -> Dict[str, Any]:
    opts: Dict[str, Any] = {}
    marker = request.node.get_closest_marker("kwire_mock")
    if marker is not None:
        opts.update(marker.kwargs)
    param = getattr(request, "param", None)
    if param:
        opts.update(param)
    return opts


@pytest.fixture
def kwire_mock(request: pytest.FixtureRequest) -> Iterator[KwireMock]:
    """A kwire-mock cluster for one test (see the module's doc for options)."""
    mock = KwireMock.from_options(_options(request)).start()
    request.node._kwire_mock = mock
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def kwire_mock_session_options() -> Dict[str, Any]:
    """Options of the session's cluster; override this fixture in a conftest.py."""
    return {}


@pytest.fixture(scope="session")
def kwire_mock_session(kwire_mock_session_options: Dict[str, Any]) -> Iterator[KwireMock]:
    """One kwire-mock cluster shared by every test of the session."""
    mock = KwireMock.from_options(kwire_mock_session_options).start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    mock = getattr(item, "_kwire_mock", None)
    if rep.when == "call" and rep.failed and mock is not None:
        rep.sections.append(("kwire-mock log (last lines)", mock.log_tail()))
