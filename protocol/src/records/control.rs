//! Control records: the records of a batch whose control flag (attribute bit 5) is set.
//!
//! A control record's key is `version i16, type i16`. Transaction markers (types 0 abort and
//! 1 commit) carry an `EndTxnMarker` value: `version i16, coordinatorEpoch i32`. Other types
//! are used by KRaft's metadata log.

use crate::error::DecodeError;

/// The type in a control record key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlRecordType {
    /// Transaction aborted (0).
    Abort,
    /// Transaction committed (1).
    Commit,
    /// Any other type (KRaft's leader change, snapshot header/footer, voters, …).
    Other(i16),
}

impl ControlRecordType {
    /// The type code on the wire.
    pub const fn code(self) -> i16 {
        match self {
            ControlRecordType::Abort => 0,
            ControlRecordType::Commit => 1,
            ControlRecordType::Other(c) => c,
        }
    }

    /// The type for a code.
    pub const fn from_code(code: i16) -> Self {
        match code {
            0 => ControlRecordType::Abort,
            1 => ControlRecordType::Commit,
            c => ControlRecordType::Other(c),
        }
    }
}

/// A parsed control record key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlRecordKey {
    /// Key format version (0 today).
    pub version: i16,
    /// The control record type.
    pub kind: ControlRecordType,
}

impl ControlRecordKey {
    /// A version-0 key of the given type.
    pub const fn new(kind: ControlRecordType) -> Self {
        ControlRecordKey { version: 0, kind }
    }

    /// Parses a control record key. Like Kafka, bytes after the first four are ignored (later
    /// versions may add fields); a negative version is an error.
    pub fn parse(key: &[u8]) -> Result<Self, DecodeError> {
        if key.len() < 4 {
            return Err(DecodeError::Truncated {
                what: "control record key",
                needed: 4,
                available: key.len(),
            });
        }
        let version = i16::from_be_bytes([key[0], key[1]]);
        if version < 0 {
            return Err(DecodeError::CorruptBatch(
                "negative control record key version",
            ));
        }
        Ok(ControlRecordKey {
            version,
            kind: ControlRecordType::from_code(i16::from_be_bytes([key[2], key[3]])),
        })
    }

    /// The 4-byte encoding.
    pub fn to_bytes(self) -> [u8; 4] {
        let v = self.version.to_be_bytes();
        let t = self.kind.code().to_be_bytes();
        [v[0], v[1], t[0], t[1]]
    }
}

/// The value of a transaction marker (abort or commit control record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndTxnMarker {
    /// Value format version (0 today).
    pub version: i16,
    /// Epoch of the transaction coordinator that wrote the marker.
    pub coordinator_epoch: i32,
}

impl EndTxnMarker {
    /// A version-0 marker value.
    pub const fn new(coordinator_epoch: i32) -> Self {
        EndTxnMarker {
            version: 0,
            coordinator_epoch,
        }
    }

    /// Parses a marker value (6 bytes; longer values from later versions are accepted).
    pub fn parse(value: &[u8]) -> Result<Self, DecodeError> {
        if value.len() < 6 {
            return Err(DecodeError::Truncated {
                what: "transaction marker value",
                needed: 6,
                available: value.len(),
            });
        }
        let version = i16::from_be_bytes([value[0], value[1]]);
        if version < 0 {
            return Err(DecodeError::CorruptBatch(
                "negative transaction marker version",
            ));
        }
        Ok(EndTxnMarker {
            version,
            coordinator_epoch: i32::from_be_bytes([value[2], value[3], value[4], value[5]]),
        })
    }

    /// The 6-byte encoding.
    pub fn to_bytes(self) -> [u8; 6] {
        let v = self.version.to_be_bytes();
        let e = self.coordinator_epoch.to_be_bytes();
        [v[0], v[1], e[0], e[1], e[2], e[3]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_markers_round_trip() {
        let k = ControlRecordKey::new(ControlRecordType::Commit);
        assert_eq!(k.to_bytes(), [0, 0, 0, 1]);
        assert_eq!(ControlRecordKey::parse(&k.to_bytes()), Ok(k));
        assert_eq!(
            ControlRecordKey::parse(&[0, 0, 0, 7]).unwrap().kind,
            ControlRecordType::Other(7)
        );
        assert!(ControlRecordKey::parse(&[0, 0, 0]).is_err());
        assert!(ControlRecordKey::parse(&[0xff, 0xff, 0, 0]).is_err());
        let m = EndTxnMarker::new(6);
        assert_eq!(m.to_bytes(), [0, 0, 0, 0, 0, 6]);
        assert_eq!(EndTxnMarker::parse(&m.to_bytes()), Ok(m));
        assert!(EndTxnMarker::parse(&[0, 0, 0]).is_err());
    }
}
