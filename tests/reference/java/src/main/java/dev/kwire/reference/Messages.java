package dev.kwire.reference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Builds one request/response per (api, version), with every field that the version carries set
 * to a non-default value. Fields a version cannot carry are never set, so Java neither throws
 * nor silently drops anything (Vectors checks the read-back copy equals the built one).
 *
 * <p>{@code nulls == true} builds the "-nulls" variant instead: the same message, but with every
 * nullable field that the version allows to be null set to null.
 */
final class Messages {
    private Messages() {}

    static final Uuid TOPIC_ID_A = new Uuid(0x0123456789abcdefL, 0x1032547698badcfeL);
    static final Uuid TOPIC_ID_B = new Uuid(0x1112131415161718L, 0x191a1b1c1d1e1f20L);
    static final Uuid DIR_ID = new Uuid(0x2122232425262728L, 0x292a2b2c2d2e2f30L);
    static final String TOPIC_A = "orders";
    static final String TOPIC_B = "payments.eu-west";
    static final String CLUSTER_ID = "kwire-cluster-0001";

    interface Builder {
        Message build(short version, boolean nulls);
    }

    // ------------------------------------------------------------------ ApiVersions (18)

    static Message apiVersionsRequest(short v, boolean nulls) {
        ApiVersionsRequestData d = new ApiVersionsRequestData();
        if (v >= 3) {
            d.setClientSoftwareName("kwire-ref").setClientSoftwareVersion("0.1.0-ref");
        }
        if (v >= 5) {
            d.setClusterId(nulls ? null : CLUSTER_ID).setNodeId(7);
        }
        return d;
    }

    static Message apiVersionsResponse(short v, boolean nulls) {
        ApiVersionsResponseData d = new ApiVersionsResponseData();
        d.setErrorCode((short) 35);
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 0).setMinVersion((short) 3).setMaxVersion((short) 13));
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 18).setMinVersion((short) 1).setMaxVersion((short) 5));
        d.setApiKeys(keys);
        if (v >= 1) {
            d.setThrottleTimeMs(100);
        }
        if (v >= 3) {
            ApiVersionsResponseData.SupportedFeatureKeyCollection sf = new ApiVersionsResponseData.SupportedFeatureKeyCollection();
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("metadata.version").setMinVersion((short) 1).setMaxVersion((short) 27));
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("transaction.version").setMinVersion((short) 2).setMaxVersion((short) 3));
            d.setSupportedFeatures(sf);
            d.setFinalizedFeaturesEpoch(42L);
            ApiVersionsResponseData.FinalizedFeatureKeyCollection ff = new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
            ff.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName("metadata.version").setMaxVersionLevel((short) 27).setMinVersionLevel((short) 4));
            ff.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName("transaction.version").setMaxVersionLevel((short) 3).setMinVersionLevel((short) 2));
            d.setFinalizedFeatures(ff);
            d.setZkMigrationReady(true);
        }
        return d;
    }

    // ------------------------------------------------------------------ Metadata (3)

    static Message metadataRequest(short v, boolean nulls) {
        MetadataRequestData d = new MetadataRequestData();
        if (nulls && v >= 1) {
            d.setTopics(null); // null = all topics
        } else {
            List<MetadataRequestData.MetadataRequestTopic> topics = new ArrayList<>();
            MetadataRequestData.MetadataRequestTopic a = new MetadataRequestData.MetadataRequestTopic().setName(TOPIC_A);
            MetadataRequestData.MetadataRequestTopic b = new MetadataRequestData.MetadataRequestTopic().setName(TOPIC_B);
            if (v >= 10) {
                a.setTopicId(TOPIC_ID_A);
                b.setTopicId(TOPIC_ID_B);
                if (nulls) {
                    b.setName(null); // query by id only
                }
            }
            topics.add(a);
            topics.add(b);
            d.setTopics(topics);
        }
        if (v >= 4) {
            d.setAllowAutoTopicCreation(false);
        }
        if (v >= 8 && v <= 10) {
            d.setIncludeClusterAuthorizedOperations(true);
        }
        if (v >= 8) {
            d.setIncludeTopicAuthorizedOperations(true);
        }
        return d;
    }

    static Message metadataResponse(short v, boolean nulls) {
        MetadataResponseData d = new MetadataResponseData();
        if (v >= 3) {
            d.setThrottleTimeMs(200);
        }
        MetadataResponseData.MetadataResponseBrokerCollection brokers = new MetadataResponseData.MetadataResponseBrokerCollection();
        MetadataResponseData.MetadataResponseBroker b1 = new MetadataResponseData.MetadataResponseBroker()
            .setNodeId(1).setHost("broker-1.kwire.test").setPort(9092);
        MetadataResponseData.MetadataResponseBroker b2 = new MetadataResponseData.MetadataResponseBroker()
            .setNodeId(2).setHost("broker-2.kwire.test").setPort(19093);
        if (v >= 1 && !nulls) {
            b1.setRack("rack-a");
            b2.setRack("rack-b");
        }
        brokers.add(b1);
        brokers.add(b2);
        d.setBrokers(brokers);
        if (v >= 2 && !nulls) {
            d.setClusterId(CLUSTER_ID);
        }
        if (v >= 1) {
            d.setControllerId(2);
        }
        MetadataResponseData.MetadataResponseTopicCollection topics = new MetadataResponseData.MetadataResponseTopicCollection();
        topics.add(metadataTopic(v, false, TOPIC_A, TOPIC_ID_A, (short) 5, 1));
        topics.add(metadataTopic(v, nulls, TOPIC_B, TOPIC_ID_B, (short) 3, 10));
        d.setTopics(topics);
        if (v >= 8 && v <= 10) {
            d.setClusterAuthorizedOperations(0x0f00);
        }
        if (v >= 13) {
            d.setErrorCode((short) 31);
        }
        return d;
    }

    private static MetadataResponseData.MetadataResponseTopic metadataTopic(
            short v, boolean nullName, String name, Uuid id, short error, int firstPartition) {
        MetadataResponseData.MetadataResponseTopic t = new MetadataResponseData.MetadataResponseTopic()
            .setErrorCode(error)
            .setName(nullName && v >= 12 ? null : name);
        if (v >= 10) {
            t.setTopicId(id);
        }
        if (v >= 1) {
            t.setIsInternal(true);
        }
        List<MetadataResponseData.MetadataResponsePartition> parts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            MetadataResponseData.MetadataResponsePartition p = new MetadataResponseData.MetadataResponsePartition()
                .setErrorCode((short) 9)
                .setPartitionIndex(firstPartition + i)
                .setLeaderId(1 + i)
                .setReplicaNodes(Arrays.asList(1, 2, 3))
                .setIsrNodes(Arrays.asList(1 + i, 2));
            if (v >= 7) {
                p.setLeaderEpoch(11 + i);
            }
            if (v >= 5) {
                p.setOfflineReplicas(Arrays.asList(3, 300000));
            }
            parts.add(p);
        }
        t.setPartitions(parts);
        if (v >= 8) {
            t.setTopicAuthorizedOperations(0x0ff8);
        }
        return t;
    }

    // ------------------------------------------------------------------ Produce (0)

    static Message produceRequest(short v, boolean nulls) {
        ProduceRequestData d = new ProduceRequestData()
            .setTransactionalId(nulls ? null : "kwire-txn-1")
            .setAcks((short) -1)
            .setTimeoutMs(30000);
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceData a = new ProduceRequestData.TopicProduceData();
        ProduceRequestData.TopicProduceData b = new ProduceRequestData.TopicProduceData();
        if (v >= 13) {
            a.setTopicId(TOPIC_ID_A);
            b.setTopicId(TOPIC_ID_B);
        } else {
            a.setName(TOPIC_A);
            b.setName(TOPIC_B);
        }
        a.setPartitionData(new ArrayList<>(Arrays.asList(
            producePartition(1, nulls ? null : Batches.smallBatch(0L, 0, true)),
            producePartition(2, nulls ? null : Batches.smallBatch(0L, 2, true)))));
        b.setPartitionData(new ArrayList<>(Arrays.asList(
            producePartition(3, nulls ? null : Batches.smallBatch(0L, 4, true)))));
        topics.add(a);
        topics.add(b);
        d.setTopicData(topics);
        return d;
    }

    private static ProduceRequestData.PartitionProduceData producePartition(int index, MemoryRecords records) {
        return new ProduceRequestData.PartitionProduceData().setIndex(index).setRecords(records);
    }

    static Message produceResponse(short v, boolean nulls) {
        ProduceResponseData d = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponseCollection responses = new ProduceResponseData.TopicProduceResponseCollection();
        ProduceResponseData.TopicProduceResponse a = new ProduceResponseData.TopicProduceResponse();
        ProduceResponseData.TopicProduceResponse b = new ProduceResponseData.TopicProduceResponse();
        if (v >= 13) {
            a.setTopicId(TOPIC_ID_A);
            b.setTopicId(TOPIC_ID_B);
        } else {
            a.setName(TOPIC_A);
            b.setName(TOPIC_B);
        }
        a.setPartitionResponses(new ArrayList<>(Arrays.asList(
            producePartitionResponse(v, nulls, 1, 1234L), producePartitionResponse(v, nulls, 2, 98765432101L))));
        b.setPartitionResponses(new ArrayList<>(Arrays.asList(producePartitionResponse(v, nulls, 3, 7L))));
        responses.add(a);
        responses.add(b);
        d.setResponses(responses);
        if (v >= 1) {
            d.setThrottleTimeMs(300);
        }
        if (v >= 10) {
            ProduceResponseData.NodeEndpointCollection eps = new ProduceResponseData.NodeEndpointCollection();
            eps.add(new ProduceResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2.kwire.test").setPort(19093)
                .setRack(nulls ? null : "rack-b"));
            eps.add(new ProduceResponseData.NodeEndpoint().setNodeId(3).setHost("broker-3.kwire.test").setPort(9094)
                .setRack(nulls ? null : "rack-c"));
            d.setNodeEndpoints(eps);
        }
        return d;
    }

    private static ProduceResponseData.PartitionProduceResponse producePartitionResponse(
            short v, boolean nulls, int index, long baseOffset) {
        ProduceResponseData.PartitionProduceResponse p = new ProduceResponseData.PartitionProduceResponse()
            .setIndex(index)
            .setErrorCode((short) 6)
            .setBaseOffset(baseOffset);
        if (v >= 2) {
            p.setLogAppendTimeMs(1700000000500L);
        }
        if (v >= 5) {
            p.setLogStartOffset(100L);
        }
        if (v >= 8) {
            p.setRecordErrors(new ArrayList<>(Arrays.asList(
                new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(1)
                    .setBatchIndexErrorMessage(nulls ? null : "bad record"),
                new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(4)
                    .setBatchIndexErrorMessage(nulls ? null : "also bad: ключ"))));
            p.setErrorMessage(nulls ? null : "batch dropped");
        }
        if (v >= 10) {
            p.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(9));
        }
        return p;
    }

    // ------------------------------------------------------------------ InitProducerId (22)

    static Message initProducerIdRequest(short v, boolean nulls) {
        InitProducerIdRequestData d = new InitProducerIdRequestData()
            .setTransactionalId(nulls ? null : "kwire-txn-1")
            .setTransactionTimeoutMs(60000);
        if (v >= 3) {
            d.setProducerId(4242L).setProducerEpoch((short) 3);
        }
        if (v >= 6) {
            d.setEnable2Pc(true).setKeepPreparedTxn(true);
        }
        return d;
    }

    static Message initProducerIdResponse(short v, boolean nulls) {
        InitProducerIdResponseData d = new InitProducerIdResponseData()
            .setThrottleTimeMs(50)
            .setErrorCode((short) 47)
            .setProducerId(4242L)
            .setProducerEpoch((short) 4);
        if (v >= 6) {
            d.setOngoingTxnProducerId(4241L).setOngoingTxnProducerEpoch((short) 2);
        }
        return d;
    }

    // ------------------------------------------------------------------ Fetch (1)

    static Message fetchRequest(short v, boolean nulls) {
        FetchRequestData d = new FetchRequestData();
        if (v >= 12 && !nulls) {
            d.setClusterId(CLUSTER_ID);
        }
        if (v <= 14) {
            d.setReplicaId(5);
        } else {
            d.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(5).setReplicaEpoch(77L));
        }
        d.setMaxWaitMs(500).setMinBytes(1);
        if (v >= 3) {
            d.setMaxBytes(52428800);
        }
        if (v >= 4) {
            d.setIsolationLevel((byte) 1);
        }
        if (v >= 7) {
            d.setSessionId(123).setSessionEpoch(4);
        }
        List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
        topics.add(fetchTopic(v, TOPIC_A, TOPIC_ID_A, 1));
        topics.add(fetchTopic(v, TOPIC_B, TOPIC_ID_B, 10));
        d.setTopics(topics);
        if (v >= 7) {
            List<FetchRequestData.ForgottenTopic> forgotten = new ArrayList<>();
            FetchRequestData.ForgottenTopic fa = new FetchRequestData.ForgottenTopic().setPartitions(Arrays.asList(4, 5));
            FetchRequestData.ForgottenTopic fb = new FetchRequestData.ForgottenTopic().setPartitions(Arrays.asList(6, 7));
            if (v >= 13) {
                fa.setTopicId(TOPIC_ID_A);
                fb.setTopicId(TOPIC_ID_B);
            } else {
                fa.setTopic(TOPIC_A);
                fb.setTopic(TOPIC_B);
            }
            forgotten.add(fa);
            forgotten.add(fb);
            d.setForgottenTopicsData(forgotten);
        }
        if (v >= 11) {
            d.setRackId("rack-a");
        }
        return d;
    }

    private static FetchRequestData.FetchTopic fetchTopic(short v, String name, Uuid id, int firstPartition) {
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic();
        if (v >= 13) {
            t.setTopicId(id);
        } else {
            t.setTopic(name);
        }
        List<FetchRequestData.FetchPartition> parts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            FetchRequestData.FetchPartition p = new FetchRequestData.FetchPartition()
                .setPartition(firstPartition + i)
                .setFetchOffset(1000L + i)
                .setPartitionMaxBytes(1048576);
            if (v >= 9) {
                p.setCurrentLeaderEpoch(9);
            }
            if (v >= 12) {
                p.setLastFetchedEpoch(8);
            }
            if (v >= 5) {
                p.setLogStartOffset(10L);
            }
            if (v >= 17) {
                p.setReplicaDirectoryId(DIR_ID);
            }
            if (v >= 18) {
                p.setHighWatermark(999L);
            }
            parts.add(p);
        }
        t.setPartitions(parts);
        return t;
    }

    static Message fetchResponse(short v, boolean nulls) {
        FetchResponseData d = new FetchResponseData();
        if (v >= 1) {
            d.setThrottleTimeMs(10);
        }
        if (v >= 7) {
            d.setErrorCode((short) 70).setSessionId(123);
        }
        List<FetchResponseData.FetchableTopicResponse> responses = new ArrayList<>();
        responses.add(fetchTopicResponse(v, nulls, TOPIC_A, TOPIC_ID_A, 1));
        responses.add(fetchTopicResponse(v, nulls, TOPIC_B, TOPIC_ID_B, 10));
        d.setResponses(responses);
        if (v >= 16) {
            FetchResponseData.NodeEndpointCollection eps = new FetchResponseData.NodeEndpointCollection();
            eps.add(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2.kwire.test").setPort(19093)
                .setRack(nulls ? null : "rack-b"));
            eps.add(new FetchResponseData.NodeEndpoint().setNodeId(3).setHost("broker-3.kwire.test").setPort(9094)
                .setRack(nulls ? null : "rack-c"));
            d.setNodeEndpoints(eps);
        }
        return d;
    }

    private static FetchResponseData.FetchableTopicResponse fetchTopicResponse(
            short v, boolean nulls, String name, Uuid id, int firstPartition) {
        FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse();
        if (v >= 13) {
            t.setTopicId(id);
        } else {
            t.setTopic(name);
        }
        List<FetchResponseData.PartitionData> parts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            FetchResponseData.PartitionData p = new FetchResponseData.PartitionData()
                .setPartitionIndex(firstPartition + i)
                .setErrorCode((short) 6)
                .setHighWatermark(2000L);
            if (v >= 4) {
                p.setLastStableOffset(1990L);
                p.setAbortedTransactions(nulls ? null : new ArrayList<>(Arrays.asList(
                    new FetchResponseData.AbortedTransaction().setProducerId(4242L).setFirstOffset(1100L),
                    new FetchResponseData.AbortedTransaction().setProducerId(4243L).setFirstOffset(1200L))));
            }
            if (v >= 5) {
                p.setLogStartOffset(10L);
            }
            if (v >= 11) {
                p.setPreferredReadReplica(3);
            }
            if (v >= 12) {
                p.setDivergingEpoch(new FetchResponseData.EpochEndOffset().setEpoch(7).setEndOffset(1500L));
                p.setCurrentLeader(new FetchResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(9));
                p.setSnapshotId(new FetchResponseData.SnapshotId().setEndOffset(1400L).setEpoch(6));
            }
            p.setRecords(nulls ? null : Batches.smallBatch(1000L + 2 * i, -1, false));
            parts.add(p);
        }
        t.setPartitions(parts);
        return t;
    }

    // ------------------------------------------------------------------ ListOffsets (2)

    static Message listOffsetsRequest(short v, boolean nulls) {
        ListOffsetsRequestData d = new ListOffsetsRequestData().setReplicaId(5);
        if (v >= 2) {
            d.setIsolationLevel((byte) 1);
        }
        List<ListOffsetsRequestData.ListOffsetsTopic> topics = new ArrayList<>();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<ListOffsetsRequestData.ListOffsetsPartition> parts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ListOffsetsRequestData.ListOffsetsPartition p = new ListOffsetsRequestData.ListOffsetsPartition()
                    .setPartitionIndex(i + 1)
                    .setTimestamp(i == 0 ? -1L : 1700000000000L);
                if (v >= 4) {
                    p.setCurrentLeaderEpoch(9);
                }
                parts.add(p);
            }
            topics.add(new ListOffsetsRequestData.ListOffsetsTopic().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        if (v >= 10) {
            d.setTimeoutMs(15000);
        }
        return d;
    }

    static Message listOffsetsResponse(short v, boolean nulls) {
        ListOffsetsResponseData d = new ListOffsetsResponseData();
        if (v >= 2) {
            d.setThrottleTimeMs(20);
        }
        List<ListOffsetsResponseData.ListOffsetsTopicResponse> topics = new ArrayList<>();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<ListOffsetsResponseData.ListOffsetsPartitionResponse> parts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse p = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                    .setPartitionIndex(i + 1)
                    .setErrorCode((short) 6)
                    .setTimestamp(1700000000123L + i)
                    .setOffset(4567L + i);
                if (v >= 4) {
                    p.setLeaderEpoch(9);
                }
                parts.add(p);
            }
            topics.add(new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    // ------------------------------------------------------------------ OffsetForLeaderEpoch (23)

    static Message offsetForLeaderEpochRequest(short v, boolean nulls) {
        OffsetForLeaderEpochRequestData d = new OffsetForLeaderEpochRequestData();
        if (v >= 3) {
            d.setReplicaId(-1);
        }
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
            new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<OffsetForLeaderEpochRequestData.OffsetForLeaderPartition> parts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                parts.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                    .setPartition(i + 1)
                    .setCurrentLeaderEpoch(12 + i)
                    .setLeaderEpoch(7 + i));
            }
            topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    static Message offsetForLeaderEpochResponse(short v, boolean nulls) {
        OffsetForLeaderEpochResponseData d = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(30);
        OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResultCollection topics =
            new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResultCollection();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<OffsetForLeaderEpochResponseData.EpochEndOffset> parts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                parts.add(new OffsetForLeaderEpochResponseData.EpochEndOffset()
                    .setErrorCode((short) (i == 0 ? 0 : 74))
                    .setPartition(i + 1)
                    .setLeaderEpoch(7 + i)
                    .setEndOffset(98765L + i));
            }
            topics.add(new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }
}
