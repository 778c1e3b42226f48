import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Apache's Java client over SASL_SSL, or SASL_PLAINTEXT when CA_PEM is "-" (used by
 * tests/interop/security/run.sh). Prints one JSON line.
 *
 * <pre>
 *   SaslCheck roundtrip BOOTSTRAP MECHANISM USER PASSWORD CA_PEM TOPIC N SPREAD_MS
 *   SaslCheck refused   BOOTSTRAP MECHANISM USER PASSWORD CA_PEM
 * </pre>
 *
 * Records are sent over SPREAD_MS, so that a short session lifetime makes the client
 * re-authenticate on its connections (KIP-368) while it produces.
 */
public final class SaslCheck {
    private SaslCheck() {}

    static Properties config(String bootstrap, String mechanism, String user, String password, String ca) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("sasl.mechanism", mechanism);
        if (ca.equals("-")) {
            p.put("security.protocol", "SASL_PLAINTEXT");
        } else {
            p.put("security.protocol", "SASL_SSL");
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", ca);
        }
        String jaas;
        if (mechanism.equals("OAUTHBEARER")) {
            jaas = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                + " unsecuredLoginStringClaim_sub=\"" + user + "\";";
        } else if (mechanism.equals("PLAIN")) {
            jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + password + "\";";
        } else {
            jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";";
        }
        p.put("sasl.jaas.config", jaas);
        p.put("request.timeout.ms", "10000");
        p.put("max.block.ms", "15000");
        return p;
    }

    public static void main(String[] a) throws Exception {
        String op = a[0];
        Properties base = config(a[1], a[2], a[3], a[4], a[5]);
        long t0 = System.nanoTime();
        if (op.equals("refused")) {
            Properties p = (Properties) base.clone();
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", StringSerializer.class.getName());
            String error = "none";
            boolean ok = false;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                producer.send(new ProducerRecord<>("refused", "k", "v")).get();
            } catch (Exception e) {
                Throwable c = e;
                while (c.getCause() != null && !(c instanceof SaslAuthenticationException)) c = c.getCause();
                ok = c instanceof SaslAuthenticationException;
                error = c.getClass().getSimpleName();
            }
            System.out.printf("{\"client\": \"java\", \"op\": \"refused\", \"protocol\": \"%s\", \"mechanism\": \"%s\", \"error\": \"%s\", \"ok\": %b, \"seconds\": %.2f}%n",
                base.getProperty("security.protocol"), a[2], error, ok, (System.nanoTime() - t0) / 1e9);
            System.exit(ok ? 0 : 1);
        }
        String topic = a[6];
        int n = Integer.parseInt(a[7]);
        long spreadMs = Long.parseLong(a[8]);
        Properties p = (Properties) base.clone();
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("enable.idempotence", "true");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
                if (spreadMs > 0 && i % Math.max(1, n / 20) == 0) Thread.sleep(spreadMs / 20);
            }
            producer.flush();
        }
        Properties c = (Properties) base.clone();
        c.put("group.id", "kwire-sec-java-" + topic);
        c.put("auto.offset.reset", "earliest");
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        Set<String> seen = new HashSet<>();
        int total = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (seen.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    total++;
                    seen.add(r.value());
                }
            }
        }
        boolean ok = total == n && seen.size() == n;
        System.out.printf("{\"client\": \"java\", \"op\": \"roundtrip\", \"protocol\": \"%s\", \"mechanism\": \"%s\", \"produced\": %d, \"consumed\": %d, \"distinct\": %d, \"ok\": %b, \"seconds\": %.2f}%n",
            base.getProperty("security.protocol"), a[2], n, total, seen.size(), ok, (System.nanoTime() - t0) / 1e9);
        System.exit(ok ? 0 : 1);
    }
}
