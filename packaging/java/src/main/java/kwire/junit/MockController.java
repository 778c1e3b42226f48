package kwire.junit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A typed client of kwire-mock's HTTP/JSON control endpoint. Every method is one request (10 s
 * timeout); a refusal throws {@link MockControlException}. The actions are those of the mock's
 * README (<i>Faults</i>); {@link #apply(String)} sends any of them as JSON.
 */
public final class MockController {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** A client of the endpoint at {@code url} ({@code http://127.0.0.1:PORT}). */
  public MockController(String url) {
    this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
  }

  /** The endpoint's address. */
  public URI url() {
    return base;
  }

  /** Sends one request with an optional JSON body; returns the JSON answer. */
  public JsonNode request(String method, String path, String jsonBody) {
    HttpRequest.BodyPublisher body =
        jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(method, body)
            .build();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      JsonNode answer = r.body().isBlank() ? JSON.nullNode() : parse(r.body());
      if (r.statusCode() >= 400) {
        throw new MockControlException(
            method + " " + path,
            r.statusCode(),
            answer.path("error").asText(r.body()),
            answer.hasNonNull("kafka_error") ? answer.get("kafka_error").asText() : null);
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + method + " " + path, e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The cluster as it is now. */
  public ClusterState state() {
    JsonNode raw = request("GET", "/state", null);
    try {
      List<ClusterState.Broker> brokers =
          JSON.convertValue(raw.get("brokers"), new TypeReference<List<ClusterState.Broker>>() {});
      List<ClusterState.Topic> topics =
          JSON.convertValue(raw.get("topics"), new TypeReference<List<ClusterState.Topic>>() {});
      Map<String, Long> stats =
          JSON.convertValue(raw.get("stats"), new TypeReference<Map<String, Long>>() {});
      return new ClusterState(brokers, topics, stats, raw);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("unexpected GET /state answer: " + raw, e);
    }
  }

  /** Polls {@link #state()} until {@code condition} holds; throws {@link AssertionError} on timeout. */
  public ClusterState waitFor(Predicate<ClusterState> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ClusterState s = state();
      if (condition.test(s)) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("cluster state did not reach the condition within " + timeout);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Stops a broker: connections close, its partitions fail over (truncating). */
  public void brokerDown(int broker) {
    request("POST", "/brokers/" + broker + "/down", null);
  }

  /** Starts a stopped broker again; its replicas truncate and catch up. */
  public void brokerUp(int broker) {
    request("POST", "/brokers/" + broker + "/up", null);
  }

  /** Clean election to the next eligible replica; returns the new leader. */
  public int moveLeader(String topic, int partition) {
    return request("POST", "/partitions/" + enc(topic) + "/" + partition + "/leader", "{}")
        .path("leader")
        .asInt();
  }

  /** Clean election to broker {@code to} (a live ISR member); returns the new leader. */
  public int moveLeader(String topic, int partition, int to) {
    return request("POST", "/partitions/" + enc(topic) + "/" + partition + "/leader", json(Map.of("to", to)))
        .path("leader")
        .asInt();
  }

  /** Forces a partition's ISR. */
  public void setIsr(String topic, int partition, List<Integer> isr) {
    request("POST", "/partitions/" + enc(topic) + "/" + partition + "/isr", json(Map.of("isr", isr)));
  }

  /** Broker {@code broker}'s followers stop copying (0: every follower). */
  public void stallFollowers(int broker) {
    ObjectNode b = JSON.createObjectNode().put("stalled", true);
    if (broker > 0) {
      b.put("broker", broker);
    }
    request("POST", "/faults/lag", b.toString());
  }

  /** Broker {@code broker}'s followers run {@code lagMs} behind (0: the cluster default). */
  public void followerLag(int broker, int lagMs) {
    ObjectNode b = JSON.createObjectNode().put("lag_ms", lagMs);
    if (broker > 0) {
      b.put("broker", broker);
    }
    request("POST", "/faults/lag", b.toString());
  }

  /** Removes the cluster's default follower lag. */
  public void clearLag() {
    request("POST", "/faults/lag", "{\"clear\": true}");
  }

  /** Answers the next {@code count} requests of {@code api} ({@code "produce"}, ...) with {@code error}. */
  public void inject(String api, String error, int count) {
    request("POST", "/faults/inject", json(Map.of("api", api, "error", error, "count", count)));
  }

  /** Forgets pending injections. */
  public void clearInjections() {
    request("DELETE", "/faults/inject", null);
  }

  /** Creates a topic as CreateTopics does (-1: the broker defaults). */
  public void createTopic(String name, int partitions, int replicationFactor) {
    request(
        "POST",
        "/topics",
        json(Map.of("name", name, "partitions", partitions, "replication_factor", replicationFactor)));
  }

  /** Deletes a topic as DeleteTopics does. */
  public void deleteTopic(String name) {
    request("DELETE", "/topics/" + enc(name), null);
  }

  /** Applies a JSON list of actions ({@code [{"action": "broker_down", "broker": 1}]}). */
  public JsonNode apply(String actionsJson) {
    return request("POST", "/actions", actionsJson);
  }
}
