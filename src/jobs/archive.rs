//! The archive check: a downloaded `.tar.gz` read as a stream (`flate2` and `tar`), nothing
//! extracted, to say what it holds before anyone restores from it: its top folder, files
//! and size, whether it looks like a mongod data directory (`WiredTiger`, `storage.bson`,
//! `*.wt`) and of which replica set, and, when the gzip or the tar is broken, where. An
//! entry that would write outside the archive's folder when extracted (a `..` component, an
//! absolute path, a symbolic or hard link) is a finding that makes the archive not usable.

use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

/// What a downloaded archive holds. Written to the journal with its job, and printed by
/// `jobs --format json` as `archive`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveReport {
    /// Read to its end with neither the gzip nor the tar broken, every file whole, and no
    /// entry that would write outside the folder it is extracted into.
    pub ok: bool,
    /// The one folder every entry is under (`Cluster0-shard-0`), when there is one.
    pub top_folder: Option<String>,
    /// Regular files read.
    pub files: u64,
    /// Their sizes added up (the data once extracted).
    pub total_bytes: u64,
    /// The `.tar.gz` itself.
    pub compressed_bytes: u64,
    /// Whether it looks like a mongod data directory: a `WiredTiger` file and `*.wt` files.
    pub mongod_data: bool,
    /// What was found of one: `WiredTiger`, `storage.bson`, `N *.wt files`.
    pub markers: Vec<String>,
    /// The replica set the data is of, from the top folder's name.
    pub replica_set: Option<String>,
    /// `replica set`, `shard` or `config server`, as far as the names tell.
    pub role: Option<String>,
    /// Where it breaks, when it does.
    pub broken: Option<ArchiveBreak>,
    /// Entries that would write outside the folder it is extracted into (the first few).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsafe_entries: Vec<UnsafeEntry>,
    /// How many such entries there are in all.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unsafe_count: u64,
    /// `restoreInfo.txt`, when the archive has one: its `Name: value` lines (what the data
    /// is of, and the options mongod must run with), names as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_info: Option<std::collections::BTreeMap<String, String>>,
}

/// The largest `restoreInfo.txt` read: the real one is a few hundred bytes.
const RESTORE_INFO_MAX: u64 = 64 * 1024;

/// The `Name: value` lines of a `restoreInfo.txt` (others, like its title, are left out).
pub(crate) fn parse_restore_info(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (crate::text::sanitize(name.trim()), crate::text::sanitize(value.trim())))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An entry that would write outside the folder the archive is extracted into.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsafeEntry {
    /// Its name in the archive (with where a link points).
    pub name: String,
    /// Why: `a .. component`, `an absolute path`, `a symbolic link`, `a hard link`.
    pub why: String,
}

/// How many unsafe entries a report names (it counts them all).
const UNSAFE_NAMED: usize = 10;

/// Why an entry would write outside the folder it is extracted into, when it would.
fn unsafe_why(name: &str, kind: tar::EntryType) -> Option<&'static str> {
    if kind.is_symlink() {
        Some("a symbolic link")
    } else if kind.is_hard_link() {
        Some("a hard link")
    } else if name.starts_with('/') || name.starts_with('\\') {
        Some("an absolute path")
    } else if name.split(['/', '\\']).any(|c| c == "..") {
        Some("a .. component")
    } else {
        None
    }
}

/// Where an archive breaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveBreak {
    /// `gzip` (the compressed stream) or `tar` (the archive inside it).
    pub layer: String,
    /// What went wrong, in words.
    pub message: String,
    /// How far into the `.tar.gz` the reading got (bytes; the decoder reads ahead, so the
    /// break is at most 32 KiB before this).
    pub compressed_offset: u64,
    /// How far into the tar (the uncompressed stream) the reading got.
    pub uncompressed_offset: u64,
    /// The entry it broke in, or the last whole one before the break.
    pub entry: Option<String>,
    /// Entries read whole before the break.
    pub entries_read: u64,
}

impl ArchiveReport {
    /// The unsafe entries in words: `2 entries would write outside the folder it is
    /// extracted into (../x: a .. component; /etc/y: an absolute path)`.
    fn unsafe_words(&self) -> Option<String> {
        if self.unsafe_count == 0 {
            return None;
        }
        let named: Vec<String> = self
            .unsafe_entries
            .iter()
            .map(|u| format!("{}: {}", crate::text::sanitize(&u.name), u.why))
            .collect();
        let more = self.unsafe_count.saturating_sub(named.len() as u64);
        let more = if more > 0 {
            format!("; {more} more")
        } else {
            String::new()
        };
        let (n, s, verb) = match self.unsafe_count {
            1 => (1, "y", "s"),
            n => (n, "ies", ""),
        };
        Some(format!(
            "{n} entr{s} would{verb} write outside the folder it is extracted into ({}{more})",
            named.join("; ")
        ))
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        use super::download::human_bytes;
        let unsafe_words = self.unsafe_words();
        if let Some(b) = &self.broken {
            let also = unsafe_words.map(|u| format!("; also, {u}")).unwrap_or_default();
            let at = match &b.entry {
                Some(e) => format!(", in or after {}", crate::text::sanitize(e)),
                None => String::new(),
            };
            return format!(
                "archive BROKEN: the {} breaks ({}) at byte {} of the file ({} into the archive{at}, after {} whole entries){also}: do not restore from it; download it again",
                b.layer,
                crate::text::sanitize(&b.message),
                b.compressed_offset,
                human_bytes(b.uncompressed_offset),
                b.entries_read
            );
        }
        if let Some(u) = unsafe_words {
            return format!(
                "archive NOT USABLE: {u}: do not extract it; this is not how Atlas makes its archives, so ask MongoDB support and download it again"
            );
        }
        let top = self.top_folder.as_deref().map_or_else(
            || "no single top folder".to_string(),
            |t| format!("{}/", crate::text::sanitize(t)),
        );
        let what = if self.mongod_data {
            let of = match (&self.role, &self.replica_set) {
                (Some(role), Some(rs)) => format!(" of {role} {}", crate::text::sanitize(rs)),
                (None, Some(rs)) => format!(" of {}", crate::text::sanitize(rs)),
                _ => String::new(),
            };
            format!("a mongod data directory{of} ({})", self.markers.join(", "))
        } else if self.markers.is_empty() {
            "NOT a mongod data directory (no WiredTiger, storage.bson or *.wt files)".to_string()
        } else {
            format!("NOT clearly a mongod data directory (only {})", self.markers.join(", "))
        };
        format!(
            "archive: {top} · {} files · {} · {what}",
            self.files,
            human_bytes(self.total_bytes)
        )
    }
}

/// Counts the bytes read through it; notes whether the reader under it failed.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    failed: Rc<Cell<bool>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.count.set(self.count.get() + n as u64);
                Ok(n)
            }
            Err(e) => {
                self.failed.set(true);
                Err(e)
            }
        }
    }
}

/// Reads the archive at `path` to its end. `part_of_batch`: the job is a part of a sharded
/// restore (a shard or the config server).
pub fn check(path: &Path, part_of_batch: bool) -> ArchiveReport {
    let mut report = ArchiveReport::default();
    match crate::files::open_read(path) {
        Ok(file) => check_file(file, part_of_batch),
        Err(message) => {
            report.broken = Some(ArchiveBreak {
                layer: "file".into(),
                message,
                ..ArchiveBreak::default()
            });
            report
        }
    }
}

/// Reads the archive in `file` (open already: the download's own part) from its start.
pub(crate) fn check_file(mut file: std::fs::File, part_of_batch: bool) -> ArchiveReport {
    use std::io::Seek;
    let report = ArchiveReport {
        compressed_bytes: file.metadata().map(|m| m.len()).unwrap_or(0),
        ..ArchiveReport::default()
    };
    if let Err(e) = file.rewind() {
        return ArchiveReport {
            broken: Some(ArchiveBreak {
                layer: "file".into(),
                message: format!("cannot read the file: {e}"),
                ..ArchiveBreak::default()
            }),
            ..report
        };
    }
    read_archive(file, part_of_batch, report)
}

/// Reads an archive from `input` (see `check`).
pub(crate) fn read_archive(input: impl Read, part_of_batch: bool, mut report: ArchiveReport) -> ArchiveReport {
    let (compressed, uncompressed) = (Rc::new(Cell::new(0u64)), Rc::new(Cell::new(0u64)));
    let gzip_failed = Rc::new(Cell::new(false));
    let raw = Counting {
        inner: std::io::BufReader::with_capacity(32 * 1024, input),
        count: compressed.clone(),
        failed: Rc::new(Cell::new(false)),
    };
    let gz = Counting {
        inner: flate2::read::GzDecoder::new(raw),
        count: uncompressed.clone(),
        failed: gzip_failed.clone(),
    };
    let mut tar = tar::Archive::new(gz);
    let mut folders: Option<Option<String>> = None;
    let (mut wired_tiger, mut storage_bson, mut wt_files) = (false, false, 0u64);
    let mut last: Option<String> = None;
    let mut entries_read = 0u64;
    let broken = |layer: &str, message: String, entry: Option<String>, entries_read: u64| ArchiveBreak {
        layer: layer.to_string(),
        message,
        compressed_offset: compressed.get(),
        uncompressed_offset: uncompressed.get(),
        entry,
        entries_read,
    };
    let layer = |failed: &Rc<Cell<bool>>| if failed.get() { "gzip stream" } else { "tar archive" };
    let entries = match tar.entries() {
        Ok(e) => e,
        Err(e) => {
            report.broken = Some(broken(layer(&gzip_failed), e.to_string(), None, 0));
            return report;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                report.broken = Some(broken(layer(&gzip_failed), e.to_string(), last, entries_read));
                return report;
            }
        };
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "(unreadable name)".into());
        let name = name.trim_start_matches("./").to_string();
        let first = name.split('/').next().unwrap_or("").to_string();
        let kind = entry.header().entry_type();
        let is_file = kind.is_file();
        if let Some(why) = unsafe_why(&name, kind) {
            report.unsafe_count += 1;
            if report.unsafe_entries.len() < UNSAFE_NAMED {
                let to = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|l| format!(" -> {}", l.to_string_lossy()))
                    .unwrap_or_default();
                report.unsafe_entries.push(UnsafeEntry {
                    name: format!("{name}{to}"),
                    why: why.into(),
                });
            }
        }
        // A folder's own entry (`rs0/`) has itself as first part, like its files.
        let top = if name.contains('/') || !is_file {
            Some(first)
        } else {
            None
        };
        folders = Some(match folders {
            None => top,
            Some(seen) if seen == top => seen,
            Some(_) => None,
        });
        let size = entry.header().size().unwrap_or(0);
        let is_info = is_file && size <= RESTORE_INFO_MAX && name.rsplit('/').next() == Some("restoreInfo.txt");
        let mut info = Vec::new();
        let read = if is_info {
            std::io::copy(&mut entry, &mut info)
        } else {
            std::io::copy(&mut entry, &mut std::io::sink())
        };
        if is_info {
            report.restore_info = Some(parse_restore_info(&String::from_utf8_lossy(&info)));
        }
        match read {
            Ok(n) if n == size => {}
            Ok(n) => {
                let message = format!("{name} is cut short: {n} of its {size} bytes");
                report.broken = Some(broken("tar archive", message, Some(name), entries_read));
                return report;
            }
            Err(e) => {
                report.broken = Some(broken(layer(&gzip_failed), e.to_string(), Some(name), entries_read));
                return report;
            }
        }
        if is_file {
            report.files += 1;
            report.total_bytes += size;
            let base = name.rsplit('/').next().unwrap_or("");
            wired_tiger |= base == "WiredTiger";
            storage_bson |= base == "storage.bson";
            if base.ends_with(".wt") {
                wt_files += 1;
            }
        }
        entries_read += 1;
        last = Some(name);
    }
    // The tar ends before the gzip does: read on, so that its trailer (CRC, size) is checked.
    let mut rest = tar.into_inner();
    if let Err(e) = std::io::copy(&mut rest, &mut std::io::sink()) {
        report.broken = Some(broken("gzip stream", e.to_string(), last, entries_read));
        return report;
    }
    if entries_read == 0 {
        report.broken = Some(broken("tar archive", "it holds no files".into(), None, 0));
        return report;
    }
    report.top_folder = folders.flatten().filter(|f| !f.is_empty());
    if wired_tiger {
        report.markers.push("WiredTiger".into());
    }
    if storage_bson {
        report.markers.push("storage.bson".into());
    }
    if wt_files > 0 {
        report
            .markers
            .push(format!("{wt_files} *.wt file{}", if wt_files == 1 { "" } else { "s" }));
    }
    report.mongod_data = wired_tiger && wt_files > 0;
    if let Some(top) = &report.top_folder {
        let (rs, role) = replica_set_of(top, part_of_batch);
        report.replica_set = Some(rs);
        report.role = Some(role.into());
    }
    report.ok = report.unsafe_count == 0;
    report
}

/// The replica set a top folder names, and its role: a config server's name says `config`;
/// a part of a sharded restore is otherwise a shard; else a replica set. A folder named like
/// the file (`RS-TIMESTAMP-JOBID`) is cut back to the replica set's name.
fn replica_set_of(top: &str, part_of_batch: bool) -> (String, &'static str) {
    let mut rs = top.strip_prefix("config-").unwrap_or(top).to_string();
    let parts: Vec<&str> = rs.rsplitn(3, '-').collect();
    if let [id, ts, head] = parts.as_slice()
        && id.len() == 24
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && !ts.is_empty()
        && ts.bytes().all(|b| b.is_ascii_digit())
    {
        rs = (*head).to_string();
    }
    let role = if rs.contains("config") || top.starts_with("config-") {
        "config server"
    } else if part_of_batch {
        "shard"
    } else {
        "replica set"
    };
    (rs, role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = GzEncoder::new(Vec::new(), Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (path, data) in files {
            let mut h = tar::Header::new_ustar();
            h.set_path(path).unwrap();
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            h.set_cksum();
            tar.append(&h, *data).unwrap();
        }
        let mut gz = tar.into_inner().unwrap();
        gz.flush().unwrap();
        gz.finish().unwrap()
    }

    fn read(bytes: &[u8], part_of_batch: bool) -> ArchiveReport {
        read_archive(
            bytes,
            part_of_batch,
            ArchiveReport {
                compressed_bytes: bytes.len() as u64,
                ..ArchiveReport::default()
            },
        )
    }

    fn data_dir(top: &str) -> Vec<u8> {
        let big = vec![7u8; 300_000];
        tar_gz(&[
            (&format!("{top}/WiredTiger"), b"WiredTiger\n"),
            (&format!("{top}/storage.bson"), b"\x05\x00\x00\x00\x00"),
            (&format!("{top}/collection-0-1.wt"), &big),
            (&format!("{top}/index-1-1.wt"), b"x"),
        ])
    }

    #[test]
    fn a_data_directory_is_recognised_with_its_replica_set() {
        let r = read(&data_dir("Cluster0-shard-0"), false);
        assert!(r.ok && r.broken.is_none(), "{r:?}");
        assert_eq!(r.top_folder.as_deref(), Some("Cluster0-shard-0"));
        assert_eq!((r.files, r.total_bytes), (4, 11 + 5 + 300_000 + 1));
        assert!(r.mongod_data);
        assert_eq!(r.markers, ["WiredTiger", "storage.bson", "2 *.wt files"]);
        assert_eq!(r.replica_set.as_deref(), Some("Cluster0-shard-0"));
        assert_eq!(r.role.as_deref(), Some("replica set"));
        assert!(
            r.describe()
                .contains("a mongod data directory of replica set Cluster0-shard-0"),
            "{}",
            r.describe()
        );

        let shard = read(&data_dir("Cluster1-shard-1-1764322200-6929abcdefabcdefabcdef01"), true);
        assert_eq!(shard.replica_set.as_deref(), Some("Cluster1-shard-1"));
        assert_eq!(shard.role.as_deref(), Some("shard"));
        let config = read(&data_dir("Cluster1-config-0"), true);
        assert_eq!(config.role.as_deref(), Some("config server"));
    }

    #[test]
    fn other_archives_are_said_to_be_other() {
        let r = read(&tar_gz(&[("a.txt", b"hi"), ("b/c.txt", b"yo")]), false);
        assert!(r.ok);
        assert_eq!(r.top_folder, None);
        assert!(!r.mongod_data);
        assert!(r.describe().contains("NOT a mongod data directory"), "{}", r.describe());
    }

    #[test]
    fn a_truncated_gzip_says_where_it_breaks() {
        let whole = data_dir("rs0");
        let cut = &whole[..whole.len() * 2 / 3];
        let r = read(cut, false);
        assert!(!r.ok);
        let b = r.broken.as_ref().unwrap();
        assert_eq!(b.layer, "gzip stream", "{b:?}");
        assert!(
            b.compressed_offset <= cut.len() as u64 && b.compressed_offset > 0,
            "{b:?}"
        );
        assert_eq!(b.entry.as_deref(), Some("rs0/collection-0-1.wt"), "{b:?}");
        assert_eq!(b.entries_read, 2);
        assert!(
            r.describe().starts_with("archive BROKEN: the gzip stream breaks"),
            "{}",
            r.describe()
        );
        // Only the trailer missing: the CRC and size cannot be checked, which is a break too.
        let r = read(&whole[..whole.len() - 4], false);
        assert!(!r.ok && r.broken.as_ref().unwrap().layer == "gzip stream", "{r:?}");
        // Not gzip at all.
        let r = read(b"PK\x03\x04 a zip file", false);
        assert!(!r.ok && r.broken.as_ref().unwrap().layer == "gzip stream", "{r:?}");
    }

    #[test]
    fn a_damaged_tar_header_is_a_tar_break() {
        // A whole gzip whose tar has a second header with a wrong checksum.
        let mut tar = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tar);
            let mut h = tar::Header::new_ustar();
            h.set_path("rs0/WiredTiger").unwrap();
            h.set_size(3);
            h.set_cksum();
            b.append(&h, &b"abc"[..]).unwrap();
            b.append(&h, &b"abc"[..]).unwrap();
            b.finish().unwrap();
        }
        tar[1024 + 100] ^= 0x55; // inside the second header's mode field
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&tar).unwrap();
        let r = read(&gz.finish().unwrap(), false);
        let b = r.broken.as_ref().unwrap();
        assert_eq!(b.layer, "tar archive", "{b:?}");
        assert_eq!(
            (b.entries_read, b.entry.as_deref()),
            (1, Some("rs0/WiredTiger")),
            "{b:?}"
        );
    }

    /// A tar.gz with raw headers: each entry's name and link name written as given (the tar
    /// crate refuses to write `..` itself), of a type, with `data`.
    pub(crate) fn raw_tar_gz(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
        let mut tar = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tar);
            for (name, kind, link, data) in entries {
                let mut h = tar::Header::new_old();
                h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
                h.set_entry_type(*kind);
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append(&h, *data).unwrap();
            }
            b.finish().unwrap();
        }
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn entries_that_would_write_outside_the_folder_make_it_not_usable() {
        use tar::EntryType::{Link, Regular, Symlink};
        let bytes = raw_tar_gz(&[
            ("rs0/WiredTiger", Regular, "", b"WiredTiger\n"),
            ("rs0/collection-0-1.wt", Regular, "", b"x"),
            ("rs0/../../.bashrc", Regular, "", b"evil"),
            ("/etc/cron.d/evil", Regular, "", b"* * * * * root sh"),
            ("rs0/journal", Symlink, "/var/lib/mongodb", b""),
            ("rs0/key", Link, "/etc/shadow", b""),
        ]);
        let r = read(&bytes, false);
        assert!(!r.ok, "{r:?}");
        assert!(r.broken.is_none(), "read whole: {r:?}");
        assert_eq!(r.unsafe_count, 4);
        let found: Vec<(&str, &str)> = r
            .unsafe_entries
            .iter()
            .map(|u| (u.name.as_str(), u.why.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("rs0/../../.bashrc", "a .. component"),
                ("/etc/cron.d/evil", "an absolute path"),
                ("rs0/journal -> /var/lib/mongodb", "a symbolic link"),
                ("rs0/key -> /etc/shadow", "a hard link"),
            ]
        );
        let said = r.describe();
        assert!(
            said.starts_with("archive NOT USABLE: 4 entries would write outside the folder it is extracted into (rs0/../../.bashrc: a .. component;"),
            "{said}"
        );
        assert!(said.contains("do not extract it"), "{said}");
        // A name with dots that is not `..` is fine.
        let r = read(&raw_tar_gz(&[("rs0/a..b.wt", Regular, "", b"x")]), false);
        assert!(r.ok && r.unsafe_count == 0, "{r:?}");
    }
}
