//! The restore download: a real `.tar.gz` (so `tar -tzf` on a simulated download works),
//! written by hand with stored (uncompressed) deflate blocks, so no compression crate is
//! needed. Its content is a function of the job id alone: every download of a job is the
//! same bytes, and the SHA1 Atlas reports for it can be checked.

use sha2::{Digest as _, Sha256};

/// A file in the archive.
pub struct Entry<'a> {
    pub path: &'a str,
    pub data: &'a [u8],
}

/// A gzip-compressed ustar archive of `entries`, all dated `mtime_secs`.
pub fn tar_gz(entries: &[Entry<'_>], mtime_secs: i64) -> Vec<u8> {
    gzip_stored(&tar(entries, mtime_secs), mtime_secs)
}

/// Deterministic incompressible bytes (data files of a backup are compressed already).
pub fn noise(seed: &str, len: usize) -> Vec<u8> {
    let digest = Sha256::digest(seed.as_bytes());
    let mut state = digest.iter().take(8).fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        // splitmix64: fast, and good enough that gzip cannot shrink it.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

const BLOCK: usize = 512;
/// tar readers expect the archive padded to whole records of 20 blocks.
const RECORD: usize = 20 * BLOCK;

fn tar(entries: &[Entry<'_>], mtime_secs: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&header(e.path, e.data.len(), mtime_secs));
        out.extend_from_slice(e.data);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
    }
    // Two zero blocks end the archive.
    out.resize(out.len() + 2 * BLOCK, 0);
    out.resize(out.len().next_multiple_of(RECORD), 0);
    out
}

fn put_octal(field: &mut [u8], value: u64) {
    // Digits fill the field but its last byte, which stays NUL.
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    let bytes = text.as_bytes();
    let take = bytes.len().min(width);
    field[..take].copy_from_slice(&bytes[bytes.len() - take..]);
}

fn header(path: &str, size: usize, mtime_secs: i64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let name = path.as_bytes();
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name[..n]);
    put_octal(&mut h[100..108], 0o644);
    put_octal(&mut h[108..116], 0);
    put_octal(&mut h[116..124], 0);
    put_octal(&mut h[124..136], size as u64);
    put_octal(&mut h[136..148], u64::try_from(mtime_secs).unwrap_or(0));
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..270].copy_from_slice(b"mongo");
    h[297..302].copy_from_slice(b"mongo");
    // The checksum is summed with its own field read as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

fn gzip_stored(data: &[u8], mtime_secs: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_535 * 5 + 32);
    let mtime = u32::try_from(mtime_secs).unwrap_or(0);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0]);
    out.extend_from_slice(&mtime.to_le_bytes());
    out.extend_from_slice(&[0, 3]);
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = chunk.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 as gzip uses it (IEEE 802.3, reflected).
pub fn crc32(data: &[u8]) -> u32 {
    !data
        .iter()
        .fold(!0u32, |c, b| CRC_TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn noise_is_deterministic_per_seed() {
        assert_eq!(noise("a", 1000), noise("a", 1000));
        assert_ne!(noise("a", 1000), noise("b", 1000));
        assert_eq!(noise("a", 13).len(), 13);
    }

    #[test]
    fn tar_header_checksum_and_layout() {
        let h = header("dir/file.txt", 1234, 1_700_000_000);
        assert_eq!(&h[..12], b"dir/file.txt");
        assert_eq!(&h[124..136], b"00000002322\0");
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        let mut blank = h;
        blank[148..156].copy_from_slice(b"        ");
        assert_eq!(stored, blank.iter().map(|b| u32::from(*b)).sum::<u32>());
    }

    #[test]
    fn gzip_frames_are_well_formed() {
        let data = noise("x", 150_000);
        let gz = gzip_stored(&data, 0);
        assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
        // Three stored blocks of 65535, 65535 and 18930 bytes, each with 5 bytes of framing.
        assert_eq!(gz.len(), 10 + 150_000 + 3 * 5 + 8);
        let n = gz.len();
        assert_eq!(gz[n - 4..], (150_000u32).to_le_bytes());
        assert_eq!(gz[n - 8..n - 4], crc32(&data).to_le_bytes());
    }
}
