"""Options of the session cluster used by test_session.py."""

import pytest


@pytest.fixture(scope="session")
def kwire_mock_session_options():
    return {"brokers": 1, "topics": ["shared:2:1"]}
