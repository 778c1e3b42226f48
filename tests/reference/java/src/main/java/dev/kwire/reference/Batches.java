package dev.kwire.reference;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/** Deterministic v2 record batches, plus the JSON description of what Java reads back from them. */
final class Batches {
    private Batches() {}

    static final long BASE_TS = 1700000000000L;

    record Rec(long timestamp, byte[] key, byte[] value, Header[] headers) {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Header h(String key, byte[] value) {
        return new RecordHeader(key, value);
    }

    /** The record set used by every per-codec batch: covers the encoding edge cases. */
    static List<Rec> richRecords() {
        List<Rec> r = new ArrayList<>();
        Header[] none = new Header[0];
        r.add(new Rec(BASE_TS, utf8("key-0"), utf8("value-0"), none));
        r.add(new Rec(BASE_TS + 1, null, utf8("record without a key"), none));
        r.add(new Rec(BASE_TS + 2, utf8("tombstone"), null, none));
        r.add(new Rec(BASE_TS + 3, new byte[0], new byte[0], none));
        r.add(new Rec(BASE_TS + 10, utf8("with-headers"), utf8("four headers"), new Header[] {
            h("trace-id", utf8("0af7651916cd43dd8448eb211c80319c")),
            h("null-value", null),
            h("", utf8("empty header key")),
            h("trace-id", new byte[0]),
        }));
        // Timestamp earlier than the first record's: negative timestamp delta.
        r.add(new Rec(BASE_TS - 5, utf8("ключ"), utf8("значение 键 🎉"), new Header[] {h("ключ", utf8("键"))}));
        byte[] binKey = new byte[16];
        for (int i = 0; i < binKey.length; i++) binKey[i] = (byte) (i * 17);
        byte[] big = new byte[300]; // two-byte varint lengths
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
        r.add(new Rec(BASE_TS + 1_000_000L, binKey, big, none));
        r.add(new Rec(BASE_TS + 100, utf8("last"), utf8("v"), new Header[] {h("h", utf8("x"))}));
        return r;
    }

    static MemoryRecords build(Compression compression, TimestampType tsType, long baseOffset, long logAppendTime,
                               long producerId, short producerEpoch, int baseSequence, boolean transactional,
                               int partitionLeaderEpoch, List<Rec> records) {
        ByteBuffer buf = ByteBuffer.allocate(256);
        MemoryRecordsBuilder b = new MemoryRecordsBuilder(buf, RecordBatch.MAGIC_VALUE_V2, compression, tsType,
            baseOffset, logAppendTime, producerId, producerEpoch, baseSequence, transactional, false,
            partitionLeaderEpoch, Integer.MAX_VALUE);
        for (Rec r : records) {
            b.append(r.timestamp(), r.key(), r.value(), r.headers());
        }
        return b.build();
    }

    /** Like a producer's batch: no producer id, leader epoch unset. */
    static MemoryRecords plain(Compression compression, long baseOffset, List<Rec> records) {
        return build(compression, TimestampType.CREATE_TIME, baseOffset, RecordBatch.NO_TIMESTAMP,
            RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false,
            RecordBatch.NO_PARTITION_LEADER_EPOCH, records);
    }

    /**
     * The small uncompressed 2-record batch embedded in Produce requests and Fetch responses.
     * baseSequence >= 0 makes it an idempotent (producer id 4242, epoch 3) batch.
     */
    static MemoryRecords smallBatch(long baseOffset, int baseSequence, boolean transactional) {
        List<Rec> recs = new ArrayList<>();
        recs.add(new Rec(BASE_TS, utf8("k1"), utf8("v1"), new Header[0]));
        recs.add(new Rec(BASE_TS + 7, utf8("k2"), utf8("v2"), new Header[] {h("h", utf8("hv"))}));
        boolean idempotent = baseSequence >= 0;
        return build(Compression.NONE, TimestampType.CREATE_TIME, baseOffset, RecordBatch.NO_TIMESTAMP,
            idempotent ? 4242L : RecordBatch.NO_PRODUCER_ID,
            idempotent ? (short) 3 : RecordBatch.NO_PRODUCER_EPOCH,
            idempotent ? baseSequence : RecordBatch.NO_SEQUENCE,
            idempotent && transactional,
            idempotent ? RecordBatch.NO_PARTITION_LEADER_EPOCH : 9, recs);
    }

    static List<Rec> benchRecords() {
        Random rnd = new Random(0x6b77697265L); // fixed seed: "kwire"
        String alphabet = "abcdefghijklmnop";
        List<Rec> recs = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
            byte[] key = utf8(String.format("bench-key-%06d", i));
            StringBuilder v = new StringBuilder(String.format("seq=%06d;", i));
            while (v.length() < 100) v.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            byte[] value = utf8(v.toString());
            if (key.length != 16 || value.length != 100) throw new IllegalStateException("bench sizes");
            recs.add(new Rec(BASE_TS + i, key, value, new Header[0]));
        }
        return recs;
    }

    static byte[] bytes(MemoryRecords... parts) {
        int n = 0;
        for (MemoryRecords m : parts) n += m.sizeInBytes();
        ByteBuffer out = ByteBuffer.allocate(n);
        for (MemoryRecords m : parts) out.put(m.buffer().duplicate());
        return out.array();
    }

    /** All batch files: name (without "batch-" and extension) to bytes, in a fixed order. */
    static List<Object[]> all() {
        List<Object[]> out = new ArrayList<>();
        List<Rec> rich = richRecords();
        out.add(new Object[] {"none", bytes(plain(Compression.NONE, 0L, rich))});
        out.add(new Object[] {"gzip", bytes(plain(Compression.gzip().build(), 0L, rich))});
        out.add(new Object[] {"snappy", bytes(plain(Compression.snappy().build(), 0L, rich))});
        out.add(new Object[] {"lz4", bytes(plain(Compression.lz4().build(), 0L, rich))});
        out.add(new Object[] {"zstd", bytes(plain(Compression.zstd().build(), 0L, rich))});
        out.add(new Object[] {"offset1000", bytes(build(Compression.NONE, TimestampType.CREATE_TIME, 1000L,
            RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
            RecordBatch.NO_SEQUENCE, false, 7, rich))});
        List<Rec> single = new ArrayList<>();
        single.add(new Rec(BASE_TS, utf8("k"), utf8("v"), new Header[0]));
        out.add(new Object[] {"single", bytes(plain(Compression.NONE, 0L, single))});
        out.add(new Object[] {"idempotent", bytes(build(Compression.NONE, TimestampType.CREATE_TIME, 0L,
            RecordBatch.NO_TIMESTAMP, 4242L, (short) 3, 17, false, RecordBatch.NO_PARTITION_LEADER_EPOCH, rich))});
        out.add(new Object[] {"transactional", bytes(build(Compression.NONE, TimestampType.CREATE_TIME, 0L,
            RecordBatch.NO_TIMESTAMP, 4243L, (short) 1, 0, true, RecordBatch.NO_PARTITION_LEADER_EPOCH,
            rich.subList(0, 3)))});
        out.add(new Object[] {"control-commit", bytes(MemoryRecords.withEndTransactionMarker(3L, BASE_TS + 500,
            7, 4243L, (short) 1, new EndTransactionMarker(ControlRecordType.COMMIT, 5)))});
        out.add(new Object[] {"control-abort", bytes(MemoryRecords.withEndTransactionMarker(42L, BASE_TS + 600,
            7, 4244L, (short) 2, new EndTransactionMarker(ControlRecordType.ABORT, 6)))});
        out.add(new Object[] {"logappendtime", bytes(build(Compression.NONE, TimestampType.LOG_APPEND_TIME, 0L,
            BASE_TS + 99_999L, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE,
            false, 3, rich))});
        // Two batches back to back, as a Fetch response carries them: uncompressed then gzip.
        out.add(new Object[] {"multi", bytes(
            build(Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, 4242L, (short) 3, 0,
                false, 5, rich.subList(0, 3)),
            build(Compression.gzip().build(), TimestampType.CREATE_TIME, 3L, RecordBatch.NO_TIMESTAMP, 4242L,
                (short) 3, 3, false, 5, rich.subList(3, 5)))});
        List<Rec> bench = benchRecords();
        out.add(new Object[] {"bench-none", bytes(plain(Compression.NONE, 0L, bench))});
        out.add(new Object[] {"bench-lz4", bytes(plain(Compression.lz4().build(), 0L, bench))});
        return out;
    }

    /** JSON of what Java's own reader reports for the batches in {@code data}. */
    static String describe(String fileName, byte[] data) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        MemoryRecords recs = MemoryRecords.readableRecords(buf.duplicate());
        StringBuilder sb = new StringBuilder();
        sb.append("{\n");
        sb.append("  \"file\": ").append(Json.str(fileName)).append(",\n");
        sb.append("  \"sizeInBytes\": ").append(data.length).append(",\n");
        sb.append("  \"batches\": [");
        int pos = 0;
        boolean firstBatch = true;
        int total = 0;
        for (MutableRecordBatch batch : recs.batches()) {
            batch.ensureValid(); // CRC-32C and size checks
            total += batch.sizeInBytes();
            short rawAttributes = buf.getShort(pos + 21);
            int lastOffsetDelta = buf.getInt(pos + 23);
            sb.append(firstBatch ? "\n" : ",\n");
            firstBatch = false;
            sb.append("    {\n");
            kv(sb, 6, "baseOffset", batch.baseOffset());
            kv(sb, 6, "lastOffset", batch.lastOffset());
            kv(sb, 6, "lastOffsetDelta", lastOffsetDelta);
            kv(sb, 6, "sizeInBytes", batch.sizeInBytes());
            kv(sb, 6, "batchLength", buf.getInt(pos + 8));
            kv(sb, 6, "partitionLeaderEpoch", batch.partitionLeaderEpoch());
            kv(sb, 6, "magic", batch.magic());
            kv(sb, 6, "crc", batch.checksum());
            kv(sb, 6, "attributes", rawAttributes & 0xffff);
            kv(sb, 6, "compressionType", Json.str(batch.compressionType().name()));
            kv(sb, 6, "timestampType", Json.str(batch.timestampType().name()));
            kv(sb, 6, "isTransactional", batch.isTransactional());
            kv(sb, 6, "isControlBatch", batch.isControlBatch());
            kv(sb, 6, "producerId", batch.producerId());
            kv(sb, 6, "producerEpoch", batch.producerEpoch());
            kv(sb, 6, "baseSequence", batch.baseSequence());
            kv(sb, 6, "lastSequence", batch.lastSequence());
            kv(sb, 6, "count", batch.countOrNull());
            kv(sb, 6, "baseTimestamp", ((DefaultRecordBatch) batch).baseTimestamp());
            kv(sb, 6, "maxTimestamp", batch.maxTimestamp());
            sb.append("      \"records\": [");
            boolean firstRec = true;
            for (Record r : batch) {
                r.ensureValid();
                sb.append(firstRec ? "\n" : ",\n");
                firstRec = false;
                sb.append("        {\"offset\": ").append(r.offset());
                sb.append(", \"timestamp\": ").append(r.timestamp());
                sb.append(", \"sequence\": ").append(r.sequence());
                sb.append(", \"key\": ").append(r.hasKey() ? Json.hex(r.key()) : "null");
                sb.append(", \"value\": ").append(r.hasValue() ? Json.hex(r.value()) : "null");
                sb.append(", \"headers\": [");
                Header[] hs = r.headers();
                for (int i = 0; i < hs.length; i++) {
                    if (i > 0) sb.append(", ");
                    sb.append('[').append(Json.str(hs[i].key())).append(", ").append(Json.hex(hs[i].value())).append(']');
                }
                sb.append(']');
                if (batch.isControlBatch()) {
                    ControlRecordType type = ControlRecordType.parse(r.key());
                    sb.append(", \"controlType\": ").append(Json.str(type.name()));
                    if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                        sb.append(", \"coordinatorEpoch\": ").append(EndTransactionMarker.deserialize(r).coordinatorEpoch());
                    }
                }
                sb.append('}');
            }
            sb.append(firstRec ? "]\n" : "\n      ]\n");
            sb.append("    }");
            pos += batch.sizeInBytes();
        }
        if (total != data.length) throw new IllegalStateException(fileName + ": trailing bytes");
        sb.append(firstBatch ? "]\n" : "\n  ]\n");
        sb.append("}\n");
        return sb.toString();
    }

    private static void kv(StringBuilder sb, int indent, String key, Object value) {
        sb.append(" ".repeat(indent)).append(Json.str(key)).append(": ").append(value).append(",\n");
    }
}
