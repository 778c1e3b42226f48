package dev.kwire.reference;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * SCRAM credential messages (DescribeUserScramCredentials, AlterUserScramCredentials) with every
 * field set to a value other than its default; {@code nulls} sets every nullable field to null
 * instead. Mechanisms are Kafka's codes: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
 */
final class ScramMessages {
    private ScramMessages() { }

    static Message describeUserScramCredentialsRequest(short v, boolean nulls) {
        List<DescribeUserScramCredentialsRequestData.UserName> users = new ArrayList<>();
        users.add(new DescribeUserScramCredentialsRequestData.UserName().setName("alice"));
        users.add(new DescribeUserScramCredentialsRequestData.UserName().setName("bob"));
        return new DescribeUserScramCredentialsRequestData().setUsers(nulls ? null : users);
    }

    static Message describeUserScramCredentialsResponse(short v, boolean nulls) {
        List<DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult> results = new ArrayList<>();
        List<DescribeUserScramCredentialsResponseData.CredentialInfo> infos = new ArrayList<>();
        infos.add(new DescribeUserScramCredentialsResponseData.CredentialInfo().setMechanism((byte) 1).setIterations(4096));
        infos.add(new DescribeUserScramCredentialsResponseData.CredentialInfo().setMechanism((byte) 2).setIterations(8192));
        results.add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
            .setUser("alice").setErrorCode((short) 0).setErrorMessage(nulls ? null : "").setCredentialInfos(infos));
        results.add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
            .setUser("bob").setErrorCode((short) 91)
            .setErrorMessage("Attempt to describe a user credential that does not exist: bob"));
        return new DescribeUserScramCredentialsResponseData().setThrottleTimeMs(40).setErrorCode((short) 29)
            .setErrorMessage(nulls ? null : "Cluster authorization failed.").setResults(results);
    }

    static Message alterUserScramCredentialsRequest(short v, boolean nulls) {
        List<AlterUserScramCredentialsRequestData.ScramCredentialDeletion> deletions = new ArrayList<>();
        deletions.add(new AlterUserScramCredentialsRequestData.ScramCredentialDeletion().setName("carol").setMechanism((byte) 2));
        deletions.add(new AlterUserScramCredentialsRequestData.ScramCredentialDeletion().setName("dave").setMechanism((byte) 1));
        List<AlterUserScramCredentialsRequestData.ScramCredentialUpsertion> upsertions = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] salt = new byte[16];
            byte[] salted = new byte[32 + 32 * i];
            for (int j = 0; j < salt.length; j++) salt[j] = (byte) (j * 7 + i);
            for (int j = 0; j < salted.length; j++) salted[j] = (byte) (j * 13 + i);
            upsertions.add(new AlterUserScramCredentialsRequestData.ScramCredentialUpsertion()
                .setName(i == 0 ? "alice" : "bob").setMechanism((byte) (1 + i)).setIterations(4096 * (1 + i))
                .setSalt(salt).setSaltedPassword(salted));
        }
        return new AlterUserScramCredentialsRequestData().setDeletions(deletions).setUpsertions(upsertions);
    }

    static Message alterUserScramCredentialsResponse(short v, boolean nulls) {
        List<AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult> results = new ArrayList<>();
        results.add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
            .setUser("alice").setErrorCode((short) 0).setErrorMessage(nulls ? null : ""));
        results.add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
            .setUser("bob").setErrorCode((short) 93)
            .setErrorMessage("Too few iterations"));
        return new AlterUserScramCredentialsResponseData().setThrottleTimeMs(40).setResults(results);
    }
}
