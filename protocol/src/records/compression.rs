//! Compression codecs for record batch payloads: gzip, snappy, lz4 and zstd.
//!
//! The records of a batch (everything after the 61-byte header) are compressed as one unit.
//! Each codec is behind a cargo feature of the same name (all on by default); a disabled codec
//! decodes to [`DecodeError::UnsupportedCompression`] and encodes to
//! [`EncodeError::UnsupportedCompression`].
//!
//! Formats, as Apache Kafka's Java client writes them:
//!
//! * **gzip**: a gzip member (several concatenated members are accepted when decoding).
//! * **snappy**: the *xerial* framing: the magic `82 53 4E 41 50 50 59 00`, two big-endian `i32`
//!   (version 1, compatible version 1), then chunks of `[i32 length][raw snappy block]`, each
//!   block holding at most 32 KiB of input. Other clients (librdkafka, franz-go) may write one
//!   raw snappy block instead; both are decoded.
//! * **lz4**: the LZ4 *frame* format with independent 64 KiB blocks and no checksums (header
//!   bytes `04 22 4D 18 60 40 82`). Decoding accepts any block size, block and content checksums
//!   (verified), a content size (verified) and concatenated or skippable frames; it rejects
//!   linked blocks and dictionaries, which Kafka never writes.
//! * **zstd**: a zstd frame written in streaming mode at level 3 (no content size, no checksum),
//!   flushed before it is ended, as Kafka's `ZstdOutputStream` does.
//!
//! # Decompression bombs
//!
//! [`decompress`] takes a `limit` and fails with [`DecodeError::DecompressedTooLarge`] as soon as
//! the output would exceed it. Sizes announced by the compressed data are never trusted for
//! allocation: output grows as it is produced, and every codec's reservations are bounded by
//! what its compressed input can expand to (snappy at most 32×, lz4 at most 256× per block).

#[cfg(any(feature = "snappy", feature = "lz4"))]
use bytes::BufMut;
use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};

mod output;

use output::Output;

/// Default cap on the decompressed size of one batch's records: 64 MiB.
///
/// Kafka's own limits (`message.max.bytes`, `max.request.size`) default to about 1 MiB of
/// *compressed* data; 64 MiB leaves room for highly compressible payloads while bounding what
/// one hostile batch can make a reader allocate.
pub const DEFAULT_MAX_DECOMPRESSED_SIZE: usize = 64 * 1024 * 1024;

/// The compression codec of a record batch (bits 0–2 of the batch attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// No compression (codec id 0).
    #[default]
    None,
    /// gzip (codec id 1).
    Gzip,
    /// snappy (codec id 2), xerial-framed when written.
    Snappy,
    /// lz4 frame format (codec id 3).
    Lz4,
    /// zstd (codec id 4). Kafka accepts it in Produce v7+ only.
    Zstd,
}

impl Compression {
    /// Every codec, in id order.
    pub const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    /// The codec id stored in bits 0–2 of the batch attributes.
    pub const fn id(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// The codec for an id; ids 5–7 are [`DecodeError::UnsupportedCompression`].
    pub const fn from_id(id: u8) -> Result<Self, DecodeError> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(DecodeError::UnsupportedCompression(other)),
        }
    }

    /// The name Kafka uses for the codec (`none`, `gzip`, `snappy`, `lz4`, `zstd`).
    pub const fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Whether this build can compress and decompress with the codec (its cargo feature is on).
    pub const fn is_enabled(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Gzip => cfg!(feature = "gzip"),
            Compression::Snappy => cfg!(feature = "snappy"),
            Compression::Lz4 => cfg!(feature = "lz4"),
            Compression::Zstd => cfg!(feature = "zstd"),
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Decompresses `input` with `codec`, failing with [`DecodeError::DecompressedTooLarge`] if the
/// output would be larger than `limit` bytes.
///
/// [`Compression::None`] returns a copy of the input (subject to the same limit).
///
/// The output's buffer is reused for later batches once the returned bytes (and every slice of
/// them) are dropped; each thread keeps a few buffers of up to 1 MiB.
pub fn decompress(codec: Compression, input: &[u8], limit: usize) -> Result<Bytes, DecodeError> {
    let out = match codec {
        Compression::None => {
            if input.len() > limit {
                return Err(DecodeError::DecompressedTooLarge { limit });
            }
            let mut out = Output::with_capacity(input.len());
            out.room(input.len()).copy_from_slice(input);
            out.advance(input.len());
            Ok(out)
        }
        #[cfg(feature = "gzip")]
        Compression::Gzip => gzip::decompress(input, limit),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::decompress(input, limit),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::decompress(input, limit),
        #[cfg(feature = "zstd")]
        Compression::Zstd => zstd::decompress(input, limit),
        #[allow(unreachable_patterns)]
        other => Err(DecodeError::UnsupportedCompression(other.id())),
    };
    out.map(Output::freeze)
}

/// Compresses `input` with `codec` and appends the result to `out`, in the format Kafka's Java
/// client writes (see the [module documentation](self)).
///
/// `level` applies to gzip (0–9, default 6) and zstd (1–22 and negative fast levels, default 3);
/// lz4 and snappy have a single level and ignore it.
pub fn compress(
    codec: Compression,
    level: Option<i32>,
    input: &[u8],
    out: &mut BytesMut,
) -> Result<(), EncodeError> {
    let _ = level;
    match codec {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        #[cfg(feature = "gzip")]
        Compression::Gzip => gzip::compress(input, level, out),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::compress(input, out),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::compress(input, out),
        #[cfg(feature = "zstd")]
        Compression::Zstd => zstd::compress(input, level, out),
        #[allow(unreachable_patterns)]
        other => Err(EncodeError::UnsupportedCompression(other.name())),
    }
}

/// Initial output capacity for a decompressor that cannot know the output size: a few times
/// the input, within the limit.
#[cfg(any(feature = "gzip", feature = "zstd"))]
fn initial_capacity(input_len: usize, limit: usize) -> usize {
    input_len.saturating_mul(4).clamp(256, 1 << 20).min(limit)
}

/// Reads `reader` to its end into a vector that grows geometrically but never beyond
/// `limit + 1` bytes; more output than `limit` is [`DecodeError::DecompressedTooLarge`].
#[cfg(feature = "gzip")]
fn read_capped(
    mut reader: impl std::io::Read,
    hint: usize,
    limit: usize,
    codec: &'static str,
) -> Result<Output, DecodeError> {
    // Room is made ready in steps that double, and never past `limit + 1` bytes of output.
    let mut room = hint.max(1).min(limit.saturating_add(1));
    let mut out = Output::with_capacity(room);
    loop {
        if room == 0 {
            let filled = out.len();
            if filled > limit {
                return Err(DecodeError::DecompressedTooLarge { limit });
            }
            room = filled
                .saturating_mul(2)
                .clamp(filled + 1, limit.saturating_add(1))
                - filled;
        }
        match reader.read(out.room(room)) {
            Ok(0) => break,
            Ok(n) => {
                out.advance(n);
                room -= n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(DecodeError::Decompression {
                    codec,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(feature = "gzip")]
mod gzip {
    use std::io::Write;

    use bytes::{BufMut, BytesMut};

    use super::{Output, initial_capacity, read_capped};
    use crate::error::{DecodeError, EncodeError};

    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Output, DecodeError> {
        let decoder = flate2::bufread::MultiGzDecoder::new(input);
        read_capped(decoder, initial_capacity(input.len(), limit), limit, "gzip")
    }

    pub(super) fn compress(
        input: &[u8],
        level: Option<i32>,
        out: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let level = match level {
            None | Some(-1) => 6,
            Some(l @ 0..=9) => l as u32,
            Some(_) => {
                return Err(EncodeError::Compression {
                    codec: "gzip",
                    reason: "level must be -1 or 0..=9".into(),
                });
            }
        };
        let err = |e: std::io::Error| EncodeError::Compression {
            codec: "gzip",
            reason: e.to_string(),
        };
        // Same header as java.util.zip.GZIPOutputStream: no name, mtime 0, OS "unknown".
        let mut enc = flate2::GzBuilder::new()
            .operating_system(255)
            .write(out.writer(), flate2::Compression::new(level));
        enc.write_all(input).map_err(err)?;
        enc.finish().map_err(err)?;
        Ok(())
    }
}

#[cfg(feature = "snappy")]
mod snappy {
    use super::{BufMut, BytesMut, Output};
    use crate::error::{DecodeError, EncodeError};

    /// The xerial stream header magic.
    pub(super) const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
    /// Uncompressed bytes per xerial chunk, as snappy-java's `SnappyOutputStream` writes.
    const XERIAL_BLOCK: usize = 32 * 1024;
    /// A snappy element expands at most 64 bytes from 3 (a 2-byte-offset copy): a claimed
    /// length above 32 × the block size cannot be honest and is rejected before allocating.
    const MAX_RATIO: usize = 32;

    fn err(reason: impl std::fmt::Display) -> DecodeError {
        DecodeError::Decompression {
            codec: "snappy",
            reason: reason.to_string(),
        }
    }

    /// Appends the decompression of one raw snappy block to `out`.
    fn raw_block(
        dec: &mut snap::raw::Decoder,
        block: &[u8],
        out: &mut Output,
        limit: usize,
    ) -> Result<(), DecodeError> {
        let n = snap::raw::decompress_len(block).map_err(err)?;
        if n > block.len().saturating_mul(MAX_RATIO) {
            return Err(err(format_args!(
                "block of {} bytes claims {n} bytes of output",
                block.len()
            )));
        }
        if n > limit - out.len() {
            return Err(DecodeError::DecompressedTooLarge { limit });
        }
        let got = dec.decompress(block, out.room(n)).map_err(err)?;
        if got != n {
            return Err(err("block shorter than its declared length"));
        }
        out.advance(n);
        Ok(())
    }

    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Output, DecodeError> {
        let mut dec = snap::raw::Decoder::new();
        let mut out = Output::new();
        if input.len() >= 16 && input[..8] == XERIAL_MAGIC {
            // Header: magic, version i32, minimum compatible version i32 (both 1 today).
            let compat = i32::from_be_bytes([input[12], input[13], input[14], input[15]]);
            if compat != 1 {
                return Err(err(format_args!(
                    "unsupported xerial compatible version {compat}"
                )));
            }
            let mut rest = &input[16..];
            while !rest.is_empty() {
                if rest.len() < 4 {
                    return Err(err("truncated xerial chunk length"));
                }
                let len = i32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
                rest = &rest[4..];
                if len < 0 || len as usize > rest.len() {
                    return Err(err(format_args!(
                        "xerial chunk length {len} with {} bytes left",
                        rest.len()
                    )));
                }
                let (block, tail) = rest.split_at(len as usize);
                raw_block(&mut dec, block, &mut out, limit)?;
                rest = tail;
            }
        } else {
            raw_block(&mut dec, input, &mut out, limit)?;
        }
        Ok(out)
    }

    pub(super) fn compress(input: &[u8], out: &mut BytesMut) -> Result<(), EncodeError> {
        let mut enc = snap::raw::Encoder::new();
        out.reserve(16 + input.len() + input.len() / 6 + 64);
        out.put_slice(&XERIAL_MAGIC);
        out.put_i32(1);
        out.put_i32(1);
        for chunk in input.chunks(XERIAL_BLOCK) {
            let len_at = out.len();
            let max = snap::raw::max_compress_len(chunk.len());
            out.resize(len_at + 4 + max, 0);
            let n = enc.compress(chunk, &mut out[len_at + 4..]).map_err(|e| {
                EncodeError::Compression {
                    codec: "snappy",
                    reason: e.to_string(),
                }
            })?;
            out.truncate(len_at + 4 + n);
            // n <= max_compress_len(32 KiB), far below i32::MAX.
            out[len_at..len_at + 4].copy_from_slice(&(n as i32).to_be_bytes());
        }
        Ok(())
    }
}

#[cfg(feature = "lz4")]
mod lz4 {
    use twox_hash::XxHash32;

    use super::{BufMut, BytesMut, Output};
    use crate::error::{DecodeError, EncodeError};

    const MAGIC: u32 = 0x184D_2204;
    /// Block size written: 64 KiB, as Kafka's `Lz4BlockOutputStream` (BD byte 0x40).
    const BLOCK: usize = 64 * 1024;
    /// FLG byte written: version 01, independent blocks, no checksums, no content size.
    const FLG: u8 = 0x60;
    /// BD byte written: 64 KiB maximum block size.
    const BD: u8 = 0x40;
    /// An LZ4 sequence turns each extra match-length byte into 255 bytes of output.
    const MAX_RATIO: usize = 256;

    fn err(reason: impl std::fmt::Display) -> DecodeError {
        DecodeError::Decompression {
            codec: "lz4",
            reason: reason.to_string(),
        }
    }

    fn take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if rest.len() < n {
            return Err(err(format_args!("truncated {what}")));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }

    fn u32_le(rest: &mut &[u8], what: &str) -> Result<u32, DecodeError> {
        let b = take(rest, 4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Upper bound of the output of the blocks at the start of `rest` (scanning their headers
    /// only; a malformed block list just ends the scan, decoding reports it).
    fn blocks_bound(mut rest: &[u8], max_block: usize, block_checksums: bool) -> usize {
        let mut bound = 0usize;
        while let Ok(word) = u32_le(&mut rest, "block size") {
            if word == 0 {
                break;
            }
            let len = (word & 0x7fff_ffff) as usize;
            if len > max_block || len > rest.len() {
                break;
            }
            bound = bound.saturating_add(if word & 0x8000_0000 != 0 {
                len
            } else {
                max_block.min(len.saturating_mul(MAX_RATIO).saturating_add(64))
            });
            rest = &rest[len..];
            if block_checksums && rest.len() >= 4 {
                rest = &rest[4..];
            }
        }
        bound
    }

    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Output, DecodeError> {
        let mut out = Output::new();
        let mut rest = input;
        if rest.is_empty() {
            return Err(err("empty input"));
        }
        while !rest.is_empty() {
            let magic = u32_le(&mut rest, "frame magic")?;
            if (0x184D_2A50..=0x184D_2A5F).contains(&magic) {
                let n = u32_le(&mut rest, "skippable frame size")? as usize;
                take(&mut rest, n, "skippable frame")?;
                continue;
            }
            if magic != MAGIC {
                return Err(err(format_args!("bad frame magic {magic:#010x}")));
            }
            let descriptor_start = rest;
            let flg_bd = take(&mut rest, 2, "frame descriptor")?;
            let (flg, bd) = (flg_bd[0], flg_bd[1]);
            if flg >> 6 != 1 {
                return Err(err(format_args!("unsupported frame version {}", flg >> 6)));
            }
            if flg & 0x02 != 0 || bd & 0x8f != 0 {
                return Err(err("reserved bits set in the frame descriptor"));
            }
            if flg & 0x20 == 0 {
                return Err(err(
                    "linked blocks are not supported (Kafka writes independent blocks)",
                ));
            }
            if flg & 0x01 != 0 {
                return Err(err("dictionaries are not supported"));
            }
            let block_checksums = flg & 0x10 != 0;
            let content_checksum = flg & 0x04 != 0;
            let max_block = match (bd >> 4) & 0x07 {
                4 => 64 << 10,
                5 => 256 << 10,
                6 => 1 << 20,
                7 => 4 << 20,
                other => return Err(err(format_args!("invalid block size id {other}"))),
            };
            let content_size = if flg & 0x08 != 0 {
                let b = take(&mut rest, 8, "content size")?;
                let n = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                if n > (limit - out.len()) as u64 {
                    return Err(DecodeError::DecompressedTooLarge { limit });
                }
                Some(n as usize)
            } else {
                None
            };
            let descriptor_len = descriptor_start.len() - rest.len();
            let hc = take(&mut rest, 1, "header checksum")?[0];
            let expect = (XxHash32::oneshot(0, &descriptor_start[..descriptor_len]) >> 8) as u8;
            if hc != expect {
                return Err(err("frame header checksum mismatch"));
            }

            // Reserve once what the blocks can expand to (within the limit), so the output is
            // never reallocated and copied while decoding.
            let bound = blocks_bound(rest, max_block, block_checksums);
            out.reserve(out.len().saturating_add(bound.min(limit - out.len())));
            let frame_start = out.len();
            loop {
                let word = u32_le(&mut rest, "block size")?;
                if word == 0 {
                    break;
                }
                let stored = word & 0x8000_0000 != 0;
                let len = (word & 0x7fff_ffff) as usize;
                if len > max_block {
                    return Err(err(format_args!(
                        "block of {len} bytes exceeds the frame's {max_block}"
                    )));
                }
                let data = take(&mut rest, len, "block")?;
                if block_checksums {
                    let sum = u32_le(&mut rest, "block checksum")?;
                    if XxHash32::oneshot(0, data) != sum {
                        return Err(err("block checksum mismatch"));
                    }
                }
                let room = limit - out.len();
                if stored {
                    if len > room {
                        return Err(DecodeError::DecompressedTooLarge { limit });
                    }
                    out.room(len).copy_from_slice(data);
                    out.advance(len);
                } else {
                    // Never reserve more than this block could expand to.
                    let cap = max_block.min(len.saturating_mul(MAX_RATIO).saturating_add(64));
                    let window = cap.min(room);
                    match block_decompress(data, out.room(window)) {
                        Some(n) => out.advance(n),
                        // Too little room under the limit, or corrupt? Only a retry with the
                        // room the block may need tells (a rare path).
                        None if window < cap => {
                            let mut probe = vec![0u8; cap];
                            return Err(match block_decompress(data, &mut probe) {
                                Some(_) => DecodeError::DecompressedTooLarge { limit },
                                None => err("corrupt block"),
                            });
                        }
                        None => return Err(err("corrupt block")),
                    }
                }
            }
            if content_checksum {
                let sum = u32_le(&mut rest, "content checksum")?;
                if XxHash32::oneshot(0, &out.filled()[frame_start..]) != sum {
                    return Err(err("content checksum mismatch"));
                }
            }
            if let Some(n) = content_size
                && n != out.len() - frame_start
            {
                return Err(err(format_args!(
                    "frame declares {n} bytes of content but holds {}",
                    out.len() - frame_start
                )));
            }
        }
        Ok(out)
    }

    /// Decompresses one block into `dst`, `None` if it is corrupt or does not fit.
    fn block_decompress(src: &[u8], dst: &mut [u8]) -> Option<usize> {
        // `dst` is at most one frame block (4 MiB), well within i32.
        lz4::block::decompress_to_buffer(src, Some(dst.len() as i32), dst).ok()
    }

    pub(super) fn compress(input: &[u8], out: &mut BytesMut) -> Result<(), EncodeError> {
        let blocks = input.len().div_ceil(BLOCK);
        out.reserve(7 + 4 + blocks * (4 + BLOCK / 255 + 16) + input.len());
        out.put_u32_le(MAGIC);
        out.put_u8(FLG);
        out.put_u8(BD);
        out.put_u8((XxHash32::oneshot(0, &[FLG, BD]) >> 8) as u8);
        for chunk in input.chunks(BLOCK) {
            let at = out.len();
            // A 64 KiB block's bound is far below i32::MAX.
            let max = chunk.len() + chunk.len() / 255 + 16;
            out.resize(at + 4 + max, 0);
            let n = lz4::block::compress_to_buffer(chunk, None, false, &mut out[at + 4..])
                .map_err(|e| EncodeError::Compression {
                    codec: "lz4",
                    reason: e.to_string(),
                })?;
            if n >= chunk.len() {
                // Incompressible: store the block as is, flagged by the high bit.
                out.truncate(at);
                out.put_u32_le(chunk.len() as u32 | 0x8000_0000);
                out.put_slice(chunk);
            } else {
                out.truncate(at + 4 + n);
                out[at..at + 4].copy_from_slice(&(n as u32).to_le_bytes());
            }
        }
        out.put_u32_le(0);
        Ok(())
    }
}

#[cfg(feature = "zstd")]
mod zstd {
    use std::cell::RefCell;

    use zstd::zstd_safe::{self, CCtx, CParameter, DCtx, InBuffer, OutBuffer, ResetDirective};

    use super::{BytesMut, Output, initial_capacity};
    use crate::error::{DecodeError, EncodeError};

    thread_local! {
        // Contexts are costly to create (the compressor's tables are a few MiB at level 3), so
        // each thread keeps one of each.
        static CCTX: RefCell<Option<CCtx<'static>>> = const { RefCell::new(None) };
        static DCTX: RefCell<Option<DCtx<'static>>> = const { RefCell::new(None) };
    }

    /// `ZSTD_error_dstSize_tooSmall`: error codes below 100 are stable across zstd versions.
    fn is_dst_too_small(code: usize) -> bool {
        code == (zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_dstSize_tooSmall as usize)
            .wrapping_neg()
    }

    fn err(code: usize) -> DecodeError {
        DecodeError::Decompression {
            codec: "zstd",
            reason: zstd_safe::get_error_name(code).to_string(),
        }
    }

    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Output, DecodeError> {
        // One-shot decompression into a buffer that doubles while zstd reports it too small:
        // unlike streaming it needs no window buffer (whose size the frame header chooses), so
        // memory follows the real output, and the retries cost at most twice the final work.
        let mut size = initial_capacity(input.len(), limit);
        if let Ok(Some(n)) = zstd_safe::get_frame_content_size(input) {
            if n > limit as u64 {
                return Err(DecodeError::DecompressedTooLarge { limit });
            }
            // A declared size is a hint only, bounded by what the input could expand to
            // without many retries.
            size = size.max((n as usize).min(input.len().saturating_mul(64)));
        }
        DCTX.with(|cell| {
            let mut slot = cell.borrow_mut();
            let dctx = slot.get_or_insert_with(DCtx::create);
            // The room is exactly `size` bytes whatever the buffer behind it holds, so that the
            // outcome depends on the input alone (a larger reused buffer would let a frame
            // decompress further before failing, with another error).
            let mut out = Output::with_capacity(size.max(1));
            loop {
                let _ = dctx.reset(ResetDirective::SessionOnly);
                match dctx.decompress(out.room(size.max(1)), input) {
                    // `size` is within the limit, except for room of one byte under a limit of 0.
                    Ok(n) if n > limit => {
                        return Err(DecodeError::DecompressedTooLarge { limit });
                    }
                    Ok(n) => {
                        out.advance(n);
                        return Ok(out);
                    }
                    Err(code) if is_dst_too_small(code) => {
                        if size >= limit {
                            return Err(DecodeError::DecompressedTooLarge { limit });
                        }
                        size = size.saturating_mul(2).min(limit);
                    }
                    Err(code) => return Err(err(code)),
                }
            }
        })
    }

    pub(super) fn compress(
        input: &[u8],
        level: Option<i32>,
        out: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let cerr = |code: usize| EncodeError::Compression {
            codec: "zstd",
            reason: zstd_safe::get_error_name(code).to_string(),
        };
        let level = level.unwrap_or(3);
        if !(zstd_safe::min_c_level()..=zstd_safe::max_c_level()).contains(&level) {
            return Err(EncodeError::Compression {
                codec: "zstd",
                reason: format!("level {level} out of range"),
            });
        }
        CCTX.with(|cell| {
            let mut slot = cell.borrow_mut();
            let cctx = slot.get_or_insert_with(CCtx::create);
            cctx.reset(ResetDirective::SessionAndParameters)
                .map_err(cerr)?;
            cctx.set_parameter(CParameter::CompressionLevel(level))
                .map_err(cerr)?;
            let start = out.len();
            let bound = zstd_safe::compress_bound(input.len()) + 64;
            out.resize(start + bound, 0);
            let mut ob = OutBuffer::around(&mut out[start..]);
            // Like zstd-jni's stream (which Kafka uses): feed everything as `continue`, so the
            // frame has no content size, as Java's has not.
            let mut ib = InBuffer::around(input);
            while ib.pos() < input.len() {
                cctx.compress_stream2(
                    &mut ob,
                    &mut ib,
                    zstd_safe::zstd_sys::ZSTD_EndDirective::ZSTD_e_continue,
                )
                .map_err(cerr)?;
            }
            // Kafka's stream is flushed before it is closed, which ends the data in a block that
            // is not the last and adds an empty last block: do the same to produce its bytes.
            for end in [false, true] {
                loop {
                    let left = if end {
                        cctx.end_stream(&mut ob)
                    } else {
                        cctx.flush_stream(&mut ob)
                    }
                    .map_err(cerr)?;
                    if left == 0 {
                        break;
                    }
                    if ob.pos() == ob.capacity() {
                        return Err(EncodeError::Compression {
                            codec: "zstd",
                            reason: "output exceeded the compression bound".into(),
                        });
                    }
                }
            }
            let n = ob.pos();
            out.truncate(start + n);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..200_000u32 {
            v.extend_from_slice(format!("record-{}-{};", i % 977, i % 13).as_bytes());
        }
        v
    }

    #[test]
    fn every_codec_round_trips_empty_small_and_large() {
        for codec in Compression::ALL {
            if !codec.is_enabled() {
                continue;
            }
            for input in [Vec::new(), b"x".to_vec(), sample()] {
                let mut out = BytesMut::new();
                compress(codec, None, &input, &mut out).unwrap();
                let back = decompress(codec, &out, DEFAULT_MAX_DECOMPRESSED_SIZE);
                if input.is_empty() && codec == Compression::Zstd {
                    // An empty zstd frame still decodes.
                    assert_eq!(back.unwrap(), input);
                    continue;
                }
                assert_eq!(back.unwrap(), input, "{codec}");
            }
        }
    }

    #[test]
    fn limit_is_enforced_exactly() {
        let input = vec![7u8; 300_000];
        for codec in Compression::ALL {
            if !codec.is_enabled() {
                continue;
            }
            let mut out = BytesMut::new();
            compress(codec, None, &input, &mut out).unwrap();
            assert_eq!(
                decompress(codec, &out, input.len()).unwrap(),
                input,
                "{codec}"
            );
            assert_eq!(
                decompress(codec, &out, input.len() - 1),
                Err(DecodeError::DecompressedTooLarge {
                    limit: input.len() - 1
                }),
                "{codec}"
            );
        }
    }

    /// A payload decompresses to the same bytes, or fails with the same error, whatever
    /// buffers the thread's pool holds: corrupted and cut frames of every codec, under a small
    /// and a large limit, each decompressed once as it comes and once right after a 1 MiB
    /// buffer went back to the pool.
    #[test]
    fn outcomes_do_not_depend_on_reused_buffers() {
        let input: Vec<u8> = sample().into_iter().take(3000).collect();
        for codec in Compression::ALL {
            if !codec.is_enabled() || codec == Compression::None {
                continue;
            }
            let mut packed = BytesMut::new();
            compress(codec, None, &input, &mut packed).unwrap();
            let mut cases = Vec::new();
            for at in 0..packed.len() {
                for flip in [0x01, 0x80, 0xff] {
                    let mut bad = packed.to_vec();
                    bad[at] ^= flip;
                    cases.push(bad);
                }
                cases.push(packed[..at].to_vec());
            }
            let big = vec![0xee; 1 << 20];
            for limit in [256, DEFAULT_MAX_DECOMPRESSED_SIZE] {
                for case in &cases {
                    let plain = decompress(codec, case, limit).map(|b| b.to_vec());
                    drop(decompress(Compression::None, &big, big.len()));
                    let reused = decompress(codec, case, limit).map(|b| b.to_vec());
                    assert_eq!(plain, reused, "{codec}, limit {limit}, {case:02x?}");
                }
            }
        }
    }

    #[test]
    fn ids_round_trip() {
        for c in Compression::ALL {
            assert_eq!(Compression::from_id(c.id()), Ok(c));
        }
        assert_eq!(
            Compression::from_id(5),
            Err(DecodeError::UnsupportedCompression(5))
        );
    }
}
