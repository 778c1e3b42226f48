package dev.kwire.reference;

import static dev.kwire.reference.Messages.TOPIC_A;
import static dev.kwire.reference.Messages.TOPIC_B;
import static dev.kwire.reference.Messages.TOPIC_ID_A;
import static dev.kwire.reference.Messages.TOPIC_ID_B;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * Consumer-group APIs (issue 13): the same rules as {@link Messages} — every field the version
 * carries set to a non-default value, nothing set that the version cannot carry, and with
 * {@code nulls} every nullable field the version allows set to null.
 */
final class GroupMessages {
    private GroupMessages() {}

    static final String GROUP = "kwire-group";
    static final String GROUP_B = "kwire-group-b";
    static final String MEMBER = "kwire-consumer-1-5f0e7c1a";
    static final String MEMBER_B = "kwire-consumer-2-77aa0b3c";
    static final String INSTANCE = "instance-1";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ OffsetCommit (8)

    static Message offsetCommitRequest(short v, boolean nulls) {
        OffsetCommitRequestData d = new OffsetCommitRequestData().setGroupId(GROUP)
            .setGenerationIdOrMemberEpoch(7).setMemberId(MEMBER);
        if (v >= 7) {
            d.setGroupInstanceId(nulls ? null : INSTANCE);
        }
        if (v <= 4) {
            d.setRetentionTimeMs(86400000L);
        }
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> topics = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<OffsetCommitRequestData.OffsetCommitRequestPartition> parts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                OffsetCommitRequestData.OffsetCommitRequestPartition p = new OffsetCommitRequestData.OffsetCommitRequestPartition()
                    .setPartitionIndex(i).setCommittedOffset(1000L * (t + 1) + i)
                    .setCommittedMetadata(i == 1 && nulls ? null : "meta-" + i);
                if (v >= 6) {
                    p.setCommittedLeaderEpoch(3 + i);
                }
                parts.add(p);
            }
            OffsetCommitRequestData.OffsetCommitRequestTopic topic = new OffsetCommitRequestData.OffsetCommitRequestTopic()
                .setPartitions(parts);
            if (v >= 10) {
                topic.setTopicId(t == 0 ? TOPIC_ID_A : TOPIC_ID_B);
            } else {
                topic.setName(t == 0 ? TOPIC_A : TOPIC_B);
            }
            topics.add(topic);
        }
        d.setTopics(topics);
        return d;
    }

    static Message offsetCommitResponse(short v, boolean nulls) {
        OffsetCommitResponseData d = new OffsetCommitResponseData();
        if (v >= 3) {
            d.setThrottleTimeMs(20);
        }
        List<OffsetCommitResponseData.OffsetCommitResponseTopic> topics = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<OffsetCommitResponseData.OffsetCommitResponsePartition> parts = new ArrayList<>();
            parts.add(new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(0).setErrorCode((short) 0));
            parts.add(new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode((short) 22));
            OffsetCommitResponseData.OffsetCommitResponseTopic topic = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                .setPartitions(parts);
            if (v >= 10) {
                topic.setTopicId(t == 0 ? TOPIC_ID_A : TOPIC_ID_B);
            } else {
                topic.setName(t == 0 ? TOPIC_A : TOPIC_B);
            }
            topics.add(topic);
        }
        d.setTopics(topics);
        return d;
    }

    // ------------------------------------------------------------------ OffsetFetch (9)

    static Message offsetFetchRequest(short v, boolean nulls) {
        OffsetFetchRequestData d = new OffsetFetchRequestData();
        if (v <= 7) {
            d.setGroupId(GROUP);
            if (nulls && v >= 2) {
                d.setTopics(null); // null = every partition the group committed
            } else {
                List<OffsetFetchRequestData.OffsetFetchRequestTopic> topics = new ArrayList<>();
                topics.add(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(TOPIC_A).setPartitionIndexes(Arrays.asList(0, 1)));
                topics.add(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(TOPIC_B).setPartitionIndexes(Arrays.asList(5)));
                d.setTopics(topics);
            }
        } else {
            List<OffsetFetchRequestData.OffsetFetchRequestGroup> groups = new ArrayList<>();
            for (int g = 0; g < 2; g++) {
                OffsetFetchRequestData.OffsetFetchRequestGroup group = new OffsetFetchRequestData.OffsetFetchRequestGroup()
                    .setGroupId(g == 0 ? GROUP : GROUP_B);
                if (v >= 9) {
                    group.setMemberId(nulls ? null : MEMBER).setMemberEpoch(12);
                }
                if (g == 1 && nulls) {
                    group.setTopics(null);
                } else {
                    List<OffsetFetchRequestData.OffsetFetchRequestTopics> topics = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        OffsetFetchRequestData.OffsetFetchRequestTopics topic = new OffsetFetchRequestData.OffsetFetchRequestTopics()
                            .setPartitionIndexes(Arrays.asList(0, t + 1));
                        if (v >= 10) {
                            topic.setTopicId(t == 0 ? TOPIC_ID_A : TOPIC_ID_B);
                        } else {
                            topic.setName(t == 0 ? TOPIC_A : TOPIC_B);
                        }
                        topics.add(topic);
                    }
                    group.setTopics(topics);
                }
                groups.add(group);
            }
            d.setGroups(groups);
        }
        if (v >= 7) {
            d.setRequireStable(true);
        }
        return d;
    }

    static Message offsetFetchResponse(short v, boolean nulls) {
        OffsetFetchResponseData d = new OffsetFetchResponseData();
        if (v >= 3) {
            d.setThrottleTimeMs(20);
        }
        if (v <= 7) {
            List<OffsetFetchResponseData.OffsetFetchResponseTopic> topics = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<OffsetFetchResponseData.OffsetFetchResponsePartition> parts = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    OffsetFetchResponseData.OffsetFetchResponsePartition p = new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(i).setCommittedOffset(i == 0 ? 4242L : -1L)
                        .setMetadata(i == 1 && nulls ? null : "meta-" + i).setErrorCode((short) (i == 0 ? 0 : 3));
                    if (v >= 5) {
                        p.setCommittedLeaderEpoch(6 + i);
                    }
                    parts.add(p);
                }
                topics.add(new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(t == 0 ? TOPIC_A : TOPIC_B).setPartitions(parts));
            }
            d.setTopics(topics);
            if (v >= 2) {
                d.setErrorCode((short) 14);
            }
        } else {
            List<OffsetFetchResponseData.OffsetFetchResponseGroup> groups = new ArrayList<>();
            for (int g = 0; g < 2; g++) {
                List<OffsetFetchResponseData.OffsetFetchResponseTopics> topics = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    List<OffsetFetchResponseData.OffsetFetchResponsePartitions> parts = new ArrayList<>();
                    for (int i = 0; i < 2; i++) {
                        parts.add(new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(i)
                            .setCommittedOffset(i == 0 ? 4242L : -1L).setCommittedLeaderEpoch(6 + i)
                            .setMetadata(i == 1 && nulls ? null : "meta-" + i).setErrorCode((short) (i == 0 ? 0 : 3)));
                    }
                    OffsetFetchResponseData.OffsetFetchResponseTopics topic = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                        .setPartitions(parts);
                    if (v >= 10) {
                        topic.setTopicId(t == 0 ? TOPIC_ID_A : TOPIC_ID_B);
                    } else {
                        topic.setName(t == 0 ? TOPIC_A : TOPIC_B);
                    }
                    topics.add(topic);
                }
                groups.add(new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(g == 0 ? GROUP : GROUP_B)
                    .setTopics(topics).setErrorCode((short) (g == 0 ? 0 : 16)));
            }
            d.setGroups(groups);
        }
        return d;
    }

    // ------------------------------------------------------------------ JoinGroup (11)

    static Message joinGroupRequest(short v, boolean nulls) {
        JoinGroupRequestData d = new JoinGroupRequestData().setGroupId(GROUP).setSessionTimeoutMs(45000)
            .setMemberId(MEMBER).setProtocolType("consumer");
        if (v >= 1) {
            d.setRebalanceTimeoutMs(300000);
        }
        if (v >= 5) {
            d.setGroupInstanceId(nulls ? null : INSTANCE);
        }
        if (v >= 8) {
            d.setReason(nulls ? null : "rebalance failed due to a new subscription");
        }
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("cooperative-sticky").setMetadata(bytes("\u0000\u0003sub-a")));
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        d.setProtocols(protocols);
        return d;
    }

    static Message joinGroupResponse(short v, boolean nulls) {
        JoinGroupResponseData d = new JoinGroupResponseData().setErrorCode((short) 79).setGenerationId(5)
            .setProtocolName(nulls && v >= 7 ? null : "range").setLeader(MEMBER).setMemberId(MEMBER_B);
        if (v >= 2) {
            d.setThrottleTimeMs(20);
        }
        if (v >= 7) {
            d.setProtocolType(nulls ? null : "consumer");
        }
        if (v >= 9) {
            d.setSkipAssignment(true);
        }
        List<JoinGroupResponseData.JoinGroupResponseMember> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JoinGroupResponseData.JoinGroupResponseMember m = new JoinGroupResponseData.JoinGroupResponseMember()
                .setMemberId(i == 0 ? MEMBER : MEMBER_B).setMetadata(bytes("metadata-" + i));
            if (v >= 5) {
                m.setGroupInstanceId(i == 1 && nulls ? null : "instance-" + i);
            }
            members.add(m);
        }
        d.setMembers(members);
        return d;
    }

    // ------------------------------------------------------------------ Heartbeat (12)

    static Message heartbeatRequest(short v, boolean nulls) {
        HeartbeatRequestData d = new HeartbeatRequestData().setGroupId(GROUP).setGenerationId(5).setMemberId(MEMBER);
        if (v >= 3) {
            d.setGroupInstanceId(nulls ? null : INSTANCE);
        }
        return d;
    }

    static Message heartbeatResponse(short v, boolean nulls) {
        HeartbeatResponseData d = new HeartbeatResponseData().setErrorCode((short) 27);
        if (v >= 1) {
            d.setThrottleTimeMs(20);
        }
        return d;
    }

    // ------------------------------------------------------------------ LeaveGroup (13)

    static Message leaveGroupRequest(short v, boolean nulls) {
        LeaveGroupRequestData d = new LeaveGroupRequestData().setGroupId(GROUP);
        if (v <= 2) {
            d.setMemberId(MEMBER);
        } else {
            List<LeaveGroupRequestData.MemberIdentity> members = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                LeaveGroupRequestData.MemberIdentity m = new LeaveGroupRequestData.MemberIdentity()
                    .setMemberId(i == 0 ? MEMBER : MEMBER_B).setGroupInstanceId(i == 1 && nulls ? null : "instance-" + i);
                if (v >= 5) {
                    m.setReason(nulls ? null : "the consumer is being closed");
                }
                members.add(m);
            }
            d.setMembers(members);
        }
        return d;
    }

    static Message leaveGroupResponse(short v, boolean nulls) {
        LeaveGroupResponseData d = new LeaveGroupResponseData().setErrorCode((short) 25);
        if (v >= 1) {
            d.setThrottleTimeMs(20);
        }
        if (v >= 3) {
            List<LeaveGroupResponseData.MemberResponse> members = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                members.add(new LeaveGroupResponseData.MemberResponse().setMemberId(i == 0 ? MEMBER : MEMBER_B)
                    .setGroupInstanceId(i == 1 && nulls ? null : "instance-" + i).setErrorCode((short) (i == 0 ? 0 : 25)));
            }
            d.setMembers(members);
        }
        return d;
    }

    // ------------------------------------------------------------------ SyncGroup (14)

    static Message syncGroupRequest(short v, boolean nulls) {
        SyncGroupRequestData d = new SyncGroupRequestData().setGroupId(GROUP).setGenerationId(5).setMemberId(MEMBER);
        if (v >= 3) {
            d.setGroupInstanceId(nulls ? null : INSTANCE);
        }
        if (v >= 5) {
            d.setProtocolType(nulls ? null : "consumer").setProtocolName(nulls ? null : "range");
        }
        List<SyncGroupRequestData.SyncGroupRequestAssignment> as = new ArrayList<>();
        as.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(MEMBER).setAssignment(bytes("assignment-0")));
        as.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(MEMBER_B).setAssignment(new byte[0]));
        d.setAssignments(as);
        return d;
    }

    static Message syncGroupResponse(short v, boolean nulls) {
        SyncGroupResponseData d = new SyncGroupResponseData().setErrorCode((short) 27).setAssignment(bytes("assignment-0"));
        if (v >= 1) {
            d.setThrottleTimeMs(20);
        }
        if (v >= 5) {
            d.setProtocolType(nulls ? null : "consumer").setProtocolName(nulls ? null : "range");
        }
        return d;
    }

    // ------------------------------------------------------------------ DescribeGroups (15)

    static Message describeGroupsRequest(short v, boolean nulls) {
        DescribeGroupsRequestData d = new DescribeGroupsRequestData().setGroups(Arrays.asList(GROUP, GROUP_B));
        if (v >= 3) {
            d.setIncludeAuthorizedOperations(true);
        }
        return d;
    }

    static Message describeGroupsResponse(short v, boolean nulls) {
        DescribeGroupsResponseData d = new DescribeGroupsResponseData();
        if (v >= 1) {
            d.setThrottleTimeMs(20);
        }
        List<DescribeGroupsResponseData.DescribedGroup> groups = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            List<DescribeGroupsResponseData.DescribedGroupMember> members = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                DescribeGroupsResponseData.DescribedGroupMember m = new DescribeGroupsResponseData.DescribedGroupMember()
                    .setMemberId(i == 0 ? MEMBER : MEMBER_B).setClientId("client-" + i).setClientHost("/127.0.0." + (i + 1))
                    .setMemberMetadata(bytes("metadata-" + i)).setMemberAssignment(bytes("assignment-" + i));
                if (v >= 4) {
                    m.setGroupInstanceId(i == 1 && nulls ? null : "instance-" + i);
                }
                members.add(m);
            }
            DescribeGroupsResponseData.DescribedGroup group = new DescribeGroupsResponseData.DescribedGroup()
                .setErrorCode((short) (g == 0 ? 0 : 69)).setGroupId(g == 0 ? GROUP : GROUP_B)
                .setGroupState(g == 0 ? "Stable" : "Dead").setProtocolType("consumer").setProtocolData("range")
                .setMembers(members);
            if (v >= 3) {
                group.setAuthorizedOperations(0x1f8);
            }
            if (v >= 6) {
                group.setErrorMessage(g == 0 && nulls ? null : "Group " + (g == 0 ? GROUP : GROUP_B) + " not found.");
            }
            groups.add(group);
        }
        d.setGroups(groups);
        return d;
    }

    // ------------------------------------------------------------------ ListGroups (16)

    static Message listGroupsRequest(short v, boolean nulls) {
        ListGroupsRequestData d = new ListGroupsRequestData();
        if (v >= 4) {
            d.setStatesFilter(Arrays.asList("Stable", "Empty"));
        }
        if (v >= 5) {
            d.setTypesFilter(Arrays.asList("consumer", "classic"));
        }
        return d;
    }

    static Message listGroupsResponse(short v, boolean nulls) {
        ListGroupsResponseData d = new ListGroupsResponseData().setErrorCode((short) 14);
        if (v >= 1) {
            d.setThrottleTimeMs(20);
        }
        List<ListGroupsResponseData.ListedGroup> groups = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            ListGroupsResponseData.ListedGroup group = new ListGroupsResponseData.ListedGroup()
                .setGroupId(g == 0 ? GROUP : GROUP_B).setProtocolType(g == 0 ? "consumer" : "connect");
            if (v >= 4) {
                group.setGroupState(g == 0 ? "Stable" : "Empty");
            }
            if (v >= 5) {
                group.setGroupType(g == 0 ? "consumer" : "classic");
            }
            groups.add(group);
        }
        d.setGroups(groups);
        return d;
    }

    // ------------------------------------------------------------------ DeleteGroups (42)

    static Message deleteGroupsRequest(short v, boolean nulls) {
        return new DeleteGroupsRequestData().setGroupsNames(Arrays.asList(GROUP, GROUP_B));
    }

    static Message deleteGroupsResponse(short v, boolean nulls) {
        DeleteGroupsResponseData d = new DeleteGroupsResponseData().setThrottleTimeMs(20);
        DeleteGroupsResponseData.DeletableGroupResultCollection rs = new DeleteGroupsResponseData.DeletableGroupResultCollection();
        DeleteGroupsResponseData.DeletableGroupResult a = new DeleteGroupsResponseData.DeletableGroupResult()
            .setGroupId(GROUP).setErrorCode((short) 0);
        DeleteGroupsResponseData.DeletableGroupResult b = new DeleteGroupsResponseData.DeletableGroupResult()
            .setGroupId(GROUP_B).setErrorCode((short) 68);
        if (v >= 3) {
            a.setErrorMessage(nulls ? null : "deleted");
            b.setErrorMessage("The group is not empty.");
        }
        rs.add(a);
        rs.add(b);
        d.setResults(rs);
        return d;
    }

    // ------------------------------------------------------------------ OffsetDelete (47)

    static Message offsetDeleteRequest(short v, boolean nulls) {
        OffsetDeleteRequestData d = new OffsetDeleteRequestData().setGroupId(GROUP);
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            List<OffsetDeleteRequestData.OffsetDeleteRequestPartition> parts = new ArrayList<>();
            parts.add(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0));
            parts.add(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(4));
            topics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    static Message offsetDeleteResponse(short v, boolean nulls) {
        OffsetDeleteResponseData d = new OffsetDeleteResponseData().setErrorCode((short) 0).setThrottleTimeMs(20);
        OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection topics = new OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection();
        for (String name : new String[] {TOPIC_A, TOPIC_B}) {
            OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection parts =
                new OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection();
            parts.add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition().setPartitionIndex(0).setErrorCode((short) 0));
            parts.add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition().setPartitionIndex(4).setErrorCode((short) 86));
            topics.add(new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(name).setPartitions(parts));
        }
        d.setTopics(topics);
        return d;
    }

    // ------------------------------------------------------------------ ConsumerGroupHeartbeat (68)

    static Message consumerGroupHeartbeatRequest(short v, boolean nulls) {
        ConsumerGroupHeartbeatRequestData d = new ConsumerGroupHeartbeatRequestData().setGroupId(GROUP)
            .setMemberId(MEMBER).setMemberEpoch(3).setInstanceId(nulls ? null : INSTANCE).setRackId(nulls ? null : "rack-a")
            .setRebalanceTimeoutMs(300000).setSubscribedTopicNames(nulls ? null : Arrays.asList(TOPIC_A, TOPIC_B))
            .setServerAssignor(nulls ? null : "uniform");
        if (v >= 1) {
            d.setSubscribedTopicRegex(nulls ? null : "payments\\..*");
        }
        if (nulls) {
            d.setTopicPartitions(null);
        } else {
            List<ConsumerGroupHeartbeatRequestData.TopicPartitions> tps = new ArrayList<>();
            tps.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(TOPIC_ID_A).setPartitions(Arrays.asList(0, 2)));
            tps.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(TOPIC_ID_B).setPartitions(Arrays.asList(1)));
            d.setTopicPartitions(tps);
        }
        return d;
    }

    static Message consumerGroupHeartbeatResponse(short v, boolean nulls) {
        ConsumerGroupHeartbeatResponseData d = new ConsumerGroupHeartbeatResponseData().setThrottleTimeMs(20)
            .setErrorCode((short) 0).setErrorMessage(nulls ? null : "").setMemberId(nulls ? null : MEMBER)
            .setMemberEpoch(4).setHeartbeatIntervalMs(5000);
        if (nulls) {
            d.setAssignment(null);
        } else {
            List<ConsumerGroupHeartbeatResponseData.TopicPartitions> tps = new ArrayList<>();
            tps.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(TOPIC_ID_A).setPartitions(Arrays.asList(0, 2)));
            tps.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(TOPIC_ID_B).setPartitions(new ArrayList<>()));
            d.setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment().setTopicPartitions(tps));
        }
        return d;
    }

    // ------------------------------------------------------------------ ConsumerGroupDescribe (69)

    static Message consumerGroupDescribeRequest(short v, boolean nulls) {
        return new ConsumerGroupDescribeRequestData().setGroupIds(Arrays.asList(GROUP, GROUP_B))
            .setIncludeAuthorizedOperations(true);
    }

    private static ConsumerGroupDescribeResponseData.Assignment assignment(int first) {
        List<ConsumerGroupDescribeResponseData.TopicPartitions> tps = new ArrayList<>();
        tps.add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(TOPIC_ID_A).setTopicName(TOPIC_A)
            .setPartitions(Arrays.asList(first, first + 2)));
        tps.add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(TOPIC_ID_B).setTopicName(TOPIC_B)
            .setPartitions(Arrays.asList(first + 1)));
        return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(tps);
    }

    static Message consumerGroupDescribeResponse(short v, boolean nulls) {
        ConsumerGroupDescribeResponseData d = new ConsumerGroupDescribeResponseData().setThrottleTimeMs(20);
        List<ConsumerGroupDescribeResponseData.DescribedGroup> groups = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            List<ConsumerGroupDescribeResponseData.Member> members = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ConsumerGroupDescribeResponseData.Member m = new ConsumerGroupDescribeResponseData.Member()
                    .setMemberId(i == 0 ? MEMBER : MEMBER_B).setInstanceId(i == 1 && nulls ? null : "instance-" + i)
                    .setRackId(nulls ? null : "rack-" + i).setMemberEpoch(9 + i).setClientId("client-" + i)
                    .setClientHost("/127.0.0." + (i + 1)).setSubscribedTopicNames(Arrays.asList(TOPIC_A, TOPIC_B))
                    .setSubscribedTopicRegex(nulls ? null : "orders|payments\\..*")
                    .setAssignment(assignment(i)).setTargetAssignment(assignment(i + 1));
                if (v >= 1) {
                    m.setMemberType((byte) i);
                }
                members.add(m);
            }
            groups.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setErrorCode((short) (g == 0 ? 0 : 69))
                .setErrorMessage(g == 0 && nulls ? null : "group state")
                .setGroupId(g == 0 ? GROUP : GROUP_B).setGroupState(g == 0 ? "Stable" : "Dead")
                .setGroupEpoch(11).setAssignmentEpoch(10).setAssignorName("uniform").setMembers(members)
                .setAuthorizedOperations(0x1f8));
        }
        d.setGroups(groups);
        return d;
    }
}
