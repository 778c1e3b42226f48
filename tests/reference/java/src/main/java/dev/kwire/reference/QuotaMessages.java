package dev.kwire.reference;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * Client quota messages (DescribeClientQuotas, AlterClientQuotas) with every field set to a value
 * other than its default; {@code nulls} sets every nullable field to null instead (a default
 * entity, a match-less filter component).
 */
final class QuotaMessages {
    private QuotaMessages() { }

    static Message describeClientQuotasRequest(short v, boolean nulls) {
        List<DescribeClientQuotasRequestData.ComponentData> components = new ArrayList<>();
        components.add(new DescribeClientQuotasRequestData.ComponentData().setEntityType("user")
            .setMatchType((byte) 0).setMatch(nulls ? null : "alice"));
        components.add(new DescribeClientQuotasRequestData.ComponentData().setEntityType("client-id")
            .setMatchType((byte) 2).setMatch(null));
        return new DescribeClientQuotasRequestData().setComponents(components).setStrict(true);
    }

    static Message describeClientQuotasResponse(short v, boolean nulls) {
        List<DescribeClientQuotasResponseData.EntryData> entries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<DescribeClientQuotasResponseData.EntityData> entity = new ArrayList<>();
            entity.add(new DescribeClientQuotasResponseData.EntityData().setEntityType("user")
                .setEntityName(nulls && i == 0 ? null : "user-" + i));
            entity.add(new DescribeClientQuotasResponseData.EntityData().setEntityType("client-id")
                .setEntityName("client-" + i));
            List<DescribeClientQuotasResponseData.ValueData> values = new ArrayList<>();
            values.add(new DescribeClientQuotasResponseData.ValueData().setKey("producer_byte_rate")
                .setValue(1048576.0 * (i + 1)));
            values.add(new DescribeClientQuotasResponseData.ValueData().setKey("request_percentage")
                .setValue(12.5 + i));
            entries.add(new DescribeClientQuotasResponseData.EntryData().setEntity(entity).setValues(values));
        }
        return new DescribeClientQuotasResponseData().setThrottleTimeMs(40).setErrorCode((short) 42)
            .setErrorMessage(nulls ? null : "Invalid match type: 7").setEntries(nulls ? null : entries);
    }

    static Message alterClientQuotasRequest(short v, boolean nulls) {
        List<AlterClientQuotasRequestData.EntryData> entries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<AlterClientQuotasRequestData.EntityData> entity = new ArrayList<>();
            entity.add(new AlterClientQuotasRequestData.EntityData().setEntityType(i == 0 ? "user" : "ip")
                .setEntityName(nulls ? null : (i == 0 ? "alice" : "10.0.0.1")));
            List<AlterClientQuotasRequestData.OpData> ops = new ArrayList<>();
            ops.add(new AlterClientQuotasRequestData.OpData().setKey("consumer_byte_rate")
                .setValue(2048.0).setRemove(false));
            ops.add(new AlterClientQuotasRequestData.OpData().setKey("connection_creation_rate")
                .setValue(0.25).setRemove(true));
            entries.add(new AlterClientQuotasRequestData.EntryData().setEntity(entity).setOps(ops));
        }
        return new AlterClientQuotasRequestData().setEntries(entries).setValidateOnly(true);
    }

    static Message alterClientQuotasResponse(short v, boolean nulls) {
        List<AlterClientQuotasResponseData.EntryData> entries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<AlterClientQuotasResponseData.EntityData> entity = new ArrayList<>();
            entity.add(new AlterClientQuotasResponseData.EntityData().setEntityType("client-id")
                .setEntityName(nulls ? null : "client-" + i));
            entries.add(new AlterClientQuotasResponseData.EntryData().setErrorCode((short) (i == 0 ? 0 : 42))
                .setErrorMessage(nulls || i == 0 ? null : "Invalid quota entity").setEntity(entity));
        }
        return new AlterClientQuotasResponseData().setThrottleTimeMs(40).setEntries(entries);
    }
}
