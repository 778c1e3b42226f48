package dev.kwire.reference;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumer protocol as kafka-clients writes it: a subscription (JoinGroup metadata) and an
 * assignment (SyncGroup) at every version, with every field set.
 */
final class ConsumerProtocolVectors {
    private ConsumerProtocolVectors() {}

    static Subscription subscription() {
        return new Subscription(
            Arrays.asList("orders", "payments"),
            ByteBuffer.wrap("user".getBytes(StandardCharsets.UTF_8)),
            Arrays.asList(new TopicPartition("orders", 0), new TopicPartition("orders", 2), new TopicPartition("payments", 1)),
            7,
            Optional.of("rack-a"));
    }

    static Assignment assignment() {
        return new Assignment(
            Arrays.asList(new TopicPartition("orders", 1), new TopicPartition("payments", 0), new TopicPartition("payments", 3)),
            ByteBuffer.wrap("data".getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** [file name, bytes] for versions 0 to ConsumerProtocol's highest. */
    static Object[][] all() {
        int highest = org.apache.kafka.common.message.ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION;
        Object[][] out = new Object[2 * (highest + 1)][];
        for (short v = 0; v <= highest; v++) {
            out[2 * v] = new Object[] {"consumer-subscription-v" + v + ".bin",
                bytes(ConsumerProtocol.serializeSubscription(subscription(), v))};
            out[2 * v + 1] = new Object[] {"consumer-assignment-v" + v + ".bin",
                bytes(ConsumerProtocol.serializeAssignment(assignment(), v))};
        }
        return out;
    }
}
