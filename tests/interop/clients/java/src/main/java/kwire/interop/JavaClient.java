package kwire.interop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Interop driver for the Java client. Same CLI, record scheme and JSON line as the other
 * drivers (see tests/interop/README.md):
 *
 * <pre>
 *   produce --bootstrap B --topic T --count N [--key-prefix k] [--no-keys] [--headers]
 *           [--acks 0|1|all] [--idempotence true|false] [--compression none|gzip|snappy|lz4|zstd]
 *           [--value-size S] [--rate R] [--timeout-s 60]
 *   consume --bootstrap B --topic T --expect N [--timeout-s 60]
 *   group   --bootstrap B --topic T --group G [--stop-after N] [--idle-s 8]
 *           [--group-protocol classic|consumer] [--assigned-file F] [--leave-on-file F]
 *           [--commit-limit N] [--progress-file F] [--timeout-s 60]       (see JavaGroup)
 *   admin   --bootstrap B --topic T [--replication-factor 1] [--timeout-s 60]   (see JavaAdmin)
 *   streams --bootstrap B --topic T --count N [--threads 1] [--replication-factor 1]
 *           [--timeout-s 60]                                              (see JavaStreams)
 * </pre>
 */
public final class JavaClient {
  static final String CLIENT = "java";
  static final int KEY_SPACE = 1000;

  public static void main(String[] argv) {
    int rc;
    Args a = null;
    try {
      a = Args.parse(argv);
      rc = switch (a.cmd) {
        case "produce" -> produce(a);
        case "admin" -> JavaAdmin.run(a);
        case "group" -> JavaGroup.run(a);
        case "streams" -> JavaStreams.run(a);
        default -> consume(a);
      };
    } catch (Throwable e) {
      Json j = new Json().put("client", CLIENT).put("op", a == null ? "args" : a.cmd)
          .put("fatal", e.getClass().getSimpleName() + ": " + e.getMessage());
      System.out.println(j);
      rc = 2;
    }
    System.out.flush();
    System.exit(rc);
  }

  // ------------------------------------------------------------------------------------------
  // produce

  static int produce(Args a) {
    ProduceStats st = new ProduceStats(a);
    long timeoutMs = (long) (a.timeoutS * 1000);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "kwire-interop-java");
    p.put(ProducerConfig.ACKS_CONFIG, a.acks);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, a.idempotence);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, a.compression);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    int requestTimeout = (int) Math.max(1000, Math.min(30000, timeoutMs / 2));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeout);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeoutMs, requestTimeout + 5 + 1));
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    String fatal = null;
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    long paceStart = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int seq = 0; seq < a.count; seq++) {
        if (a.rate > 0) {
          long ahead = paceStart + (long) (seq * 1e9 / a.rate) - System.nanoTime();
          if (ahead < -100_000_000L) {
            // Fell behind (the first send waits for metadata; a loaded machine stalls us): move
            // the schedule instead of bursting to catch up, so the load stays spread in time.
            paceStart -= ahead + 100_000_000L;
          }
          if (ahead > 1_000_000L) {
            Thread.sleep(ahead / 1_000_000L, (int) (ahead % 1_000_000L));
          }
        }
        if (System.nanoTime() > deadline) { // each send may block up to max.block.ms
          fatal = "timeout while sending (" + seq + " of " + a.count + " sent)";
          break;
        }
        byte[] key = a.noKeys ? null : (a.keyPrefix + (seq % KEY_SPACE)).getBytes(StandardCharsets.US_ASCII);
        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(a.topic, null, key, value(seq, a.valueSize));
        if (a.headers) {
          rec.headers().add(new RecordHeader("seq", Integer.toString(seq).getBytes(StandardCharsets.US_ASCII)));
          rec.headers().add(new RecordHeader("client", CLIENT.getBytes(StandardCharsets.US_ASCII)));
        }
        final byte[] k = key;
        producer.send(rec, (md, err) -> {
          if (err != null) {
            st.fail(err);
          } else {
            st.ok(k, md.partition());
          }
        });
        st.produced++;
      }
      producer.flush(); // bounded: every record completes within delivery.timeout.ms
    } catch (Exception e) {
      fatal = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    long undelivered;
    synchronized (st) {
      undelivered = st.produced - st.acked - st.errors;
    }
    if (fatal == null && undelivered > 0) {
      fatal = undelivered + " records undelivered";
    }
    return st.emit(fatal);
  }

  static byte[] value(int seq, int size) {
    byte[] head = (seq + ":").getBytes(StandardCharsets.US_ASCII);
    if (size <= head.length) {
      return head;
    }
    byte[] v = new byte[size];
    Arrays.fill(v, (byte) '.');
    System.arraycopy(head, 0, v, 0, head.length);
    return v;
  }

  // ------------------------------------------------------------------------------------------
  // consume

  static int consume(Args a) {
    ConsumeStats st = new ConsumeStats(a);
    long deadline = System.nanoTime() + (long) (a.timeoutS * 1e9);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kwire-interop-java");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        List<PartitionInfo> infos = c.partitionsFor(a.topic, Duration.ofSeconds(5));
        if (infos != null && !infos.isEmpty()) {
          for (PartitionInfo pi : infos) {
            tps.add(new TopicPartition(a.topic, pi.partition()));
          }
          break;
        }
        Thread.sleep(200);
      }
      if (tps.isEmpty()) {
        return st.emit(true, "topic has no partitions");
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> ends = null;
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          st.record(r.partition(), r.key(), r.value(), r.headers().toArray());
        }
        if (st.seen.size() >= a.expect) {
          if (ends == null) { // drain to the end offsets seen now, to catch duplicates
            ends = c.endOffsets(tps, Duration.ofSeconds(10));
          }
          boolean done = true;
          for (TopicPartition tp : tps) {
            if (c.position(tp, Duration.ofSeconds(10)) < ends.get(tp)) {
              done = false;
            }
          }
          if (done) {
            return st.emit(false, null);
          }
        }
      }
      return st.emit(true, null);
    } catch (Exception e) {
      return st.emit(false, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  static Integer parseSeq(byte[] v) {
    if (v == null) {
      return null;
    }
    int n = 0;
    int i = 0;
    for (; i < v.length && v[i] != ':'; i++) {
      if (v[i] < '0' || v[i] > '9' || i > 9) {
        return null;
      }
      n = n * 10 + (v[i] - '0');
    }
    return (i == 0 || i == v.length) ? null : n;
  }

  // ------------------------------------------------------------------------------------------
  // bookkeeping

  static final class KeyMap {
    final TreeMap<String, TreeSet<Integer>> parts = new TreeMap<>(); // keys are ASCII: String order = byte order

    void add(byte[] key, int partition) {
      if (key != null) {
        parts.computeIfAbsent(new String(key, StandardCharsets.ISO_8859_1), x -> new TreeSet<>()).add(partition);
      }
    }

    Json summary() {
      StringBuilder lines = new StringBuilder();
      Json sample = new Json();
      int conflicts = 0;
      int n = 0;
      for (Map.Entry<String, TreeSet<Integer>> e : parts.entrySet()) {
        if (e.getValue().size() > 1) {
          conflicts++;
        }
        int p = e.getValue().first();
        lines.append(e.getKey()).append('\t').append(p).append('\n');
        if (n++ < 5) {
          sample.put(e.getKey(), p);
        }
      }
      String digest = "";
      if (!parts.isEmpty()) {
        try {
          byte[] h = MessageDigest.getInstance("SHA-256").digest(lines.toString().getBytes(StandardCharsets.ISO_8859_1));
          StringBuilder hex = new StringBuilder();
          for (int i = 0; i < 8; i++) {
            hex.append(String.format("%02x", h[i]));
          }
          digest = hex.toString();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return new Json().put("distinct", parts.size()).put("conflicts", conflicts).put("digest", digest)
          .putRaw("sample", sample.toString());
    }
  }

  static <K extends Comparable<K>> Json counts(Map<K, Long> m) {
    Json j = new Json();
    for (Map.Entry<K, Long> e : new TreeMap<>(m).entrySet()) {
      j.put(String.valueOf(e.getKey()), e.getValue());
    }
    return j;
  }

  static final class ProduceStats {
    final Args a;
    final long t0 = System.nanoTime();
    long produced;
    long acked;
    long errors;
    final List<String> errorSample = new ArrayList<>();
    final Map<Integer, Long> partitions = new HashMap<>();
    final KeyMap keys = new KeyMap();

    ProduceStats(Args a) {
      this.a = a;
    }

    synchronized void ok(byte[] key, int partition) {
      acked++;
      partitions.merge(partition, 1L, Long::sum);
      keys.add(key, partition);
    }

    synchronized void fail(Exception e) {
      errors++;
      if (errorSample.size() < 5) {
        errorSample.add(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }

    synchronized int emit(String fatal) {
      Json cfg = new Json().put("acks", a.acks).put("idempotence", a.idempotence).put("compression", a.compression)
          .put("value_size", a.valueSize).put("keys", !a.noKeys).put("headers", a.headers).put("rate", a.rate);
      Json j = new Json().put("client", CLIENT).put("op", "produce").put("topic", a.topic)
          .put("produced", produced).put("acked", acked).put("errors", errors)
          .putRaw("partitions", counts(partitions).toString()).putRaw("keys", keys.summary().toString())
          .put("seconds", seconds(t0)).putRaw("config", cfg.toString());
      if (!errorSample.isEmpty()) {
        j.putRaw("error_sample", Json.array(errorSample));
      }
      if (fatal != null) {
        j.put("fatal", fatal);
      }
      System.out.println(j);
      return (fatal == null && errors == 0 && acked == produced && produced == a.count) ? 0 : 1;
    }
  }

  static final class ConsumeStats {
    final Args a;
    final long t0 = System.nanoTime();
    long consumed;
    final Set<Integer> seen = new HashSet<>();
    long duplicates;
    long orderViolations;
    long invalid;
    long headerSeq;
    long headerMismatch;
    final Map<Integer, Long> partitions = new HashMap<>();
    final Map<Integer, Integer> lastSeq = new HashMap<>();
    final KeyMap keys = new KeyMap();

    ConsumeStats(Args a) {
      this.a = a;
    }

    void record(int partition, byte[] key, byte[] value, Header[] headers) {
      consumed++;
      partitions.merge(partition, 1L, Long::sum);
      keys.add(key, partition);
      Integer seq = parseSeq(value);
      if (seq == null) {
        invalid++;
        return;
      }
      if (!seen.add(seq)) {
        duplicates++;
      }
      Integer last = lastSeq.put(partition, seq);
      if (last != null && seq <= last) {
        orderViolations++;
      }
      for (Header h : headers) {
        if (h.key().equals("seq")) {
          headerSeq++;
          if (h.value() == null || !new String(h.value(), StandardCharsets.ISO_8859_1).equals(seq.toString())) {
            headerMismatch++;
          }
        }
      }
    }

    int emit(boolean timedOut, String fatal) {
      long missing = 0;
      for (int s = 0; s < a.expect; s++) {
        if (!seen.contains(s)) {
          missing++;
        }
      }
      Json j = new Json().put("client", CLIENT).put("op", "consume").put("topic", a.topic)
          .put("consumed", consumed).put("distinct", seen.size()).put("expected", a.expect)
          .put("missing", missing).put("duplicates", duplicates).put("order_violations", orderViolations)
          .put("invalid", invalid)
          .putRaw("headers", new Json().put("seq", headerSeq).put("mismatch", headerMismatch).toString())
          .putRaw("partitions", counts(partitions).toString()).putRaw("keys", keys.summary().toString())
          .put("timed_out", timedOut).put("seconds", seconds(t0));
      if (fatal != null) {
        j.put("fatal", fatal);
      }
      System.out.println(j);
      return (fatal == null && !timedOut) ? 0 : 1;
    }
  }

  static double seconds(long t0) {
    return Math.round((System.nanoTime() - t0) / 1e6) / 1000.0;
  }

  // ------------------------------------------------------------------------------------------
  // arguments and a minimal JSON object writer

  static final class Args {
    String cmd;
    String bootstrap;
    String topic;
    int count = -1;
    int expect = -1;
    String keyPrefix = "k";
    boolean noKeys;
    boolean headers;
    String acks = "all";
    String idempotence; // default: true with acks=all, false otherwise
    String compression = "none";
    int valueSize = 100;
    double timeoutS = 60;
    double rate;
    int replicationFactor = 1;
    String group;
    int stopAfter;
    double idleS = 8;
    String groupProtocol = "classic";
    String assignedFile = "";
    String leaveOnFile = "";
    int commitLimit;
    String progressFile = "";
    int threads = 1;

    static Args parse(String[] v) {
      if (v.length == 0 || !List.of("produce", "consume", "group", "admin", "streams").contains(v[0])) {
        throw new IllegalArgumentException("usage: produce|consume|group|admin|streams --bootstrap B --topic T ...");
      }
      Args a = new Args();
      a.cmd = v[0];
      for (int i = 1; i < v.length; i++) {
        String f = v[i];
        switch (f) {
          case "--no-keys" -> a.noKeys = true;
          case "--headers" -> a.headers = true;
          default -> {
            if (i + 1 >= v.length) {
              throw new IllegalArgumentException("missing value for " + f);
            }
            String x = v[++i];
            switch (f) {
              case "--bootstrap" -> a.bootstrap = x;
              case "--topic" -> a.topic = x;
              case "--count" -> a.count = Integer.parseInt(x);
              case "--expect" -> a.expect = Integer.parseInt(x);
              case "--key-prefix" -> a.keyPrefix = x;
              case "--acks" -> a.acks = x.equals("-1") ? "all" : x;
              case "--idempotence" -> a.idempotence = x;
              case "--compression" -> a.compression = x;
              case "--value-size" -> a.valueSize = Integer.parseInt(x);
              case "--timeout-s" -> a.timeoutS = Double.parseDouble(x);
              case "--rate" -> a.rate = Double.parseDouble(x);
              case "--replication-factor" -> a.replicationFactor = Integer.parseInt(x);
              case "--group" -> a.group = x;
              case "--stop-after" -> a.stopAfter = Integer.parseInt(x);
              case "--idle-s" -> a.idleS = Double.parseDouble(x);
              case "--group-protocol" -> a.groupProtocol = x;
              case "--assigned-file" -> a.assignedFile = x;
              case "--leave-on-file" -> a.leaveOnFile = x;
              case "--commit-limit" -> a.commitLimit = Integer.parseInt(x);
              case "--progress-file" -> a.progressFile = x;
              case "--threads" -> a.threads = Integer.parseInt(x);
              default -> throw new IllegalArgumentException("unknown option " + f);
            }
          }
        }
      }
      if (a.idempotence == null) {
        a.idempotence = a.acks.equals("all") ? "true" : "false";
      }
      if (a.bootstrap == null || a.topic == null) {
        throw new IllegalArgumentException("--bootstrap and --topic are required");
      }
      if (a.cmd.equals("group") && a.group == null) {
        throw new IllegalArgumentException("--group is required");
      }
      if (a.cmd.equals("produce") && a.count < 0 || a.cmd.equals("consume") && a.expect < 0) {
        throw new IllegalArgumentException(a.cmd.equals("produce") ? "--count is required" : "--expect is required");
      }
      if (!List.of("0", "1", "all").contains(a.acks) || !List.of("true", "false").contains(a.idempotence)
          || !List.of("none", "gzip", "snappy", "lz4", "zstd").contains(a.compression)) {
        throw new IllegalArgumentException("bad --acks, --idempotence or --compression");
      }
      return a;
    }
  }

  static final class Json {
    private final StringBuilder sb = new StringBuilder("{");

    private Json key(String k) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(quote(k)).append(": ");
      return this;
    }

    Json put(String k, String v) {
      key(k).sb.append(v == null ? "null" : quote(v));
      return this;
    }

    Json put(String k, long v) {
      key(k).sb.append(v);
      return this;
    }

    Json put(String k, double v) {
      key(k).sb.append(v);
      return this;
    }

    Json put(String k, boolean v) {
      key(k).sb.append(v);
      return this;
    }

    Json putRaw(String k, String json) {
      key(k).sb.append(json);
      return this;
    }

    static String array(List<String> items) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < items.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(quote(items.get(i)));
      }
      return b.append(']').toString();
    }

    /** An array of values already written as JSON. */
    static String rawArray(List<String> items) {
      return "[" + String.join(", ", items) + "]";
    }

    static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char ch : s.toCharArray()) {
        switch (ch) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (ch < 0x20) {
              b.append(String.format("\\u%04x", (int) ch));
            } else {
              b.append(ch);
            }
          }
        }
      }
      return b.append('"').toString();
    }

    @Override
    public String toString() {
      return sb + "}";
    }
  }
}
