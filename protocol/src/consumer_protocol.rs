//! The consumer protocol: what Kafka's consumers put in the opaque `metadata` of a JoinGroup
//! protocol (a [`ConsumerProtocolSubscription`]) and in a SyncGroup assignment (a
//! [`ConsumerProtocolAssignment`]), from Kafka's `ConsumerProtocolSubscription.json` and
//! `ConsumerProtocolAssignment.json` (versions 0–3, never flexible).
//!
//! Each is an int16 version followed by the body at that version. As Kafka's
//! `ConsumerProtocol`, a newer version than this crate knows is read as the newest it knows
//! (new versions only add fields at the end) and bytes left after the body are ignored; a
//! negative version is an error. Decoding never panics and allocates no more than the input
//! justifies (see [`crate::primitives::Decoder`]).

#![allow(clippy::doc_markdown)]

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::primitives::{Ctx, Decoder, Field};
use crate::{DecodeError, EncodeError, kafka_struct};

/// The newest version of both structures this crate reads and writes.
pub const HIGHEST_VERSION: i16 = 3;

/// The `api_key` of an `UnsupportedVersion` error about these structures, which belong to no
/// API.
pub const NOT_AN_API: i16 = -1;

kafka_struct! {
    /// A consumer's subscription (JoinGroup protocol metadata).
    pub struct ConsumerProtocolSubscription {
        /// Subscribed topics (string array, v0+).
        pub topics: Vec<String> [versions = "0+"],
        /// Assignor-specific data (bytes, v0+, nullable).
        pub user_data: Option<Bytes> [versions = "0+", nullable = "0+"],
        /// Partitions the member owns now, for cooperative rebalancing (v1+).
        pub owned_partitions: Vec<TopicPartition> [versions = "1+", ignorable = true],
        /// The generation the owned partitions are from (int32, v2+).
        pub generation_id: i32 [versions = "2+", ignorable = true] = -1,
        /// The member's rack (string, v3+, nullable).
        pub rack_id: Option<String> [versions = "3+", nullable = "3+", ignorable = true],
    }
}

kafka_struct! {
    /// Partitions of one topic.
    pub struct TopicPartition {
        /// Topic name (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partition indexes ([]int32, v0+).
        pub partitions: Vec<i32> [versions = "0+"],
    }
}

kafka_struct! {
    /// A member's assignment (SyncGroup assignment).
    pub struct ConsumerProtocolAssignment {
        /// Assigned partitions (v0+).
        pub assigned_partitions: Vec<TopicPartition> [versions = "0+"],
        /// Assignor-specific data (bytes, v0+, nullable).
        pub user_data: Option<Bytes> [versions = "0+", nullable = "0+"],
    }
}

fn ctx(version: i16) -> Ctx {
    Ctx {
        version,
        flexible: false,
        nullable: false,
    }
}

/// Reads the version prefix and the body at that version (at most [`HIGHEST_VERSION`]).
fn decode<T: Field>(buf: &Bytes) -> Result<(i16, T), DecodeError> {
    let mut d = Decoder::new(buf);
    let version = i16::read(&mut d, ctx(0))?;
    if version < 0 {
        return Err(DecodeError::UnsupportedVersion {
            api_key: NOT_AN_API,
            version,
        });
    }
    let read_as = version.min(HIGHEST_VERSION);
    Ok((version, T::read(&mut d, ctx(read_as))?))
}

fn encode<T: Field>(value: &T, version: i16) -> Result<Bytes, EncodeError> {
    if !(0..=HIGHEST_VERSION).contains(&version) {
        return Err(EncodeError::UnsupportedVersion {
            api_key: NOT_AN_API,
            version,
        });
    }
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    value.write(&mut buf, ctx(version))?;
    Ok(buf.freeze())
}

impl ConsumerProtocolSubscription {
    /// Decodes a subscription: its version prefix and body (a newer version read as the newest
    /// known, trailing bytes ignored).
    pub fn decode(buf: &Bytes) -> Result<(i16, Self), DecodeError> {
        decode(buf)
    }

    /// Encodes the subscription with its version prefix.
    pub fn encode(&self, version: i16) -> Result<Bytes, EncodeError> {
        encode(self, version)
    }
}

impl ConsumerProtocolAssignment {
    /// Decodes an assignment: its version prefix and body (a newer version read as the newest
    /// known, trailing bytes ignored).
    pub fn decode(buf: &Bytes) -> Result<(i16, Self), DecodeError> {
        decode(buf)
    }

    /// Encodes the assignment with its version prefix.
    pub fn encode(&self, version: i16) -> Result<Bytes, EncodeError> {
        encode(self, version)
    }

    /// The assigned (topic, partition) pairs, in order.
    pub fn partitions(&self) -> impl Iterator<Item = (&str, i32)> {
        self.assigned_partitions
            .iter()
            .flat_map(|t| t.partitions.iter().map(move |p| (t.topic.as_str(), *p)))
    }
}

/// The version prefix of consumer-protocol bytes, without decoding the rest.
pub fn version_of(mut buf: &[u8]) -> Option<i16> {
    (buf.remaining() >= 2).then(|| buf.get_i16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub() -> ConsumerProtocolSubscription {
        ConsumerProtocolSubscription {
            topics: vec!["a".into(), "bc".into()],
            user_data: Some(Bytes::from_static(b"u")),
            owned_partitions: vec![TopicPartition {
                topic: "a".into(),
                partitions: vec![0, 2],
                ..Default::default()
            }],
            generation_id: 7,
            rack_id: Some("r1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn subscriptions_round_trip_at_every_version() {
        for v in 0..=HIGHEST_VERSION {
            let mut want = sub();
            if v < 1 {
                want.owned_partitions.clear();
            }
            if v < 2 {
                want.generation_id = -1;
            }
            if v < 3 {
                want.rack_id = None;
            }
            let bytes = sub().encode(v).unwrap();
            assert_eq!(
                ConsumerProtocolSubscription::decode(&bytes).unwrap(),
                (v, want)
            );
        }
    }

    #[test]
    fn version_0_is_kafkas_layout() {
        let s = ConsumerProtocolSubscription {
            topics: vec!["t".into()],
            ..Default::default()
        };
        assert_eq!(
            &s.encode(0).unwrap()[..],
            &[0, 0, 0, 0, 0, 1, 0, 1, b't', 0xff, 0xff, 0xff, 0xff]
        );
        let a = ConsumerProtocolAssignment {
            assigned_partitions: vec![TopicPartition {
                topic: "t".into(),
                partitions: vec![3],
                ..Default::default()
            }],
            ..Default::default()
        };
        let bytes = a.encode(0).unwrap();
        assert_eq!(
            &bytes[..],
            &[
                0, 0, 0, 0, 0, 1, 0, 1, b't', 0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff
            ]
        );
        let (_, back) = ConsumerProtocolAssignment::decode(&bytes).unwrap();
        assert_eq!(back.partitions().collect::<Vec<_>>(), vec![("t", 3)]);
    }

    #[test]
    fn newer_versions_read_as_the_newest_and_garbage_is_an_error() {
        let mut bytes = BytesMut::from(&sub().encode(3).unwrap()[..]);
        bytes[1] = 9;
        bytes.extend_from_slice(b"future fields");
        let (v, s) = ConsumerProtocolSubscription::decode(&bytes.freeze()).unwrap();
        assert_eq!((v, s), (9, sub()));
        for bad in [
            &[][..],
            &[0],
            &[0xff, 0xff, 0, 0, 0, 0],
            &[0, 0, 0x7f, 0xff, 0xff, 0xff],
        ] {
            let b = Bytes::copy_from_slice(bad);
            assert!(ConsumerProtocolSubscription::decode(&b).is_err(), "{bad:?}");
            assert!(ConsumerProtocolAssignment::decode(&b).is_err(), "{bad:?}");
        }
        assert!(sub().encode(4).is_err());
        assert_eq!(version_of(&[0, 3, 1]), Some(3));
        assert_eq!(version_of(&[0]), None);
    }
}
