//! ApiVersions (key 18): which APIs and versions a broker supports.
//!
//! A broker that receives an ApiVersions request at a version it does not know answers with a
//! v0-format body carrying `UNSUPPORTED_VERSION` and its own ApiVersions range (KIP-511); see
//! [`ApiVersionsResponse::unsupported_version`]. The response header is always v0.

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

kafka_message! {
    /// Asks a broker which API versions it supports.
    pub struct ApiVersionsRequest: Request(api_key = ApiKey::API_VERSIONS, versions = "0-5", flexible = "3+") {
        /// The name of the client library (v3+).
        pub client_software_name: String [versions = "3+", ignorable = true],
        /// The version of the client library (v3+).
        pub client_software_version: String [versions = "3+", ignorable = true],
        /// The cluster the client means to reach, if known (v5+).
        pub cluster_id: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// The node the client means to reach, if known (v5+).
        pub node_id: i32 [versions = "5+", ignorable = true] = -1,
    }
}

impl Request for ApiVersionsRequest {
    type Response = ApiVersionsResponse;
}

kafka_message! {
    /// The APIs and versions a broker supports, plus its features.
    pub struct ApiVersionsResponse: Response(api_key = ApiKey::API_VERSIONS, versions = "0-5", flexible = "3+") {
        /// The top-level error code.
        pub error_code: ErrorCode [],
        /// The APIs the broker supports.
        pub api_keys: Vec<ApiVersion> [],
        /// Throttle time in milliseconds (v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Features the broker supports (v3+, tagged 0).
        pub supported_features: Vec<SupportedFeatureKey> [versions = "3+", tag = 0, ignorable = true],
        /// Epoch of the finalized features, -1 if unknown (v3+, tagged 1).
        pub finalized_features_epoch: i64 [versions = "3+", tag = 1, ignorable = true] = -1,
        /// Cluster-wide finalized features (v3+, tagged 2).
        pub finalized_features: Vec<FinalizedFeatureKey> [versions = "3+", tag = 2, ignorable = true],
        /// Set by a KRaft controller ready for ZooKeeper migration (v3+, tagged 3).
        pub zk_migration_ready: bool [versions = "3+", tag = 3, ignorable = true],
    }
}

kafka_struct! {
    /// One API's supported version range.
    pub struct ApiVersion {
        /// The API key.
        pub api_key: i16 [],
        /// Lowest supported version.
        pub min_version: i16 [],
        /// Highest supported version.
        pub max_version: i16 [],
    }
}

kafka_struct! {
    /// A feature the broker supports.
    pub struct SupportedFeatureKey {
        /// Feature name.
        pub name: String [versions = "3+"],
        /// Lowest supported version.
        pub min_version: i16 [versions = "3+"],
        /// Highest supported version.
        pub max_version: i16 [versions = "3+"],
    }
}

kafka_struct! {
    /// A finalized cluster-wide feature level.
    pub struct FinalizedFeatureKey {
        /// Feature name.
        pub name: String [versions = "3+"],
        /// Finalized maximum level.
        pub max_version_level: i16 [versions = "3+"],
        /// Finalized minimum level.
        pub min_version_level: i16 [versions = "3+"],
    }
}

impl ApiVersion {
    /// An entry for `api_key` supporting `min..=max`.
    pub fn new(api_key: ApiKey, min_version: i16, max_version: i16) -> Self {
        ApiVersion {
            api_key: api_key.0,
            min_version,
            max_version,
            ..Default::default()
        }
    }
}

impl ApiVersionsResponse {
    /// The answer to an ApiVersions request at a version the broker does not know: error
    /// `UNSUPPORTED_VERSION` and the broker's ApiVersions range, to be encoded at **v0**.
    pub fn unsupported_version(min: i16, max: i16) -> Self {
        ApiVersionsResponse {
            error_code: ErrorCode::UnsupportedVersion,
            api_keys: vec![ApiVersion::new(ApiKey::API_VERSIONS, min, max)],
            ..Default::default()
        }
    }

    /// A successful answer advertising `ranges` (API, min, max), listed in key order as
    /// Kafka lists them.
    pub fn advertising(ranges: impl IntoIterator<Item = (ApiKey, i16, i16)>) -> Self {
        let mut api_keys: Vec<ApiVersion> = ranges
            .into_iter()
            .map(|(k, min, max)| ApiVersion::new(k, min, max))
            .collect();
        api_keys.sort_by_key(|a| a.api_key);
        ApiVersionsResponse {
            api_keys,
            ..Default::default()
        }
    }

    /// The range advertised for `api_key`, if any.
    pub fn range_for(&self, api_key: ApiKey) -> Option<(i16, i16)> {
        self.api_keys
            .iter()
            .find(|a| a.api_key == api_key.0)
            .map(|a| (a.min_version, a.max_version))
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::{EncodeError, Message};

    #[test]
    fn v0_request_is_empty_and_v3_carries_software() {
        let req = ApiVersionsRequest {
            client_software_name: "kwire".into(),
            client_software_version: "0.1".into(),
            ..Default::default()
        };
        // The software fields are ignorable: dropped at v0.
        assert!(req.to_bytes(0).unwrap().is_empty());
        let v3 = req.to_bytes(3).unwrap();
        assert_eq!(&v3[..], b"\x06kwire\x040.1\x00");
        assert_eq!(ApiVersionsRequest::decode(&v3, 3).unwrap(), req);
    }

    #[test]
    fn tagged_fields_round_trip_in_order() {
        let mut resp = ApiVersionsResponse {
            api_keys: vec![ApiVersion::new(ApiKey::PRODUCE, 0, 11)],
            finalized_features_epoch: 7,
            zk_migration_ready: true,
            ..Default::default()
        };
        resp.unknown_tagged_fields
            .insert(2, Bytes::from_static(b"\x01"));
        // Tag 2 is known at v3 (but empty here): an "unknown" tag 2 is fine while the known
        // field is at its default...
        assert!(resp.to_bytes(3).is_ok());
        // ...and an error once both would be written.
        resp.finalized_features.push(FinalizedFeatureKey::default());
        assert!(matches!(
            resp.to_bytes(3),
            Err(EncodeError::FieldNotSupported { .. })
        ));
        resp.finalized_features.clear();
        resp.unknown_tagged_fields.clear();
        resp.unknown_tagged_fields
            .insert(9, Bytes::from_static(b"\xaa"));
        let b = resp.to_bytes(3).unwrap();
        let back = ApiVersionsResponse::decode(&b, 3).unwrap();
        assert_eq!(back, resp);
        assert_eq!(back.to_bytes(3).unwrap(), b);
    }

    #[test]
    fn non_ignorable_field_at_wrong_version_is_an_error() {
        let resp = ApiVersionsResponse {
            finalized_features_epoch: 3,
            ..Default::default()
        };
        // Ignorable: silently dropped at v0.
        assert!(resp.to_bytes(0).is_ok());
        let mut req = ApiVersionsRequest::default();
        req.unknown_tagged_fields.insert(5, Bytes::new());
        assert!(matches!(
            req.to_bytes(2),
            Err(EncodeError::FieldNotSupported { .. })
        ));
    }
}
