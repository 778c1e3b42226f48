//! DescribeAcls: SECURITY_DISABLED, as a Kafka broker without an authorizer answers (see
//! `acls`). Tools that list ACLs (`kafka-acls.sh --list`, admin UIs) then report that ACLs are
//! off instead of losing the connection. A filter holding an UNKNOWN code closes the
//! connection, as Kafka's request class refuses it.

use kwire_protocol::api::describe_acls::{DescribeAclsRequest, DescribeAclsResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::acls::{NO_AUTHORIZER_DESCRIBE, names_unknown};
use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeAclsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-3");

/// Handles a DescribeAcls request.
pub fn handle(_: &mut Cluster, ctx: &RequestContext<'_>, req: DescribeAclsRequest) -> Outcome {
    if names_unknown(
        req.resource_type_filter,
        req.pattern_type_filter,
        req.operation,
        req.permission_type,
    ) {
        return ctx.refuse("the filter contains UNKNOWN elements");
    }
    ctx.respond(DescribeAclsResponse {
        error_code: ErrorCode::SecurityDisabled,
        error_message: Some(NO_AUTHORIZER_DESCRIBE.into()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::create_acls::{AclCreation, CreateAclsRequest};
    use kwire_protocol::api::delete_acls::{DeleteAclsFilter, DeleteAclsRequest};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::Close;
    use crate::test_util::*;

    /// Every ACL request Kafka reads is refused as security disabled, one result per creation
    /// or filter; a code of 0 (UNKNOWN) in any of the four fields closes the connection, and
    /// a code Kafka does not define (99) does not.
    #[test]
    fn security_disabled_and_unknown_codes_close() {
        let mut c = cluster(1);
        let filter = |codes: [i8; 4]| DescribeAclsRequest {
            resource_type_filter: codes[0],
            pattern_type_filter: codes[1],
            operation: codes[2],
            permission_type: codes[3],
            ..Default::default()
        };
        for codes in [[1, 1, 1, 1], [99, 1, 1, 1], [2, 4, 3, 99]] {
            match call(&mut c, 1, RequestBody::DescribeAcls(filter(codes)), 3, 0) {
                Outcome::Respond(ResponseBody::DescribeAcls(r), 3) => {
                    assert_eq!(r.error_code, ErrorCode::SecurityDisabled, "{codes:?}");
                    assert!(r.resources.is_empty());
                }
                o => panic!("{codes:?}: {o:?}"),
            }
        }
        for at in 0..4 {
            let mut codes = [1; 4];
            codes[at] = 0;
            let o = call(&mut c, 1, RequestBody::DescribeAcls(filter(codes)), 1, 0);
            assert!(matches!(o, Outcome::Close(Close::Invalid { .. })), "{codes:?}: {o:?}");
        }

        let creation = |resource_type: i8| AclCreation {
            resource_type,
            resource_name: "t".into(),
            resource_pattern_type: 3,
            principal: "User:a".into(),
            host: "*".into(),
            operation: 3,
            permission_type: 3,
            ..Default::default()
        };
        let create = |types: &[i8]| CreateAclsRequest {
            creations: types.iter().map(|&t| creation(t)).collect(),
            ..Default::default()
        };
        match call(&mut c, 1, RequestBody::CreateAcls(create(&[2, 1])), 2, 0) {
            Outcome::Respond(ResponseBody::CreateAcls(r), 2) => {
                assert_eq!(r.results.len(), 2);
                assert!(r.results.iter().all(|x| x.error_code == ErrorCode::SecurityDisabled));
            }
            o => panic!("{o:?}"),
        }
        let o = call(&mut c, 1, RequestBody::CreateAcls(create(&[2, 0])), 2, 0);
        assert!(matches!(o, Outcome::Close(Close::Invalid { .. })), "{o:?}");

        let delete = |operation: i8| DeleteAclsRequest {
            filters: vec![
                DeleteAclsFilter {
                    resource_type_filter: 1,
                    pattern_type_filter: 1,
                    operation,
                    permission_type: 1,
                    ..Default::default()
                };
                3
            ],
            ..Default::default()
        };
        match call(&mut c, 1, RequestBody::DeleteAcls(delete(1)), 3, 0) {
            Outcome::Respond(ResponseBody::DeleteAcls(r), 3) => {
                assert_eq!(r.filter_results.len(), 3);
                assert!(r.filter_results.iter().all(|x| {
                    x.error_code == ErrorCode::SecurityDisabled && x.matching_acls.is_empty()
                }));
            }
            o => panic!("{o:?}"),
        }
        let o = call(&mut c, 1, RequestBody::DeleteAcls(delete(0)), 3, 0);
        assert!(matches!(o, Outcome::Close(Close::Invalid { .. })), "{o:?}");
    }
}
