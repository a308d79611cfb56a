//! A drill file: TOML, checked into a team's git, its name the file's stem. Read here into a
//! `Drill`, every value checked, so that a wrong file is refused before anything is sent.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest drill file read: a real one is a dozen lines.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// How long `check_command` may run unless the file says (`check_timeout`).
pub(crate) const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DrillToml {
    profile: Option<String>,
    cluster_name: String,
    restore_point: Option<String>,
    method: Option<String>,
    target_cluster_name: Option<String>,
    every: Option<String>,
    rpo_max: String,
    rto_max: String,
    check_command: Option<String>,
    check_timeout: Option<String>,
    #[serde(default)]
    keep: bool,
    work_dir: Option<PathBuf>,
}

/// Which point a drill restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointChoice {
    /// The newest complete snapshot when the drill starts.
    LatestSnapshot,
    /// This snapshot.
    Snapshot(String),
    /// A point in time as the form takes it (`-2h`, RFC 3339, epoch ms), read when the drill
    /// starts, on Atlas's clock.
    PointInTime(String),
}

/// How the restored data is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrillMethod {
    /// An HTTP download, fetched, verified and read here.
    Download,
    /// An automated restore into this cluster of the source's project (erased first).
    Automated { target: String },
}

impl DrillMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            DrillMethod::Download => "download",
            DrillMethod::Automated { .. } => "automated",
        }
    }

    pub fn target(&self) -> Option<&str> {
        match self {
            DrillMethod::Download => None,
            DrillMethod::Automated { target } => Some(target),
        }
    }
}

/// A drill, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    /// The file's stem.
    pub name: String,
    pub path: PathBuf,
    /// The config's profile to use; none: its default.
    pub profile: Option<String>,
    pub cluster_name: String,
    pub restore_point: PointChoice,
    pub method: DrillMethod,
    /// How often `drill run --due` runs it; none: only when named.
    pub every: Option<Duration>,
    pub rpo_max: Duration,
    pub rto_max: Duration,
    pub check_command: Option<String>,
    pub check_timeout: Duration,
    /// Keep the downloaded archive after the checks.
    pub keep: bool,
    /// Where its archives are downloaded and unpacked; none: the store's folder.
    pub work_dir: Option<PathBuf>,
}

/// Whether `name` may name a drill: it goes into file names (its lock, its work folder).
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn duration(file: &Path, key: &str, value: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(value.trim()).map_err(|e| {
        format!(
            "{}: {key} = {value:?} is not a duration ({e}): write it as \"24h\", \"90m\" or \"7d\"",
            file.display()
        )
    })?;
    if d.is_zero() {
        return Err(format!("{}: {key} must be more than zero", file.display()));
    }
    Ok(d)
}

impl Drill {
    /// Reads and checks the drill file at `path`.
    pub fn read(path: &Path) -> Result<Drill, String> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the drill file {shown}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("the drill file {shown} is not a regular file"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "the drill file {shown} is {} bytes: a drill file is a few lines of TOML",
                meta.len()
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the drill file {shown}: {e}"))?;
        Drill::parse(path, &text)
    }

    /// Checks the text of a drill file named `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Drill, String> {
        let shown = path.display();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !is_safe_name(&name) {
            return Err(format!(
                "{shown}: a drill's name is its file's stem, and {name:?} is not one: use letters, digits, '-', '_' and '.'"
            ));
        }
        let raw: DrillToml = toml::from_str(text)
            .map_err(|e| format!("{shown} is not a drill file: {}", crate::text::sanitize(e.message())))?;
        let cluster_name = raw.cluster_name.trim().to_string();
        if cluster_name.is_empty() {
            return Err(format!(
                "{shown}: cluster_name is empty: name the cluster the drill restores from"
            ));
        }
        let restore_point = match raw.restore_point.as_deref().map(str::trim) {
            None | Some("latest-snapshot") => PointChoice::LatestSnapshot,
            Some("") => {
                return Err(format!(
                    "{shown}: restore_point is empty: write \"latest-snapshot\", a snapshot id or a time such as \"-2h\""
                ));
            }
            Some(id) if id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()) => {
                PointChoice::Snapshot(id.to_string())
            }
            Some(when) => {
                crate::restore::time_input::moment_ms(when, 0).map_err(|e| {
                    format!(
                        "{shown}: restore_point = {when:?} is neither \"latest-snapshot\", a snapshot id (24 hex digits) nor a time ({e})"
                    )
                })?;
                PointChoice::PointInTime(when.to_string())
            }
        };
        let method = match (raw.method.as_deref().map(str::trim), raw.target_cluster_name) {
            (None | Some("download"), None) => DrillMethod::Download,
            (None | Some("download"), Some(_)) => {
                return Err(format!(
                    "{shown}: target_cluster_name is for method = \"automated\": a download drill restores into nothing"
                ));
            }
            (Some("automated"), Some(target)) if !target.trim().is_empty() => DrillMethod::Automated {
                target: target.trim().to_string(),
            },
            (Some("automated"), _) => {
                return Err(format!(
                    "{shown}: method = \"automated\" needs target_cluster_name: the scratch cluster the drill may erase, listed in the profile's drill_targets"
                ));
            }
            (Some(other), _) => {
                return Err(format!(
                    "{shown}: method = {other:?}: it is \"download\" or \"automated\""
                ));
            }
        };
        if let Some(target) = method.target()
            && target == cluster_name
        {
            return Err(format!(
                "{shown}: the target {target} is the source cluster: a drill never erases what it restores from"
            ));
        }
        let every = raw.every.as_deref().map(|v| duration(path, "every", v)).transpose()?;
        let check_command = raw
            .check_command
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        Ok(Drill {
            name,
            path: path.to_path_buf(),
            profile: raw.profile.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
            cluster_name,
            restore_point,
            method,
            every,
            rpo_max: duration(path, "rpo_max", &raw.rpo_max)?,
            rto_max: duration(path, "rto_max", &raw.rto_max)?,
            check_command,
            check_timeout: raw
                .check_timeout
                .as_deref()
                .map(|v| duration(path, "check_timeout", v))
                .transpose()?
                .unwrap_or(DEFAULT_CHECK_TIMEOUT),
            keep: raw.keep,
            work_dir: raw.work_dir,
        })
    }

    /// The refusal of a drill its profile does not allow, before anything is sent: an
    /// automated drill's target must be listed in the profile's `drill_targets`.
    pub fn refusal(&self, profile_name: &str, drill_targets: &[String]) -> Option<String> {
        let target = self.method.target()?;
        if drill_targets.iter().any(|t| t == target) {
            return None;
        }
        Some(format!(
            "{}: the target {target} is not in profile {profile_name}'s drill_targets ({}): an unattended drill erases only a cluster listed there; add drill_targets = [\"{target}\"] to [profiles.{profile_name}] if {target} is a scratch cluster; nothing was sent",
            self.path.display(),
            if drill_targets.is_empty() {
                "none listed".to_string()
            } else {
                drill_targets.join(", ")
            }
        ))
    }
}

/// The drill files (`*.toml`) in `dir`, by name.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read the drills folder {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Drill, String> {
        Drill::parse(Path::new("/d/weekly-cluster0.toml"), text)
    }

    #[test]
    fn a_download_drill_reads_with_its_defaults() {
        let d = parse("cluster_name = \"Cluster0\"\nrpo_max = \"24h\"\nrto_max = \"2h\"\nevery = \"7d\"\n").unwrap();
        assert_eq!(d.name, "weekly-cluster0");
        assert_eq!(d.restore_point, PointChoice::LatestSnapshot);
        assert_eq!(d.method, DrillMethod::Download);
        assert_eq!(d.every, Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(d.rpo_max, Duration::from_secs(86_400));
        assert!(!d.keep);
        assert_eq!(d.check_timeout, DEFAULT_CHECK_TIMEOUT);
    }

    #[test]
    fn points_and_methods_read_as_written() {
        let d = parse(
            "cluster_name = \"Cluster0\"\nrpo_max = \"1h\"\nrto_max = \"1h\"\nrestore_point = \"-2h\"\nmethod = \"automated\"\ntarget_cluster_name = \"Scratch0\"\n",
        )
        .unwrap();
        assert_eq!(d.restore_point, PointChoice::PointInTime("-2h".into()));
        assert_eq!(d.method.target(), Some("Scratch0"));
        let s = parse(
            "cluster_name = \"C\"\nrpo_max = \"1h\"\nrto_max = \"1h\"\nrestore_point = \"5f9a0c1e7b2d4a1100000001\"\n",
        )
        .unwrap();
        assert_eq!(
            s.restore_point,
            PointChoice::Snapshot("5f9a0c1e7b2d4a1100000001".into())
        );
    }

    #[test]
    fn wrong_files_are_refused_in_words() {
        let base = "cluster_name = \"Cluster0\"\nrpo_max = \"24h\"\nrto_max = \"2h\"\n";
        for (extra, said) in [
            ("rpo = \"1h\"\n", "unknown field"),
            ("method = \"automated\"\n", "needs target_cluster_name"),
            (
                "method = \"automated\"\ntarget_cluster_name = \"Cluster0\"\n",
                "is the source cluster",
            ),
            ("target_cluster_name = \"Scratch0\"\n", "is for method = \"automated\""),
            ("method = \"tape\"\n", "\"download\" or \"automated\""),
            ("every = \"weekly\"\n", "is not a duration"),
            ("restore_point = \"yesterday-ish\"\n", "neither \"latest-snapshot\""),
        ] {
            let err = parse(&format!("{base}{extra}")).unwrap_err();
            assert!(err.contains(said), "{extra}: {err}");
        }
        assert!(
            parse("cluster_name = \"C\"\nrto_max = \"2h\"\n")
                .unwrap_err()
                .contains("rpo_max")
        );
        let bad_name = Drill::parse(Path::new("/d/.hidden.toml"), base).unwrap_err();
        assert!(bad_name.contains("not one"), "{bad_name}");
    }

    #[test]
    fn an_automated_target_must_be_listed_in_the_profile() {
        let d = parse("cluster_name = \"C\"\nrpo_max = \"1h\"\nrto_max = \"1h\"\nmethod = \"automated\"\ntarget_cluster_name = \"Scratch0\"\n").unwrap();
        let refused = d.refusal("prod", &[]).unwrap();
        assert!(
            refused.contains("not in profile prod's drill_targets (none listed)"),
            "{refused}"
        );
        assert!(refused.contains("nothing was sent"), "{refused}");
        assert!(d.refusal("prod", &["Other".into()]).is_some());
        assert_eq!(d.refusal("prod", &["Scratch0".into()]), None);
    }
}
