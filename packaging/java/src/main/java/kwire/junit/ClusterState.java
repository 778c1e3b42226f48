package kwire.junit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A snapshot of the mock cluster ({@code GET /state}): brokers, every partition's leader,
 * epoch, replicas, ISR, high watermark and log-end offsets, consumer groups and counters.
 * {@link #raw()} holds the whole answer for fields not typed here.
 */
public record ClusterState(List<Broker> brokers, List<Topic> topics, Map<String, Long> stats, JsonNode raw) {

  /** One broker. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Broker(int id, String host, int port, boolean up) {}

  /** A topic and its partitions. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Topic(String name, String id, List<Partition> partitions) {}

  /** One partition's leadership and offsets. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Partition(
      int partition,
      Integer leader,
      @JsonProperty("leader_epoch") int leaderEpoch,
      List<Integer> replicas,
      List<Integer> isr,
      @JsonProperty("high_watermark") long highWatermark,
      @JsonProperty("log_end_offset") long logEndOffset,
      @JsonProperty("log_start_offset") long logStartOffset,
      @JsonProperty("replica_log_end_offsets") Map<Integer, Long> replicaLogEndOffsets,
      @JsonProperty("truncated_records") long truncatedRecords) {}

  /** The topic called {@code name}. */
  public Topic topic(String name) {
    return topics.stream()
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no topic " + name));
  }

  /** One partition of {@code topic}. */
  public Partition partition(String topic, int partition) {
    return topic(topic).partitions().stream()
        .filter(p -> p.partition() == partition)
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no partition " + topic + "/" + partition));
  }

  /** Sum of {@code topic}'s high watermarks: how many records consumers can read. */
  public long highWatermarks(String topic) {
    return topic(topic).partitions().stream().mapToLong(Partition::highWatermark).sum();
  }

  /** A model counter ({@code records_appended}, {@code elections}, ...), 0 when absent. */
  public long stat(String name) {
    return stats.getOrDefault(name, 0L);
  }

  /** The consumer groups, as JSON ({@code group_id}, {@code state}, {@code members}, {@code offsets}). */
  public JsonNode groups() {
    return raw.path("groups");
  }
}
