//! `atlas-restore config init [--profile NAME]`: from nothing (or the demo) to a working
//! profile in one command, as the Atlas CLI's `atlas config init` does. It asks the product,
//! where it answers, the key pair (the private key hidden, or a command that prints it),
//! proves the keys by listing what they can see (a refusal in words: the address to add to
//! the access list, the key to check), lets the project and the cluster be picked from those
//! lists, and writes the profile, mode 0600, without touching the file's other profiles or
//! comments (`toml_edit`). It runs on a terminal only.
//!
//! The questions go through `Prompter`, so the flow is the same whatever asks them; the file's
//! edit (`merge`) and its write (`write_private`) are plain functions.

use crate::atlas::{AtlasClient, AtlasError, ClientOptions, Cluster, Project};
use crate::config::{self, Env};
use crate::restore::{ApiVersion, Flavor};
use crate::secret::SecretString;
use crate::text::sanitize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit statuses: written; not written (the user stopped, or the keys never worked); set-up
/// (not a terminal, no config path, a file that cannot be read or written).
pub(crate) const EXIT_WRITTEN: i32 = 0;
pub(crate) const EXIT_NOT_WRITTEN: i32 = 1;
pub const EXIT_SETUP: i32 = 2;

const PREFIX: &str = "atlas-restore config init";

/// How the private key is kept.
#[derive(Debug, Clone)]
pub enum PrivateKey {
    /// In the file (which is then 0600, as the program demands).
    InFile(SecretString),
    /// A command that prints it: the key stays out of the file.
    Command(String),
}

/// The profile the questions made.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub flavor: Flavor,
    pub base_url: String,
    pub public_key: String,
    pub private_key: PrivateKey,
    pub group_id: Option<String>,
    pub cluster_name: Option<String>,
}

/// Asks and says things; the terminal's is `Terminal`.
pub trait Prompter {
    /// Says a line (or several).
    fn say(&mut self, text: &str) -> std::io::Result<()>;
    /// Asks for a line, shown as typed; `None` when the user gave up (Ctrl-C, Ctrl-D).
    fn ask(&mut self, question: &str) -> std::io::Result<Option<String>>;
    /// Asks for a line that is not shown.
    fn ask_secret(&mut self, question: &str) -> std::io::Result<Option<String>>;
}

/// Why the questions stopped before a profile was written.
enum Stop {
    /// The user gave up: nothing written.
    GaveUp,
    /// A set-up problem, in words.
    Setup(String),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Setup(format!("the terminal: {e}"))
    }
}

type Flow<T> = Result<T, Stop>;

/// The whole command on the process's terminal. `explicit` is `--config` (or
/// `ATLAS_RESTORE_CONFIG`), `profile` is `--profile`.
pub fn run_on_terminal(explicit: Option<&Path>, profile: Option<&str>, env: Env) -> i32 {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!(
            "{PREFIX}: it asks its questions on a terminal, and standard input or output is not one: run it in a terminal, or write the profile by hand (config.example.toml documents every key)"
        );
        return EXIT_SETUP;
    }
    let Some(path) = explicit
        .map(Path::to_path_buf)
        .or_else(|| env(config::ENV_CONFIG).map(PathBuf::from))
        .or_else(config::default_path)
    else {
        eprintln!("{PREFIX}: no home directory to keep the config in: set HOME, or give --config FILE");
        return EXIT_SETUP;
    };
    let mut term = Terminal::new();
    run(&mut term, &path, profile, env)
}

/// The flow, with any `Prompter`: the exit status.
pub fn run(p: &mut dyn Prompter, path: &Path, profile: Option<&str>, env: Env) -> i32 {
    match flow(p, path, profile, env) {
        Ok(code) => code,
        Err(Stop::GaveUp) => {
            let _ = p.say("Stopped: nothing was written.");
            EXIT_NOT_WRITTEN
        }
        Err(Stop::Setup(why)) => {
            let _ = p.say(&format!("{PREFIX}: {why}; nothing was written."));
            EXIT_SETUP
        }
    }
}

fn flow(p: &mut dyn Prompter, path: &Path, profile: Option<&str>, env: Env) -> Flow<i32> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => {
            // A file the program could not read is not edited: the user fixes it first.
            config::parse(path, &text).map_err(|e| Stop::Setup(e.to_string()))?;
            Some(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Stop::Setup(format!("cannot read {}: {e}", path.display()))),
    };
    let known: Vec<String> = existing
        .as_deref()
        .and_then(|t| config::parse(path, t).ok())
        .map(|f| f.profiles.keys().cloned().collect())
        .unwrap_or_default();
    p.say(&format!(
        "A profile for atlas-restore, written to {}{}.",
        path.display(),
        if existing.is_some() {
            " (its other profiles and comments stay as they are)"
        } else {
            ""
        }
    ))?;

    let name = match profile {
        Some(n) => n.to_string(),
        None => ask_default(p, "Profile name", "default")?,
    };
    if !is_profile_name(&name) {
        return Err(Stop::Setup(format!(
            "profile name {name:?}: use letters, digits, '-' and '_'"
        )));
    }
    if known.contains(&name) && !yes_no(p, &format!("Profile {name} exists: replace its keys?"), false)? {
        return Err(Stop::GaveUp);
    }

    let flavor = ask_flavor(p)?;
    let base_url = ask_base_url(p, flavor)?;
    let mut public_default = env(config::ENV_PUBLIC_KEY);
    loop {
        let public_key = match &public_default {
            Some(d) => ask_default(p, "Public key", d)?,
            None => ask_required(p, "Public key")?,
        };
        public_default = Some(public_key.clone());
        let (private_key, secret) = ask_private_key(p, &name)?;
        let client = client(flavor, &base_url, &public_key, &secret).map_err(|e| Stop::Setup(e.to_string()))?;
        match prove_and_pick(p, &client, env)? {
            Proved::Picked { group_id, cluster_name } => {
                let new = NewProfile {
                    flavor,
                    base_url: base_url.clone(),
                    public_key,
                    private_key,
                    group_id: Some(group_id),
                    cluster_name,
                };
                let text = merge(existing.as_deref().unwrap_or(""), &name, &new).map_err(Stop::Setup)?;
                write_private(path, &text).map_err(Stop::Setup)?;
                p.say(&format!(
                    "Wrote profile {name} to {} (mode 0600). The dashboard: atlas-restore --profile {name}",
                    path.display()
                ))?;
                return Ok(EXIT_WRITTEN);
            }
            Proved::OtherKeys => continue,
        }
    }
}

enum Proved {
    Picked {
        group_id: String,
        cluster_name: Option<String>,
    },
    /// The keys were refused and the user wants to give others.
    OtherKeys,
}

/// Lists the projects (or, where the key may not, asks for the project's id) and its
/// clusters: the keys work once both answer. A refusal is said in words; the user tries
/// again (after adding an address to the access list), gives other keys, or stops.
fn prove_and_pick(p: &mut dyn Prompter, client: &AtlasClient, env: Env) -> Flow<Proved> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Stop::Setup(format!("cannot start the async runtime: {e}")))?;
    let group_id = loop {
        p.say("Checking the keys: listing the projects they can see…")?;
        match rt.block_on(client.list_projects()) {
            Ok(projects) if !projects.is_empty() => break pick_project(p, &projects, env)?,
            Ok(_) => {
                p.say("The keys work, and see no project: give the project's id.")?;
                break ask_project_id(p, env)?;
            }
            Err(e) => match refusal(p, &e)? {
                Some(next) => return Ok(next),
                None if is_refusal(&e) => continue,
                // Organization keys list projects; project keys may not: ask for its id.
                None => {
                    p.say(&format!(
                        "The projects could not be listed ({}): give the project's id.",
                        sanitize(&e.to_string())
                    ))?;
                    break ask_project_id(p, env)?;
                }
            },
        }
    };
    loop {
        p.say(&format!("Listing the clusters of project {group_id}…"))?;
        match rt.block_on(client.list_clusters(&group_id)) {
            Ok(clusters) => {
                let cluster_name = pick_cluster(p, &clusters)?;
                return Ok(Proved::Picked { group_id, cluster_name });
            }
            Err(e) => match refusal(p, &e)? {
                Some(next) => return Ok(next),
                None if is_refusal(&e) => continue,
                None => {
                    p.say(&format!(
                        "The clusters could not be listed: {}",
                        sanitize(&e.to_string())
                    ))?;
                    if !yes_no(p, "Try again?", true)? {
                        return Err(Stop::GaveUp);
                    }
                }
            },
        }
    }
}

fn is_refusal(e: &AtlasError) -> bool {
    matches!(e, AtlasError::Status(s) if s.status == 401 || s.code() == "IP_ADDRESS_NOT_ON_ACCESS_LIST")
        || matches!(e, AtlasError::Transport { .. })
}

/// Says a refusal of the keys (wrong keys, the access list, no answer) and asks what next:
/// `Some(OtherKeys)` to give other keys, `None` to try the same again. Other errors: `None`
/// without asking (the caller decides).
fn refusal(p: &mut dyn Prompter, e: &AtlasError) -> Flow<Option<Proved>> {
    let said = sanitize(&e.to_string());
    match e {
        AtlasError::Status(s) if s.status == 401 => {
            p.say(&format!("Refused: {said}"))?;
            if yes_no(p, "Give other keys?", true)? {
                Ok(Some(Proved::OtherKeys))
            } else {
                Err(Stop::GaveUp)
            }
        }
        AtlasError::Status(s) if s.code() == "IP_ADDRESS_NOT_ON_ACCESS_LIST" => {
            p.say(&format!("Refused: {said}"))?;
            if yes_no(p, "Try again once the address is on the list?", true)? {
                Ok(None)
            } else {
                Err(Stop::GaveUp)
            }
        }
        AtlasError::Transport { .. } => {
            p.say(&format!("No answer: {said}"))?;
            if yes_no(p, "Try again?", true)? {
                Ok(None)
            } else {
                Err(Stop::GaveUp)
            }
        }
        _ => Ok(None),
    }
}

fn client(
    flavor: Flavor,
    base_url: &str,
    public_key: &str,
    private_key: &SecretString,
) -> Result<AtlasClient, AtlasError> {
    AtlasClient::new(&ClientOptions {
        flavor,
        base_url: base_url.to_string(),
        api: ApiVersion::V1,
        public_key: public_key.to_string(),
        private_key: private_key.clone(),
        request_timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(10),
        ca_file: None,
        max_body_bytes: 8 * 1024 * 1024,
        envelope: false,
        pretty: false,
    })
}

// ---- the questions ----

fn given(answer: Option<String>) -> Flow<String> {
    answer.map(|a| a.trim().to_string()).ok_or(Stop::GaveUp)
}

fn ask_default(p: &mut dyn Prompter, question: &str, default: &str) -> Flow<String> {
    let answer = given(p.ask(&format!("{question} [{default}]: "))?)?;
    Ok(if answer.is_empty() { default.to_string() } else { answer })
}

fn ask_required(p: &mut dyn Prompter, question: &str) -> Flow<String> {
    loop {
        let answer = given(p.ask(&format!("{question}: "))?)?;
        if !answer.is_empty() {
            return Ok(answer);
        }
        p.say(&format!("{question} is needed."))?;
    }
}

fn yes_no(p: &mut dyn Prompter, question: &str, default_yes: bool) -> Flow<bool> {
    let hint = if default_yes { "[Y/n]" } else { "[y/N]" };
    loop {
        let answer = given(p.ask(&format!("{question} {hint} "))?)?.to_ascii_lowercase();
        match answer.as_str() {
            "" => return Ok(default_yes),
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            _ => p.say("Answer y or n.")?,
        }
    }
}

fn ask_flavor(p: &mut dyn Prompter) -> Flow<Flavor> {
    p.say("Which product holds the backups?\n  1) Atlas\n  2) Cloud Manager\n  3) Ops Manager")?;
    loop {
        let answer = given(p.ask("Product [1]: ")?)?;
        let flavor = match answer.as_str() {
            "" | "1" => Ok(Flavor::Atlas),
            "2" => Ok(Flavor::CloudManager),
            "3" => Ok(Flavor::OpsManager),
            other => other.parse::<Flavor>(),
        };
        match flavor {
            Ok(f) => return Ok(f),
            Err(e) => p.say(&format!("{e}; or 1, 2, 3"))?,
        }
    }
}

fn ask_base_url(p: &mut dyn Prompter, flavor: Flavor) -> Flow<String> {
    loop {
        let url = match flavor.default_base_url() {
            Some(d) => ask_default(p, "Base URL", d)?,
            None => ask_required(p, &format!("{} base URL (https://HOST:PORT)", flavor.product()))?,
        };
        let url = url.trim_end_matches('/').to_string();
        match crate::atlas::check_base_url(&url) {
            Ok(()) => return Ok(url),
            Err(why) => p.say(&why)?,
        }
    }
}

/// The private key, hidden, or a command that prints it (run now, to prove the keys).
fn ask_private_key(p: &mut dyn Prompter, profile: &str) -> Flow<(PrivateKey, SecretString)> {
    loop {
        let key = given(p.ask_secret("Private key (not shown; leave empty to give a command that prints it): ")?)?;
        if !key.is_empty() {
            let secret = SecretString::new(key);
            return Ok((PrivateKey::InFile(secret.clone()), secret));
        }
        let command = ask_required(
            p,
            &format!("Command that prints the private key (for example: pass show atlas/{profile})"),
        )?;
        match config::run_key_command(profile, &command, config::KEY_COMMAND_TIMEOUT) {
            Ok(secret) => return Ok((PrivateKey::Command(command), secret)),
            Err(e) => p.say(&format!("{e}"))?,
        }
    }
}

fn pick_project(p: &mut dyn Prompter, projects: &[Project], env: Env) -> Flow<String> {
    let mut lines = String::from("Projects these keys can see:");
    for (i, pr) in projects.iter().enumerate() {
        lines.push_str(&format!(
            "\n  {}) {}  {}",
            i + 1,
            sanitize(pr.name.as_deref().unwrap_or("-")),
            sanitize(&pr.id)
        ));
    }
    p.say(&lines)?;
    let default = env(config::ENV_PROJECT_ID)
        .and_then(|id| projects.iter().position(|pr| pr.id == id.as_str()))
        .unwrap_or(0);
    loop {
        let answer = ask_default(p, "Project (number or id)", &(default + 1).to_string())?;
        let picked = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| projects.get(i))
            .or_else(|| projects.iter().find(|pr| pr.id == answer.as_str()));
        match picked {
            Some(pr) => return Ok(pr.id.to_string()),
            None if crate::restore::is_object_id(&answer) => return Ok(answer),
            None => p.say(&format!("{answer:?} is not one of them: give its number or its id."))?,
        }
    }
}

fn ask_project_id(p: &mut dyn Prompter, env: Env) -> Flow<String> {
    loop {
        let answer = match env(config::ENV_PROJECT_ID) {
            Some(d) => ask_default(p, "Project id", &d)?,
            None => ask_required(p, "Project id")?,
        };
        if crate::restore::is_object_id(&answer) {
            return Ok(answer);
        }
        p.say("A project id is 24 hexadecimal characters (lower case).")?;
    }
}

/// A cluster of the list, by number, name or id; empty leaves `cluster_name` unset.
fn pick_cluster(p: &mut dyn Prompter, clusters: &[Cluster]) -> Flow<Option<String>> {
    if clusters.is_empty() {
        p.say("The project has no cluster yet: the profile names none (set cluster_name later).")?;
        return Ok(None);
    }
    let mut lines = String::from("Clusters of the project:");
    for (i, c) in clusters.iter().enumerate() {
        let kind = match c.cluster_type.as_deref() {
            Some("SHARDED") => "sharded",
            Some("REPLICASET") => "replica set",
            Some(other) => other,
            None => "-",
        };
        lines.push_str(&format!(
            "\n  {}) {}  {}  {}",
            i + 1,
            sanitize(&c.name),
            sanitize(kind),
            sanitize(c.id.as_deref().unwrap_or("-"))
        ));
    }
    p.say(&lines)?;
    loop {
        let answer = ask_default(p, "Source cluster (number, name or id; - for none)", "1")?;
        if answer == "-" {
            return Ok(None);
        }
        let picked = answer
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| clusters.get(i))
            .or_else(|| {
                clusters
                    .iter()
                    .find(|c| c.name == answer.as_str() || c.id.as_deref() == Some(answer.as_str()))
            });
        match picked {
            Some(c) => return Ok(Some(c.name.to_string())),
            None => p.say(&format!("{answer:?} is not one of them."))?,
        }
    }
}

fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

// ---- the file ----

pub use super::config_terminal::Terminal;
pub use super::config_write::{merge, write_private};

#[cfg(test)]
mod tests {
    use super::*;

    fn om() -> NewProfile {
        NewProfile {
            flavor: Flavor::OpsManager,
            base_url: "https://om.example.internal:8443".into(),
            public_key: "ijklmnop".into(),
            private_key: PrivateKey::Command("pass show om".into()),
            group_id: Some("5f3a9e2c1d4b7e0012c3a4b5".into()),
            cluster_name: Some("Cluster0".into()),
        }
    }

    #[test]
    fn a_new_profile_keeps_the_file_as_it_was() {
        let before = "# my notes, kept\ndefault_profile = \"prod\"\n\n[profiles.prod] # the real one\npublic_key = \"abc\" # inline\npoll_interval = \"15s\"\n\n[ui]\nascii = true\n";
        let after = merge(before, "onprem", &om()).unwrap();
        assert!(
            after.starts_with(before.trim_end_matches("\n[ui]\nascii = true\n")),
            "{after}"
        );
        assert!(after.contains("# my notes, kept") && after.contains("# inline") && after.contains("# the real one"));
        assert!(after.contains("[ui]\nascii = true"));
        let parsed = crate::config::parse(Path::new("c.toml"), &after).unwrap();
        assert_eq!(parsed.default_profile.as_deref(), Some("prod"), "kept");
        let onprem = &parsed.profiles["onprem"];
        assert_eq!(onprem.flavor.as_deref(), Some("ops-manager"));
        assert_eq!(onprem.private_key_command.as_deref(), Some("pass show om"));
        assert!(onprem.private_key.is_none());
        assert_eq!(parsed.profiles["prod"].poll_interval.as_deref(), Some("15s"));
    }

    #[test]
    fn an_existing_profile_keeps_the_keys_not_asked_about() {
        let before = "[profiles.onprem]\nflavor = \"atlas\"\napi_version = \"v2\"\nprivate_key = \"old\"\nca_file = \"/etc/ca.pem\"\n";
        let after = merge(before, "onprem", &om()).unwrap();
        let parsed = crate::config::parse(Path::new("c.toml"), &after).unwrap();
        let p = &parsed.profiles["onprem"];
        assert_eq!(p.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert!(p.private_key.is_none() && p.api_version.is_none(), "{after}");
        assert_eq!(parsed.default_profile.as_deref(), Some("onprem"));
    }

    #[test]
    fn the_file_is_written_private() {
        let tmp = tempfile::Builder::new()
            .prefix("atlas-restore-init-")
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
        let path = dir.join("sub/config.toml");
        write_private(&path, "x = 1\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "x = 2\n").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x = 2\n");
    }
}
