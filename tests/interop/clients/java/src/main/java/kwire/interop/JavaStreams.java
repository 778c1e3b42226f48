package kwire.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The streams op: a Kafka Streams application (at-least-once) counting records by a new key,
 * run as two instances of --threads stream threads each (in this one process, each with its own
 * state directory). TOPIC gets values 0..N-1 (keys k0..k99); the application re-keys each by
 * value % 7 (through a repartition topic), counts per key in an in-memory store (backed by a
 * compacted changelog topic) and writes the counts to TOPIC-counts.
 *
 * <p>Phase 1: the first half of the values is written while both instances run, until every
 * key's latest count in TOPIC-counts is right. Then one instance closes: the other takes its
 * tasks over, restoring their counts from the changelog. Phase 2: the second half is written,
 * until the counts are right again. Then what the application made the broker keep is checked:
 * its internal topics with the configs Streams asks for, and its consumer group stable with the
 * remaining instance's threads. One JSON line; "ok" only if every check holds and no stream
 * thread failed.
 */
final class JavaStreams {
  static final int GROUPS = 7;
  static final int PARTITIONS = 3;

  private JavaStreams() {}

  static int run(JavaClient.Args a) throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + (long) (a.timeoutS * 1e9);
    String in = a.topic;
    String out = a.topic + "-counts";
    String app = "kwire-streams-" + a.topic;
    JavaClient.Json j = new JavaClient.Json().put("client", JavaClient.CLIENT).put("op", "streams")
        .put("topic", in).put("application_id", app).put("instances", 2).put("threads", a.threads);
    List<String> problems = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<String> states = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();

    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "kwire-interop-java-streams-check");
    List<Path> dirs = new ArrayList<>();
    try (Admin adm = Admin.create(ap);
        KafkaProducer<String, String> prod = producer(a);
        KafkaConsumer<String, Long> reader = reader(a, out)) {
      for (String t : List.of(in, out)) {
        try {
          adm.createTopics(List.of(new NewTopic(t, PARTITIONS, (short) a.replicationFactor)))
              .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      List<KafkaStreams> instances = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Path dir = Files.createTempDirectory("kwire-streams-");
          dirs.add(dir);
          KafkaStreams ks = new KafkaStreams(topology(in, out), streamsConfig(a, app, dir));
          String name = "instance" + i;
          ks.setStateListener((now, before) -> {
            synchronized (states) {
              states.add(name + ":" + now.name());
            }
          });
          ks.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
          instances.add(ks);
          ks.start();
        }
        long half = a.count / 2;
        produce(prod, in, 0, half);
        boolean phase1 = readCounts(reader, expected(half), counts, failure, deadline);
        j.putRaw("phase1_counts", JavaClient.counts(counts).toString());
        if (!phase1) {
          problems.add(failure.get() != null ? "application failed: " + failure.get()
              : "phase 1 counts never matched within the timeout");
        } else {
          // The second instance leaves the group (Streams' consumers otherwise stay members
          // until their session times out); the first takes its tasks over, restoring their
          // counts from the changelog.
          instances.get(1).close(CloseOptions
              .groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(Duration.ofSeconds(30)));
          produce(prod, in, half, a.count);
          boolean phase2 = readCounts(reader, expected(a.count), counts, failure, deadline);
          j.putRaw("counts", JavaClient.counts(counts).toString()).putRaw("expected", JavaClient.counts(expected(a.count)).toString());
          if (!phase2) {
            problems.add(failure.get() != null ? "application failed: " + failure.get()
                : "counts after the takeover never matched within the timeout");
          } else {
            checkBroker(adm, app, a, problems, deadline);
          }
        }
      } finally {
        for (KafkaStreams ks : instances) {
          ks.close(Duration.ofSeconds(30));
        }
      }
    } finally {
      for (Path d : dirs) {
        deleteTree(d);
      }
    }
    synchronized (states) {
      j.putRaw("states", JavaClient.Json.array(states));
      if (states.stream().anyMatch(st -> st.endsWith(":ERROR"))) {
        problems.add("an instance entered ERROR");
      }
      if (!states.contains("instance0:RUNNING") || !states.contains("instance1:RUNNING")) {
        problems.add("an instance never ran");
      }
    }
    if (failure.get() != null && problems.isEmpty()) {
      problems.add("a stream thread died: " + failure.get());
    }
    j.put("elapsed_s", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    j.putRaw("problems", JavaClient.Json.array(problems)).put("ok", problems.isEmpty());
    System.out.println(j);
    return problems.isEmpty() ? 0 : 1;
  }

  /** Each key's count once the values 0..n-1 are counted. */
  static Map<String, Long> expected(long n) {
    Map<String, Long> m = new TreeMap<>();
    for (long v = 0; v < n; v++) {
      m.merge("g" + v % GROUPS, 1L, Long::sum);
    }
    return m;
  }

  /** TOPIC's values re-keyed by remainder, counted per key, the counts written to OUT. */
  static org.apache.kafka.streams.Topology topology(String in, String out) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
        .selectKey((k, v) -> "g" + Long.parseLong(v) % GROUPS)
        .groupByKey(Grouped.with("by-remainder", Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .toStream()
        .to(out, Produced.with(Serdes.String(), Serdes.Long()));
    return b.build();
  }

  static Properties streamsConfig(JavaClient.Args a, String app, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, a.threads);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, a.replicationFactor);
    // Counts reach the output at each commit; the default (30 s) would make the run slow.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return p;
  }

  static KafkaProducer<String, String> producer(JavaClient.Args a) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "kwire-interop-java-streams-input");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /** Writes the values from..to-1 to TOPIC and waits until each is acknowledged. */
  static void produce(KafkaProducer<String, String> prod, String topic, long from, long to)
      throws Exception {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (long v = from; v < to; v++) {
      sent.add(prod.send(new ProducerRecord<>(topic, "k" + v % 100, Long.toString(v))));
    }
    for (java.util.concurrent.Future<?> f : sent) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  static KafkaConsumer<String, Long> reader(JavaClient.Args a, String out) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kwire-interop-java-streams-output");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "kwire-streams-reader-" + a.topic);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, Long> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
    c.subscribe(List.of(out));
    return c;
  }

  /**
   * Reads TOPIC-counts on until each key's latest count equals {@code expected}; false if a
   * stream thread failed or the deadline passed first.
   */
  static boolean readCounts(KafkaConsumer<String, Long> c, Map<String, Long> expected,
      Map<String, Long> counts, AtomicReference<Throwable> failure, long deadline) {
    while (!counts.equals(expected) && failure.get() == null && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
        counts.put(r.key(), r.value());
      }
    }
    return counts.equals(expected);
  }

  /**
   * What the application made the broker keep: its repartition topic (delete policy) and its
   * changelog topic (compact policy), each with TOPIC's partition count, and a stable group of
   * one member per thread of the remaining instance.
   */
  static void checkBroker(Admin adm, String app, JavaClient.Args a,
      List<String> problems, long deadline) throws Exception {
    String repartition = app + "-by-remainder-repartition";
    String changelog = app + "-counts-changelog";
    Set<String> topics = adm.listTopics().names().get(30, TimeUnit.SECONDS);
    for (String[] t : new String[][] {{repartition, "delete"}, {changelog, "compact"}}) {
      if (!topics.contains(t[0])) {
        problems.add("internal topic " + t[0] + " missing; topics: " + new TreeSet<>(topics));
        continue;
      }
      int parts = adm.describeTopics(List.of(t[0])).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(t[0]).partitions().size();
      if (parts != PARTITIONS) {
        problems.add(t[0] + " has " + parts + " partitions, not " + PARTITIONS);
      }
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, t[0]);
      Config cfg = adm.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
      String policy = cfg.get("cleanup.policy").value();
      if (!policy.equals(t[1])) {
        problems.add(t[0] + " has cleanup.policy=" + policy + ", not " + t[1]);
      }
    }
    // The group settles after the last rebalance Streams may still be finishing (probing).
    String last = "";
    while (System.nanoTime() < deadline) {
      ConsumerGroupDescription g = adm.describeConsumerGroups(List.of(app)).all()
          .get(30, TimeUnit.SECONDS).get(app);
      last = g.groupState() + " with " + g.members().size() + " members";
      if (g.groupState().toString().equals("Stable") && g.members().size() == a.threads) {
        return;
      }
      Thread.sleep(200);
    }
    problems.add("group " + app + " never stable with " + a.threads + " members: " + last);
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
