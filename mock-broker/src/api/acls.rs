//! What DescribeAcls, CreateAcls and DeleteAcls share. The mock, like a Kafka broker with no
//! `authorizer.class.name`, has no authorizer (every client may do everything, as
//! DescribeCluster's authorized operations say): Kafka's `AclApis` then answers each ACL
//! request SECURITY_DISABLED, after its request classes have refused bindings and filters
//! with UNKNOWN codes while parsing (the connection closes).

/// Kafka's message for a DescribeAcls without an authorizer.
pub const NO_AUTHORIZER_DESCRIBE: &str = "No Authorizer is configured on the broker";

/// Kafka's message for each creation or filter of a CreateAcls or DeleteAcls without an
/// authorizer.
pub const NO_AUTHORIZER_ALTER: &str = "No Authorizer is configured.";

/// What Kafka's request classes refuse in an ACL binding or filter: a resource type, pattern
/// type, operation or permission type of code 0 (UNKNOWN). Other codes Kafka does not define
/// pass this check (the classes compare with 0, not with the codes they know).
pub fn names_unknown(
    resource_type: i8,
    pattern_type: i8,
    operation: i8,
    permission_type: i8,
) -> bool {
    [resource_type, pattern_type, operation, permission_type].contains(&0)
}
