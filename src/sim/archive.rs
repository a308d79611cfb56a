//! The restore download: a real `.tar.gz` (so `tar -tzf` on a simulated download works),
//! a ustar archive (`tar`) in gzip (`flate2`). Its content is a function of the job id
//! alone, and so are its bytes: every download of a job is the same file, and the SHA1 Atlas
//! reports for it can be checked.

use flate2::{Compression, GzBuilder};
use sha2::{Digest as _, Sha256};
use std::io::Write as _;

/// A file in the archive.
pub struct Entry<'a> {
    pub path: &'a str,
    pub data: &'a [u8],
}

/// A gzip-compressed ustar archive of `entries`, all dated `mtime_secs`, owned by
/// `mongo:mongo` (uid and gid 0), mode 0644.
///
/// Stored deflate blocks (level 0): the data files are incompressible already (`noise`), so
/// compressing would cost time and save nothing.
pub fn tar_gz(entries: &[Entry<'_>], mtime_secs: i64) -> std::io::Result<Vec<u8>> {
    let mtime = u64::try_from(mtime_secs).unwrap_or(0);
    let gz = GzBuilder::new()
        .mtime(u32::try_from(mtime).unwrap_or(0))
        .operating_system(3) // Unix
        .write(Vec::new(), Compression::none());
    let mut tar = tar::Builder::new(gz);
    for e in entries {
        let mut h = tar::Header::new_ustar();
        h.set_path(e.path)?;
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(e.data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_username("mongo")?;
        h.set_groupname("mongo")?;
        h.set_cksum();
        tar.append(&h, e.data)?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn noise_is_deterministic_per_seed() {
        assert_eq!(noise("a", 1000), noise("a", 1000));
        assert_ne!(noise("a", 1000), noise("b", 1000));
        assert_eq!(noise("a", 13).len(), 13);
    }

    #[test]
    fn the_archive_reads_back_whole_and_is_the_same_each_time() {
        let data = noise("x", 150_000);
        let entries = [
            Entry {
                path: "rs0/restore-info.json",
                data: b"{}",
            },
            Entry {
                path: "rs0/collection-1.wt",
                data: &data,
            },
        ];
        let gz = tar_gz(&entries, 1_700_000_000).unwrap();
        assert_eq!(gz, tar_gz(&entries, 1_700_000_000).unwrap());
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
                ("rs0/collection-1.wt".to_string(), data)
            ]
        );
    }
}
