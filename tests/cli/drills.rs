//! Restore drills as a cron job runs them: the real binary against `atlas-restore sim` run as
//! its own process. A passing download drill and a passing automated one; a failing one for
//! each check (RPO, RTO, a truncated archive, a SHA1 mismatch, check_command, a failed job);
//! refusals with nothing sent; `--due` twice; a run killed mid-way and resumed without a
//! second submit; the JUnit read back by an XML parser and the textfile by a Prometheus text
//! parser of our own.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use lab::{SimAsk, json_of, show};
use pty::SimProcess;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

/// A lab on its own simulator, whose profile may erase Staging0 in a drill.
struct Drills {
    lab: lab::Lab,
    sim: SimProcess,
}

impl Drills {
    fn new(name: &str, sim_args: &[&str]) -> Drills {
        Drills::with_lines(name, sim_args, "")
    }

    /// A lab whose profile has `lines` besides the simulator's.
    fn with_lines(name: &str, sim_args: &[&str], lines: &str) -> Drills {
        let sim = SimProcess::start(sim_args);
        let lab = lab::Lab::with_profile(&format!("drill-{name}"), |_| {
            format!(
                "{}poll_interval = \"1s\"\ndrill_targets = [\"Staging0\"]\n{lines}",
                lab::sim_profile(&sim)
            )
        });
        std::fs::create_dir_all(lab.dir.join("drills")).unwrap();
        Drills { lab, sim }
    }

    /// Writes drill `name` into the config folder's `drills/`.
    fn drill(&self, name: &str, body: &str) -> PathBuf {
        let path = self.lab.dir.join("drills").join(format!("{name}.toml"));
        std::fs::write(&path, body).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> Output {
        self.lab.run(&[&["drill"], args].concat())
    }

    fn creates(&self) -> u64 {
        self.sim.counters()["restore_job_creates"].as_u64().unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.lab.dir.join(name).display().to_string()
    }
}

const DOWNLOAD: &str = "cluster_name = \"Cluster0\"\nevery = \"7d\"\nrpo_max = \"7d\"\nrto_max = \"2h\"\n";

/// The one run of `--format json`'s output.
fn only_run(out: &Output) -> Value {
    let doc = json_of(out);
    let runs = doc["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("no runs: {}", show(out)));
    assert_eq!(runs.len(), 1, "{}", show(out));
    runs[0].clone()
}

/// Each check's result, by name.
fn checks(run: &Value) -> BTreeMap<String, String> {
    run["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn detail(run: &Value, check: &str) -> String {
    run["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == check)
        .map(|c| c["detail"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A Prometheus text-format parser, as much as the textfile collector needs: HELP and TYPE
/// lines, then `name{label="value",...} number` samples, every sample's family declared.
fn parse_prom(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut typed = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            typed.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment line: {line}");
        let (name, rest) = line.split_at(line.find(['{', ' ']).unwrap());
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name {name:?}"
        );
        assert_eq!(
            typed.get(name).map(String::as_str),
            Some("gauge"),
            "{name} has no TYPE gauge line"
        );
        let mut labels = BTreeMap::new();
        let value = if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find("} ").unwrap();
            let mut body = &inner[..end];
            while !body.is_empty() {
                let (k, v) = body.split_once("=\"").unwrap();
                let mut value = String::new();
                let mut chars = v.char_indices();
                let close = loop {
                    match chars.next().unwrap() {
                        (_, '\\') => value.push(chars.next().unwrap().1),
                        (i, '"') => break i,
                        (_, c) => value.push(c),
                    }
                };
                labels.insert(k.to_string(), value);
                body = v[close + 1..].trim_start_matches(',');
            }
            &inner[end + 2..]
        } else {
            rest.trim()
        };
        samples.push((name.to_string(), labels, value.trim().parse::<f64>().unwrap()));
    }
    samples
}

#[test]
fn a_download_drill_passes_with_its_evidence_and_removes_what_it_downloaded() {
    let d = Drills::new("download", &["--speed", "60"]);
    let file = d.drill(
        "weekly-cluster0",
        &format!(
            "{DOWNLOAD}check_command = \"test -f WiredTiger && test -f restoreInfo.txt && test \\\"$PWD\\\" = \\\"$ATLAS_RESTORE_DRILL_DIR\\\" && echo checked-$ATLAS_RESTORE_DRILL\"\n"
        ),
    );
    let (junit, prom, report) = (d.path("junit.xml"), d.path("drills.prom"), d.path("report.md"));
    let out = d.run(&[
        "run",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--junit",
        &junit,
        "--prom",
        &prom,
        "--report",
        &report,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&out);
    assert_eq!(run["drill"], "weekly-cluster0");
    assert_eq!(run["result"], "pass", "{run:#}");
    let expect: BTreeMap<String, String> = ["rpo", "job", "sha1", "archive", "check_command", "rto"]
        .iter()
        .map(|n| (n.to_string(), "pass".to_string()))
        .collect();
    assert_eq!(checks(&run), expect, "{run:#}");
    assert!(
        detail(&run, "check_command").contains("checked-weekly-cluster0"),
        "{run:#}"
    );
    assert!(detail(&run, "archive").contains("restoreInfo.txt agrees"), "{run:#}");
    let phases: Vec<&str> = run["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        phases,
        [
            "requested",
            "created",
            "finished",
            "downloaded",
            "verified",
            "checked",
            "removed"
        ]
    );
    assert_eq!(run["jobs"].as_array().unwrap().len(), 1);
    assert!(run["rpo_seconds"].as_i64().unwrap() >= 0);
    assert!(run["rto_seconds"].as_i64().unwrap() > 0);
    assert_eq!(run["restore_point"]["kind"], "snapshot");
    assert_eq!(run["restore_point"]["id"], d.sim.snapshot("Cluster0").as_str());
    // What it downloaded and unpacked is gone, and said so.
    assert!(run["cleanup"].as_str().unwrap().starts_with("removed "), "{run:#}");
    let work = d.lab.data_dir().join("drills").join("weekly-cluster0");
    let left: Vec<_> = std::fs::read_dir(&work)
        .map(|r| r.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind in {}: {left:?}", work.display());

    // JUnit, read by a real XML parser: a suite for the drill, a case per check, no failure.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some("weekly-cluster0"));
    assert_eq!(suite.attribute("failures"), Some("0"));
    let cases: Vec<&str> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(cases, ["rpo", "job", "sha1", "archive", "check_command", "rto"]);
    let props: BTreeMap<&str, &str> = suite
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    assert_eq!(props["jobs"], run["jobs"][0].as_str().unwrap());
    assert_eq!(props["rto_seconds"], run["rto_seconds"].to_string());
    assert_eq!(props["result"], "pass");

    // The textfile, read by a Prometheus text parser: every gauge with its labels.
    let samples = parse_prom(&std::fs::read_to_string(&prom).unwrap());
    let value = |name: &str| {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name && l["drill"] == "weekly-cluster0" && l["cluster"] == "Cluster0" && l["profile"] == "lab"
            })
            .map(|(_, _, v)| *v)
            .unwrap_or_else(|| panic!("no {name} in {samples:?}"))
    };
    assert_eq!(value("atlas_restore_drill_passed"), 1.0);
    assert_eq!(
        value("atlas_restore_drill_rto_seconds"),
        run["rto_seconds"].as_f64().unwrap()
    );
    assert_eq!(
        value("atlas_restore_drill_last_success_timestamp_seconds"),
        value("atlas_restore_drill_last_run_timestamp_seconds")
    );
    // On this host's clock, not the simulator's (which runs fast at --speed 60):
    // node_exporter and an alert's time() compare it with the host's now.
    let host_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let last_run = value("atlas_restore_drill_last_run_timestamp_seconds");
    assert!(
        (host_now - last_run).abs() < 120.0,
        "last run {last_run} is not near this host's now {host_now}"
    );
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("## weekly-cluster0 — PASSED"), "{md}");
    assert!(md.contains("| sha1 | pass |"), "{md}");

    // The store keeps it: status and report need no files.
    let status = json_of(&d.run(&["status", "--format", "json"]));
    let s = &status["drills"][0];
    assert_eq!(s["drill"], "weekly-cluster0");
    assert_eq!(s["result"], "pass");
    assert_eq!(s["overdue"], false);
    assert!(s["next_due"].as_str().is_some());
    let table = lab::text(&d.run(&["status"]).stdout);
    assert!(table.contains("weekly-cluster0") && table.contains("ok"), "{table}");
    let audit = d.run(&["report", "--since", "1d"]);
    assert!(
        lab::text(&audit.stdout).contains("## weekly-cluster0 — PASSED"),
        "{}",
        show(&audit)
    );
}

#[test]
fn an_automated_drill_restores_into_a_listed_target_and_checks_it() {
    let d = Drills::new("automated", &["--speed", "60"]);
    let file = d.drill(
        "staging",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Staging0\"\nrpo_max = \"7d\"\nrto_max = \"2h\"\ncheck_command = \"test \\\"$ATLAS_RESTORE_TARGET_CLUSTER_NAME\\\" = Staging0 && test -n \\\"$ATLAS_RESTORE_TARGET_CLUSTER_ID\\\"\"\n",
    );
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&out);
    assert_eq!(run["method"], "automated");
    assert_eq!(run["target"], "Staging0");
    let got = checks(&run);
    for name in ["rpo", "job", "target", "check_command", "rto"] {
        assert_eq!(got.get(name).map(String::as_str), Some("pass"), "{name}: {run:#}");
    }
    assert!(!got.contains_key("sha1"), "{run:#}");
}

#[test]
fn a_target_that_stays_busy_fails_at_rto_max_and_does_not_hang() {
    let d = Drills::new("stuck", &["--speed", "60", "--fault", "stuck-target"]);
    let file = d.drill(
        "stuck",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Staging0\"\nrpo_max = \"7d\"\nrto_max = \"5m\"\n",
    );
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&out);
    let got = checks(&run);
    assert_eq!(got.get("job").map(String::as_str), Some("pass"), "{run:#}");
    assert_eq!(got.get("target").map(String::as_str), Some("fail"), "{run:#}");
    assert!(
        detail(&run, "target").contains("Staging0 is still UPDATING at rto_max"),
        "{run:#}"
    );
    assert_eq!(run["result"], "fail", "{run:#}");
}

#[test]
fn ops_manager_drills_name_the_target_by_its_id() {
    let d = Drills::with_lines(
        "ops-manager",
        &["--speed", "60", "--flavor", "ops-manager"],
        "flavor = \"ops-manager\"\n",
    );
    let file = d.drill(
        "staging",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Staging0\"\nrpo_max = \"7d\"\nrto_max = \"2h\"\n",
    );
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&out);
    assert_eq!(checks(&run)["target"], "pass", "{run:#}");
    let download = d.drill("download", DOWNLOAD);
    let out = d.run(&["run", download.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(checks(&only_run(&out))["sha1"], "pass");
}

#[test]
fn refusals_send_nothing() {
    let d = Drills::new("refusals", &["--speed", "60"]);
    let unlisted = d.drill(
        "unlisted",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Cluster1\"\nrpo_max = \"1d\"\nrto_max = \"1h\"\n",
    );
    let out = d.run(&["run", unlisted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        lab::text(&out.stderr).contains("not in profile lab's drill_targets (Staging0)"),
        "{}",
        show(&out)
    );
    let source = d.drill(
        "source",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Cluster0\"\nrpo_max = \"1d\"\nrto_max = \"1h\"\n",
    );
    let out = d.run(&["run", source.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["runs"], serde_json::json!([]));
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is the source cluster"),
        "{doc}"
    );
    assert_eq!(d.creates(), 0, "a refused drill sent a restore");
}

#[test]
fn due_runs_a_drill_once_per_every() {
    let d = Drills::new("due", &["--speed", "60"]);
    d.drill("weekly", DOWNLOAD);
    // Without `every`, a drill is run only when named.
    d.drill(
        "by-hand",
        "cluster_name = \"Cluster0\"\nrpo_max = \"7d\"\nrto_max = \"2h\"\n",
    );
    let first = d.run(&["run", "--due", "--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    assert_eq!(only_run(&first)["drill"], "weekly");
    let second = d.run(&["run", "--due", "--format", "json"]);
    assert_eq!(second.status.code(), Some(0), "{}", show(&second));
    assert_eq!(json_of(&second)["runs"], serde_json::json!([]), "{}", show(&second));
    assert_eq!(d.creates(), 1);
}

/// Runs one drill file with `extra` lines against a simulator with `sim_args`; its run.
fn failing(name: &str, sim_args: &[&str], extra: &str) -> (Output, Value) {
    let d = Drills::new(name, sim_args);
    let file = d.drill(name, &format!("{DOWNLOAD}{extra}"));
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    let run = only_run(&out);
    (out, run)
}

#[test]
fn each_check_fails_when_its_feature_breaks() {
    // RPO: every snapshot of the simulator is older than a second.
    let (out, run) = failing("rpo", &["--speed", "60"], "");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let (out, run_rpo) = {
        let d = Drills::new("rpo-over", &["--speed", "60"]);
        let file = d.drill(
            "rpo-over",
            "cluster_name = \"Cluster0\"\nrpo_max = \"1s\"\nrto_max = \"2h\"\n",
        );
        let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
        let run = only_run(&out);
        (out, run)
    };
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run_rpo)["rpo"], "fail", "{run_rpo:#}");
    assert!(detail(&run_rpo, "rpo").contains("OVER rpo_max 1s"), "{run_rpo:#}");
    assert_eq!(checks(&run)["rpo"], "pass");

    let (out, run) = failing("sha1", &["--speed", "60", "--fault", "sha1-mismatch"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run)["sha1"], "fail", "{run:#}");
    assert!(detail(&run, "sha1").contains("DIFFERS"), "{run:#}");

    let (out, run) = failing("truncated", &["--speed", "60", "--fault", "truncated-archive"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run)["sha1"], "pass", "{run:#}");
    assert_eq!(checks(&run)["archive"], "fail", "{run:#}");
    assert!(detail(&run, "archive").contains("BROKEN"), "{run:#}");

    let (out, run) = failing(
        "command",
        &["--speed", "60"],
        "check_command = \"echo no-collections >&2; exit 1\"\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run)["check_command"], "fail", "{run:#}");
    assert!(
        detail(&run, "check_command").contains("status 1") && detail(&run, "check_command").contains("no-collections")
    );

    let (out, run) = failing("job", &["--speed", "60", "--fault", "failed-job"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run)["job"], "fail", "{run:#}");
    assert!(detail(&run, "job").contains("FAILED"), "{run:#}");
}

#[test]
fn rto_fails_over_its_target_and_a_drill_never_waits_past_it() {
    // A restore takes about a minute on the simulator's clock (a second at 60x): over 20s.
    let (out, run) = {
        let d = Drills::new("rto-over", &["--speed", "60"]);
        let file = d.drill(
            "rto-over",
            "cluster_name = \"Cluster0\"\nrpo_max = \"7d\"\nrto_max = \"20s\"\n",
        );
        let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
        let run = only_run(&out);
        (out, run)
    };
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(checks(&run)["rto"], "fail", "{run:#}");
    assert!(
        detail(&run, "rto").contains("OVER rto_max 20s") || detail(&run, "rto").contains("at rto_max 20s"),
        "{run:#}"
    );
    // In real time (speed 1), a drill still waiting at rto_max stops there.
    let d = Drills::new("rto-wait", &["--speed", "1"]);
    let file = d.drill(
        "rto-wait",
        "cluster_name = \"Cluster0\"\nrpo_max = \"7d\"\nrto_max = \"4s\"\n",
    );
    let start = Instant::now();
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "waited {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let run = only_run(&out);
    assert_eq!(checks(&run)["rto"], "fail", "{run:#}");
    assert!(detail(&run, "rto").contains("still waiting"), "{run:#}");
    assert_eq!(checks(&run)["job"], "skip", "{run:#}");
}

#[test]
fn a_drill_killed_mid_way_is_resumed_without_a_second_submit() {
    let d = Drills::new("resume", &["--speed", "60"]);
    let file = d.drill("resume", DOWNLOAD);
    let mut child = d
        .lab
        .command(&["drill", "run", file.to_str().unwrap(), "--format", "json"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.creates() == 0 {
        assert!(Instant::now() < deadline, "the drill never submitted");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the drill ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Killed as a reboot would: no chance to tidy up.
    child.kill().unwrap();
    child.wait().unwrap();
    let status = json_of(&d.run(&["status", "--format", "json"]));
    assert_eq!(status["drills"][0]["running"], true, "{status}");
    let out = d.run(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let run = only_run(&out);
    assert_eq!(run["resumed"], true, "{run:#}");
    assert_eq!(run["result"], "pass", "{run:#}");
    assert_eq!(d.creates(), 1, "the resumed drill submitted again");
    assert_eq!(run["jobs"].as_array().unwrap().len(), 1);
}

#[test]
fn atlas_unreachable_is_an_error_recorded_and_tried_again_at_the_next_due() {
    let Drills { lab, sim } = Drills::new("unreachable", &["--speed", "60"]);
    // The simulator gone: its port refuses the connection.
    drop(sim);
    std::fs::write(lab.dir.join("drills").join("weekly.toml"), DOWNLOAD).unwrap();
    for _ in 0..2 {
        let out = lab.run(&["drill", "run", "--due", "--format", "json"]);
        assert_eq!(out.status.code(), Some(3), "{}", show(&out));
        let run = only_run(&out);
        assert_eq!(run["result"], "error", "{run:#}");
        assert!(
            run["error"].as_str().unwrap().contains("refused the connection"),
            "{run:#}"
        );
    }
    let status = json_of(&lab.run(&["drill", "status", "--format", "json"]));
    assert_eq!(status["drills"][0]["result"], "error", "{status}");
    assert_eq!(status["drills"][0]["overdue"], true, "{status}");
}

#[test]
fn f3_shows_the_drills_runs_one_now_and_shows_its_checks_at_80x24() {
    let d = Drills::new("f3", &["--speed", "60"]);
    d.drill("weekly-cluster0", DOWNLOAD);
    d.drill(
        "staging",
        "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Staging0\"\nrpo_max = \"7d\"\nrto_max = \"2h\"\n",
    );
    d.drill("broken", "cluster_name = \"Cluster0\"\n");
    let mut pty = d.lab.dashboard(80, 24);
    // F3 (ESC O R, as xterm sends it).
    pty.send("\x1bOR");
    let screen = pty.wait_for("weekly-cluster0");
    assert!(screen.contains("Restore drills"), "{screen}");
    assert!(screen.contains("staging  Cluster0  -  never run"), "{screen}");
    assert!(screen.contains("INVALID"), "{screen}");
    assert!(screen.contains("by hand") && screen.contains("due now"), "{screen}");
    assert!(screen.contains("r run now"), "{screen}");
    // The rows are sorted by name: broken, staging, weekly-cluster0. Down to weekly, run it.
    pty.send("\x1b[B");
    pty.send("\x1b[B");
    pty.wait_until(10, "weekly selected", |s| s.contains("> weekly-cluster0"));
    pty.send("r");
    let done = pty.wait_until(60, "the drill's end", |s| s.contains("drill weekly-cluster0 PASSED"));
    assert!(done.contains("> weekly-cluster0  Cluster0  pass  ok"), "{done}");
    // Every row fits 80 columns: no line of the view wraps.
    let row = done
        .lines()
        .skip_while(|l| !l.contains("> weekly-cluster0"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        row.contains("rto ") && row.contains("next "),
        "the row wraps at 80 columns: {done}"
    );
    pty.send("\r");
    let detail = pty.wait_for("weekly-cluster0: PASSED");
    for check in ["rpo", "job", "sha1", "archive", "rto"] {
        assert!(detail.contains(&format!("  {check:<13} pass")), "{check}: {detail}");
    }
    assert!(detail.contains("phases (Atlas's clock)"), "{detail}");
    // ^D without F-keys, from the form: Esc back to the list, Esc closes, ^D opens again.
    pty.send("\x1b");
    pty.wait_until(10, "the list", |s| s.contains("> weekly-cluster0"));
    pty.send("\x1b");
    pty.wait_until(10, "the form", |s| !s.contains("Restore drills"));
    pty.send("\x04");
    let again = pty.wait_for("Restore drills");
    assert!(again.contains("weekly-cluster0"), "{again}");
    // What the dashboard ran is in the store, as `drill status` reads it.
    let status = json_of(&d.run(&["status", "--format", "json"]));
    let weekly = status["drills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["drill"] == "weekly-cluster0")
        .cloned()
        .unwrap();
    assert_eq!(weekly["result"], "pass", "{status}");
}

#[test]
fn the_drills_list_follows_its_selection_past_the_window() {
    let d = Drills::new("many", &["--speed", "60"]);
    for i in 0..14 {
        d.drill(&format!("drill-{i:02}"), DOWNLOAD);
    }
    let mut pty = d.lab.dashboard(80, 24);
    pty.send("\x1bOR");
    let first = pty.wait_for("> drill-00");
    assert!(
        !first.contains("drill-13"),
        "14 drills of two rows fit 24 rows: {first}"
    );
    assert!(first.contains("lines 1-"), "no marker says there is more: {first}");
    for i in 1..14 {
        pty.send("\x1b[B");
        pty.wait_until(10, "the selection in view", |s| s.contains(&format!("> drill-{i:02}")));
    }
    // And back up to the top.
    for i in (0..13).rev() {
        pty.send("\x1b[A");
        pty.wait_until(10, "the selection in view", |s| s.contains(&format!("> drill-{i:02}")));
    }
}

#[test]
fn a_drill_running_elsewhere_is_not_started_twice() {
    let d = Drills::new("locked", &["--speed", "60"]);
    let file = d.drill("weekly", DOWNLOAD);
    // Another run holds the drill's lock (as `drill run` does while it runs).
    let locks = d.lab.data_dir().join("drills");
    std::fs::create_dir_all(&locks).unwrap();
    let lock = std::fs::File::create(locks.join("weekly.lock")).unwrap();
    lock.try_lock().unwrap();
    let named = d.run(&["run", file.to_str().unwrap()]);
    assert_eq!(named.status.code(), Some(3), "{}", show(&named));
    assert!(
        lab::text(&named.stderr).contains("another run of this drill is going on"),
        "{}",
        show(&named)
    );
    // From cron, it is skipped and said, not an error every hour of a long drill.
    let due = d.run(&["run", "--due", "--format", "json"]);
    assert_eq!(due.status.code(), Some(0), "{}", show(&due));
    assert_eq!(json_of(&due)["runs"], serde_json::json!([]));
    assert!(lab::text(&due.stderr).contains("skipped"), "{}", show(&due));
    assert_eq!(d.creates(), 0);
    drop(lock);
    let free = d.run(&["run", file.to_str().unwrap()]);
    assert_eq!(free.status.code(), Some(0), "{}", show(&free));
}
