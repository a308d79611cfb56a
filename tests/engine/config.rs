//! The config contract: where the file is found, profiles, keys from the file, the
//! environment or a command, permissions, and errors that point at the line.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::config::{self, ColorChoice, ConfigError};
use atlas_restore::restore::ApiVersion;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// A scratch folder, removed when dropped (a failed test's too).
struct Dir(tempfile::TempDir);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-config-{name}-"))
            .tempdir()
            .unwrap();
        Dir(p)
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }

    fn file(&self, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

const FULL: &str = r#"
default_profile = "prod"

[profiles.prod]
base_url = "https://cloud.mongodb.com"
api_version = "v2"
public_key = "abcdefgh"
private_key = "11111111-2222-3333-4444-555555555555"
group_id = "5e2211c17a3e5a48f5497de3"
cluster_name = "Cluster0"
poll_interval = "15s"
request_timeout = "20s"

[profiles.lab]
base_url = "http://127.0.0.1:8089"
public_key = "labkey"
private_key_command = "printf '  secret-from-command \n'"

[ui]
color = "never"
ascii = true
"#;

#[test]
fn reads_every_key_of_the_contract() {
    let dir = Dir::new("full");
    let path = dir.file(FULL, 0o600);
    let none = env_of(&[]);
    let cfg = config::load(Some(&path), &none).unwrap();
    assert_eq!(cfg.file.ui.color, ColorChoice::Never);
    assert!(cfg.file.ui.ascii && !cfg.file.ui.mouse);
    let prod = cfg.profile(None, &none).unwrap();
    assert_eq!(prod.name, "prod");
    assert_eq!(prod.api, ApiVersion::V2);
    assert_eq!(prod.public_key, "abcdefgh");
    assert_eq!(prod.private_key.expose(), "11111111-2222-3333-4444-555555555555");
    assert_eq!(prod.group_id.as_deref(), Some("5e2211c17a3e5a48f5497de3"));
    assert_eq!(prod.cluster_name.as_deref(), Some("Cluster0"));
    assert_eq!(prod.poll_interval, Duration::from_secs(15));
    assert_eq!(prod.request_timeout, Duration::from_secs(20));
    // The profile's Debug never shows the key.
    assert!(!format!("{prod:?}").contains("11111111"));

    let lab = cfg.profile(Some("lab"), &none).unwrap();
    assert_eq!(
        lab.private_key.expose(),
        "secret-from-command",
        "trimmed output of the command"
    );
    assert_eq!(lab.poll_interval, Duration::from_secs(10), "default");
}

#[test]
fn the_example_config_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap();
    let file = config::parse(std::path::Path::new("config.example.toml"), &text).unwrap();
    let prod = &file.profiles["prod"];
    assert_eq!(prod.poll_interval.as_deref(), Some("10s"));
    assert!(prod.production, "the example's production profile is marked");
    assert!(!file.profiles["onprem"].production, "off unless written");
    assert_eq!(file.default_profile.as_deref(), Some("prod"));
}

#[test]
fn a_key_file_readable_by_others_is_refused_with_the_fix() {
    let dir = Dir::new("open");
    let path = dir.file(FULL, 0o644);
    let err = config::load(Some(&path), &env_of(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::TooOpen { mode: 0o644, .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
    // Without a private key in it, the same mode is fine.
    let keyless = dir.file("[profiles.a]\npublic_key = \"p\"\n", 0o644);
    assert!(config::load(Some(&keyless), &env_of(&[])).is_ok());
}

#[test]
fn a_broken_file_names_line_and_column() {
    let dir = Dir::new("broken");
    let path = dir.file(
        "default_profile = \"prod\"\n[profiles.prod]\npoll_interval = 10s\n",
        0o600,
    );
    let err = config::load(Some(&path), &env_of(&[])).unwrap_err();
    match &err {
        ConfigError::Syntax { line, column, .. } => assert_eq!((*line, *column), (3, 17), "{err}"),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains(&path.display().to_string()));

    let unknown = dir.file("[profiles.prod]\nbase_ulr = \"https://x\"\n", 0o600);
    let err = config::load(Some(&unknown), &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("base_ulr"), "{err}");
}

#[test]
fn keys_come_from_the_atlas_cli_environment() {
    let env = env_of(&[
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "envpub"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", "envpriv"),
        ("MONGODB_ATLAS_PROJECT_ID", "5e2211c17a3e5a48f5497de3"),
    ]);
    // No file at all: a profile made of the environment.
    let cfg = config::Config::default();
    let p = cfg.profile(None, &env).unwrap();
    assert_eq!(
        (p.name.as_str(), p.public_key.as_str(), p.private_key.expose()),
        ("env", "envpub", "envpriv")
    );
    assert_eq!(p.group_id.as_deref(), Some("5e2211c17a3e5a48f5497de3"));
    assert_eq!(p.base_url, "https://cloud.mongodb.com");

    // A profile's own value wins over the environment.
    let dir = Dir::new("env");
    let path = dir.file("[profiles.x]\npublic_key = \"filepub\"\n", 0o600);
    let p = config::load(Some(&path), &env).unwrap().profile(None, &env).unwrap();
    assert_eq!((p.public_key.as_str(), p.private_key.expose()), ("filepub", "envpriv"));
}

#[test]
fn the_config_path_comes_from_the_environment_variable() {
    let dir = Dir::new("envpath");
    let path = dir.file(
        "[profiles.only]\npublic_key = \"p\"\nprivate_key_command = \"echo k\"\n",
        0o600,
    );
    let env = env_of(&[("ATLAS_RESTORE_CONFIG", path.to_str().unwrap())]);
    let cfg = config::load(None, &env).unwrap();
    assert_eq!(cfg.path.as_deref(), Some(path.as_path()));
    assert_eq!(cfg.profile(None, &env).unwrap().name, "only");
    let missing = env_of(&[("ATLAS_RESTORE_CONFIG", "/nonexistent/atlas.toml")]);
    assert!(matches!(config::load(None, &missing), Err(ConfigError::Read { .. })));
}

#[test]
fn missing_keys_and_bad_values_say_what_to_do() {
    let dir = Dir::new("missing");
    let none = env_of(&[]);
    let load = |text: &str| config::load(Some(&dir.file(text, 0o600)), &none).unwrap();
    let err = load("[profiles.p]\n").profile(None, &none).unwrap_err().to_string();
    assert!(
        err.contains("no public key") && err.contains("MONGODB_ATLAS_PUBLIC_API_KEY"),
        "{err}"
    );
    let err = load("[profiles.p]\npublic_key = \"a\"\n")
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no private key") && err.contains("private_key_command"),
        "{err}"
    );
    let err = load("[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"exit 3\"\n")
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(err.contains("private_key_command failed"), "{err}");
    let err = load("[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"true\"\n")
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(err.contains("printed nothing"), "{err}");
    let err = load(
        "[profiles.p]\nbase_url = \"http://cloud.mongodb.com\"\npublic_key = \"a\"\nprivate_key_command = \"echo k\"\n",
    )
    .profile(None, &none)
    .unwrap_err()
    .to_string();
    assert!(err.contains("plain http") && err.contains("https://"), "{err}");
    let err = load("[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"echo k\"\npoll_interval = \"often\"\n")
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(err.contains("poll_interval") && err.contains("10s"), "{err}");
    let err = load(
        FULL.replace("private_key = \"11111111-2222-3333-4444-555555555555\"\n", "")
            .as_str(),
    )
    .profile(Some("nope"), &none)
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no profile \"nope\"") && err.contains("lab, prod"),
        "{err}"
    );
}

#[test]
fn the_example_shows_an_ops_manager_profile_that_resolves() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap();
    let dir = Dir::new("example-onprem");
    // Its CA file and key command are the example's: give the key through the environment.
    let text = text
        .replace("private_key_command = \"pass show opsmanager/onprem\"\n", "")
        .replace("ca_file = \"/etc/ssl/certs/corp-ca.pem\"\n", "");
    let path = dir.file(&text, 0o600);
    let cfg = config::load(Some(&path), &env_of(&[])).unwrap();
    let env = env_of(&[("MONGODB_ATLAS_PRIVATE_API_KEY", "k")]);
    let onprem = cfg.profile(Some("onprem"), &env).unwrap();
    assert_eq!(onprem.flavor, atlas_restore::restore::Flavor::OpsManager);
    assert_eq!(onprem.base_url, "https://om.example.internal:8443");
    assert_eq!(onprem.api, ApiVersion::V1);
}

#[test]
fn a_flavor_per_profile_with_its_base_url_rules() {
    use atlas_restore::restore::Flavor;
    let dir = Dir::new("flavors");
    let path = dir.file(
        r#"
[profiles.cm]
flavor = "cloud-manager"
public_key = "p"
[profiles.om]
flavor = "ops-manager"
public_key = "p"
[profiles.om-v2]
flavor = "ops-manager"
base_url = "https://om.example.internal:8443"
api_version = "v2"
public_key = "p"
[profiles.odd]
flavor = "mongodb"
public_key = "p"
[profiles.plain]
public_key = "p"
"#,
        0o600,
    );
    let cfg = config::load(Some(&path), &env_of(&[])).unwrap();
    let env = env_of(&[("MONGODB_ATLAS_PRIVATE_API_KEY", "k")]);
    let cm = cfg.profile(Some("cm"), &env).unwrap();
    assert_eq!(
        (cm.flavor, cm.base_url.as_str()),
        (Flavor::CloudManager, "https://cloud.mongodb.com")
    );
    let plain = cfg.profile(Some("plain"), &env).unwrap();
    assert_eq!(plain.flavor, Flavor::Atlas, "the default");
    assert_eq!(plain.client_options().flavor, Flavor::Atlas);
    let err = cfg.profile(Some("om"), &env).unwrap_err().to_string();
    assert!(err.contains("flavor = \"ops-manager\" needs base_url"), "{err}");
    let err = cfg.profile(Some("om-v2"), &env).unwrap_err().to_string();
    assert!(err.contains("Ops Manager has one API version, v1.0"), "{err}");
    let err = cfg.profile(Some("odd"), &env).unwrap_err().to_string();
    assert!(err.contains("unknown flavor \"mongodb\""), "{err}");
}

/// The process `pid` is gone (or a zombie left for init to reap), within a few seconds.
fn gone(pid: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit_once(')')
                    .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')) =>
            {
                return true;
            }
            Ok(_) if std::time::Instant::now() > deadline => return false,
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[test]
fn a_hung_key_command_is_stopped_at_its_timeout_with_what_it_started() {
    let dir = Dir::new("key-timeout");
    let pid_file = dir.path().join("pid");
    // A shell that starts a program of its own, which hangs, as `pass` does on a pin.
    let text = format!(
        "[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"sh -c 'echo $$ > {}; exec sleep 30'; echo k\"\nprivate_key_command_timeout = \"300ms\"\n",
        pid_file.display()
    );
    let none = env_of(&[]);
    let started = std::time::Instant::now();
    let err = config::load(Some(&dir.file(&text, 0o600)), &none)
        .unwrap()
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(
        err.contains("private_key_command failed: it did not finish within 300ms, so it was stopped"),
        "{err}"
    );
    assert!(err.contains("private_key_command_timeout"), "{err}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(gone(pid.trim()), "the program the command started still runs: {pid}");

    // The timeout is a duration like the others.
    let bad =
        "[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"echo k\"\nprivate_key_command_timeout = \"soon\"\n";
    let err = config::load(Some(&dir.file(bad, 0o600)), &none)
        .unwrap()
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("private_key_command_timeout = \"soon\" is not a duration"),
        "{err}"
    );
}

#[test]
fn a_failing_key_command_s_standard_error_is_never_shown() {
    let dir = Dir::new("key-stderr");
    let secret = "sk-8f14e45fceea167a5a36dedd4bea2543";
    let text = format!(
        "[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"echo {secret} >&2; echo 'gpg: decryption failed' >&2; exit 1\"\n"
    );
    let none = env_of(&[]);
    let err = config::load(Some(&dir.file(&text, 0o600)), &none)
        .unwrap()
        .profile(None, &none)
        .unwrap_err();
    let said = format!("{err} {err:?}");
    assert!(!said.contains(secret) && !said.contains("8f14e45f"), "{said}");
    assert!(!said.contains("decryption failed"), "{said}");
    assert_eq!(
        err.to_string(),
        "profile p: private_key_command failed: it exited with status 1; what it wrote to standard error (2 lines) is not shown, as it may hold the key: run the command yourself to see it"
    );
    // It reads nothing: a prompt on standard input ends at once instead of waiting unseen.
    let text = "[profiles.p]\npublic_key = \"a\"\nprivate_key_command = \"read -r k && echo $k\"\n";
    let err = config::load(Some(&dir.file(text, 0o600)), &none)
        .unwrap()
        .profile(None, &none)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("it exited with status 1; it wrote nothing to standard error"),
        "{err}"
    );
}

#[test]
fn a_config_that_is_no_file_or_far_too_large_is_refused_at_once() {
    // A device (read forever) and a FIFO (a read that never ends) are not configs.
    let err = config::load(Some(std::path::Path::new("/dev/zero")), &env_of(&[])).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let dir = Dir::new("fifo");
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let err = config::load(Some(&fifo), &env_of(&[])).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    // 2 MiB of comments: over the cap, said with the path.
    let big = dir.file(&"# padding\n".repeat(200_000), 0o600);
    let err = config::load(Some(&big), &env_of(&[])).unwrap_err();
    assert!(
        err.to_string().contains("over 1024 KiB") && err.to_string().contains(&big.display().to_string()),
        "{err}"
    );
}
