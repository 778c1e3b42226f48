package kwire.interop;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Java client's side of producer/bench/compare.sh, in the manner of Kafka's
 * ProducerPerformance: N records of S bytes of random uppercase letters (optionally keyed
 * "k&lt;i % K&gt;"), sent as fast as {@code send} takes them or paced to {@code --throughput}
 * records/s, then one JSON line: records/s, CPU time of this JVM per record (JIT and GC
 * included, as they are part of what the client costs) and the latency percentiles of every
 * record (send to callback). One warm-up record is delivered first and not counted, as in the
 * other drivers, so metadata and the producer id are left out of the time.
 *
 * <pre>
 *   JavaPerf --bootstrap B --topic T [--num-records N] [--record-size S] [--key-count K]
 *            [--throughput R] [-X key=value]...
 * </pre>
 *
 * Every producer setting other than the serializers and bootstrap.servers comes from -X, so
 * without -X the producer runs at the Java client's defaults.
 */
public final class JavaPerf {
  private JavaPerf() {}

  /** Runs the measurement; exit code 0 only when every record was acknowledged. */
  public static void main(String[] argv) {
    String bootstrap = null;
    String topic = null;
    long n = 1_000_000;
    int size = 100;
    int keyCount = 0;
    double throughput = 0;
    Properties props = new Properties();
    for (int i = 0; i < argv.length; i++) {
      String v = i + 1 < argv.length ? argv[i + 1] : null;
      switch (argv[i]) {
        case "--bootstrap" -> bootstrap = v;
        case "--topic" -> topic = v;
        case "--num-records" -> n = Long.parseLong(v);
        case "--record-size" -> size = Integer.parseInt(v);
        case "--key-count" -> keyCount = Integer.parseInt(v);
        case "--throughput" -> throughput = Double.parseDouble(v);
        case "-X" -> {
          int eq = v.indexOf('=');
          if (eq < 0) {
            fail("-X needs key=value, got " + v);
          }
          props.put(v.substring(0, eq), v.substring(eq + 1));
        }
        default -> fail("unknown argument " + argv[i]);
      }
      i++;
    }
    if (bootstrap == null || topic == null || n < 1 || n > Integer.MAX_VALUE) {
      fail("--bootstrap and --topic are required; 1 <= --num-records <= 2^31-1");
    }
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "kwire-bench-java");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    System.exit(run(props, topic, (int) n, size, keyCount, throughput));
  }

  private static int run(
      Properties props, String topic, int n, int size, int keyCount, double throughput) {
    byte[] payload = new byte[size];
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) ('A' + rnd.nextInt(26));
    }
    byte[][] keys = new byte[keyCount][];
    for (int i = 0; i < keyCount; i++) {
      keys[i] = ("k" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
    // Latency of every record in microseconds, written by the callbacks (the producer's I/O
    // thread), read after flush().
    int[] latUs = new int[n];
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
      p.send(new ProducerRecord<>(topic, payload)).get(60, TimeUnit.SECONDS);
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      double nsPerRecord = throughput > 0 ? 1e9 / throughput : 0;
      for (int i = 0; i < n; i++) {
        if (nsPerRecord > 0) {
          long due = t0 + (long) (i * nsPerRecord);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        final int idx = i;
        final long sent = System.nanoTime();
        byte[] key = keyCount > 0 ? keys[i % keyCount] : null;
        p.send(
            new ProducerRecord<>(topic, key, payload),
            (md, e) -> {
              if (e == null) {
                latUs[idx] = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - sent) / 1000);
                ok.incrementAndGet();
              } else {
                latUs[idx] = -1;
                failed.incrementAndGet();
                firstError.compareAndSet(null, e.toString());
              }
            });
      }
      p.flush();
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (cpuNanos() - cpu0) / 1e9;
      int[] lat = Arrays.stream(latUs).filter(x -> x >= 0).sorted().toArray();
      long good = ok.get();
      JavaClient.Json j =
          new JavaClient.Json()
              .put("client", "java")
              .put("records", good)
              .put("failed", failed.get())
              .put("seconds", round(secs, 3))
              .put("records_per_sec", round(good / secs, 1))
              .put("mb_per_sec", round(good * size / secs / 1048576, 2))
              .put("p50_ms", pct(lat, 0.5))
              .put("p99_ms", pct(lat, 0.99))
              .put("p999_ms", pct(lat, 0.999))
              .put("cpu_seconds", round(cpu, 3))
              .put("cpu_us_per_record", round(cpu * 1e6 / Math.max(good, 1), 3));
      if (firstError.get() != null) {
        j.put("first_error", firstError.get());
      }
      System.out.println(j);
      System.out.flush();
      return good == n && failed.get() == 0 ? 0 : 1;
    } catch (Exception e) {
      System.out.println(
          new JavaClient.Json()
              .put("client", "java")
              .put("fatal", e.getClass().getSimpleName() + ": " + e.getMessage()));
      return 1;
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double pct(int[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = Math.max(1, Math.min(sorted.length, (int) Math.ceil(sorted.length * p))) - 1;
    return round(sorted[i] / 1000.0, 2);
  }

  private static double round(double x, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(x * f) / f;
  }

  private static void fail(String msg) {
    System.out.println(new JavaClient.Json().put("client", "java").put("fatal", msg));
    System.exit(2);
  }
}
