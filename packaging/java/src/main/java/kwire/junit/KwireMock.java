package kwire.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a kwire-mock cluster for a test class (one cluster for all its tests) or a test method
 * (a cluster of its own). Test methods, constructors and lifecycle methods receive it as a
 * {@link MockCluster}, a {@link MockController} or a {@code @BootstrapServers String}.
 *
 * <pre>{@code
 * @KwireMock(brokers = 3, topics = "orders:3:3")
 * class OrdersTest {
 *   @Test void survivesFailover(@BootstrapServers String bootstrap, MockController mock) { ... }
 * }
 * }</pre>
 *
 * <p>The attributes are flags of {@code kwire-mock --help}; negative numbers leave a flag unset.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(KwireMockExtension.class)
public @interface KwireMock {
  /** Number of brokers, ids 1..N. */
  int brokers() default 3;

  /** Topics to create at start, {@code name:partitions:replication}. */
  String[] topics() default {};

  /** {@code num.partitions} for auto-created topics. */
  int partitions() default -1;

  /** {@code default.replication.factor} for auto-created topics. */
  int replicationFactor() default -1;

  /** How far followers run behind the leader, in milliseconds. */
  int followerLagMs() default -1;

  /** {@code min.insync.replicas}. */
  int minInsyncReplicas() default -1;

  /** {@code replica.lag.time.max.ms}. */
  int replicaLagTimeMaxMs() default -1;

  /** {@code auto.create.topics.enable}. */
  boolean autoCreateTopics() default true;

  /** {@code unclean.leader.election.enable}. */
  boolean uncleanLeaderElection() default false;

  /** Further raw flags of the executable. */
  String[] args() default {};
}
