package dev.kwire.reference;

import java.nio.ByteBuffer;

/** Just enough JSON output for the sidecar files; no dependency needed. */
final class Json {
    private Json() {}

    static String str(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
        return sb.toString();
    }

    static String hex(byte[] b) {
        if (b == null) return "null";
        return '"' + Hex.of(b) + '"';
    }

    /** Hex of the remaining bytes of a buffer (position untouched), or null. */
    static String hex(ByteBuffer b) {
        if (b == null) return "null";
        byte[] copy = new byte[b.remaining()];
        b.duplicate().get(copy);
        return hex(copy);
    }
}

final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {}

    static String of(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[b[i] & 0xf];
        }
        return new String(out);
    }
}
