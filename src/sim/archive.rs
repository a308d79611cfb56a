//! The restore download: a real `.tar.gz` (so `tar -tzf` on a simulated download works), a
//! ustar archive in gzip. Its content is a function of the job alone, and so are its bytes:
//! every download of a job is the same file, and the SHA1 Atlas reports for it can be checked.
//!
//! Any byte of the file can be made without making the ones before it, so that a file of
//! gigabytes is served from a few kilobytes of memory and a `Range` request starts where it
//! asks: the data files are counter-based noise (word `i` is a function of `i`), and the gzip
//! holds the tar in stored deflate blocks of a fixed size (the data is incompressible
//! anyway), so the position of every byte is arithmetic. Only the gzip trailer's CRC-32 and
//! the file's SHA1 need a pass over the whole (`Archive::digests`).

use sha1::{Digest as _, Sha1};
use sha2::Sha256;

/// A file in the archive.
pub struct Entry<'a> {
    pub path: &'a str,
    pub content: Content,
}

/// What a file holds.
pub enum Content {
    Bytes(Vec<u8>),
    /// `len` bytes of `Noise`.
    Noise(Noise, u64),
}

/// Deterministic incompressible bytes (the data files of a backup are compressed already):
/// splitmix64 run as a counter, so that byte `n` needs no byte before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noise {
    seed: u64,
}

impl Noise {
    pub fn new(seed: &str) -> Noise {
        let digest = Sha256::digest(seed.as_bytes());
        Noise {
            seed: digest.iter().take(8).fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        }
    }

    fn word(&self, i: u64) -> [u8; 8] {
        let mut z = self
            .seed
            .wrapping_add(i.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)).to_le_bytes()
    }

    /// Bytes `at..at + out.len()` of the stream: a part word, whole words, a part word.
    fn fill(&self, at: u64, out: &mut [u8]) {
        let skip = (at % 8) as usize;
        let head = if skip == 0 { 0 } else { (8 - skip).min(out.len()) };
        let (first, rest) = out.split_at_mut(head);
        first.copy_from_slice(&self.word(at / 8)[skip..skip + head]);
        let mut w = at.div_ceil(8);
        let mut words = rest.chunks_exact_mut(8);
        for c in &mut words {
            c.copy_from_slice(&self.word(w));
            w += 1;
        }
        let tail = words.into_remainder();
        let n = tail.len();
        tail.copy_from_slice(&self.word(w)[..n]);
    }
}

/// The bytes of `len` noise from `seed`, whole.
#[cfg(test)]
pub(crate) fn noise(seed: &str, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    Noise::new(seed).fill(0, &mut out);
    out
}

/// A piece of the tar stream.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Bytes(Vec<u8>),
    Noise(Noise, u64),
    Zeros(u64),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::Noise(_, n) | Piece::Zeros(n) => *n,
        }
    }
}

/// Data bytes in a stored deflate block (the most the format allows).
const BLOCK: u64 = 65_535;
const GZIP_HEADER: u64 = 10;
const BLOCK_HEADER: u64 = 5;
const GZIP_TRAILER: u64 = 8;

/// The CRC-32 of the tar stream (the gzip trailer's) and the SHA1 of the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    pub crc32: u32,
    pub sha1: [u8; 20],
}

/// A `.tar.gz` that is made as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pieces: Vec<Piece>,
    /// Where each piece starts in the tar stream.
    starts: Vec<u64>,
    tar_len: u64,
    mtime_secs: u32,
}

impl Archive {
    /// A ustar archive of `entries`, all dated `mtime_secs`, owned by `mongo:mongo` (uid and
    /// gid 0), mode 0644, in gzip.
    pub fn new(entries: Vec<Entry<'_>>, mtime_secs: i64) -> std::io::Result<Archive> {
        let mtime = u64::try_from(mtime_secs).unwrap_or(0);
        let mut pieces = Vec::new();
        for e in entries {
            let size = match &e.content {
                Content::Bytes(b) => b.len() as u64,
                Content::Noise(_, n) => *n,
            };
            let mut h = tar::Header::new_ustar();
            h.set_path(e.path)?;
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(size);
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(mtime);
            h.set_username("mongo")?;
            h.set_groupname("mongo")?;
            h.set_cksum();
            pieces.push(Piece::Bytes(h.as_bytes().to_vec()));
            pieces.push(match e.content {
                Content::Bytes(b) => Piece::Bytes(b),
                Content::Noise(noise, n) => Piece::Noise(noise, n),
            });
            let pad = (512 - size % 512) % 512;
            if pad > 0 {
                pieces.push(Piece::Zeros(pad));
            }
        }
        // The end of the archive: two zero blocks.
        pieces.push(Piece::Zeros(1024));
        let mut starts = Vec::with_capacity(pieces.len());
        let mut at = 0;
        for p in &pieces {
            starts.push(at);
            at += p.len();
        }
        Ok(Archive {
            pieces,
            starts,
            tar_len: at,
            mtime_secs: u32::try_from(mtime).unwrap_or(0),
        })
    }

    /// An archive of no files: its end blocks alone.
    pub fn empty() -> Archive {
        Archive {
            pieces: vec![Piece::Zeros(1024)],
            starts: vec![0],
            tar_len: 1024,
            mtime_secs: 0,
        }
    }

    fn blocks(&self) -> u64 {
        self.tar_len.div_ceil(BLOCK).max(1)
    }

    /// The size of the `.tar.gz`.
    pub fn len(&self) -> u64 {
        GZIP_HEADER + self.blocks() * BLOCK_HEADER + self.tar_len + GZIP_TRAILER
    }

    /// Bytes `at..at + out.len()` of the tar stream.
    fn fill_tar(&self, at: u64, out: &mut [u8]) {
        let mut i = 0;
        let mut pos = at;
        let mut piece = self.starts.partition_point(|s| *s <= pos).saturating_sub(1);
        while i < out.len() && piece < self.pieces.len() {
            let start = self.starts[piece];
            let p = &self.pieces[piece];
            let off = pos - start;
            let n = ((p.len() - off) as usize).min(out.len() - i);
            let dst = &mut out[i..i + n];
            match p {
                Piece::Bytes(b) => dst.copy_from_slice(&b[off as usize..off as usize + n]),
                Piece::Noise(noise, _) => noise.fill(off, dst),
                Piece::Zeros(_) => dst.fill(0),
            }
            i += n;
            pos += n as u64;
            piece += 1;
        }
    }

    /// Bytes `at..at + out.len()` of the `.tar.gz` (clipped to its end); `crc32` is the tar
    /// stream's, for the trailer. Returns how many were written.
    pub(crate) fn fill(&self, at: u64, out: &mut [u8], crc32: u32) -> usize {
        let total = self.len();
        let want = (out.len() as u64).min(total.saturating_sub(at)) as usize;
        let mut i = 0;
        while i < want {
            let pos = at + i as u64;
            let rest = &mut out[i..want];
            let n = if pos < GZIP_HEADER {
                let t = self.mtime_secs.to_le_bytes();
                let header = [0x1f, 0x8b, 8, 0, t[0], t[1], t[2], t[3], 0, 3];
                copy_from(&header, pos, rest)
            } else if pos >= total - GZIP_TRAILER {
                let mut trailer = [0u8; 8];
                trailer[..4].copy_from_slice(&crc32.to_le_bytes());
                trailer[4..].copy_from_slice(&(self.tar_len as u32).to_le_bytes());
                copy_from(&trailer, pos - (total - GZIP_TRAILER), rest)
            } else {
                let in_blocks = pos - GZIP_HEADER;
                let block = in_blocks / (BLOCK + BLOCK_HEADER);
                let off = in_blocks % (BLOCK + BLOCK_HEADER);
                let data_len = (self.tar_len - block * BLOCK).min(BLOCK);
                if off < BLOCK_HEADER {
                    let last = block + 1 == self.blocks();
                    let len = data_len as u16;
                    let l = len.to_le_bytes();
                    let nl = (!len).to_le_bytes();
                    copy_from(&[u8::from(last), l[0], l[1], nl[0], nl[1]], off, rest)
                } else {
                    let from = off - BLOCK_HEADER;
                    let n = ((data_len - from) as usize).min(rest.len());
                    self.fill_tar(block * BLOCK + from, &mut rest[..n]);
                    n
                }
            };
            i += n;
        }
        want
    }

    /// One pass over the whole: the trailer's CRC-32 and the file's SHA1. Quick for the
    /// default archives (hundreds of KB); seconds for gigabytes.
    pub fn digests(&self) -> Digests {
        let mut crc = flate2::Crc::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut at = 0;
        while at < self.tar_len {
            let n = ((self.tar_len - at) as usize).min(buf.len());
            self.fill_tar(at, &mut buf[..n]);
            crc.update(&buf[..n]);
            at += n as u64;
        }
        let crc32 = crc.sum();
        Digests {
            crc32,
            sha1: self.sha1_of_prefix(self.len(), crc32),
        }
    }

    /// The SHA1 of the first `len` bytes of the file.
    pub(crate) fn sha1_of_prefix(&self, len: u64, crc32: u32) -> [u8; 20] {
        let mut sha = Sha1::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut at = 0;
        let end = len.min(self.len());
        while at < end {
            let want = ((end - at) as usize).min(buf.len());
            let n = self.fill(at, &mut buf[..want], crc32);
            sha.update(&buf[..n]);
            at += n as u64;
        }
        sha.finalize().into()
    }

    /// The whole file in memory (tests, small archives).
    pub fn to_vec(&self) -> Vec<u8> {
        let crc32 = self.digests().crc32;
        let mut out = vec![0u8; self.len() as usize];
        self.fill(0, &mut out, crc32);
        out
    }
}

fn copy_from(src: &[u8], from: u64, out: &mut [u8]) -> usize {
    let src = &src[from as usize..];
    let n = src.len().min(out.len());
    out[..n].copy_from_slice(&src[..n]);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn noise_is_deterministic_per_seed_and_addressable() {
        assert_eq!(noise("a", 1000), noise("a", 1000));
        assert_ne!(noise("a", 1000), noise("b", 1000));
        assert_eq!(noise("a", 13).len(), 13);
        let whole = noise("a", 100);
        for (at, len) in [(21, 37), (0, 100), (3, 2), (8, 8), (9, 0), (15, 1), (16, 84)] {
            let mut part = vec![0u8; len];
            Noise::new("a").fill(at as u64, &mut part);
            assert_eq!(&whole[at..at + len], &part[..], "{at} {len}");
        }
    }

    fn sample(data_len: u64) -> Archive {
        Archive::new(
            vec![
                Entry {
                    path: "rs0/restore-info.json",
                    content: Content::Bytes(b"{}".to_vec()),
                },
                Entry {
                    path: "rs0/collection-1.wt",
                    content: Content::Noise(Noise::new("x"), data_len),
                },
            ],
            1_700_000_000,
        )
        .unwrap()
    }

    #[test]
    fn the_archive_reads_back_whole_and_is_the_same_each_time() {
        // More than one stored block, and a size that is no multiple of anything.
        let a = sample(150_001);
        let gz = a.to_vec();
        assert_eq!(gz.len() as u64, a.len());
        assert_eq!(gz, sample(150_001).to_vec());
        assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&gz[..]));
        let mut read = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header();
            assert_eq!(h.mode().unwrap(), 0o644);
            assert_eq!(h.mtime().unwrap(), 1_700_000_000);
            assert_eq!(h.username().unwrap(), Some("mongo"));
            let path = entry.path().unwrap().display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            read.push((path, bytes));
        }
        assert_eq!(
            read,
            [
                ("rs0/restore-info.json".to_string(), b"{}".to_vec()),
                ("rs0/collection-1.wt".to_string(), noise("x", 150_001))
            ]
        );
        // The whole gzip reads to its end: the trailer's CRC and size are right.
        let mut all = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut all).unwrap();
        assert_eq!(all.len() % 512, 0);
        // Any slice is the same bytes as the whole's.
        let crc = a.digests().crc32;
        for (at, len) in [(0, 10), (3, 100), (65_540, 20), (gz.len() as u64 - 12, 40)] {
            let mut out = vec![0u8; len];
            let n = a.fill(at, &mut out, crc);
            assert_eq!(&out[..n], &gz[at as usize..(at as usize + len).min(gz.len())]);
        }
        assert_eq!(hex::encode(a.digests().sha1), hex::encode(Sha1::digest(&gz)));
        assert_eq!(a.sha1_of_prefix(100, crc), <[u8; 20]>::from(Sha1::digest(&gz[..100])));
    }
}
