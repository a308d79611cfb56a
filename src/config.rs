//! The TOML config: profiles, keys and secrets, found where the contract says.
//!
//! Precedence, per value: the profile's own setting, then the environment variables that
//! MongoDB's Atlas CLI reads (so a jump host set up for it works as is), then the default.

use crate::restore::{ApiVersion, Flavor};
use crate::secret::SecretString;
/// The `[ui]` choices are the screen's own types, read here.
pub use crate::tui::notify::NotifyMode;
pub use crate::tui::theme::ColorChoice;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) const ENV_CONFIG: &str = "ATLAS_RESTORE_CONFIG";
pub(crate) const ENV_PUBLIC_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
pub(crate) const ENV_PRIVATE_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";
pub const ENV_PROJECT_ID: &str = "MONGODB_ATLAS_PROJECT_ID";

/// Looks up an environment variable; tests pass their own instead of touching the process's.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process's own environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The cause is said in the message itself, not again as a source (`{e:#}` would repeat it).
    #[error("cannot read config {path}: {cause}")]
    Read { path: PathBuf, cause: std::io::Error },
    #[error("config {path}, line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "config {path} holds a private key and is readable by others (mode {mode:o}): run `chmod 600 {path}`, or move the key to private_key_command or {ENV_PRIVATE_KEY}"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("no profile {name:?} in {path}: the profiles there are {known}")]
    NoSuchProfile { name: String, path: PathBuf, known: String },
    #[error("profile {profile}: {message}")]
    Invalid { profile: String, message: String },
    #[error("profile {profile}: private_key_command failed: {message}")]
    KeyCommand { profile: String, message: String },
}

/// `[ui]`
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub color: ColorChoice,
    pub ascii: bool,
    pub mouse: bool,
    /// How a job turning READY, FAILED or KILLED, or a link about to expire, is told.
    pub notify: NotifyMode,
}

impl Default for UiConfig {
    fn default() -> UiConfig {
        UiConfig {
            color: ColorChoice::Auto,
            ascii: false,
            mouse: false,
            notify: NotifyMode::Bell,
        }
    }
}

/// One `[profiles.NAME]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// `atlas` (the default), `cloud-manager` or `ops-manager`.
    pub flavor: Option<String>,
    pub base_url: Option<String>,
    pub api_version: Option<String>,
    pub public_key: Option<String>,
    pub private_key: Option<SecretString>,
    pub private_key_command: Option<String>,
    /// How long `private_key_command` may take (default 30 s); it is stopped after that.
    pub private_key_command_timeout: Option<String>,
    pub group_id: Option<String>,
    pub cluster_name: Option<String>,
    pub poll_interval: Option<String>,
    pub request_timeout: Option<String>,
    pub connect_timeout: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub download_dir: Option<PathBuf>,
    /// Largest response body accepted, in bytes (default 8 MiB).
    pub max_body_bytes: Option<u64>,
    /// A production profile: the dashboard's header says PRODUCTION while it is in use, so
    /// that where an erase would go is never a matter of colour.
    #[serde(default)]
    pub production: bool,
    /// The only clusters an unattended restore drill may erase (`method = "automated"`): listing
    /// one here is the DBA's typed confirmation, made once.
    #[serde(default)]
    pub drill_targets: Vec<String>,
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
    #[serde(default)]
    pub ui: UiConfig,
}

/// A config as loaded: the file (if any) and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

/// A profile ready to use: every value resolved, the private key read.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub flavor: Flavor,
    pub base_url: String,
    pub api: ApiVersion,
    pub public_key: String,
    pub private_key: SecretString,
    pub group_id: Option<String>,
    pub cluster_name: Option<String>,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub ca_file: Option<PathBuf>,
    /// As written (`~` not yet expanded); none: asked at the first download
    /// (`jobs::DownloadFolder`).
    pub download_dir: Option<PathBuf>,
    pub max_body_bytes: u64,
    pub production: bool,
    pub drill_targets: Vec<String>,
}

/// A profile of the config as the dashboard's profile list shows it: nothing resolved, no
/// key read (that happens when it is chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub name: String,
    /// `atlas`, `cloud-manager` or `ops-manager`, as written (or the default).
    pub flavor: String,
    pub cluster_name: Option<String>,
    pub production: bool,
}

/// The per-user config file: `~/.config/atlas-restore/config.toml` on Linux.
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "atlas-restore").map(|d| d.config_dir().join("config.toml"))
}

/// Finds and reads the config: `--config`, else `ATLAS_RESTORE_CONFIG`, else the default path.
/// A missing default file is not an error (the environment may carry everything); a missing
/// file that was named explicitly is.
pub fn load(explicit: Option<&Path>, env: Env) -> Result<Config, ConfigError> {
    let named = explicit
        .map(Path::to_path_buf)
        .or_else(|| env(ENV_CONFIG).map(PathBuf::from));
    let (path, must_exist) = match named {
        Some(p) => (p, true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(Config::default()),
        },
    };
    let text = match read_capped(&path) {
        Ok(t) => t,
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Config::default());
        }
        Err(cause) => return Err(ConfigError::Read { path, cause }),
    };
    let file = parse(&path, &text)?;
    if file.profiles.values().any(|p| p.private_key.is_some()) {
        check_private(&path)?;
    }
    Ok(Config { path: Some(path), file })
}

/// A config is a few kilobytes: past this it is not one (`/dev/zero` would fill memory).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The file's text, when it is a regular file (a FIFO would hang the read) under the cap.
fn read_capped(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file: give the path of a TOML file",
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::other(format!(
            "it is over {} KiB, which no config is: check the path",
            MAX_CONFIG_BYTES >> 10
        )));
    }
    Ok(text)
}

/// Parses the file's text; errors name the line and column.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |span| line_column(text, span.start));
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Refuses a key file that others can read, as ssh refuses such a private key.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|cause| ConfigError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), ConfigError> {
    Ok(())
}

impl Config {
    /// The name of the profile `profile` would resolve, without reading its keys.
    pub fn profile_name(&self, name: Option<&str>) -> Result<String, ConfigError> {
        let name = name
            .map(str::to_string)
            .or_else(|| self.file.default_profile.clone())
            .or_else(|| {
                (self.file.profiles.len() == 1)
                    .then(|| self.file.profiles.keys().next().cloned())
                    .flatten()
            });
        match name {
            Some(n)
                if self.file.profiles.contains_key(&n) || (self.file.profiles.is_empty() && self.path.is_none()) =>
            {
                Ok(n)
            }
            Some(n) => Err(ConfigError::NoSuchProfile {
                known: self.file.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
                name: n,
                path: self.path.clone().unwrap_or_default(),
            }),
            None => Ok("env".to_string()),
        }
    }

    /// Resolves the named profile (or the default one). With no config file, a profile named
    /// `env` is made from the Atlas CLI's environment variables.
    /// Every profile of the file, by name.
    pub fn summaries(&self) -> Vec<ProfileSummary> {
        self.file
            .profiles
            .iter()
            .map(|(name, p)| ProfileSummary {
                name: name.clone(),
                flavor: p.flavor.clone().unwrap_or_else(|| "atlas".into()),
                cluster_name: p.cluster_name.clone(),
                production: p.production,
            })
            .collect()
    }

    pub fn profile(&self, name: Option<&str>, env: Env) -> Result<Profile, ConfigError> {
        let name = name
            .map(str::to_string)
            .or_else(|| self.file.default_profile.clone())
            .or_else(|| {
                (self.file.profiles.len() == 1)
                    .then(|| self.file.profiles.keys().next().cloned())
                    .flatten()
            });
        let (name, file) = match name {
            Some(n) => match self.file.profiles.get(&n) {
                Some(p) => (n, p.clone()),
                None if self.file.profiles.is_empty() && self.path.is_none() => (n, ProfileFile::default()),
                None => {
                    return Err(ConfigError::NoSuchProfile {
                        known: self.file.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
                        name: n,
                        path: self.path.clone().unwrap_or_default(),
                    });
                }
            },
            None => ("env".to_string(), ProfileFile::default()),
        };
        resolve(name, file, env)
    }
}

fn resolve(name: String, file: ProfileFile, env: Env) -> Result<Profile, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        profile: name.clone(),
        message,
    };
    let flavor = match &file.flavor {
        Some(f) => f.parse::<Flavor>().map_err(|e| invalid(format!("flavor: {e}")))?,
        None => Flavor::Atlas,
    };
    let base_url = match (&file.base_url, flavor.default_base_url()) {
        (Some(url), _) => url.clone(),
        (None, Some(default)) => default.to_string(),
        (None, None) => {
            return Err(invalid(format!(
                "flavor = \"{flavor}\" needs base_url: where {} answers, like \"https://om.example.internal:8443\"",
                flavor.product()
            )));
        }
    };
    crate::atlas::check_base_url(&base_url).map_err(invalid)?;
    let api = match &file.api_version {
        Some(v) => v
            .parse::<ApiVersion>()
            .map_err(|e| invalid(format!("api_version: {e}")))?,
        None => ApiVersion::V1,
    };
    if flavor.is_public_api() && api != ApiVersion::V1 {
        return Err(invalid(format!(
            "api_version = \"{}\": {} has one API version, v1.0 (/api/public/v1.0); remove api_version",
            api.as_str(),
            flavor.product()
        )));
    }
    let public_key = file.public_key.clone().or_else(|| env(ENV_PUBLIC_KEY)).ok_or_else(|| {
        invalid(format!(
            "no public key: set public_key in the profile or {ENV_PUBLIC_KEY} (Atlas: Organization Access Manager > API Keys)"
        ))
    })?;
    let duration = |key: &str, value: &Option<String>, default: Duration| -> Result<Duration, ConfigError> {
        match value {
            None => Ok(default),
            Some(text) => humantime::parse_duration(text)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    invalid(format!(
                        "{key} = {text:?} is not a duration: write it like \"10s\" or \"2m\""
                    ))
                }),
        }
    };
    let key_timeout = duration(
        "private_key_command_timeout",
        &file.private_key_command_timeout,
        KEY_COMMAND_TIMEOUT,
    )?;
    let private_key = match (&file.private_key, &file.private_key_command) {
        (Some(key), _) => key.clone(),
        (None, Some(command)) => run_key_command(&name, command, key_timeout)?,
        (None, None) => env(ENV_PRIVATE_KEY).map(SecretString::new).ok_or_else(|| {
            invalid(format!(
                "no private key: set private_key_command (e.g. \"pass show atlas/{name}\"), {ENV_PRIVATE_KEY}, or private_key in a chmod-600 file"
            ))
        })?,
    };
    Ok(Profile {
        flavor,
        api,
        public_key,
        private_key,
        group_id: file.group_id.clone().or_else(|| env(ENV_PROJECT_ID)),
        cluster_name: file.cluster_name.clone(),
        poll_interval: duration("poll_interval", &file.poll_interval, Duration::from_secs(10))?,
        request_timeout: duration("request_timeout", &file.request_timeout, Duration::from_secs(30))?,
        connect_timeout: duration("connect_timeout", &file.connect_timeout, Duration::from_secs(10))?,
        ca_file: file.ca_file.clone(),
        download_dir: file.download_dir.clone(),
        max_body_bytes: file.max_body_bytes.unwrap_or(8 * 1024 * 1024),
        production: file.production,
        drill_targets: file.drill_targets.clone(),
        base_url: base_url.trim_end_matches('/').to_string(),
        name,
    })
}

pub use crate::key_command::{KEY_COMMAND_TIMEOUT, run_key_command};

impl Profile {
    /// What the Atlas client needs of this profile (the wire layer knows nothing of profiles).
    pub fn client_options(&self) -> crate::atlas::ClientOptions {
        crate::atlas::ClientOptions {
            flavor: self.flavor,
            base_url: self.base_url.clone(),
            api: self.api,
            public_key: self.public_key.clone(),
            private_key: self.private_key.clone(),
            request_timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            ca_file: self.ca_file.clone(),
            max_body_bytes: self.max_body_bytes,
            envelope: false,
            pretty: false,
        }
    }
}

/// The folder offered at the first download when the profile names none: the user's download
/// folder (XDG), else the data folder, in an `atlas-restore` folder of their own; never the
/// current directory, where a multi-gigabyte archive would land wherever the session
/// happened to start.
pub fn default_download_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(|d| d.join("atlas-restore")))
        .or_else(|| directories::ProjectDirs::from("", "", "atlas-restore").map(|p| p.data_dir().join("downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
}

impl Profile {
    /// What the dashboard needs of this profile, as plain values (the secret stays here and
    /// in the client built from it).
    pub fn screen(&self) -> crate::tui::ScreenProfile {
        crate::tui::ScreenProfile {
            name: self.name.clone(),
            base_url: self.base_url.clone(),
            public_key: self.public_key.clone(),
            api: self.api,
            flavor: self.flavor,
            production: self.production,
            drill_targets: self.drill_targets.clone(),
            group_id: self.group_id.clone(),
            cluster_name: self.cluster_name.clone(),
            download_dir: self.download_dir.clone(),
            poll_interval: self.poll_interval,
        }
    }
}
