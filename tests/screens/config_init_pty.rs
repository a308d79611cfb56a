//! `atlas-restore config init` in a real pseudo-terminal against `atlas-restore sim --flavor
//! ops-manager`: a wrong key refused and given again (the private key never shown), the
//! project and the cluster picked from what the keys list, the profile written 0600 beside the
//! file's other profile and comments, and the profile then working; an access-list refusal
//! that names the address to add and writes nothing; and no questions off a terminal.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use pty::{BIN, Pty, SimProcess, TempDir, key};
use std::os::unix::fs::PermissionsExt;

const EXISTING: &str = "# Our team's profiles: keep this note.\ndefault_profile = \"prod\"\n\n[profiles.prod] # the Atlas one\npublic_key = \"abcdefgh\"\npoll_interval = \"15s\"\n";

fn env(home: &TempDir) -> Vec<(String, String)> {
    let h = home.path().to_str().unwrap().to_string();
    vec![
        ("HOME".into(), h.clone()),
        ("XDG_DATA_HOME".into(), format!("{h}/data")),
        ("XDG_STATE_HOME".into(), format!("{h}/state")),
    ]
}

fn spawn(home: &TempDir, args: &[&str]) -> Pty {
    let env = env(home);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Pty::spawn(args, &env, 100, 40)
}

/// Types an answer and Enter, once the question is on screen.
fn answer(pty: &mut Pty, question: &str, text: &str) {
    pty.wait_for(question);
    pty.type_text(text);
    pty.send(key::ENTER);
}

#[test]
fn a_wrong_key_then_the_right_one_writes_a_working_profile_keeping_the_file() {
    let sim = SimProcess::start(&["--flavor", "ops-manager"]);
    let (base, public, private) = (
        sim.info["base_url"].as_str().unwrap().to_string(),
        sim.info["public_key"].as_str().unwrap().to_string(),
        sim.info["private_key"].as_str().unwrap().to_string(),
    );
    let home = pty::temp_dir("init-ok");
    let config = home.path().join("config.toml");
    std::fs::write(&config, EXISTING).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config_str = config.to_str().unwrap().to_string();
    let mut pty = spawn(
        &home,
        &["config", "init", "--config", &config_str, "--profile", "onprem"],
    );

    answer(&mut pty, "Product [1]:", "3");
    answer(&mut pty, "Ops Manager base URL", &base);
    answer(&mut pty, "Public key:", &public);
    answer(&mut pty, "Private key (not shown", "not-the-key");
    let s = pty.wait_for("Give other keys?");
    assert!(s.contains("Refused: 401"), "{s}");
    assert!(!s.contains("not-the-key"), "a private key was shown:\n{s}");
    pty.send(key::ENTER);
    // The public key is offered again as the default.
    pty.wait_until(10, "the public key asked again", |s| {
        s.matches("Public key").count() >= 2
    });
    pty.send(key::ENTER);
    pty.wait_until(10, "the private key asked again", |s| {
        s.matches("Private key (not shown").count() >= 2
    });
    pty.type_text(&private);
    pty.send(key::ENTER);
    let s = pty.wait_for("Project (number or id)");
    assert!(s.contains("Payments-Prod") && s.contains(sim.group()), "{s}");
    pty.send(key::ENTER);
    let s = pty.wait_for("Source cluster");
    assert!(
        s.contains("Cluster1  sharded  5f8e2b4d9d4b7e0012c3a4c2"),
        "whole clusters only, with their ids:\n{s}"
    );
    assert!(!s.contains("Cluster1-shard-0"), "{s}");
    pty.type_text("2");
    pty.send(key::ENTER);
    let s = pty.wait_for("Wrote profile onprem");
    assert!(!s.contains(&private), "the private key was shown:\n{s}");
    assert_eq!(pty.wait_exit(10), 0);

    // The file: the note, the other profile and its comment kept; the new profile; 0600.
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with(EXISTING), "{text}");
    assert!(
        text.contains("[profiles.onprem]") && text.contains("flavor = \"ops-manager\""),
        "{text}"
    );
    assert!(text.contains("cluster_name = \"Cluster1\""), "{text}");
    assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600);

    // And it works: `jobs` lists through it (none yet).
    let out = std::process::Command::new(BIN)
        .args([
            "--config",
            &config_str,
            "--profile",
            "onprem",
            "jobs",
            "--all",
            "--format",
            "json",
        ])
        .envs(env(&home))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn an_access_list_refusal_names_the_address_and_writes_nothing() {
    let sim = SimProcess::start(&["--fault", "not-on-access-list"]);
    let home = pty::temp_dir("init-acl");
    let config = home.path().join("cfg/config.toml");
    let config_str = config.to_str().unwrap().to_string();
    let mut pty = spawn(&home, &["config", "init", "--config", &config_str]);
    answer(&mut pty, "Profile name [default]:", "lab");
    answer(&mut pty, "Product [1]:", "");
    answer(
        &mut pty,
        "Base URL [https://cloud.mongodb.com]:",
        sim.info["base_url"].as_str().unwrap(),
    );
    answer(&mut pty, "Public key:", sim.info["public_key"].as_str().unwrap());
    answer(
        &mut pty,
        "Private key (not shown",
        sim.info["private_key"].as_str().unwrap(),
    );
    let s = pty.wait_for("Try again once the address is on the list?");
    assert!(
        s.contains("IP_ADDRESS_NOT_ON_ACCESS_LIST") && s.contains(atlas_restore::sim::REFUSED_ADDRESS),
        "{s}"
    );
    pty.type_text("n");
    pty.send(key::ENTER);
    pty.wait_for("nothing was written");
    assert_eq!(pty.wait_exit(10), 1);
    assert!(!config.exists());
}

#[test]
fn no_questions_off_a_terminal() {
    let home = pty::temp_dir("init-notty");
    let out = std::process::Command::new(BIN)
        .args(["config", "init", "--config"])
        .arg(home.path().join("config.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("asks its questions on a terminal"));
    assert!(!home.path().join("config.toml").exists());
}
