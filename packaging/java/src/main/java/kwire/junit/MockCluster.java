package kwire.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One kwire-mock cluster in a child process on free ports ({@code --port 0}), ready once its
 * {@code --ready-file} is written. {@link #close()} stops it (SIGTERM, then SIGKILL).
 */
public final class MockCluster implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final Path dir;
  private final String bootstrap;
  private final MockController controller;

  private MockCluster(Process process, Path dir, String bootstrap, MockController controller) {
    this.process = process;
    this.dir = dir;
    this.bootstrap = bootstrap;
    this.controller = controller;
  }

  /** The bootstrap servers, {@code 127.0.0.1:p1,127.0.0.1:p2,...}. */
  public String bootstrapServers() {
    return bootstrap;
  }

  /** The client of the cluster's control endpoint. */
  public MockController controller() {
    return controller;
  }

  /** The file with the mock's log lines. */
  public Path logFile() {
    return dir.resolve("kwire-mock.log");
  }

  /** The flags {@code options} stands for. */
  static List<String> flags(KwireMock o) {
    List<String> a = new ArrayList<>(List.of("--brokers", Integer.toString(o.brokers())));
    for (String t : o.topics()) {
      a.add("--topic");
      a.add(t);
    }
    num(a, "--partitions", o.partitions());
    num(a, "--replication-factor", o.replicationFactor());
    num(a, "--follower-lag-ms", o.followerLagMs());
    num(a, "--min-insync-replicas", o.minInsyncReplicas());
    num(a, "--replica-lag-time-max-ms", o.replicaLagTimeMaxMs());
    if (!o.autoCreateTopics()) {
      a.add("--no-auto-create");
    }
    if (o.uncleanLeaderElection()) {
      a.add("--unclean-leader-election");
    }
    a.addAll(List.of(o.args()));
    return a;
  }

  private static void num(List<String> a, String flag, int v) {
    if (v >= 0) {
      a.add(flag);
      a.add(Integer.toString(v));
    }
  }

  /**
   * The executable: system property {@code kwire.mock.bin}, else {@code $KWIRE_MOCK_BIN}, else
   * {@code target/release/kwire-mock} or {@code target/debug/kwire-mock} in the working
   * directory or one of its parents (a checkout of the repository), else {@code kwire-mock} on
   * the PATH.
   */
  public static String binary() {
    String p = System.getProperty("kwire.mock.bin");
    if (p != null && !p.isBlank()) {
      return p;
    }
    p = System.getenv("KWIRE_MOCK_BIN");
    if (p != null && !p.isBlank()) {
      return p;
    }
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      for (String profile : new String[] {"release", "debug"}) {
        File f = d.resolve("target").resolve(profile).resolve("kwire-mock").toFile();
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return "kwire-mock";
  }

  /** Starts a cluster with the given flags and waits (at most {@code timeout}) until it is ready. */
  public static MockCluster start(List<String> flags, Duration timeout) {
    Path dir;
    try {
      dir = Files.createTempDirectory("kwire-mock-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path ready = dir.resolve("ready.json");
    List<String> cmd = new ArrayList<>(List.of(binary(), "--port", "0", "--control", "127.0.0.1:0"));
    cmd.add("--ready-file");
    cmd.add(ready.toString());
    cmd.addAll(flags);
    Process proc;
    try {
      proc =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(dir.resolve("kwire-mock.log").toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd.get(0) + " (set -Dkwire.mock.bin)", e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        JsonNode r = readReady(ready);
        if (r != null) {
          return new MockCluster(
              proc, dir, r.get("bootstrap").asText(), new MockController(r.get("control").asText()));
        }
        if (!proc.isAlive() || System.nanoTime() > deadline) {
          proc.destroyForcibly();
          String log = Files.readString(dir.resolve("kwire-mock.log"), StandardCharsets.UTF_8);
          throw new IllegalStateException(
              "kwire-mock not ready (" + String.join(" ", cmd) + "):\n" + log);
        }
        Thread.sleep(5);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      proc.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode readReady(Path ready) {
    try {
      String text = Files.readString(ready, StandardCharsets.UTF_8);
      return text.endsWith("\n") ? JSON.readTree(text) : null; // complete once the newline is there
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: the mock stops cleanly
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
