package kwire.interop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The group op: one member of a consumer group (see tests/interop/README.md). It records every
 * assignment, commits the offsets of what it processed after each poll (commitSync), and
 * leaves the group (close) after --stop-after records or --idle-s without any.
 */
final class JavaGroup {
  private JavaGroup() {}

  static int run(JavaClient.Args a) {
    JavaClient.ConsumeStats st = new JavaClient.ConsumeStats(a);
    List<List<Integer>> assignments = new ArrayList<>();
    Map<Integer, Long> committed = new TreeMap<>();
    List<String> commitErrors = new ArrayList<>();
    int[] commits = {0};
    long[] lastActivity = {System.nanoTime()};
    long deadline = System.nanoTime() + (long) (a.timeoutS * 1e9);
    long idle = (long) (a.idleS * 1e9);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kwire-interop-java");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, a.group);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, a.groupProtocol);
    if (a.groupProtocol.equals("classic")) {
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10000);
      p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
    }
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    String fatal = null;
    boolean timedOut = true;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      TreeSet<Integer> owned = new TreeSet<>();
      c.subscribe(List.of(a.topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> ps) {
          change(ps, false);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> ps) {
          change(ps, true);
        }

        private void change(Collection<TopicPartition> ps, boolean add) {
          for (TopicPartition tp : ps) {
            if (add) {
              owned.add(tp.partition());
            } else {
              owned.remove(tp.partition());
            }
          }
          if (!ps.isEmpty()) {
            assignments.add(new ArrayList<>(owned));
            lastActivity[0] = System.nanoTime();
          }
        }
      });
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        boolean done = false;
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          st.record(r.partition(), r.key(), r.value(), r.headers().toArray());
          lastActivity[0] = System.nanoTime();
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          if (a.stopAfter > 0 && st.consumed >= a.stopAfter) {
            done = true;
            break;
          }
        }
        if (!offsets.isEmpty()) {
          try {
            c.commitSync(offsets);
            commits[0]++;
            offsets.forEach((tp, o) -> committed.put(tp.partition(), o.offset()));
          } catch (Exception e) {
            if (commitErrors.size() < 5) {
              commitErrors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
          }
        }
        if (done || !assignments.isEmpty() && System.nanoTime() - lastActivity[0] >= idle) {
          timedOut = false;
          break;
        }
      }
    } catch (Exception e) {
      fatal = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    List<String> seqs = new ArrayList<>();
    new TreeSet<>(st.seen).forEach(s -> seqs.add(s.toString()));
    List<String> assigned = new ArrayList<>();
    for (List<Integer> ps : assignments) {
      List<String> xs = new ArrayList<>();
      ps.forEach(x -> xs.add(x.toString()));
      assigned.add(JavaClient.Json.rawArray(xs));
    }
    Map<Integer, Long> committedCounts = new HashMap<>(committed);
    JavaClient.Json j = new JavaClient.Json().put("client", JavaClient.CLIENT).put("op", "group")
        .put("topic", a.topic).put("group", a.group).put("consumed", st.consumed)
        .put("distinct", st.seen.size()).put("duplicates", st.duplicates)
        .put("order_violations", st.orderViolations).put("invalid", st.invalid)
        .putRaw("seqs", JavaClient.Json.rawArray(seqs))
        .putRaw("partitions", JavaClient.counts(st.partitions).toString())
        .putRaw("assignments", JavaClient.Json.rawArray(assigned)).put("commits", commits[0])
        .putRaw("committed", JavaClient.counts(committedCounts).toString())
        .putRaw("commit_errors", JavaClient.Json.array(commitErrors))
        .put("timed_out", fatal == null && timedOut).put("seconds", JavaClient.seconds(st.t0));
    if (fatal != null) {
      j.put("fatal", fatal);
    }
    System.out.println(j);
    return (fatal == null && !timedOut) ? 0 : 1;
  }
}
