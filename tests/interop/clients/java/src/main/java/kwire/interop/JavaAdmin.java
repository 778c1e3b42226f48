package kwire.interop;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The admin script every driver runs (tests/interop/README.md) with the Java AdminClient: create
 * (3 partitions, retention.ms=3600000), create again, describe the topic and its configs, alter
 * retention.ms to 7200000 (incrementally), delete, delete again, list every ACL (a broker
 * without an authorizer answers SECURITY_DISABLED), create a SCRAM-SHA-256 credential for the
 * user TOPIC-user and delete it (each described until the change shows). One JSON line per
 * operation with its result and whether it is the one Kafka gives.
 */
final class JavaAdmin {
  static final int PARTITIONS = 3;
  static final Map<String, String> EXPECT = Map.of(
      "create", "created",
      "create_again", "TOPIC_ALREADY_EXISTS",
      "describe", "partitions=" + PARTITIONS,
      "describe_configs", "retention.ms=3600000",
      "alter_configs", "retention.ms=7200000",
      "delete", "deleted",
      "delete_again", "UNKNOWN_TOPIC_OR_PARTITION",
      "list_acls", "SECURITY_DISABLED",
      "scram_upsert", "SCRAM-SHA-256=iterations=8192",
      "scram_delete", "RESOURCE_NOT_FOUND");

  interface Op {
    String run() throws Exception;
  }

  private JavaAdmin() {}

  static int run(JavaClient.Args a) {
    long timeoutMs = (long) (a.timeoutS * 1000);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kwire-interop-java");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 30000));
    int rc = 0;
    try (Admin adm = Admin.create(p)) {
      String t = a.topic;
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, t);
      Op create = () -> {
        NewTopic nt = new NewTopic(t, PARTITIONS, (short) a.replicationFactor)
            .configs(Map.of("retention.ms", "3600000"));
        adm.createTopics(List.of(nt)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        return "created";
      };
      Op retention = () -> {
        ConfigEntry e = adm.describeConfigs(List.of(res)).all().get(timeoutMs, TimeUnit.MILLISECONDS)
            .get(res).get("retention.ms");
        return e == null ? "retention.ms missing" : "retention.ms=" + e.value();
      };
      Op delete = () -> {
        adm.deleteTopics(List.of(t)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        return "deleted";
      };
      rc |= step("create", create);
      rc |= step("create_again", create);
      rc |= step("describe", () -> "partitions=" + adm.describeTopics(List.of(t)).allTopicNames()
          .get(timeoutMs, TimeUnit.MILLISECONDS).get(t).partitions().size());
      rc |= step("describe_configs", retention);
      rc |= step("alter_configs", () -> {
        Collection<AlterConfigOp> ops = List.of(new AlterConfigOp(
            new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET));
        adm.incrementalAlterConfigs(Map.of(res, ops)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        // a broker applies a config change when its metadata catches up: allow 5 s
        long until = System.nanoTime() + 5_000_000_000L;
        String r = retention.run();
        while (!r.equals(EXPECT.get("alter_configs")) && System.nanoTime() < until) {
          Thread.sleep(100);
          r = retention.run();
        }
        return r;
      });
      rc |= step("delete", delete);
      rc |= step("delete_again", delete);
      rc |= step("list_acls", () -> "acls=" + adm.describeAcls(AclBindingFilter.ANY).values()
          .get(timeoutMs, TimeUnit.MILLISECONDS).size());
      String user = t + "-user";
      Op describeUser = () -> {
        StringBuilder b = new StringBuilder();
        for (ScramCredentialInfo i : adm.describeUserScramCredentials(List.of(user)).description(user)
            .get(timeoutMs, TimeUnit.MILLISECONDS).credentialInfos()) {
          b.append(b.length() == 0 ? "" : ",").append(i.mechanism().mechanismName())
              .append("=iterations=").append(i.iterations());
        }
        return b.toString();
      };
      rc |= step("scram_upsert", () -> {
        adm.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "kwire-secret")))
            .all().get(timeoutMs, TimeUnit.MILLISECONDS);
        return describeUntil(describeUser, EXPECT.get("scram_upsert"));
      });
      rc |= step("scram_delete", () -> {
        adm.alterUserScramCredentials(List.of(
            new UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_256)))
            .all().get(timeoutMs, TimeUnit.MILLISECONDS);
        return describeUntil(describeUser, EXPECT.get("scram_delete"));
      });
    }
    return rc;
  }

  /**
   * Runs {@code describe} until it gives {@code want} (an error counts by its name), at most 10 s:
   * a broker learns a credential change from the metadata log.
   */
  private static String describeUntil(Op describe, String want) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    while (true) {
      String r;
      try {
        r = describe.run();
      } catch (ExecutionException e) {
        r = name(e.getCause());
      } catch (Exception e) {
        r = name(e);
      }
      if (r.equals(want) || System.nanoTime() > until) {
        return r;
      }
      Thread.sleep(100);
    }
  }

  /** Runs one operation and prints its line; 0 when it gave Kafka's result, else 1. */
  private static int step(String op, Op fn) {
    String result;
    try {
      result = fn.run();
    } catch (ExecutionException e) {
      result = name(e.getCause());
    } catch (Exception e) {
      result = name(e);
    }
    boolean ok = result.equals(EXPECT.get(op));
    System.out.println(new JavaClient.Json().put("client", JavaClient.CLIENT)
        .put("op", "admin." + op).put("result", result).put("ok", ok));
    return ok ? 0 : 1;
  }

  /** Kafka's name for a broker error, else the exception's class and message. */
  private static String name(Throwable e) {
    if (e instanceof ApiException ae) {
      Errors err = Errors.forException(ae);
      if (err != Errors.UNKNOWN_SERVER_ERROR) {
        return err.name();
      }
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
