//! Decodes a captured record batch and prints its header and records.
//!
//! ```text
//! cargo run -p kwire-protocol --example decode_batch                 # a batch the Java client wrote (lz4)
//! cargo run -p kwire-protocol --example decode_batch -- FILE.bin     # any batch, e.g. from a capture
//! ```
//!
//! The default input is `tests/vectors/batch-lz4.bin`, bytes Apache's Java producer encoded.

use kwire_protocol::Bytes;
use kwire_protocol::records::RecordBatch;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/batch-lz4.bin").to_string()
    });
    let bytes = Bytes::from(std::fs::read(&path)?);
    // Every batch in the buffer: CRC-32C, lengths, counts and the codec are checked first.
    for batch in RecordBatch::decode_all(bytes)? {
        println!(
            "batch: base offset {}, {:?}, producer id {} epoch {} base sequence {}, {} records",
            batch.base_offset,
            batch.compression,
            batch.producer_id,
            batch.producer_epoch,
            batch.base_sequence,
            batch.records.len()
        );
        for r in &batch.records {
            let text = |b: &Option<Bytes>| match b {
                // Bytes outside printable ASCII escaped, so a binary value stays readable.
                Some(b) => b.escape_ascii().to_string(),
                None => "null".to_string(),
            };
            println!(
                "  offset {} timestamp {} key {} value {} headers {}",
                r.offset,
                r.timestamp,
                text(&r.key),
                text(&r.value),
                r.headers.len()
            );
        }
    }
    Ok(())
}
