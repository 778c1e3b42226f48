package dev.kwire.reference;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.common.utils.Utils;

/** Reference values of Kafka's murmur2 (what the default partitioner hashes keys with). */
final class Murmur {
    private Murmur() {}

    static final int[] PARTITION_COUNTS = {1, 2, 3, 5, 7, 12, 16, 100, 1000};

    static String json() {
        List<byte[]> keys = new ArrayList<>();
        List<String> labels = new ArrayList<>();

        keys.add(new byte[0]);
        labels.add("empty");

        int[] singles = {0x00, 0x01, 0x02, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff};
        for (int b : singles) {
            keys.add(new byte[] {(byte) b});
            labels.add("byte");
        }
        for (int b = 0x08; b < 0x100; b += 0x08) {
            if (b == 0x80) continue; // already above
            keys.add(new byte[] {(byte) b});
            labels.add("byte");
        }

        String[] ascii = {
            "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi",
            "0", "1", "-1", "42", "null", " ", "  ", "\t", "key", "Key", "KEY",
            "hello", "kafka", "kwire", "partition", "user-12345", "order#2024-01-01",
            "The quick brown fox jumps over the lazy dog",
            "{\"id\":1,\"name\":\"widget\"}",
        };
        for (String s : ascii) {
            keys.add(s.getBytes(StandardCharsets.UTF_8));
            labels.add(s);
        }
        for (int i = 0; i < 10; i++) {
            String s = "key-" + i;
            keys.add(s.getBytes(StandardCharsets.UTF_8));
            labels.add(s);
        }
        String[] unicode = {
            "ключ", "значение", "键", "鍵盤", "キー", "مفتاح", "café", "naïve", "Ελληνικά", "한국어 키",
            "ℕ⊆ℤ", "🔑", "🎉🎉", "a🔑b", "\u0000nul",
        };
        for (String s : unicode) {
            keys.add(s.getBytes(StandardCharsets.UTF_8));
            labels.add(s);
        }
        Random rnd = new Random(20240229L); // fixed seed
        for (int len = 1; len <= 200; len++) {
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            keys.add(b);
            labels.add("random");
        }
        for (int len : new int[] {255, 256, 257, 1000, 4096}) {
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            keys.add(b);
            labels.add("random");
        }

        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"partitionCounts\": [");
        for (int i = 0; i < PARTITION_COUNTS.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(PARTITION_COUNTS[i]);
        }
        sb.append("],\n  \"cases\": [\n");
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            int h = Utils.murmur2(k);
            int pos = Utils.toPositive(h);
            sb.append("    {\"label\": ").append(Json.str(labels.get(i)));
            sb.append(", \"keyHex\": ").append(Json.hex(k));
            sb.append(", \"murmur2\": ").append(h);
            sb.append(", \"toPositive\": ").append(pos);
            sb.append(", \"partitions\": [");
            for (int j = 0; j < PARTITION_COUNTS.length; j++) {
                if (j > 0) sb.append(", ");
                sb.append(pos % PARTITION_COUNTS[j]);
            }
            sb.append("]}").append(i + 1 < keys.size() ? ",\n" : "\n");
        }
        sb.append("  ]\n}\n");
        return sb.toString();
    }
}
