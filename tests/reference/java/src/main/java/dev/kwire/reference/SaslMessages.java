package dev.kwire.reference;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * SASL APIs (issue 14): the same rules as {@link Messages} — every field the version carries set
 * to a non-default value, and with {@code nulls} every nullable field the version allows set to
 * null.
 */
final class SaslMessages {
    private SaslMessages() {}

    // ------------------------------------------------------------------ SaslHandshake (17)

    static Message saslHandshakeRequest(short v, boolean nulls) {
        return new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512");
    }

    static Message saslHandshakeResponse(short v, boolean nulls) {
        return new SaslHandshakeResponseData().setErrorCode((short) 33)
            .setMechanisms(Arrays.asList("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"));
    }

    // ------------------------------------------------------------------ SaslAuthenticate (36)

    static Message saslAuthenticateRequest(short v, boolean nulls) {
        return new SaslAuthenticateRequestData()
            .setAuthBytes("n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL".getBytes(StandardCharsets.UTF_8));
    }

    static Message saslAuthenticateResponse(short v, boolean nulls) {
        SaslAuthenticateResponseData d = new SaslAuthenticateResponseData().setErrorCode((short) 58)
            .setErrorMessage(nulls ? null : "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")
            .setAuthBytes("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096".getBytes(StandardCharsets.UTF_8));
        if (v >= 1) {
            d.setSessionLifetimeMs(3_600_000L);
        }
        return d;
    }
}
