package kwire.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/** One cluster for the class: the Java client produces and consumes, a leader moves under it. */
@KwireMock(brokers = 3, topics = {"orders:3:3", "moves:1:3"})
class ProduceConsumeTest {

  @Test
  void producesAndConsumesWithAcksAll(@BootstrapServers String bootstrap, MockController mock) throws Exception {
    List<RecordMetadata> acked = Clients.produce(bootstrap, "orders", null, 300, "all");
    assertEquals(300, acked.size());
    ClusterState s = mock.state();
    assertEquals(300, s.highWatermarks("orders"));
    for (ClusterState.Partition p : s.topic("orders").partitions()) {
      // acks=all: every replica holds what was acknowledged
      assertEquals(Set.of(p.highWatermark()), new HashSet<>(p.replicaLogEndOffsets().values()));
    }
    List<String> keys = Clients.consume(bootstrap, "orders", 300);
    assertEquals(300, new HashSet<>(keys).size());
    // the consumer's group committed its offsets of "orders" on the mock's coordinator
    assertTrue(mock.state().groups().toString().contains("\"orders\""), mock.state().groups().toString());
  }

  @Test
  void leaderMoveIsTransparent(@BootstrapServers String bootstrap, MockController mock) throws Exception {
    ClusterState.Partition before = mock.state().partition("moves", 0);
    Clients.produce(bootstrap, "moves", 0, 50, "all");
    int leader = mock.moveLeader("moves", 0);
    ClusterState.Partition after = mock.state().partition("moves", 0);
    assertNotEquals(before.leader(), leader);
    assertEquals(leader, after.leader());
    assertEquals(before.leaderEpoch() + 1, after.leaderEpoch());
    List<RecordMetadata> acked = Clients.produce(bootstrap, "moves", 0, 50, "all");
    assertEquals(99, acked.get(acked.size() - 1).offset());
    assertEquals(100, mock.state().partition("moves", 0).highWatermark());
    assertEquals(100, Clients.consume(bootstrap, "moves", 100).size());
  }

  @Test
  void refusedActionsCarryKafkasError(MockController mock) {
    MockControlException e = assertThrows(MockControlException.class, () -> mock.moveLeader("missing", 0));
    assertEquals(409, e.status());
    assertEquals("UNKNOWN_TOPIC_OR_PARTITION", e.kafkaError());
  }
}
