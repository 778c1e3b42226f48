package kwire.junit;

/**
 * The control endpoint refused a request: HTTP 400 (malformed), 404 (unknown resource) or 409
 * (the cluster refused the action, with Kafka's error name in {@link #kafkaError()}).
 */
public final class MockControlException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String kafkaError;

  MockControlException(String request, int status, String error, String kafkaError) {
    super(request + ": HTTP " + status + ": " + error);
    this.status = status;
    this.kafkaError = kafkaError;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** Kafka's error name ({@code UNKNOWN_TOPIC_OR_PARTITION}, ...), or null. */
  public String kafkaError() {
    return kafkaError;
  }
}
