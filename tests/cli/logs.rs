//! The log as a user finds it after a day's work: the real binary against `atlas-restore sim`
//! run as its own process (`jobs --all`, a `submit`, and a download from the dashboard in a
//! pseudo-terminal), with `XDG_STATE_HOME` in a scratch folder. The log holds each request
//! (method, path, status, duration, Digest challenges) and none of the secrets that passed
//! by: the private key, the Digest header, the download URL's token, the download's auth
//! value. The file is 0600 in a 0700 folder, and nothing of it reached the terminal.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use crate::support::wait;
use lab::{SimAsk, json_of, show, text};
use pty::{SimProcess, key};

use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

/// A lab (`tests/support/lab.rs`) whose profile polls each second and downloads into a folder
/// of its own; its state folder, where the log goes, the lab's.
fn logs_lab(name: &str, sim: &SimProcess) -> lab::Lab {
    lab::Lab::with_profile(&format!("logs-{name}"), |dir| {
        let downloads = dir.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        format!(
            "{}poll_interval = \"1s\"\ndownload_dir = {:?}\n",
            lab::sim_profile(sim),
            downloads.to_str().unwrap()
        )
    })
}

/// Waits until the job's delivery is READY, and returns the job as Atlas lists it.
fn ready_job(sim: &SimProcess, job_id: &str) -> Value {
    let path = format!(
        "/api/atlas/v1.0/groups/{}/clusters/Cluster0/restoreJobs/{job_id}",
        sim.group()
    );
    wait::until("the job READY", Duration::from_secs(30), || {
        let job = sim.ask(&path);
        assert_eq!(job.status, 200, "{}", job.text);
        if job.json["delivery"]["statusName"] == "READY" {
            Ok(job.json)
        } else {
            Err(job.text)
        }
    })
}

/// The log's lines that record a request with `method`, `path` and `status`.
fn request_lines<'a>(log: &'a str, method: &str, path: &str, status: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| {
            l.contains(&format!("method={method} "))
                && l.contains(&format!("path={path} "))
                && l.contains(&format!("status={status} "))
        })
        .collect()
}

#[test]
fn the_log_holds_each_request_and_none_of_the_secrets() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = logs_lab("requests", &sim);
    let group = sim.group().to_string();
    let private_key = sim.info["private_key"].as_str().unwrap().to_string();
    let jobs_path = format!("/api/atlas/v1.0/groups/{group}/clusters/Cluster0/restoreJobs");

    // A script's list: the output is the command's alone.
    let out = lab.run(&["jobs", "--all", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    json_of(&out);
    assert!(out.stderr.is_empty(), "{}", show(&out));

    // A submit.
    let body = json!({"snapshotId": sim.snapshot("Cluster0"), "delivery": {"methodName": "HTTP"}}).to_string();
    let out = lab.submit(&body, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    let job_id = stdout.split_whitespace().next().unwrap().to_string();
    let job = ready_job(&sim, &job_id);
    let url = job["delivery"]["url"].as_str().unwrap().to_string();
    let auth_value = job["delivery"]["authValue"].as_str().unwrap_or_default().to_string();
    // The url's token: the segment after the job id.
    let segments: Vec<&str> = url.split('/').collect();
    let at = segments.iter().position(|s| *s == job_id).unwrap();
    let token = segments[at + 1].to_string();
    assert!(token.len() >= 8, "{url}");

    // A download from the dashboard, in a terminal.
    let mut pty = lab.dashboard(80, 24);
    pty.press_until(key::TAB, 16, "the jobs panel focused", |s| s.contains("▶ Restore jobs"));
    pty.wait_for("▶ Restore jobs (1)");
    pty.send(key::ENTER);
    pty.wait_for("download URL");
    pty.send("d");
    pty.wait_for("Download the restore file?");
    pty.send(key::ENTER);
    pty.wait_until(30, "the download checked", |s| s.contains("matches"));
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
    let terminal = text(&pty.raw());
    assert!(
        !terminal.contains("atlas_restore::http") && !terminal.contains(" INFO "),
        "log lines reached the terminal"
    );

    let log = lab.log();
    // The start of each run: the version, the command, the profile and the host.
    for command in ["jobs", "submit", "dashboard"] {
        assert!(
            log.lines().any(|l| l.contains(" start ")
                && l.contains(&format!("command={command}"))
                && l.contains("profile=lab")
                && l.contains("host=127.0.0.1")
                && l.contains(&format!("version={}", env!("CARGO_PKG_VERSION")))),
            "no start of {command}:\n{log}"
        );
    }
    // The requests: the list (with its page query), the source cluster, the create.
    assert!(
        !request_lines(&log, "GET", &format!("{jobs_path}?pageNum=1&itemsPerPage=500"), "200").is_empty(),
        "no list request:\n{log}"
    );
    assert!(
        !request_lines(
            &log,
            "GET",
            &format!("/api/atlas/v1.0/groups/{group}/clusters/Cluster0"),
            "200"
        )
        .is_empty(),
        "no cluster request:\n{log}"
    );
    let created = log
        .lines()
        .find(|l| l.contains("method=POST ") && l.contains(&format!("path={jobs_path} ")))
        .unwrap_or_else(|| panic!("no create request:\n{log}"));
    assert!(created.contains("status=20"), "{created}");
    // Durations and challenges: each process meets one challenge, then reuses the nonce.
    let requests: Vec<&str> = log.lines().filter(|l| l.contains(" request ")).collect();
    assert!(
        requests
            .iter()
            .all(|l| l.contains(" ms=") && l.contains(" challenges=")),
        "{log}"
    );
    assert!(requests.iter().any(|l| l.contains("challenges=1")), "{log}");
    assert!(requests.iter().any(|l| l.contains("challenges=0")), "{log}");
    // The download: its job id shown, its token not.
    let download = log
        .lines()
        .find(|l| l.contains("method=GET ") && l.contains(&format!("/pull/{job_id}/")))
        .unwrap_or_else(|| panic!("no download request:\n{log}"));
    assert!(
        download.contains("status=200") && download.contains("<redacted>"),
        "{download}"
    );
    assert!(log.contains("download finished"), "{log}");

    // None of the secrets.
    assert!(!log.contains(&private_key), "the private key is in the log:\n{log}");
    assert!(!log.contains(&token), "the URL token is in the log:\n{log}");
    if !auth_value.is_empty() {
        assert!(!log.contains(&auth_value), "the auth value is in the log:\n{log}");
    }
    assert!(
        !log.contains("Digest username"),
        "a Digest header is in the log:\n{log}"
    );
    assert!(!log.contains("response=\""), "a Digest header is in the log:\n{log}");

    // Private: the file 0600, its folder 0700.
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(lab.log_path()), 0o600);
    assert_eq!(mode(lab.log_dir()), 0o700);
}

#[test]
fn the_flag_wins_over_rust_log_and_off_makes_no_file() {
    let sim = SimProcess::start(&[]);

    // RUST_LOG alone is obeyed: at error, a good run leaves no request line.
    let lab = logs_lab("rust-log", &sim);
    let out = lab.run_env(&["jobs", "--all"], &[("RUST_LOG", "error")]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!lab.log().contains(" request "), "{}", lab.log());

    // The flag wins over it.
    let out = lab.run_env(&["jobs", "--all", "--log-level", "info"], &[("RUST_LOG", "off")]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(lab.log().contains(" request "), "{}", lab.log());

    // Off: not even a file.
    let lab = logs_lab("off", &sim);
    let out = lab.run(&["jobs", "--all", "--log-level", "off"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!lab.log_path().exists());

    // A failure is logged, as a warning with its status.
    let lab = logs_lab("fail", &sim);
    let text = std::fs::read_to_string(&lab.config).unwrap();
    let key = sim.info["private_key"].as_str().unwrap();
    std::fs::write(&lab.config, text.replace(key, "not-the-key")).unwrap();
    let out = lab.run(&["jobs", "--all"]);
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    let log = lab.log();
    assert!(
        log.lines()
            .any(|l| l.contains(" WARN ") && l.contains("status=401") && l.contains("error_code=")),
        "{log}"
    );
    assert!(!log.contains("not-the-key"), "{log}");
}
