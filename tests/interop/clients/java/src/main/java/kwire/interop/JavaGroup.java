package kwire.interop;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * assignment (creating --assigned-file once it owns partitions), commits the offsets of what it
 * processed after each poll (commitSync), and leaves the group (close) after --stop-after
 * records (processing nothing more) or --idle-s without any, in both cases only once
 * --leave-on-file exists (if given; idleness counts from its appearance). With --commit-limit N
 * only the first N records processed are committed; with --progress-file F each event
 * (assigned, processed, committed, full, left) is appended to F as a JSON line at once.
 */
final class JavaGroup {
  private JavaGroup() {}

  static int run(JavaClient.Args a) {
    JavaClient.ConsumeStats st = new JavaClient.ConsumeStats(a);
    List<List<Integer>> assignments = new ArrayList<>();
    // Unix seconds of each assignment change and of the decision to leave: the judge lines up
    // members' timelines with them to time a rebalance.
    List<String> assignedAt = new ArrayList<>();
    double[] endedAt = {0};
    Map<Integer, Long> committed = new TreeMap<>();
    List<String> commitErrors = new ArrayList<>();
    int[] commits = {0};
    long[] lastActivity = {System.nanoTime()};
    boolean[] fileSeen = {false};
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
    Progress progress = new Progress(a.progressFile);
    boolean[] wasFull = {false};
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
            if (!owned.isEmpty() && !a.assignedFile.isEmpty()) {
              touch(a.assignedFile);
            }
            assignments.add(new ArrayList<>(owned));
            assignedAt.add(unixSeconds());
            lastActivity[0] = System.nanoTime();
            progress.event("assigned", "\"owned\":" + owned.toString().replace(" ", ""));
          }
        }
      });
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        StringBuilder batch = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (full(a, st)) {
            break; // the rest is dropped unprocessed and uncommitted: the next owner reads it
          }
          st.record(r.partition(), r.key(), r.value(), r.headers().toArray());
          lastActivity[0] = System.nanoTime();
          Integer seq = JavaClient.parseSeq(r.value());
          batch.append(batch.length() == 0 ? "" : ",").append('[').append(r.partition()).append(',')
              .append(r.offset()).append(',').append(seq == null ? -1 : seq).append(']');
          if (a.commitLimit == 0 || st.consumed <= a.commitLimit) {
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
        }
        if (batch.length() > 0) {
          progress.event("processed", "\"recs\":[" + batch + "]");
        }
        if (full(a, st) && !wasFull[0]) {
          wasFull[0] = true;
          progress.event("full", "\"consumed\":" + st.consumed);
        }
        boolean may = a.leaveOnFile.isEmpty() || fileSeen[0];
        if (!may && Files.exists(Path.of(a.leaveOnFile))) {
          fileSeen[0] = true; // idleness counts from here
          lastActivity[0] = System.nanoTime();
        }
        boolean done = may && full(a, st);
        if (!offsets.isEmpty()) {
          try {
            c.commitSync(offsets);
            commits[0]++;
            StringBuilder sent = new StringBuilder();
            offsets.forEach((tp, o) -> {
              committed.put(tp.partition(), o.offset());
              sent.append(sent.length() == 0 ? "" : ",").append('"').append(tp.partition()).append("\":")
                  .append(o.offset());
            });
            progress.event("committed", "\"offsets\":{" + sent + "}");
          } catch (Exception e) {
            String err = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (commitErrors.size() < 5) {
              commitErrors.add(err);
            }
            progress.event("commit_failed", "\"error\":" + JavaClient.Json.quote(err));
          }
        }
        if (done || may && !full(a, st) && !assignments.isEmpty() && System.nanoTime() - lastActivity[0] >= idle) {
          timedOut = false;
          break;
        }
      }
      endedAt[0] = System.currentTimeMillis() / 1000.0;
      progress.event("left", "\"timed_out\":" + timedOut);
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
        .putRaw("assignments", JavaClient.Json.rawArray(assigned))
        .putRaw("assigned_at", JavaClient.Json.rawArray(assignedAt))
        .putRaw("ended_at", Double.toString(endedAt[0])).put("commits", commits[0])
        .putRaw("committed", JavaClient.counts(committedCounts).toString())
        .putRaw("commit_errors", JavaClient.Json.array(commitErrors))
        .put("timed_out", fatal == null && timedOut).put("seconds", JavaClient.seconds(st.t0));
    if (fatal != null) {
      j.put("fatal", fatal);
    }
    System.out.println(j);
    return (fatal == null && !timedOut) ? 0 : 1;
  }

  /** --progress-file: one JSON line per event, written through at once ("" writes nothing). */
  private static final class Progress {
    private final OutputStream out;

    Progress(String file) {
      try {
        out = file.isEmpty() ? null : new FileOutputStream(file, true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Appends {"ev":EV,"at":unix seconds,FIELDS}; FIELDS is JSON members, already encoded. */
    synchronized void event(String ev, String fields) {
      if (out == null) {
        return;
      }
      String line = "{\"ev\":\"" + ev + "\",\"at\":" + unixSeconds() + "," + fields + "}\n";
      try {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** True once --stop-after records were processed: the member processes no more. */
  private static boolean full(JavaClient.Args a, JavaClient.ConsumeStats st) {
    return a.stopAfter > 0 && st.consumed >= a.stopAfter;
  }

  private static void touch(String file) {
    try {
      Files.newOutputStream(Path.of(file)).close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String unixSeconds() {
    return Double.toString(System.currentTimeMillis() / 1000.0);
  }
}
