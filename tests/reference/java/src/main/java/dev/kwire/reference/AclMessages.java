package dev.kwire.reference;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.Message;

/**
 * ACL messages (DescribeAcls, CreateAcls, DeleteAcls) with every field set to a value other
 * than its default; {@code nulls} sets every nullable field to null instead. Codes are Kafka's:
 * resource type 2 TOPIC / 3 GROUP, pattern type 3 LITERAL / 4 PREFIXED, operation 3 READ /
 * 4 WRITE, permission type 2 DENY / 3 ALLOW.
 */
final class AclMessages {
    private AclMessages() { }

    static Message describeAclsRequest(short v, boolean nulls) {
        return new DescribeAclsRequestData().setResourceTypeFilter((byte) 2)
            .setResourceNameFilter(nulls ? null : "orders").setPatternTypeFilter((byte) 4)
            .setPrincipalFilter(nulls ? null : "User:alice").setHostFilter(nulls ? null : "10.0.0.1")
            .setOperation((byte) 3).setPermissionType((byte) 3);
    }

    static Message describeAclsResponse(short v, boolean nulls) {
        List<DescribeAclsResponseData.DescribeAclsResource> resources = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<DescribeAclsResponseData.AclDescription> acls = new ArrayList<>();
            for (int j = 0; j < 2; j++) {
                acls.add(new DescribeAclsResponseData.AclDescription().setPrincipal("User:u" + j)
                    .setHost(j == 0 ? "*" : "10.0.0." + j).setOperation((byte) (3 + j))
                    .setPermissionType((byte) (2 + j)));
            }
            resources.add(new DescribeAclsResponseData.DescribeAclsResource().setResourceType((byte) (2 + i))
                .setResourceName("res-" + i).setPatternType((byte) (4 - i)).setAcls(acls));
        }
        return new DescribeAclsResponseData().setThrottleTimeMs(40).setErrorCode((short) 54)
            .setErrorMessage(nulls ? null : "No Authorizer is configured on the broker")
            .setResources(resources);
    }

    static Message createAclsRequest(short v, boolean nulls) {
        List<CreateAclsRequestData.AclCreation> creations = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            creations.add(new CreateAclsRequestData.AclCreation().setResourceType((byte) (2 + i))
                .setResourceName("res-" + i).setResourcePatternType((byte) (4 - i))
                .setPrincipal("User:u" + i).setHost(i == 0 ? "*" : "10.0.0.1")
                .setOperation((byte) (3 + i)).setPermissionType((byte) (2 + i)));
        }
        return new CreateAclsRequestData().setCreations(creations);
    }

    static Message createAclsResponse(short v, boolean nulls) {
        List<CreateAclsResponseData.AclCreationResult> results = new ArrayList<>();
        results.add(new CreateAclsResponseData.AclCreationResult().setErrorCode((short) 54)
            .setErrorMessage(nulls ? null : "No Authorizer is configured."));
        results.add(new CreateAclsResponseData.AclCreationResult().setErrorCode((short) 42)
            .setErrorMessage("Invalid empty resource name"));
        return new CreateAclsResponseData().setThrottleTimeMs(40).setResults(results);
    }

    static Message deleteAclsRequest(short v, boolean nulls) {
        List<DeleteAclsRequestData.DeleteAclsFilter> filters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            filters.add(new DeleteAclsRequestData.DeleteAclsFilter().setResourceTypeFilter((byte) (2 + i))
                .setResourceNameFilter(nulls ? null : "res-" + i).setPatternTypeFilter((byte) (4 - i))
                .setPrincipalFilter(nulls ? null : "User:u" + i).setHostFilter(nulls ? null : "10.0.0.1")
                .setOperation((byte) (3 + i)).setPermissionType((byte) (2 + i)));
        }
        return new DeleteAclsRequestData().setFilters(filters);
    }

    static Message deleteAclsResponse(short v, boolean nulls) {
        List<DeleteAclsResponseData.DeleteAclsFilterResult> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<DeleteAclsResponseData.DeleteAclsMatchingAcl> matching = new ArrayList<>();
            for (int j = 0; j < 2; j++) {
                matching.add(new DeleteAclsResponseData.DeleteAclsMatchingAcl().setErrorCode((short) (j == 0 ? 0 : 54))
                    .setErrorMessage(nulls ? null : "m" + j).setResourceType((byte) (2 + j))
                    .setResourceName("res-" + j).setPatternType((byte) (4 - j)).setPrincipal("User:u" + j)
                    .setHost("*").setOperation((byte) (3 + j)).setPermissionType((byte) (2 + j)));
            }
            results.add(new DeleteAclsResponseData.DeleteAclsFilterResult().setErrorCode((short) (54 * i))
                .setErrorMessage(nulls ? null : "No Authorizer is configured.").setMatchingAcls(matching));
        }
        return new DeleteAclsResponseData().setThrottleTimeMs(40).setFilterResults(results);
    }
}
