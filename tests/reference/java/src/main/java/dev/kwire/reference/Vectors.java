package dev.kwire.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.types.RawTaggedField;

/**
 * Writes kwire's golden vectors. Usage: {@code Vectors <output-dir>}.
 *
 * <p>Everything is deterministic: fixed values, fixed timestamps, fixed random seeds.
 */
public final class Vectors {
    private final Path out;
    private final Map<String, Integer> counts = new TreeMap<>();
    private final StringBuilder manifest = new StringBuilder();
    private boolean firstManifestEntry = true;

    private Vectors(Path out) {
        this.out = out;
    }

    record Api(ApiKeys key, Messages.Builder request, Messages.Builder response,
               Consumer<Message> requestNestedTags, Consumer<Message> responseNestedTags) {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: Vectors <output-dir>");
            System.exit(2);
        }
        Path out = Paths.get(args[0]);
        Files.createDirectories(out);
        new Vectors(out).run();
    }

    private void run() throws Exception {
        manifest.append("{\n  \"kafkaClientsVersion\": ")
            .append(Json.str(org.apache.kafka.common.utils.internals.AppInfoParser.getVersion()))
            .append(",\n  \"messages\": [\n");

        List<Api> apis = Arrays.asList(
            new Api(ApiKeys.PRODUCE, Messages::produceRequest, Messages::produceResponse,
                m -> nestedTags(((ProduceRequestData) m).topicData().iterator().next().partitionData().get(0).unknownTaggedFields()),
                m -> nestedTags(((ProduceResponseData) m).responses().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.FETCH, Messages::fetchRequest, Messages::fetchResponse,
                m -> nestedTags(((FetchRequestData) m).topics().get(0).partitions().get(0).unknownTaggedFields()),
                m -> nestedTags(((FetchResponseData) m).responses().get(0).partitions().get(0).unknownTaggedFields())),
            new Api(ApiKeys.LIST_OFFSETS, Messages::listOffsetsRequest, Messages::listOffsetsResponse,
                m -> nestedTags(((ListOffsetsRequestData) m).topics().get(0).unknownTaggedFields()),
                m -> nestedTags(((ListOffsetsResponseData) m).topics().get(0).partitions().get(1).unknownTaggedFields())),
            new Api(ApiKeys.METADATA, Messages::metadataRequest, Messages::metadataResponse,
                m -> nestedTags(((MetadataRequestData) m).topics().get(0).unknownTaggedFields()),
                m -> nestedTags(((MetadataResponseData) m).topics().iterator().next().partitions().get(0).unknownTaggedFields())),
            new Api(ApiKeys.API_VERSIONS, Messages::apiVersionsRequest, Messages::apiVersionsResponse,
                m -> { },
                m -> nestedTags(((ApiVersionsResponseData) m).apiKeys().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.INIT_PRODUCER_ID, Messages::initProducerIdRequest, Messages::initProducerIdResponse,
                m -> { },
                m -> { }),
            new Api(ApiKeys.OFFSET_FOR_LEADER_EPOCH, Messages::offsetForLeaderEpochRequest, Messages::offsetForLeaderEpochResponse,
                m -> nestedTags(((OffsetForLeaderEpochRequestData) m).topics().iterator().next().partitions().get(1).unknownTaggedFields()),
                m -> nestedTags(((OffsetForLeaderEpochResponseData) m).topics().iterator().next().unknownTaggedFields())),
            // Admin (issue 12)
            new Api(ApiKeys.FIND_COORDINATOR, AdminMessages::findCoordinatorRequest, AdminMessages::findCoordinatorResponse,
                m -> { },
                m -> nestedTags(((FindCoordinatorResponseData) m).coordinators().get(1).unknownTaggedFields())),
            new Api(ApiKeys.CREATE_TOPICS, AdminMessages::createTopicsRequest, AdminMessages::createTopicsResponse,
                m -> nestedTags(((CreateTopicsRequestData) m).topics().iterator().next().configs().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((CreateTopicsResponseData) m).topics().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.DELETE_TOPICS, AdminMessages::deleteTopicsRequest, AdminMessages::deleteTopicsResponse,
                m -> nestedTags(((DeleteTopicsRequestData) m).topics().get(1).unknownTaggedFields()),
                m -> nestedTags(((DeleteTopicsResponseData) m).responses().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.DELETE_RECORDS, AdminMessages::deleteRecordsRequest, AdminMessages::deleteRecordsResponse,
                m -> nestedTags(((DeleteRecordsRequestData) m).topics().get(0).partitions().get(1).unknownTaggedFields()),
                m -> nestedTags(((DeleteRecordsResponseData) m).topics().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_ACLS, AclMessages::describeAclsRequest, AclMessages::describeAclsResponse,
                m -> { },
                m -> nestedTags(((DescribeAclsResponseData) m).resources().get(1).acls().get(0).unknownTaggedFields())),
            new Api(ApiKeys.CREATE_ACLS, AclMessages::createAclsRequest, AclMessages::createAclsResponse,
                m -> nestedTags(((CreateAclsRequestData) m).creations().get(1).unknownTaggedFields()),
                m -> nestedTags(((CreateAclsResponseData) m).results().get(0).unknownTaggedFields())),
            new Api(ApiKeys.DELETE_ACLS, AclMessages::deleteAclsRequest, AclMessages::deleteAclsResponse,
                m -> nestedTags(((DeleteAclsRequestData) m).filters().get(0).unknownTaggedFields()),
                m -> nestedTags(((DeleteAclsResponseData) m).filterResults().get(1).matchingAcls().get(0).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_CONFIGS, AdminMessages::describeConfigsRequest, AdminMessages::describeConfigsResponse,
                m -> nestedTags(((DescribeConfigsRequestData) m).resources().get(0).unknownTaggedFields()),
                m -> nestedTags(((DescribeConfigsResponseData) m).results().get(0).configs().get(0).synonyms().get(1).unknownTaggedFields())),
            new Api(ApiKeys.ALTER_CONFIGS, AdminMessages::alterConfigsRequest, AdminMessages::alterConfigsResponse,
                m -> nestedTags(((AlterConfigsRequestData) m).resources().iterator().next().configs().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((AlterConfigsResponseData) m).responses().get(1).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_LOG_DIRS, AdminMessages::describeLogDirsRequest, AdminMessages::describeLogDirsResponse,
                m -> nestedTags(((DescribeLogDirsRequestData) m).topics().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((DescribeLogDirsResponseData) m).results().get(0).topics().get(0).partitions().get(1).unknownTaggedFields())),
            new Api(ApiKeys.CREATE_PARTITIONS, AdminMessages::createPartitionsRequest, AdminMessages::createPartitionsResponse,
                m -> nestedTags(((CreatePartitionsRequestData) m).topics().iterator().next().assignments().get(0).unknownTaggedFields()),
                m -> nestedTags(((CreatePartitionsResponseData) m).results().get(1).unknownTaggedFields())),
            new Api(ApiKeys.ELECT_LEADERS, AdminMessages::electLeadersRequest, AdminMessages::electLeadersResponse,
                m -> nestedTags(((ElectLeadersRequestData) m).topicPartitions().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((ElectLeadersResponseData) m).replicaElectionResults().get(0).partitionResult().get(1).unknownTaggedFields())),
            new Api(ApiKeys.INCREMENTAL_ALTER_CONFIGS, AdminMessages::incrementalAlterConfigsRequest, AdminMessages::incrementalAlterConfigsResponse,
                m -> nestedTags(((IncrementalAlterConfigsRequestData) m).resources().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((IncrementalAlterConfigsResponseData) m).responses().get(0).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_CLIENT_QUOTAS, QuotaMessages::describeClientQuotasRequest, QuotaMessages::describeClientQuotasResponse,
                m -> nestedTags(((DescribeClientQuotasRequestData) m).components().get(1).unknownTaggedFields()),
                m -> nestedTags(((DescribeClientQuotasResponseData) m).entries().get(0).values().get(1).unknownTaggedFields())),
            new Api(ApiKeys.ALTER_CLIENT_QUOTAS, QuotaMessages::alterClientQuotasRequest, QuotaMessages::alterClientQuotasResponse,
                m -> nestedTags(((AlterClientQuotasRequestData) m).entries().get(1).ops().get(0).unknownTaggedFields()),
                m -> nestedTags(((AlterClientQuotasResponseData) m).entries().get(1).entity().get(0).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, ScramMessages::describeUserScramCredentialsRequest, ScramMessages::describeUserScramCredentialsResponse,
                m -> nestedTags(((DescribeUserScramCredentialsRequestData) m).users().get(1).unknownTaggedFields()),
                m -> nestedTags(((DescribeUserScramCredentialsResponseData) m).results().get(0).credentialInfos().get(1).unknownTaggedFields())),
            new Api(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, ScramMessages::alterUserScramCredentialsRequest, ScramMessages::alterUserScramCredentialsResponse,
                m -> nestedTags(((AlterUserScramCredentialsRequestData) m).upsertions().get(1).unknownTaggedFields()),
                m -> nestedTags(((AlterUserScramCredentialsResponseData) m).results().get(1).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_PRODUCERS, ProducerMessages::describeProducersRequest, ProducerMessages::describeProducersResponse,
                m -> nestedTags(((DescribeProducersRequestData) m).topics().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((DescribeProducersResponseData) m).topics().get(0).partitions().get(1).activeProducers().get(0).unknownTaggedFields())),
            new Api(ApiKeys.DESCRIBE_CLUSTER, AdminMessages::describeClusterRequest, AdminMessages::describeClusterResponse,
                m -> { },
                m -> nestedTags(((DescribeClusterResponseData) m).brokers().iterator().next().unknownTaggedFields())),
            // Consumer groups (issue 13)
            new Api(ApiKeys.OFFSET_COMMIT, GroupMessages::offsetCommitRequest, GroupMessages::offsetCommitResponse,
                m -> nestedTags(((OffsetCommitRequestData) m).topics().get(0).partitions().get(1).unknownTaggedFields()),
                m -> nestedTags(((OffsetCommitResponseData) m).topics().get(1).unknownTaggedFields())),
            new Api(ApiKeys.OFFSET_FETCH, GroupMessages::offsetFetchRequest, GroupMessages::offsetFetchResponse,
                m -> nestedTags(((OffsetFetchRequestData) m).groups().get(0).topics().get(1).unknownTaggedFields()),
                m -> nestedTags(((OffsetFetchResponseData) m).groups().get(1).topics().get(0).partitions().get(0).unknownTaggedFields())),
            new Api(ApiKeys.JOIN_GROUP, GroupMessages::joinGroupRequest, GroupMessages::joinGroupResponse,
                m -> nestedTags(((JoinGroupRequestData) m).protocols().iterator().next().unknownTaggedFields()),
                m -> nestedTags(((JoinGroupResponseData) m).members().get(1).unknownTaggedFields())),
            new Api(ApiKeys.HEARTBEAT, GroupMessages::heartbeatRequest, GroupMessages::heartbeatResponse,
                m -> { },
                m -> { }),
            new Api(ApiKeys.LEAVE_GROUP, GroupMessages::leaveGroupRequest, GroupMessages::leaveGroupResponse,
                m -> nestedTags(((LeaveGroupRequestData) m).members().get(0).unknownTaggedFields()),
                m -> nestedTags(((LeaveGroupResponseData) m).members().get(1).unknownTaggedFields())),
            new Api(ApiKeys.SYNC_GROUP, GroupMessages::syncGroupRequest, GroupMessages::syncGroupResponse,
                m -> nestedTags(((SyncGroupRequestData) m).assignments().get(1).unknownTaggedFields()),
                m -> { }),
            new Api(ApiKeys.DESCRIBE_GROUPS, GroupMessages::describeGroupsRequest, GroupMessages::describeGroupsResponse,
                m -> { },
                m -> nestedTags(((DescribeGroupsResponseData) m).groups().get(0).members().get(1).unknownTaggedFields())),
            new Api(ApiKeys.LIST_GROUPS, GroupMessages::listGroupsRequest, GroupMessages::listGroupsResponse,
                m -> { },
                m -> nestedTags(((ListGroupsResponseData) m).groups().get(1).unknownTaggedFields())),
            new Api(ApiKeys.DELETE_GROUPS, GroupMessages::deleteGroupsRequest, GroupMessages::deleteGroupsResponse,
                m -> { },
                m -> nestedTags(((DeleteGroupsResponseData) m).results().iterator().next().unknownTaggedFields())),
            new Api(ApiKeys.OFFSET_DELETE, GroupMessages::offsetDeleteRequest, GroupMessages::offsetDeleteResponse,
                m -> { },
                m -> { }),
            new Api(ApiKeys.CONSUMER_GROUP_HEARTBEAT, GroupMessages::consumerGroupHeartbeatRequest, GroupMessages::consumerGroupHeartbeatResponse,
                m -> nestedTags(((ConsumerGroupHeartbeatRequestData) m).topicPartitions().get(1).unknownTaggedFields()),
                m -> nestedTags(((ConsumerGroupHeartbeatResponseData) m).assignment().unknownTaggedFields())),
            new Api(ApiKeys.CONSUMER_GROUP_DESCRIBE, GroupMessages::consumerGroupDescribeRequest, GroupMessages::consumerGroupDescribeResponse,
                m -> { },
                m -> nestedTags(((ConsumerGroupDescribeResponseData) m).groups().get(0).members().get(1).targetAssignment().topicPartitions().get(0).unknownTaggedFields())),
            // SASL (issue 14)
            new Api(ApiKeys.SASL_HANDSHAKE, SaslMessages::saslHandshakeRequest, SaslMessages::saslHandshakeResponse,
                m -> { },
                m -> { }),
            new Api(ApiKeys.SASL_AUTHENTICATE, SaslMessages::saslAuthenticateRequest, SaslMessages::saslAuthenticateResponse,
                m -> { },
                m -> { }));

        for (Api api : apis) {
            ApiKeys key = api.key();
            short lo = key.oldestVersion();
            short hi = key.latestVersion(true);
            short stable = key.latestVersion(false);
            System.out.printf("%s (key %d): versions %d-%d (latest stable %d)%n", key.name, key.id, lo, hi, stable);
            for (short v = lo; v <= hi; v++) {
                emitMessage("req", key, v, "", api.request().build(v, false), null);
                emitMessage("resp", key, v, "", api.response().build(v, false), null);
            }
            // "-nulls": nullable fields null, at the newest non-flexible version and the newest version.
            short lastRigid = -1;
            for (short v = lo; v <= hi; v++) {
                if (!flexible(key, v)) lastRigid = v;
            }
            for (short v : lastRigid == hi ? new short[] {hi} : new short[] {lastRigid, hi}) {
                if (v < lo) continue;
                emitMessage("req", key, v, "-nulls", api.request().build(v, true), api.request().build(v, false));
                emitMessage("resp", key, v, "-nulls", api.response().build(v, true), api.response().build(v, false));
            }
            // "-unknowntags": the newest stable version, with tags no schema of that struct knows
            // (none for APIs without flexible versions).
            if (!flexible(key, stable)) continue;
            Message req = api.request().build(stable, false);
            topTags(req.unknownTaggedFields());
            api.requestNestedTags().accept(req);
            emitMessage("req", key, stable, "-unknowntags", req, null);
            Message resp = api.response().build(stable, false);
            topTags(resp.unknownTaggedFields());
            api.responseNestedTags().accept(resp);
            emitMessage("resp", key, stable, "-unknowntags", resp, null);
        }

        headers();
        manifest.append("\n  ]\n}\n");
        write("manifest.json", manifest.toString().getBytes(StandardCharsets.UTF_8), "manifest");

        for (Object[] b : Batches.all()) {
            String name = "batch-" + b[0];
            byte[] data = (byte[]) b[1];
            write(name + ".bin", data, "batch");
            write(name + ".json", Batches.describe(name + ".bin", data).getBytes(StandardCharsets.UTF_8), "batch-json");
        }

        write("murmur2.json", Murmur.json().getBytes(StandardCharsets.UTF_8), "murmur2");

        for (Object[] c : ConsumerProtocolVectors.all()) {
            write((String) c[0], (byte[]) c[1], "consumer");
        }

        int total = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            System.out.printf("%-12s %d%n", e.getKey(), e.getValue());
            total += e.getValue();
        }
        System.out.printf("%-12s %d files in %s%n", "total", total, out);
    }

    // ------------------------------------------------------------------ tagged fields

    /** Top-level unknown tags: larger than every known tag (the largest known anywhere here is 3). */
    private static void topTags(List<RawTaggedField> fields) {
        fields.add(new RawTaggedField(7, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
        byte[] big = new byte[130]; // length needs a two-byte varint
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7 + 1);
        fields.add(new RawTaggedField(200, big)); // tag itself is a two-byte varint
    }

    /** Nested unknown tag: an empty payload. */
    private static void nestedTags(List<RawTaggedField> fields) {
        fields.add(new RawTaggedField(9, new byte[0]));
    }

    private static boolean flexible(ApiKeys key, short v) {
        return key.requestHeaderVersion(v) >= 2;
    }

    // ------------------------------------------------------------------ headers

    private void headers() throws IOException {
        RequestHeaderData v1 = new RequestHeaderData().setRequestApiKey((short) 0).setRequestApiVersion((short) 8)
            .setCorrelationId(0x01020304).setClientId("kwire-ref");
        emitHeader("reqhdr-v1.bin", v1, (short) 1);
        RequestHeaderData v2 = new RequestHeaderData().setRequestApiKey((short) 0).setRequestApiVersion((short) 13)
            .setCorrelationId(0x01020304).setClientId("kwire-ref");
        emitHeader("reqhdr-v2.bin", v2, (short) 2);
        RequestHeaderData v2null = new RequestHeaderData().setRequestApiKey((short) 18).setRequestApiVersion((short) 4)
            .setCorrelationId(0x01020304).setClientId(null);
        emitHeader("reqhdr-v2-nullclient.bin", v2null, (short) 2);
        RequestHeaderData v2tags = new RequestHeaderData().setRequestApiKey((short) 3).setRequestApiVersion((short) 12)
            .setCorrelationId(0x01020304).setClientId("kwire-ref");
        topTags(v2tags.unknownTaggedFields());
        emitHeader("reqhdr-v2-unknowntags.bin", v2tags, (short) 2);

        emitHeader("resphdr-v0.bin", new ResponseHeaderData().setCorrelationId(0x01020304), (short) 0);
        emitHeader("resphdr-v1.bin", new ResponseHeaderData().setCorrelationId(0x01020304), (short) 1);
        ResponseHeaderData r1tags = new ResponseHeaderData().setCorrelationId(0x01020304);
        topTags(r1tags.unknownTaggedFields());
        emitHeader("resphdr-v1-unknowntags.bin", r1tags, (short) 1);
    }

    private void emitHeader(String file, Message m, short v) throws IOException {
        byte[] bytes = serializeChecked(file, m, v);
        write(file, bytes, "header");
        manifestEntry(file, "header", -1, v, false, m);
    }

    // ------------------------------------------------------------------ messages

    private void emitMessage(String kind, ApiKeys key, short v, String suffix, Message m, Message skipIfSameAs)
            throws IOException {
        String file = String.format("%s-%d-v%d%s.bin", kind, key.id, v, suffix);
        byte[] bytes = serializeChecked(file, m, v);
        if (skipIfSameAs != null && Arrays.equals(bytes, serialize(skipIfSameAs, v))) {
            return; // nothing nullable at this version: the "-nulls" file would duplicate the plain one
        }
        write(file, bytes, kind + (suffix.isEmpty() ? "" : suffix));
        manifestEntry(file, kind, key.id, v, key.latestVersion(false) < v, m);
    }

    private void manifestEntry(String file, String kind, int apiKey, short v, boolean unstable, Message m) {
        manifest.append(firstManifestEntry ? "" : ",\n");
        firstManifestEntry = false;
        manifest.append("    {\"file\": ").append(Json.str(file));
        manifest.append(", \"kind\": ").append(Json.str(kind));
        if (apiKey >= 0) {
            ApiKeys key = ApiKeys.forId(apiKey);
            manifest.append(", \"apiKey\": ").append(apiKey);
            manifest.append(", \"version\": ").append(v);
            manifest.append(", \"flexible\": ").append(flexible(key, v));
            manifest.append(", \"requestHeaderVersion\": ").append(key.requestHeaderVersion(v));
            manifest.append(", \"responseHeaderVersion\": ").append(key.responseHeaderVersion(v));
            manifest.append(", \"unstable\": ").append(unstable);
        } else {
            manifest.append(", \"headerVersion\": ").append(v);
        }
        manifest.append(", \"java\": ").append(Json.str(m.toString())).append('}');
    }

    static byte[] serialize(Message m, short v) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, v);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, v);
        if (buf.hasRemaining()) throw new IllegalStateException("size() disagrees with write()");
        return buf.array();
    }

    /**
     * Serializes, then reads the bytes back with Java and checks that (a) every byte was consumed,
     * (b) re-serializing gives the same bytes, and (c) the read-back message equals the one built,
     * i.e. no field was silently dropped because the version cannot carry it.
     */
    private static byte[] serializeChecked(String file, Message m, short v) {
        byte[] bytes = serialize(m, v);
        Message back;
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            back = m.getClass().getConstructor(Readable.class, short.class)
                .newInstance(new ByteBufferAccessor(in), v);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(file + ": cannot read back", e);
        }
        if (in.hasRemaining()) throw new IllegalStateException(file + ": read-back left " + in.remaining() + " bytes");
        if (!Arrays.equals(bytes, serialize(back, v))) throw new IllegalStateException(file + ": re-encode differs");
        if (!back.equals(m)) {
            throw new IllegalStateException(file + ": read-back differs from the built message (a field was dropped)\n"
                + "built: " + m + "\nread:  " + back);
        }
        return bytes;
    }

    private void write(String file, byte[] bytes, String kind) throws IOException {
        Files.write(out.resolve(file), bytes);
        counts.merge(kind, 1, Integer::sum);
    }
}
