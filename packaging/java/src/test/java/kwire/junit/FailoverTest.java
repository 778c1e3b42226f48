package kwire.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A cluster per test method: acks=1 against acks=all when the leader dies with followers behind. */
class FailoverTest {

  private static int stallFollowers(MockCluster mock) {
    MockController ctl = mock.controller();
    int leader = ctl.state().partition("events", 0).leader();
    for (int b = 1; b <= 3; b++) {
      if (b != leader) {
        ctl.apply("[{\"action\": \"set_lag\", \"broker\": " + b + ", \"stalled\": true}]");
      }
    }
    return leader;
  }

  @Test
  @KwireMock(brokers = 3, topics = "events:1:3")
  void acks1LosesAcknowledgedRecordsWhenTheLeaderDies(MockCluster mock) throws Exception {
    MockController ctl = mock.controller();
    int leader = stallFollowers(mock);
    assertEquals(20, Clients.produce(mock.bootstrapServers(), "events", 0, 20, "1").size());
    ctl.brokerDown(leader);
    ClusterState.Partition p = ctl.state().partition("events", 0);
    assertNotEquals(leader, p.leader());
    ctl.brokerUp(leader);
    p = ctl.waitFor(s -> s.partition("events", 0).isr().contains(leader), Duration.ofSeconds(10))
        .partition("events", 0);
    assertEquals(20, p.truncatedRecords(), "the old leader truncated what nobody else had");
    assertEquals(0, p.highWatermark());
  }

  @Test
  @KwireMock(brokers = 3, topics = "events:1:3", minInsyncReplicas = 2, followerLagMs = 50)
  void acksAllKeepsEveryAcknowledgedRecord(MockCluster mock) throws Exception {
    MockController ctl = mock.controller();
    int leader = ctl.state().partition("events", 0).leader();
    // followers 50 ms behind: each acks=all answer waits until the ISR has the batch
    assertEquals(20, Clients.produce(mock.bootstrapServers(), "events", 0, 20, "all").size());
    ctl.brokerDown(leader);
    // the new leader had every acknowledged record; its high watermark reaches them once the
    // remaining ISR follower fetched from it
    ClusterState.Partition p =
        ctl.waitFor(s -> s.partition("events", 0).highWatermark() == 20, Duration.ofSeconds(10))
            .partition("events", 0);
    assertNotEquals(leader, p.leader());
    assertEquals(20, p.logEndOffset());
    ctl.brokerUp(leader);
    p = ctl.waitFor(s -> s.partition("events", 0).isr().contains(leader), Duration.ofSeconds(10))
        .partition("events", 0);
    assertEquals(0, p.truncatedRecords());
    assertEquals(20, Clients.consume(mock.bootstrapServers(), "events", 20).size());
  }
}
