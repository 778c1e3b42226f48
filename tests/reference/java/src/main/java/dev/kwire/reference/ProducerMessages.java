package dev.kwire.reference;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * DescribeProducers messages with every field set to a value other than its default; {@code nulls}
 * sets the partition error message to null.
 */
final class ProducerMessages {
    private ProducerMessages() { }

    static Message describeProducersRequest(short v, boolean nulls) {
        DescribeProducersRequestData.TopicRequestCollection topics =
            new DescribeProducersRequestData.TopicRequestCollection();
        for (int i = 0; i < 2; i++) {
            topics.add(new DescribeProducersRequestData.TopicRequest().setName("topic-" + i)
                .setPartitionIndexes(List.of(i, i + 3)));
        }
        return new DescribeProducersRequestData().setTopics(topics);
    }

    static Message describeProducersResponse(short v, boolean nulls) {
        List<DescribeProducersResponseData.TopicResponse> topics = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<DescribeProducersResponseData.PartitionResponse> partitions = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                List<DescribeProducersResponseData.ProducerState> producers = new ArrayList<>();
                producers.add(new DescribeProducersResponseData.ProducerState().setProducerId(1000L + p)
                    .setProducerEpoch(3).setLastSequence(41 + p).setLastTimestamp(1_700_000_000_000L + i)
                    .setCoordinatorEpoch(7).setCurrentTxnStartOffset(120L + p));
                partitions.add(new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(p)
                    .setErrorCode((short) (p == 0 ? 0 : 6))
                    .setErrorMessage(nulls ? null : "This server is not the leader for that topic-partition.")
                    .setActiveProducers(producers));
            }
            topics.add(new DescribeProducersResponseData.TopicResponse().setName("topic-" + i)
                .setPartitions(partitions));
        }
        return new DescribeProducersResponseData().setThrottleTimeMs(40).setTopics(topics);
    }
}
