//! Nothing the program hands the DBA can do harm, checked on the real binary against
//! `atlas-restore sim` run as its own process: the deprecated `url` (its path is the download
//! key) reaches neither the journal nor `jobs` (an old journal that holds it still loads and
//! is written again without it), a job with only `url` still downloads; the process cannot
//! dump core; and in the dashboard, a hostile server's auth value gets no command, in words.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use crate::support::wait;
use lab::{Lab, SimAsk, json_of, show, text};
use pty::{BIN, SimProcess, key};

use serde_json::{Value, json};
use std::time::Duration;

/// Every `delivery.url` in `v`, however deep.
fn urls(v: &Value) -> Vec<String> {
    match v {
        Value::Object(map) => {
            let own = map
                .get("delivery")
                .and_then(|d| d.get("url"))
                .map(|u| u.to_string())
                .into_iter();
            own.chain(map.values().flat_map(urls)).collect()
        }
        Value::Array(items) => items.iter().flat_map(urls).collect(),
        _ => Vec::new(),
    }
}

/// Submits a download of the newest snapshot of Cluster0 (`extra` added to its delivery) and
/// waits until `jobs --format json` says it is READY; its id.
fn ready_job(lab: &Lab, snapshot: &str, extra: Value) -> String {
    let mut body = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    body["delivery"]
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let out = lab.submit(&body.to_string(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert!(urls(&doc).is_empty(), "submit printed a url: {doc}");
    let id = doc["jobs"][0]["id"].as_str().unwrap().to_string();
    // Each look starts the program: a tenth of a second apart.
    wait::until_every(
        "the job READY",
        Duration::from_secs(30),
        Duration::from_millis(100),
        || {
            let jobs = json_of(&lab.run(&["jobs", "--format", "json"]));
            if jobs[0]["delivery"]["statusName"] == "READY" {
                Ok(())
            } else {
                Err(jobs)
            }
        },
    );
    id
}

/// `delivery.url` of job `id` as the simulator answers it at `path` (its jobs' list).
fn url_from_atlas(sim: &SimProcess, path: &str, id: &str) -> String {
    let page = sim.ask(path);
    let job = page.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .unwrap();
    job["delivery"]["url"].as_str().unwrap().to_string()
}

/// What must not be anywhere: the url, and its key (the path segment after the job's id).
fn assert_nowhere(url: &str, id: &str, what: &str, text: &str) {
    let key = url.split(&format!("/{id}/")).nth(1).unwrap().split('/').next().unwrap();
    assert!(key.len() >= 8, "{url}");
    assert!(
        !text.contains(url) && !text.contains(key),
        "{what} holds the deprecated url: {text}"
    );
}

#[test]
fn the_deprecated_url_reaches_neither_the_journal_nor_jobs_and_an_old_journal_loses_it() {
    let sim = SimProcess::start(&["--speed", "600"]);
    let lab = Lab::new("no-harm-url", &sim);
    let id = ready_job(&lab, &sim.snapshot("Cluster0"), json!({}));
    let list = format!("/api/atlas/v1.0/groups/{}/clusters/Cluster0/restoreJobs", sim.group());
    let url = url_from_atlas(&sim, &list, &id);

    let journal_text = lab.journal().to_string();
    assert_nowhere(&url, &id, "the store", &lab.store_bytes());
    assert!(urls(&lab.journal()).is_empty(), "{journal_text}");
    assert!(journal_text.contains("urlV2"), "{journal_text}");
    for args in [
        &["jobs", "--format", "json"][..],
        &["jobs", "--all", "--format", "json"],
        &["jobs"],
    ] {
        let out = lab.run(args);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        assert_nowhere(&url, &id, &args.join(" "), &text(&out.stdout));
    }
    let jobs = json_of(&lab.run(&["jobs", "--format", "json"]));
    assert!(urls(&jobs).is_empty(), "{jobs}");
    assert!(jobs[0]["delivery"]["urlV2"].is_string(), "{jobs}");

    // A 0.1.0 journal whose job's delivery holds `url`, in a data folder with no store yet:
    // it is imported without it, `jobs` prints no url, and the old file is kept without it.
    let mut old = lab.journal();
    old["submits"][0]["jobs"][0]["delivery"]["url"] = json!(url);
    for name in ["store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"] {
        let _ = std::fs::remove_file(lab.data_dir().join(name));
    }
    let old_path = lab.data_dir().join("jobs-lab.json");
    std::fs::write(&old_path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    let out = lab.run(&["jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_nowhere(&url, &id, "jobs on an old journal", &text(&out.stdout));
    let store = lab.store_bytes();
    assert_nowhere(&url, &id, "the store, the old journal imported", &store);
    assert!(store.contains(&id), "the job came in");
    assert!(!old_path.exists());
    let kept = std::fs::read_to_string(lab.data_dir().join("jobs-lab.json.imported")).unwrap();
    assert_nowhere(&url, &id, "the old journal, kept aside", &kept);
    assert!(kept.contains(&id), "{kept}");
}

#[test]
fn a_job_with_only_the_deprecated_url_is_never_written_down_and_still_downloads() {
    // Cloud Manager lists `url` alone: no `urlV2`, no header.
    let sim = SimProcess::start(&["--flavor", "cloud-manager", "--speed", "600"]);
    let lab = Lab::with_profile("no-harm-cm", |_| {
        format!("flavor = \"cloud-manager\"\n{}", lab::sim_profile(&sim))
    });
    let cluster_id = sim.info["clusters"][0]["id"].as_str().unwrap().to_string();
    let page = sim.ask(&format!(
        "/api/public/v1.0/groups/{}/clusters/{cluster_id}/snapshots",
        sim.group()
    ));
    let snapshot = page.json["results"][0]["id"].as_str().unwrap().to_string();
    let id = ready_job(&lab, &snapshot, json!({"maxDownloads": 2}));
    let list = format!(
        "/api/public/v1.0/groups/{}/clusters/{cluster_id}/restoreJobs",
        sim.group()
    );
    let url = url_from_atlas(&sim, &list, &id);

    let out = lab.run(&["jobs", "--format", "json"]);
    let jobs = json_of(&out);
    assert_nowhere(&url, &id, "jobs --format json", &text(&out.stdout));
    assert_eq!(jobs[0]["downloadable"], true, "{jobs}");
    assert!(jobs[0]["delivery"]["urlV2"].is_null(), "{jobs}");
    let table = lab.run(&["jobs"]);
    let table = text(&table.stdout);
    assert_nowhere(&url, &id, "jobs", &table);
    assert!(table.contains("/…/"), "the host and file, the key left out: {table}");
    assert_nowhere(&url, &id, "the store", &lab.store_bytes());

    // `download` asks Atlas for the job again: the url in memory is enough.
    let dir = lab.dir.join("downloads");
    let out = lab.run(&["download", &id, "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_nowhere(
        &url,
        &id,
        "download's output",
        &format!("{}{}", text(&out.stdout), text(&out.stderr)),
    );
    assert_nowhere(&url, &id, "the store", &lab.store_bytes());
}

#[test]
fn the_process_cannot_dump_core() {
    use std::io::BufRead;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    // As root, the program runs as nobody: /proc/PID/status of a process that may not dump is
    // root's whoever runs it, so the owner tells whether it may (for root it always is root's).
    let me = std::fs::metadata("/proc/self").unwrap().uid();
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["sim", "--listen", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if me == 0 {
        cmd.uid(65534).gid(65534);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = child.id();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let owner = std::fs::metadata(format!("/proc/{pid}/status")).unwrap().uid();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("base_url"), "the simulator started: {line}");
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "soft and hard limits 0: {core}");
    assert_eq!(owner, 0, "/proc/{pid}/status is root's: the process is not dumpable");
}

#[test]
fn the_dashboard_offers_no_command_for_a_hostile_auth_value_and_says_why() {
    let sim = SimProcess::start(&["--speed", "60", "--fault", "hostile-delivery=auth-newline"]);
    let lab = Lab::new("no-harm-pty", &sim);
    let mut pty = lab.dashboard(140, 36);
    pty.submit_snapshot(0, "submitted: 1 restore job");
    pty.send(key::F2);
    pty.wait_until(30, "the job READY", |s| s.contains("READY"));
    let before = pty.raw_len();
    pty.send("c");
    let refusal = "the download auth value from Atlas holds a newline: no command is offered; download with d instead";
    pty.wait_for(refusal);
    // The detail reveals no such value, and the plain screen prints why instead of a command.
    pty.send(key::ENTER);
    pty.wait_for("auth header");
    // Whatever `c` wrote came before the next key's frame (the loop writes in order; a copy
    // is written at once): nothing of it was a copy.
    let written = pty.raw()[before..].to_vec();
    assert!(
        !written.windows(5).any(|w| w == b"\x1b]52;"),
        "something was copied: {}",
        String::from_utf8_lossy(&written)
    );
    pty.send("r");
    pty.wait_for("(not shown: the download auth value from Atlas holds a newline)");
    pty.send("p");
    let plain = pty.wait_for("Any key goes back");
    assert!(plain.contains(refusal), "{plain}");
    assert!(
        !plain.contains("hostile-output") && !plain.contains("| curl"),
        "{plain}"
    );
    pty.send(key::ESC);
    pty.wait_for("auth header");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
