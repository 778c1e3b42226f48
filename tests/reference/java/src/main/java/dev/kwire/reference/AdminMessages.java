package dev.kwire.reference;

import static dev.kwire.reference.Messages.TOPIC_A;
import static dev.kwire.reference.Messages.TOPIC_B;
import static dev.kwire.reference.Messages.TOPIC_ID_A;
import static dev.kwire.reference.Messages.TOPIC_ID_B;
import static dev.kwire.reference.Messages.CLUSTER_ID;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * Admin APIs (issue 12): the same rules as {@link Messages} — every field the version carries
 * set to a non-default value, nothing set that the version cannot carry, and with
 * {@code nulls} every nullable field the version allows set to null.
 */
final class AdminMessages {
    private AdminMessages() {}

    static final byte TOPIC_RESOURCE = 2;
    static final byte BROKER_RESOURCE = 4;

    // ------------------------------------------------------------------ FindCoordinator (10)

    static Message findCoordinatorRequest(short v, boolean nulls) {
        FindCoordinatorRequestData d = new FindCoordinatorRequestData();
        if (v <= 3) {
            d.setKey("kwire-txn-1");
        }
        if (v >= 1) {
            d.setKeyType((byte) 1);
        }
        if (v >= 4) {
            d.setCoordinatorKeys(Arrays.asList("kwire-txn-1", "kwire-txn-2"));
        }
        return d;
    }

    static Message findCoordinatorResponse(short v, boolean nulls) {
        FindCoordinatorResponseData d = new FindCoordinatorResponseData();
        if (v >= 1) {
            d.setThrottleTimeMs(25);
        }
        if (v <= 3) {
            d.setErrorCode((short) 15).setNodeId(2).setHost("broker-2.kwire.test").setPort(9094);
            if (v >= 1) {
                d.setErrorMessage(nulls ? null : "coordinator loading");
            }
        } else {
            List<FindCoordinatorResponseData.Coordinator> cs = new ArrayList<>();
            cs.add(new FindCoordinatorResponseData.Coordinator().setKey("kwire-txn-1").setNodeId(2)
                .setHost("broker-2.kwire.test").setPort(9094).setErrorCode((short) 0)
                .setErrorMessage(nulls ? null : "ok"));
            cs.add(new FindCoordinatorResponseData.Coordinator().setKey("kwire-txn-2").setNodeId(-1)
                .setHost("").setPort(-1).setErrorCode((short) 15)
                .setErrorMessage("The coordinator is not available."));
            d.setCoordinators(cs);
        }
        return d;
    }

    // ------------------------------------------------------------------ CreateTopics (19)

    static Message createTopicsRequest(short v, boolean nulls) {
        CreateTopicsRequestData d = new CreateTopicsRequestData();
        CreateTopicsRequestData.CreatableTopicCollection topics = new CreateTopicsRequestData.CreatableTopicCollection();
        CreateTopicsRequestData.CreatableTopicConfigCollection configs = new CreateTopicsRequestData.CreatableTopicConfigCollection();
        configs.add(new CreateTopicsRequestData.CreatableTopicConfig().setName("retention.ms").setValue("86400000"));
        configs.add(new CreateTopicsRequestData.CreatableTopicConfig().setName("cleanup.policy").setValue(nulls ? null : "compact"));
        topics.add(new CreateTopicsRequestData.CreatableTopic().setName(TOPIC_A).setNumPartitions(12)
            .setReplicationFactor((short) 3).setConfigs(configs));
        CreateTopicsRequestData.CreatableReplicaAssignmentCollection assignments =
            new CreateTopicsRequestData.CreatableReplicaAssignmentCollection();
        assignments.add(new CreateTopicsRequestData.CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(Arrays.asList(1, 2)));
        assignments.add(new CreateTopicsRequestData.CreatableReplicaAssignment().setPartitionIndex(1).setBrokerIds(Arrays.asList(2, 3)));
        topics.add(new CreateTopicsRequestData.CreatableTopic().setName(TOPIC_B).setNumPartitions(-1)
            .setReplicationFactor((short) -1).setAssignments(assignments));
        d.setTopics(topics).setTimeoutMs(30000).setValidateOnly(true);
        return d;
    }

    static Message createTopicsResponse(short v, boolean nulls) {
        CreateTopicsResponseData d = new CreateTopicsResponseData().setThrottleTimeMs(40);
        CreateTopicsResponseData.CreatableTopicResultCollection topics = new CreateTopicsResponseData.CreatableTopicResultCollection();
        CreateTopicsResponseData.CreatableTopicResult a = new CreateTopicsResponseData.CreatableTopicResult()
            .setName(TOPIC_A).setErrorCode((short) 0);
        CreateTopicsResponseData.CreatableTopicResult b = new CreateTopicsResponseData.CreatableTopicResult()
            .setName(TOPIC_B).setErrorCode((short) 36);
        if (v >= 1) {
            a.setErrorMessage(nulls ? null : "created");
            b.setErrorMessage("Topic 'payments.eu-west' already exists.");
        }
        if (v >= 5) {
            a.setTopicConfigErrorCode((short) 29).setNumPartitions(12).setReplicationFactor((short) 3);
            b.setNumPartitions(3).setReplicationFactor((short) 1);
            List<CreateTopicsResponseData.CreatableTopicConfigs> configs = new ArrayList<>();
            configs.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName("retention.ms").setValue("86400000")
                .setReadOnly(false).setConfigSource((byte) 1).setIsSensitive(false));
            configs.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName("sasl.jaas.config")
                .setValue(nulls ? null : "hidden").setReadOnly(true).setConfigSource((byte) 5).setIsSensitive(true));
            a.setConfigs(configs);
            b.setConfigs(nulls ? null : new ArrayList<>());
        }
        if (v >= 7) {
            a.setTopicId(TOPIC_ID_A);
            b.setTopicId(TOPIC_ID_B);
        }
        topics.add(a);
        topics.add(b);
        d.setTopics(topics);
        return d;
    }

    // ------------------------------------------------------------------ DeleteTopics (20)

    static Message deleteTopicsRequest(short v, boolean nulls) {
        DeleteTopicsRequestData d = new DeleteTopicsRequestData().setTimeoutMs(30000);
        if (v >= 6) {
            List<DeleteTopicsRequestData.DeleteTopicState> topics = new ArrayList<>();
            topics.add(new DeleteTopicsRequestData.DeleteTopicState().setName(TOPIC_A));
            topics.add(new DeleteTopicsRequestData.DeleteTopicState().setName(nulls ? null : TOPIC_B).setTopicId(TOPIC_ID_B));
            d.setTopics(topics);
        } else {
            d.setTopicNames(Arrays.asList(TOPIC_A, TOPIC_B));
        }
        return d;
    }

    static Message deleteTopicsResponse(short v, boolean nulls) {
        DeleteTopicsResponseData d = new DeleteTopicsResponseData().setThrottleTimeMs(40);
        DeleteTopicsResponseData.DeletableTopicResultCollection rs = new DeleteTopicsResponseData.DeletableTopicResultCollection();
        DeleteTopicsResponseData.DeletableTopicResult a = new DeleteTopicsResponseData.DeletableTopicResult()
            .setName(TOPIC_A).setErrorCode((short) 0);
        DeleteTopicsResponseData.DeletableTopicResult b = new DeleteTopicsResponseData.DeletableTopicResult()
            .setName(nulls && v >= 6 ? null : TOPIC_B).setErrorCode((short) 3);
        if (v >= 5) {
            a.setErrorMessage(nulls ? null : "deleted");
            b.setErrorMessage("This server does not host this topic-partition.");
        }
        if (v >= 6) {
            a.setTopicId(TOPIC_ID_A);
            b.setTopicId(TOPIC_ID_B);
        }
        rs.add(a);
        rs.add(b);
        d.setResponses(rs);
        return d;
    }

    // ------------------------------------------------------------------ DeleteRecords (21)

    static Message deleteRecordsRequest(short v, boolean nulls) {
        DeleteRecordsRequestData d = new DeleteRecordsRequestData().setTimeoutMs(30000);
        List<DeleteRecordsRequestData.DeleteRecordsTopic> topics = new ArrayList<>();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<DeleteRecordsRequestData.DeleteRecordsPartition> parts = new ArrayList<>();
            parts.add(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(1000L));
            parts.add(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(3).setOffset(-1L));
            topics.add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    static Message deleteRecordsResponse(short v, boolean nulls) {
        DeleteRecordsResponseData d = new DeleteRecordsResponseData().setThrottleTimeMs(40);
        DeleteRecordsResponseData.DeleteRecordsTopicResultCollection topics =
            new DeleteRecordsResponseData.DeleteRecordsTopicResultCollection();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            DeleteRecordsResponseData.DeleteRecordsPartitionResultCollection parts =
                new DeleteRecordsResponseData.DeleteRecordsPartitionResultCollection();
            parts.add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(0)
                .setLowWatermark(1000L).setErrorCode((short) 0));
            parts.add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(3)
                .setLowWatermark(-1L).setErrorCode((short) 1));
            topics.add(new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    // ------------------------------------------------------------------ DescribeConfigs (32)

    static Message describeConfigsRequest(short v, boolean nulls) {
        DescribeConfigsRequestData d = new DescribeConfigsRequestData();
        List<DescribeConfigsRequestData.DescribeConfigsResource> rs = new ArrayList<>();
        rs.add(new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(TOPIC_RESOURCE)
            .setResourceName(TOPIC_A).setConfigurationKeys(nulls ? null : Arrays.asList("retention.ms", "min.insync.replicas")));
        rs.add(new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(BROKER_RESOURCE)
            .setResourceName("1").setConfigurationKeys(Arrays.asList("log.retention.hours")));
        d.setResources(rs).setIncludeSynonyms(true);
        if (v >= 3) {
            d.setIncludeDocumentation(true);
        }
        return d;
    }

    static Message describeConfigsResponse(short v, boolean nulls) {
        DescribeConfigsResponseData d = new DescribeConfigsResponseData().setThrottleTimeMs(40);
        List<DescribeConfigsResponseData.DescribeConfigsResult> rs = new ArrayList<>();
        List<DescribeConfigsResponseData.DescribeConfigsResourceResult> configs = new ArrayList<>();
        DescribeConfigsResponseData.DescribeConfigsResourceResult retention = new DescribeConfigsResponseData.DescribeConfigsResourceResult()
            .setName("retention.ms").setValue("86400000").setReadOnly(false).setIsSensitive(false)
            .setConfigSource((byte) 1);
        DescribeConfigsResponseData.DescribeConfigsResourceResult secret = new DescribeConfigsResponseData.DescribeConfigsResourceResult()
            .setName("ssl.key.password").setValue(nulls ? null : "").setReadOnly(true).setIsSensitive(true)
            .setConfigSource((byte) 4);
        List<DescribeConfigsResponseData.DescribeConfigsSynonym> synonyms = new ArrayList<>();
        synonyms.add(new DescribeConfigsResponseData.DescribeConfigsSynonym().setName("retention.ms").setValue("86400000").setSource((byte) 1));
        synonyms.add(new DescribeConfigsResponseData.DescribeConfigsSynonym().setName("log.retention.ms")
            .setValue(nulls ? null : "604800000").setSource((byte) 5));
        retention.setSynonyms(synonyms);
        if (v >= 3) {
            retention.setConfigType((byte) 5).setDocumentation(nulls ? null : "How long to keep a log segment.");
            secret.setConfigType((byte) 7).setDocumentation("The password of the private key.");
        }
        configs.add(retention);
        configs.add(secret);
        rs.add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : "").setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_A).setConfigs(configs));
        rs.add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode((short) 3)
            .setErrorMessage("Topic 'payments.eu-west' does not exist.").setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_B)
            .setConfigs(new ArrayList<>()));
        d.setResults(rs);
        return d;
    }

    // ------------------------------------------------------------------ AlterConfigs (33)

    static Message alterConfigsRequest(short v, boolean nulls) {
        AlterConfigsRequestData d = new AlterConfigsRequestData();
        AlterConfigsRequestData.AlterConfigsResourceCollection rs = new AlterConfigsRequestData.AlterConfigsResourceCollection();
        AlterConfigsRequestData.AlterableConfigCollection a = new AlterConfigsRequestData.AlterableConfigCollection();
        a.add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms").setValue("3600000"));
        a.add(new AlterConfigsRequestData.AlterableConfig().setName("cleanup.policy").setValue(nulls ? null : "delete"));
        rs.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_A).setConfigs(a));
        AlterConfigsRequestData.AlterableConfigCollection b = new AlterConfigsRequestData.AlterableConfigCollection();
        b.add(new AlterConfigsRequestData.AlterableConfig().setName("log.cleaner.threads").setValue("2"));
        rs.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(BROKER_RESOURCE).setResourceName("1").setConfigs(b));
        d.setResources(rs).setValidateOnly(true);
        return d;
    }

    static Message alterConfigsResponse(short v, boolean nulls) {
        AlterConfigsResponseData d = new AlterConfigsResponseData().setThrottleTimeMs(40);
        List<AlterConfigsResponseData.AlterConfigsResourceResponse> rs = new ArrayList<>();
        rs.add(new AlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : "").setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_A));
        rs.add(new AlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode((short) 40)
            .setErrorMessage("Invalid value -5 for configuration retention.ms").setResourceType(BROKER_RESOURCE).setResourceName("1"));
        d.setResponses(rs);
        return d;
    }

    // ------------------------------------------------------------------ DescribeLogDirs (35)

    static Message describeLogDirsRequest(short v, boolean nulls) {
        DescribeLogDirsRequestData d = new DescribeLogDirsRequestData();
        if (nulls) {
            d.setTopics(null); // null = every partition on the broker
        } else {
            DescribeLogDirsRequestData.DescribableLogDirTopicCollection topics =
                new DescribeLogDirsRequestData.DescribableLogDirTopicCollection();
            topics.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(TOPIC_A).setPartitions(Arrays.asList(0, 1)));
            topics.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(TOPIC_B).setPartitions(Arrays.asList(7)));
            d.setTopics(topics);
        }
        return d;
    }

    static Message describeLogDirsResponse(short v, boolean nulls) {
        DescribeLogDirsResponseData d = new DescribeLogDirsResponseData().setThrottleTimeMs(40);
        if (v >= 3) {
            d.setErrorCode((short) 29);
        }
        List<DescribeLogDirsResponseData.DescribeLogDirsResult> rs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<DescribeLogDirsResponseData.DescribeLogDirsTopic> topics = new ArrayList<>();
            List<DescribeLogDirsResponseData.DescribeLogDirsPartition> parts = new ArrayList<>();
            parts.add(new DescribeLogDirsResponseData.DescribeLogDirsPartition().setPartitionIndex(0)
                .setPartitionSize(1048576L + i).setOffsetLag(0L).setIsFutureKey(false));
            parts.add(new DescribeLogDirsResponseData.DescribeLogDirsPartition().setPartitionIndex(1)
                .setPartitionSize(4096L).setOffsetLag(17L).setIsFutureKey(true));
            topics.add(new DescribeLogDirsResponseData.DescribeLogDirsTopic().setName(i == 0 ? TOPIC_A : TOPIC_B).setPartitions(parts));
            DescribeLogDirsResponseData.DescribeLogDirsResult r = new DescribeLogDirsResponseData.DescribeLogDirsResult()
                .setErrorCode((short) (i == 0 ? 0 : 57)).setLogDir("/var/kafka/data-" + i).setTopics(topics);
            if (v >= 4) {
                r.setTotalBytes(1L << 40).setUsableBytes((1L << 39) + i);
            }
            if (v >= 5) {
                r.setIsCordoned(i == 1);
            }
            rs.add(r);
        }
        d.setResults(rs);
        return d;
    }

    // ------------------------------------------------------------------ CreatePartitions (37)

    static Message createPartitionsRequest(short v, boolean nulls) {
        CreatePartitionsRequestData d = new CreatePartitionsRequestData();
        CreatePartitionsRequestData.CreatePartitionsTopicCollection topics =
            new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
        List<CreatePartitionsRequestData.CreatePartitionsAssignment> assignments = new ArrayList<>();
        assignments.add(new CreatePartitionsRequestData.CreatePartitionsAssignment().setBrokerIds(Arrays.asList(1, 2)));
        assignments.add(new CreatePartitionsRequestData.CreatePartitionsAssignment().setBrokerIds(Arrays.asList(3, 1)));
        topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(TOPIC_A).setCount(14).setAssignments(assignments));
        topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(TOPIC_B).setCount(6)
            .setAssignments(nulls ? null : new ArrayList<>()));
        d.setTopics(topics).setTimeoutMs(30000).setValidateOnly(true);
        return d;
    }

    static Message createPartitionsResponse(short v, boolean nulls) {
        CreatePartitionsResponseData d = new CreatePartitionsResponseData().setThrottleTimeMs(40);
        List<CreatePartitionsResponseData.CreatePartitionsTopicResult> rs = new ArrayList<>();
        rs.add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(TOPIC_A).setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : ""));
        rs.add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(TOPIC_B).setErrorCode((short) 37)
            .setErrorMessage("Topic currently has 8 partitions, which is higher than the requested 6."));
        d.setResults(rs);
        return d;
    }

    // ------------------------------------------------------------------ ElectLeaders (43)

    static Message electLeadersRequest(short v, boolean nulls) {
        ElectLeadersRequestData d = new ElectLeadersRequestData().setTimeoutMs(30000);
        if (v >= 1) {
            d.setElectionType((byte) 1);
        }
        if (nulls) {
            return d.setTopicPartitions(null);
        }
        ElectLeadersRequestData.TopicPartitionsCollection tps = new ElectLeadersRequestData.TopicPartitionsCollection();
        tps.add(new ElectLeadersRequestData.TopicPartitions().setTopic(TOPIC_A).setPartitions(Arrays.asList(0, 2)));
        tps.add(new ElectLeadersRequestData.TopicPartitions().setTopic(TOPIC_B).setPartitions(Arrays.asList(5, 1)));
        return d.setTopicPartitions(tps);
    }

    static Message electLeadersResponse(short v, boolean nulls) {
        ElectLeadersResponseData d = new ElectLeadersResponseData().setThrottleTimeMs(40);
        if (v >= 1) {
            d.setErrorCode((short) 31);
        }
        List<ElectLeadersResponseData.ReplicaElectionResult> rs = new ArrayList<>();
        List<ElectLeadersResponseData.PartitionResult> a = new ArrayList<>();
        a.add(new ElectLeadersResponseData.PartitionResult().setPartitionId(0).setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : ""));
        a.add(new ElectLeadersResponseData.PartitionResult().setPartitionId(2).setErrorCode((short) 84)
            .setErrorMessage("Leader election not needed for topic partition."));
        rs.add(new ElectLeadersResponseData.ReplicaElectionResult().setTopic(TOPIC_A).setPartitionResult(a));
        List<ElectLeadersResponseData.PartitionResult> b = new ArrayList<>();
        b.add(new ElectLeadersResponseData.PartitionResult().setPartitionId(5).setErrorCode((short) 80)
            .setErrorMessage("The preferred leader was not available."));
        rs.add(new ElectLeadersResponseData.ReplicaElectionResult().setTopic(TOPIC_B).setPartitionResult(b));
        return d.setReplicaElectionResults(rs);
    }

    // ------------------------------------------------------------------ IncrementalAlterConfigs (44)

    static Message incrementalAlterConfigsRequest(short v, boolean nulls) {
        IncrementalAlterConfigsRequestData d = new IncrementalAlterConfigsRequestData();
        IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection rs =
            new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
        IncrementalAlterConfigsRequestData.AlterableConfigCollection a = new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
        a.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("retention.ms").setConfigOperation((byte) 0).setValue("3600000"));
        a.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("cleanup.policy").setConfigOperation((byte) 1)
            .setValue(nulls ? null : ""));
        a.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("leader.replication.throttled.replicas")
            .setConfigOperation((byte) 2).setValue("0:1"));
        rs.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_A).setConfigs(a));
        IncrementalAlterConfigsRequestData.AlterableConfigCollection b = new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
        b.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("log.cleaner.threads").setConfigOperation((byte) 3).setValue("2"));
        rs.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(BROKER_RESOURCE).setResourceName("1").setConfigs(b));
        d.setResources(rs).setValidateOnly(true);
        return d;
    }

    static Message incrementalAlterConfigsResponse(short v, boolean nulls) {
        IncrementalAlterConfigsResponseData d = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(40);
        List<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> rs = new ArrayList<>();
        rs.add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : "").setResourceType(TOPIC_RESOURCE).setResourceName(TOPIC_A));
        rs.add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode((short) 40)
            .setErrorMessage("Invalid config value").setResourceType(BROKER_RESOURCE).setResourceName("1"));
        d.setResponses(rs);
        return d;
    }

    // ------------------------------------------------------------------ DescribeCluster (60)

    static Message describeClusterRequest(short v, boolean nulls) {
        DescribeClusterRequestData d = new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true);
        if (v >= 1) {
            d.setEndpointType((byte) 2);
        }
        if (v >= 2) {
            d.setIncludeFencedBrokers(true);
        }
        return d;
    }

    static Message describeClusterResponse(short v, boolean nulls) {
        DescribeClusterResponseData d = new DescribeClusterResponseData().setThrottleTimeMs(40).setErrorCode((short) 0)
            .setErrorMessage(nulls ? null : "").setClusterId(CLUSTER_ID).setControllerId(1)
            .setClusterAuthorizedOperations(0x0ff8);
        if (v >= 1) {
            d.setEndpointType((byte) 2);
        }
        DescribeClusterResponseData.DescribeClusterBrokerCollection brokers =
            new DescribeClusterResponseData.DescribeClusterBrokerCollection();
        for (int id = 1; id <= 2; id++) {
            DescribeClusterResponseData.DescribeClusterBroker b = new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(id).setHost("broker-" + id + ".kwire.test").setPort(9091 + id)
                .setRack(id == 2 && nulls ? null : "rack-" + id);
            if (v >= 2) {
                b.setIsFenced(id == 2);
            }
            brokers.add(b);
        }
        d.setBrokers(brokers);
        return d;
    }
}
