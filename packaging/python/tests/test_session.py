"""The session-scoped cluster: one process for these tests (in file order), options from
conftest.py."""

from confluent_kafka import Producer


def test_session_cluster_has_the_configured_topic(kwire_mock_session):
    st = kwire_mock_session.controller.state()
    assert [b.id for b in st.brokers] == [1]
    assert [p.partition for p in st.topic("shared").partitions] == [0, 1]
    p = Producer({"bootstrap.servers": kwire_mock_session.bootstrap})
    for i in range(10):
        p.produce("shared", value=b"x", partition=i % 2)
    assert p.flush(10) == 0


def test_session_cluster_keeps_state_between_tests(kwire_mock_session):
    # the records of the test before are still there: same process, same log
    assert kwire_mock_session.controller.state().high_watermarks("shared") == 10

