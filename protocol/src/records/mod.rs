//! Record batches, magic v2: the `records` of Produce requests and Fetch responses.
//!
//! * [`Batches`] walks the batches concatenated in a `records` field and yields validated
//!   [`BatchView`]s (zero-copy; a Fetch response's partial trailing batch ends it cleanly).
//! * [`BatchView::records`] decodes records lazily with no per-record allocation: keys, values
//!   and headers are [`Bytes`](bytes::Bytes) slices of the input, or of the decompressed records.
//!   [`BatchView::record_refs`] yields [`RecordRef`]s that borrow from the view instead: the
//!   fastest path, with no reference counting either.
//! * [`BatchView::record_set`] decodes every record at once into a [`RecordSet`]: owned like
//!   collected [`Record`]s, but one allocation per batch and no reference count per record.
//! * [`RecordBatch`] is the owned form with every record decoded, and re-encodes byte for byte.
//! * [`BatchWriter`] encodes a new batch straight into a [`BytesMut`](bytes::BytesMut), with any
//!   codec, producer id/epoch/sequence, transactional and control flags.
//! * [`compression`] holds the codecs (gzip, xerial-framed snappy, LZ4 frames, zstd) with a cap on
//!   decompressed size; [`control`] parses transaction markers.
//!
//! Batch layout (61-byte header, then the records, compressed as a whole when a codec is set):
//!
//! ```text
//! baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 = 2 | crc u32 (CRC-32C of
//! attributes..end) | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 |
//! producerId i64 | producerEpoch i16 | baseSequence i32 | recordCount i32 | records…
//! ```
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use kwire_protocol::records::{BatchOptions, BatchWriter, Batches, Compression, HeaderRef};
//!
//! // Encode two batches back to back, as a Produce request's `records` would hold them.
//! let mut buf = BytesMut::new();
//! # let zstd = if Compression::Zstd.is_enabled() { Compression::Zstd } else { Compression::None };
//! for codec in [Compression::None, zstd] {
//!     let mut w = BatchWriter::new(&mut buf, BatchOptions { compression: codec, ..Default::default() })?;
//!     w.append(1_700_000_000_000, Some(b"k1"), Some(b"hello"), &[])?;
//!     w.append(1_700_000_000_001, None, None, &[HeaderRef::new("h", Some(b"v"))])?;
//!     w.finish()?;
//! }
//! let records = buf.freeze();
//!
//! // Decode them, as from a Fetch response cut short after the first batch's 20 first bytes.
//! let cut = records.slice(..records.len() - 20);
//! let mut batches = Batches::new(cut);
//! let first = batches.next().unwrap()?;
//! for record in first.records() {
//!     let record = record?;
//!     println!("{} {:?}", record.offset, record.value);
//! }
//! assert!(batches.next().is_none());
//! assert!(batches.partial_tail().is_some()); // the second batch was cut
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
pub mod compression;
pub mod control;
mod header;
mod record;
mod set;
mod writer;

pub use batch::{BatchView, Batches, DecodeOptions, RecordBatch, RecordIter, RecordRefIter};
pub use compression::{Compression, DEFAULT_MAX_DECOMPRESSED_SIZE};
pub use control::{ControlRecordKey, ControlRecordType, EndTxnMarker};
#[cfg(feature = "test-util")]
pub(crate) use header::CRC_OFFSET;
pub use header::{
    BATCH_HEADER_SIZE, BatchHeader, COMPRESSION_MASK, CONTROL_FLAG, CRC_START, DELETE_HORIZON_FLAG,
    LOG_OVERHEAD, MAGIC_V2, MIN_BATCH_LENGTH, TIMESTAMP_TYPE_FLAG, TRANSACTIONAL_FLAG,
    TimestampType, crc32c,
};
pub use record::{
    Header, HeaderRef, Headers, HeadersIter, HeadersRef, HeadersRefIter, Record, RecordRef,
    header_size, record_size,
};
pub use set::{RecordSet, RecordSetIter};
pub use writer::{BatchOptions, BatchWriter};
