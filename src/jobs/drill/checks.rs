//! What a drill's checks read: whether an archive is what the request asked for (its
//! replica set, its `restoreInfo.txt`), the archive unpacked for `check_command`, and
//! `check_command` itself, run with a timeout and stopped whole at it.

use crate::jobs::archive::ArchiveReport;
use crate::text::sanitize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What an archive was expected to be.
pub(crate) struct Expected<'a> {
    /// The file's name as Atlas gives it (`RS-TIMESTAMP-JOBID.tar.gz`): it names the replica set.
    pub file_name: &'a str,
    /// The source cluster's id, when known.
    pub cluster_id: Option<&'a str>,
    /// The restore point's time (epoch ms) when it is a snapshot.
    pub snapshot_ms: Option<i64>,
}

/// How far `restoreInfo.txt`'s snapshot time may be from the snapshot's listed creation.
const SNAPSHOT_SLACK_MS: i64 = 60_000;

/// Whether the archive is whole, a mongod data directory of the expected replica set, writes
/// nothing outside its folder, and (when it has one) its `restoreInfo.txt` agrees with the
/// request: `Ok(words)` or `Err(why not)`.
pub(crate) fn judge_archive(report: &ArchiveReport, expected: &Expected<'_>) -> Result<String, String> {
    if !report.ok || report.broken.is_some() {
        return Err(report.describe());
    }
    if !report.mongod_data {
        return Err(format!(
            "not a mongod data directory (found {}): {}",
            if report.markers.is_empty() {
                "none of WiredTiger, storage.bson, *.wt".to_string()
            } else {
                report.markers.join(", ")
            },
            report.describe()
        ));
    }
    let Some(rs) = report.replica_set.as_deref() else {
        return Err("its files are not under one folder named after a replica set".into());
    };
    let named = expected.file_name.trim_end_matches(".tar.gz");
    if !named.contains(rs) {
        return Err(format!(
            "its data is of replica set {}, but Atlas named the file {} for another",
            sanitize(rs),
            sanitize(expected.file_name)
        ));
    }
    let mut words = format!(
        "whole: {} files, a mongod data directory of {}",
        report.files,
        sanitize(rs)
    );
    let Some(info) = &report.restore_info else {
        words.push_str("; no restoreInfo.txt to compare");
        return Ok(words);
    };
    let field = |name: &str| {
        info.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if let Some(info_rs) = field("Replica Set Name")
        && info_rs != rs
    {
        return Err(format!(
            "restoreInfo.txt names replica set {info_rs}, the data's folder {}",
            sanitize(rs)
        ));
    }
    if let (Some(info_id), Some(id)) = (field("Cluster Id"), expected.cluster_id)
        && !info_id.eq_ignore_ascii_case(id)
    {
        return Err(format!("restoreInfo.txt names cluster {info_id}, the request {id}"));
    }
    if let (Some(at), Some(snapshot_ms)) = (field("Snapshot timestamp"), expected.snapshot_ms) {
        match crate::restore::time_input::parse_rfc3339_lenient(at) {
            // The snapshot's own time and its creation's may be apart by seconds.
            Some(ms) if (ms - snapshot_ms).abs() < SNAPSHOT_SLACK_MS => {}
            Some(_) => {
                return Err(format!(
                    "restoreInfo.txt's snapshot is of {at}, the request's of {}",
                    super::rfc3339(snapshot_ms)
                ));
            }
            // A layout this build does not read: said, not judged.
            None => words.push_str(&format!("; restoreInfo.txt's snapshot time {at:?} not read")),
        }
    }
    words.push_str("; restoreInfo.txt agrees with the request");
    if let Some(v) = field("MongoDB Version") {
        words.push_str(&format!(" (MongoDB {v})"));
    }
    Ok(words)
}

/// Unpacks the archive at `archive` into `into` (made); the folder to run `check_command` in:
/// the archive's one top folder, else `into`. Only an archive the archive check found safe
/// is unpacked.
pub(crate) fn unpack(archive: &Path, into: &Path, top_folder: Option<&str>) -> Result<PathBuf, String> {
    std::fs::create_dir_all(into).map_err(|e| format!("cannot make {}: {e}", into.display()))?;
    let file = crate::files::open_read(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    tar.set_preserve_permissions(false);
    tar.set_overwrite(true);
    tar.unpack(into)
        .map_err(|e| format!("cannot unpack {} into {}: {e}", archive.display(), into.display()))?;
    Ok(top_folder
        .map(|t| into.join(t))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| into.to_path_buf()))
}

/// How `check_command` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandEnd {
    pub passed: bool,
    /// In words, with the end of what it printed.
    pub detail: String,
}

/// How much of the command's output the detail keeps (its end).
const OUTPUT_TAIL: usize = 600;

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = sanitize(text.trim());
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= OUTPUT_TAIL {
        text
    } else {
        format!("…{}", chars[chars.len() - OUTPUT_TAIL..].iter().collect::<String>())
    }
}

/// Runs `command` through `sh -c` in `dir`, with `env` added and nothing on its standard
/// input; stopped, with every program it started (its own process group), at `timeout`.
pub async fn run_check_command(command: &str, dir: &Path, env: &[(&str, String)], timeout: Duration) -> CommandEnd {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return CommandEnd {
                passed: false,
                detail: format!("cannot run sh: {e}"),
            };
        }
    };
    let pid = child.id();
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => {
            let mut said = tail(&out.stdout);
            let err = tail(&out.stderr);
            if !err.is_empty() {
                said = if said.is_empty() {
                    err
                } else {
                    format!("{said} | {err}")
                };
            }
            let said = if said.is_empty() {
                String::new()
            } else {
                format!(": {said}")
            };
            CommandEnd {
                passed: out.status.success(),
                detail: format!("{}{said}", ended(out.status)),
            }
        }
        Ok(Err(e)) => CommandEnd {
            passed: false,
            detail: format!("cannot wait for it: {e}"),
        },
        Err(_) => {
            stop_group(pid);
            CommandEnd {
                passed: false,
                detail: format!(
                    "did not finish within {}: stopped, with every program it started (raise check_timeout if the check needs longer)",
                    humantime::format_duration(timeout)
                ),
            }
        }
    }
}

/// "exited with status 3", "was killed by signal 9".
fn ended(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("was killed by signal {signal}");
    }
    format!("ended: {status}")
}

/// Kills the process group the command leads.
fn stop_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn good() -> ArchiveReport {
        ArchiveReport {
            ok: true,
            top_folder: Some("Cluster0-shard-0".into()),
            files: 6,
            mongod_data: true,
            replica_set: Some("Cluster0-shard-0".into()),
            restore_info: Some(BTreeMap::from([
                ("Replica Set Name".to_string(), "Cluster0-shard-0".to_string()),
                ("Cluster Id".to_string(), "5f8e".to_string()),
                ("Snapshot timestamp".to_string(), "2026-12-01T08:00:00Z".to_string()),
            ])),
            ..ArchiveReport::default()
        }
    }

    fn expected(snapshot_ms: Option<i64>) -> Expected<'static> {
        Expected {
            file_name: "Cluster0-shard-0-1764576000-6929abc.tar.gz",
            cluster_id: Some("5f8e"),
            snapshot_ms,
        }
    }

    #[test]
    fn an_archive_of_the_request_passes_and_any_disagreement_fails() {
        let at = crate::restore::time_input::parse_rfc3339_lenient("2026-12-01T08:00:00Z");
        let ok = judge_archive(&good(), &expected(at)).unwrap();
        assert!(ok.contains("restoreInfo.txt agrees"), "{ok}");
        let other_time = judge_archive(&good(), &expected(at.map(|t| t + 3_600_000))).unwrap_err();
        assert!(
            other_time.contains("snapshot is of 2026-12-01T08:00:00Z"),
            "{other_time}"
        );
        let mut other_rs = good();
        other_rs.replica_set = Some("Cluster9-shard-0".into());
        assert!(judge_archive(&other_rs, &expected(at)).unwrap_err().contains("another"));
        let mut not_data = good();
        not_data.mongod_data = false;
        assert!(
            judge_archive(&not_data, &expected(at))
                .unwrap_err()
                .contains("not a mongod data directory")
        );
        let mut unsafe_one = good();
        unsafe_one.ok = false;
        unsafe_one.unsafe_count = 1;
        assert!(judge_archive(&unsafe_one, &expected(at)).is_err());
        let mut no_info = good();
        no_info.restore_info = None;
        assert!(
            judge_archive(&no_info, &expected(at))
                .unwrap()
                .contains("no restoreInfo.txt")
        );
    }

    #[tokio::test]
    async fn the_check_command_passes_on_zero_fails_otherwise_and_is_stopped_at_its_timeout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("WiredTiger"), "x").unwrap();
        let env = [("ATLAS_RESTORE_DRILL_DIR", dir.path().display().to_string())];
        let ok = run_check_command(
            "test -f WiredTiger && test -d \"$ATLAS_RESTORE_DRILL_DIR\" && echo fine",
            dir.path(),
            &env,
            Duration::from_secs(20),
        )
        .await;
        assert!(ok.passed, "{ok:?}");
        assert!(ok.detail.contains("fine"), "{ok:?}");
        let bad = run_check_command("echo nope >&2; exit 3", dir.path(), &env, Duration::from_secs(20)).await;
        assert!(!bad.passed);
        assert!(
            bad.detail.contains("status 3") && bad.detail.contains("nope"),
            "{bad:?}"
        );
        let start = std::time::Instant::now();
        let slow = run_check_command("sleep 30 & sleep 30", dir.path(), &env, Duration::from_millis(300)).await;
        assert!(!slow.passed);
        assert!(slow.detail.contains("did not finish within 300ms"), "{slow:?}");
        assert!(start.elapsed() < Duration::from_secs(20));
    }
}
