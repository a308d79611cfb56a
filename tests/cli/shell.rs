//! Shell habits: `atlas-restore completions bash|zsh|fish`, `atlas-restore man`, and the
//! profile names that completion offers for `--profile` (`atlas-restore profiles`), tried in
//! a real bash with the generated script sourced.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

const BIN: &str = env!("CARGO_BIN_EXE_atlas-restore");

use crate::support::tools;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A scratch folder named for the test, removed when dropped (a failed test's too).
fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("atlas-restore-{name}-"))
        .tempdir()
        .unwrap()
}

fn run(args: &[&str], config: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("ATLAS_RESTORE_CONFIG")
        .env_remove("RUST_LOG")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("atlas-restore-shell-no-config"),
        );
    if let Some(c) = config {
        cmd.env("ATLAS_RESTORE_CONFIG", c);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A config with three profiles, one of them holding a key (so 0600).
fn config(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "default_profile = \"prod\"\n\
         [profiles.prod]\npublic_key = \"abcdefgh\"\nprivate_key = \"s3cret\"\n\
         [profiles.staging]\npublic_key = \"abcdefgh\"\n\
         [profiles.\"lab-2\"]\npublic_key = \"abcdefgh\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[test]
fn each_shell_gets_a_script_that_knows_the_subcommands_and_profiles() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&run(&["completions", shell], None));
        assert!(script.len() > 500, "{shell}: {script}");
        for word in ["submit", "jobs", "validate", "profile", "log-level"] {
            assert!(script.contains(word), "{shell} script lacks {word}:\n{script}");
        }
        assert!(
            script.contains("profiles 2>/dev/null"),
            "{shell} script does not ask for the profile names:\n{script}"
        );
    }
    let zsh = stdout(&run(&["completions", "zsh"], None));
    assert!(zsh.contains(":NAME:_atlas_restore_profiles'"), "{zsh}");
    assert!(
        !zsh.lines()
            .any(|l| l.starts_with("'--profile=") && l.contains(":NAME:_default'")),
        "every --profile spec completes the names:\n{zsh}"
    );
    let out = run(&["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_and_covers_each_subcommand() {
    let page = stdout(&run(&["man"], None));
    assert!(page.contains(".TH atlas-restore 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS"] {
        assert!(page.contains(section), "no {section}:\n{page}");
    }
    for sub in ["SUBMIT", "JOBS", "VALIDATE", "COMPLETIONS"] {
        assert!(
            page.contains(&format!(".SH \"ATLAS-RESTORE {sub}\"")),
            "no section for {sub}:\n{page}"
        );
    }
    assert!(page.contains("confirm\\-erase"), "submit's options are listed:\n{page}");
    assert!(page.contains("log\\-level"), "{page}");
}

#[test]
fn profiles_lists_the_config_names() {
    let dir = temp_dir("shell-profiles");
    let cfg = config(&dir);
    assert_eq!(stdout(&run(&["profiles"], Some(&cfg))), "lab-2\nprod\nstaging\n");
    assert_eq!(
        stdout(&run(&["--config", cfg.to_str().unwrap(), "profiles"], None)),
        "lab-2\nprod\nstaging\n"
    );
    // No config at all: no names, and no error.
    assert_eq!(stdout(&run(&["profiles"], None)), "");
}

/// What bash offers for `words`, the cursor on the last one, with the generated script
/// sourced: `COMPREPLY`, one a line.
fn bash_complete(words: &[&str], config_env: Option<&Path>) -> Vec<String> {
    let script = stdout(&run(&["completions", "bash"], None));
    let dir = temp_dir("shell-bash");
    let script_path = dir.path().join("atlas-restore.bash");
    std::fs::write(&script_path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=('{BIN}' {})\n\
         COMP_CWORD={}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _atlas_restore_with_profiles '{BIN}' \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script_path.display(),
        quoted.join(" "),
        words.len()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("--norc")
        .arg("-c")
        .arg(program)
        .env_remove("ATLAS_RESTORE_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"));
    if let Some(c) = config_env {
        cmd.env("ATLAS_RESTORE_CONFIG", c);
    }
    let out = cmd.output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_profile_names_from_the_config() {
    let dir = temp_dir("shell-complete");
    let cfg = config(&dir);
    let cfg_s = cfg.to_str().unwrap();

    // From the config the line names, after a subcommand too.
    assert_eq!(
        bash_complete(&["--config", cfg_s, "--profile", ""], None),
        ["lab-2", "prod", "staging"]
    );
    assert_eq!(
        bash_complete(&["jobs", "--config", cfg_s, "--profile", "st"], None),
        ["staging"]
    );
    // `--profile=NAME`, which bash splits at the `=`.
    assert_eq!(
        bash_complete(&["--config", cfg_s, "--profile", "=", "p"], None),
        ["prod"]
    );
    // From ATLAS_RESTORE_CONFIG when the line names none.
    assert_eq!(bash_complete(&["submit", "--profile", "l"], Some(&cfg)), ["lab-2"]);
    // Everything else is clap's: subcommands and flags.
    let subs = bash_complete(&["su"], None);
    assert!(subs.contains(&"submit".to_string()), "{subs:?}");
    // A subcommand's own options (which clap_complete 4.6 alone misses for a hyphenated name).
    let flags = bash_complete(&["jobs", "--a"], None);
    assert!(flags.contains(&"--all".to_string()), "{flags:?}");
    let flags = bash_complete(&["submit", "--confirm"], None);
    assert_eq!(flags, ["--confirm-erase"]);
}

/// fish, where it is installed (`.ci/run` installs it): `complete -C` with the generated
/// script sourced. Without fish this is skipped and says so (fish's script is still checked
/// as text above), unless `ATLAS_RESTORE_REQUIRE_PEERS=1`, where it fails.
#[test]
fn fish_completes_profile_names_from_the_config() {
    if !tools::have(&tools::FISH) {
        return;
    }
    let dir = temp_dir("shell-fish");
    let cfg = config(&dir);
    let script_path = dir.path().join("atlas-restore.fish");
    std::fs::write(&script_path, stdout(&run(&["completions", "fish"], None))).unwrap();
    let complete = |line: &str| -> Vec<String> {
        let out = Command::new("fish")
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source '{}'; complete -C '{line}'", script_path.display()))
            .env_remove("ATLAS_RESTORE_CONFIG")
            .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    let cfg_s = cfg.to_str().unwrap();
    assert_eq!(
        complete(&format!("{BIN} --config {cfg_s} --profile ")),
        ["lab-2", "prod", "staging"]
    );
    assert_eq!(
        complete(&format!("{BIN} jobs --config {cfg_s} --profile st")),
        ["staging"]
    );
    assert!(complete(&format!("{BIN} jobs --a")).contains(&"--all".to_string()));
}
