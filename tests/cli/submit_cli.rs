//! `atlas-restore submit` as scripts use it: the real binary against `atlas-restore sim` run as
//! its own process, each exit status of the contract, the journal written before the request
//! leaves, and `--format json`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use lab::{Lab, SimAsk, json_of, show, text};
use pty::SimProcess;

use serde_json::{Value, json};

/// A well-formed snapshot id that the simulator has never heard of.
const NO_SUCH_SNAPSHOT: &str = "5a6669d9fcc178211a0d86b9";

/// How many restore jobs the simulator was asked to create.
fn creates(sim: &SimProcess) -> u64 {
    sim.counters()["restore_job_creates"].as_u64().unwrap()
}

fn http_body(snapshot: &str) -> String {
    json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "expirationHours": 4}}).to_string()
}

#[test]
fn a_valid_body_is_created_printed_tracked_and_not_repeated_unless_allowed() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = Lab::new("submit-created", &sim);
    let snapshot = sim.snapshot("Cluster0");
    let body = http_body(&snapshot);

    let out = lab.submit(&body, &["-"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line a created job: {}", show(&out));
    let job_id = lines[0].split_whitespace().next().unwrap().to_string();
    assert_eq!(job_id.len(), 24, "{stdout}");
    assert!(lines[0].contains("Cluster0") && lines[0].ends_with("HTTP"), "{stdout}");
    assert!(out.stderr.is_empty(), "{}", show(&out));
    // Tracked: the journal holds it as created, with the body as sent.
    let journal = lab.journal();
    assert_eq!(journal["submits"][0]["state"], "CREATED");
    assert_eq!(journal["submits"][0]["jobs"][0]["id"], job_id.as_str());
    assert_eq!(journal["submits"][0]["request"]["snapshotId"], snapshot.as_str());
    assert_eq!(creates(&sim), 1);

    // The same restore again within the hour: refused, naming the earlier one.
    let out = lab.submit(&body, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(err.contains("the same restore was submitted at "), "{err}");
    assert!(err.contains(&job_id) && err.contains("--allow-repeat"), "{err}");
    assert!(out.stdout.is_empty(), "{}", show(&out));
    assert_eq!(creates(&sim), 1, "a repeat is not sent");

    // Unless allowed; and as JSON.
    let file = lab.file("body.json", &body);
    let out = lab.submit("", &[file.to_str().unwrap(), "--allow-repeat", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "created", "{doc}");
    assert_eq!(doc["error"], Value::Null);
    assert!(doc["findings"].is_array());
    let jobs = doc["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{doc}");
    let job = &jobs[0];
    assert!(job["id"].is_string() && job["id"] != job_id.as_str(), "{doc}");
    assert_eq!(job["cluster"], "Cluster0");
    assert!(job["statusName"].is_string(), "{doc}");
    assert_eq!(job["method"], "HTTP");
    assert_eq!(job["target"], Value::Null);
    assert_eq!(job["tracked"], true);
    // The restore point for a script: its kind, the id, and a time with its year and zone.
    let point = &job["restorePoint"];
    assert_eq!(point["kind"], "snapshot", "{doc}");
    assert!(point["snapshotId"].is_string(), "{doc}");
    let time = point["time"].as_str().unwrap_or_default();
    assert!(
        time.len() >= 20 && time.starts_with("20") && time.ends_with('Z'),
        "{doc}"
    );
    assert!(job["delivery"].is_object() && job["hashes"].is_array(), "{doc}");
    assert!(!text(&out.stdout).contains("authValue"));
    assert_eq!(creates(&sim), 2);
    assert_eq!(lab.journal()["submits"].as_array().unwrap().len(), 2);

    // A repeat refused as JSON is one object too.
    let out = lab.submit(&body, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "refused");
    assert!(doc["error"].as_str().unwrap().contains("--allow-repeat"), "{doc}");
}

#[test]
fn an_invalid_body_is_refused_with_the_findings_and_nothing_is_sent() {
    let sim = SimProcess::start(&[]);
    let lab = Lab::new("submit-invalid", &sim);
    let snapshot = sim.snapshot("Cluster0");
    let body = json!({"snapshotId": snapshot, "pointInTimeUTCMillis": 1795863600u64,
        "delivery": {"methodName": "HTTP"}})
    .to_string();

    let out = lab.submit(&body, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("RESTORE_POINT_CONFLICT") && err.contains("POINT_IN_TIME_IN_SECONDS"),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(out.stdout.is_empty());

    // The findings have `validate --format json`'s shape.
    let out = lab.submit(&body, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "refused");
    assert_eq!(doc["jobs"], json!([]));
    let validate = lab
        .command(&[
            "validate",
            "--format",
            "json",
            lab.file("bad.json", &body).to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let codes = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(&doc), codes(&json_of(&validate)), "{doc}");
    let finding = &doc["findings"][0];
    for key in ["severity", "code", "fields", "message"] {
        assert!(!finding[key].is_null(), "{key} in {finding}");
    }
    assert!(doc["error"].is_string());

    assert_eq!(creates(&sim), 0);
    assert!(
        lab.journal()["submits"].as_array().unwrap().is_empty(),
        "nothing recorded for a request never sent"
    );
}

#[test]
fn an_automated_restore_goes_only_with_its_target_named_exactly() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = Lab::new("submit-erase", &sim);
    let snapshot = sim.snapshot("Cluster0");
    let group = sim.group().to_string();
    let body = json!({"snapshotId": snapshot, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": group, "targetClusterName": "Staging0"}})
    .to_string();

    let out = lab.submit(&body, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "would ERASE cluster Staging0 (5f8e...a4c3) in project {group}"
        )),
        "{err}"
    );
    assert!(err.contains("add --confirm-erase Staging0"), "{err}");

    let out = lab.submit(&body, &["--confirm-erase", "staging0"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("--confirm-erase staging0 does not name the target"),
        "{err}"
    );
    assert!(err.contains("ERASE cluster Staging0"), "{err}");
    assert_eq!(creates(&sim), 0, "not confirmed, not sent");
    assert!(lab.journal()["submits"].as_array().unwrap().is_empty());

    let out = lab.submit(&body, &["--confirm-erase", "Staging0"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "AUTOMATED_RESTORE -> Staging0 (5f8e...a4c3) (project {group})"
        )),
        "{stdout}"
    );
    assert_eq!(creates(&sim), 1);
    assert_eq!(lab.journal()["submits"][0]["state"], "CREATED");
}

#[test]
fn what_atlas_lists_refuses_a_request_before_anything_is_sent() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = Lab::new("submit-lists", &sim);
    let group = sim.group().to_string();
    // A sharded source into a replica set, confirmed: refused before it is sent, both
    // clusters named.
    let sharded = sim.snapshot("Cluster1");
    let body = json!({"snapshotId": sharded, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": group, "targetClusterName": "Staging0"}})
    .to_string();
    let out = lab.submit(
        &body,
        &[
            "--cluster-name",
            "Cluster1",
            "--confirm-erase",
            "Staging0",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "TOPOLOGY_MISMATCH")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(finding["fields"], json!(["clusterName", "delivery.targetClusterName"]));
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("Cluster1 is a sharded cluster and Staging0 is a replica set"),
        "{finding}"
    );
    assert_eq!(doc["state"], "refused");
    // A snapshot of Cluster0 sent as Cluster1's: refused, named.
    let other = sim.snapshot("Cluster0");
    let out = lab.submit(&http_body(&other), &["--cluster-name", "Cluster1"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(err.contains("SNAPSHOT_NOT_OF_SOURCE"), "{err}");
    assert!(
        err.contains(&format!("snapshot {other} is not one of Cluster1's")),
        "{err}"
    );
    // A target the project does not have.
    let body = json!({"snapshotId": other, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": group, "targetClusterName": "Staging9"}})
    .to_string();
    let out = lab.submit(&body, &["--confirm-erase", "Staging9"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(text(&out.stderr).contains("TARGET_CLUSTER_NOT_FOUND"), "{}", show(&out));
    assert_eq!(creates(&sim), 0, "nothing reached the simulator");
    assert!(
        lab.journal()["submits"].as_array().unwrap().is_empty(),
        "nothing recorded as sent"
    );
}

#[test]
fn what_atlas_refuses_is_exit_1_in_its_words() {
    let sim = SimProcess::start(&[]);
    let lab = Lab::new("submit-refused", &sim);
    // Staging0's backup is off, which no list says: a point in time of it is refused by
    // Atlas, in Atlas's words.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let body = json!({"pointInTimeUTCMillis": now_ms - 3_600_000, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": sim.group(), "targetClusterName": "Cluster0"}})
    .to_string();
    let args = ["--cluster-name", "Staging0", "--confirm-erase", "Cluster0"];
    let out = lab.submit(&body, &args);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("Atlas refused the restore request: 404 BACKUP_CONFIG_NOT_FOUND"),
        "{err}"
    );
    assert!(err.contains("Staging0"), "the detail names it: {err}");
    // Kept for the record, as refused.
    assert_eq!(lab.journal()["submits"][0]["state"], "REFUSED");

    let out = lab.submit(&body, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused submit is no repeat: {}",
        show(&out)
    );
    let doc = json_of(&out);
    assert_eq!(doc["state"], "refused");
    assert!(
        doc["error"].as_str().unwrap().contains("BACKUP_CONFIG_NOT_FOUND"),
        "{doc}"
    );
    assert_eq!(creates(&sim), 0, "Atlas made nothing");

    // A source cluster Atlas does not know: the lookup's refusal, before anything is sent.
    let out = lab.submit(&http_body(NO_SUCH_SNAPSHOT), &["--cluster-name", "Nope0"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(err.contains("cannot look up the source cluster Nope0"), "{err}");
    assert!(err.contains("404 CLUSTER_NAME_NOT_FOUND"), "{err}");
    assert_eq!(lab.journal()["submits"].as_array().unwrap().len(), 2);
    assert_eq!(creates(&sim), 0);
}

#[test]
fn unreadable_input_and_set_up_errors_are_exit_2() {
    let sim = SimProcess::start(&[]);
    let lab = Lab::new("submit-setup", &sim);

    let out = lab.submit("snapshotId=5f9a0c1e7b2d4a110fffffff", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("stdin is not JSON"), "{}", show(&out));

    let file = lab.file("body.txt", "{\"snapshotId\": ");
    let out = lab.submit("", &[file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "refused");
    assert!(doc["error"].as_str().unwrap().contains("is not JSON"), "{doc}");
    assert_eq!(doc["jobs"], json!([]));

    let missing = lab.dir.join("missing.json");
    let out = lab.submit("", &[missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("cannot read"), "{}", show(&out));
    assert_eq!(creates(&sim), 0);

    // Nothing listening where the profile points: Atlas could not be asked (3), not a refusal.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let i = &sim.info;
    let gone = Lab::with_profile("submit-gone", |_| {
        format!(
            "base_url = \"http://127.0.0.1:{port}\"\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\n",
            i["public_key"], i["private_key"], i["group_id"]
        )
    });
    let out = gone.submit(&http_body(NO_SUCH_SNAPSHOT), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(text(&out.stderr).contains("refused the connection"), "{}", show(&out));
    // The private key is never printed.
    let key = i["private_key"].as_str().unwrap();
    assert!(!text(&out.stdout).contains(key) && !text(&out.stderr).contains(key));
}

#[test]
fn a_lost_answer_is_exit_3_recorded_before_it_left_and_sent_once() {
    // The link drops while the create's answer is on its way (the job was made); reads are
    // answered, so the source cluster is looked up as usual.
    let sim = SimProcess::start(&["--fault", "drop-create"]);
    let lab = Lab::new("submit-lost", &sim);
    let snapshot = sim.snapshot("Cluster0");
    let body = http_body(&snapshot);

    let out = lab.submit(&body, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(err.contains("its answer was lost"), "{err}");
    assert!(err.contains("never resent"), "{err}");
    assert!(err.contains("`atlas-restore jobs` shows it once found"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(creates(&sim), 1, "sent exactly once");

    // In the journal before the request left, and left as unknown.
    let journal = lab.journal();
    let submits = journal["submits"].as_array().unwrap();
    assert_eq!(submits.len(), 1, "{journal}");
    assert_eq!(submits[0]["state"], "UNKNOWN", "{journal}");
    assert_eq!(submits[0]["request"]["snapshotId"], snapshot.as_str());
    assert_eq!(submits[0]["group_id"], sim.group());
    assert_eq!(submits[0]["cluster"], "Cluster0");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(lab.journal_path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // A second submit of it is a repeat: not sent again by accident.
    let out = lab.submit(&body, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "refused");
    assert!(doc["error"].as_str().unwrap().contains("no job id known yet"), "{doc}");
    assert_eq!(creates(&sim), 1);

    // `atlas-restore jobs` finds it in the cluster's list.
    let out = lab.command(&["jobs", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let jobs = json_of(&out);
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
    assert_eq!(jobs[0]["snapshotId"], snapshot.as_str());
    assert_eq!(lab.journal()["submits"][0]["state"], "CREATED");
    assert_eq!(creates(&sim), 1);
}

#[test]
fn json_output_of_a_lost_answer_says_unknown() {
    let sim = SimProcess::start(&["--fault", "drop-create"]);
    let lab = Lab::new("submit-lost-json", &sim);
    let out = lab.submit(&http_body(&sim.snapshot("Cluster0")), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "unknown");
    assert_eq!(doc["jobs"], json!([]));
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .contains("recorded in the journal as UNKNOWN"),
        "{doc}"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn jobs_with_nothing_tracked_still_says_when_atlas_cannot_be_asked() {
    let sim = SimProcess::start(&[]);
    // Reachable, right keys, nothing tracked: an empty list, exit 0.
    let lab = Lab::new("jobs-empty", &sim);
    let out = lab.run(&["jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(json_of(&out), json!([]));
    // Wrong keys: never "no jobs" with success, with --all or without.
    let wrong = Lab::with_profile("jobs-wrong-keys", |_| {
        lab::sim_profile(&sim).replace(
            sim.info["private_key"].as_str().unwrap(),
            "00000000-0000-0000-0000-000000000000",
        )
    });
    for args in [&["jobs", "--format", "json"][..], &["jobs", "--all"][..]] {
        let out = wrong.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
        assert!(text(&out.stderr).contains("401"), "{args:?}: {}", show(&out));
    }
    // Nobody listening: Atlas could not be asked, 3 as in every command.
    let dead = Lab::with_profile("jobs-dead", |_| {
        lab::sim_profile(&sim).replace(sim.info["base_url"].as_str().unwrap(), "http://127.0.0.1:9")
    });
    for args in [&["jobs", "--format", "json"][..], &["jobs", "--all"][..]] {
        let out = dead.run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", show(&out));
        assert!(
            text(&out.stderr).contains("refused the connection"),
            "{args:?}: {}",
            show(&out)
        );
    }
    // With --format json, with --all or without, one object on stdout: the error and the
    // store's copies (none here), never the bare array a script reads as "no jobs".
    let out = dead.run(&["jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["error"]["kind"], "atlas_unreachable", "{doc}");
    assert_eq!(doc["jobs"], json!([]), "{doc}");
    let out = dead.run(&["jobs", "--all", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["error"]["kind"], "atlas_unreachable", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("refused the connection"),
        "{doc}"
    );
    // A set-up fault (a profile the config does not have) too.
    let out = dead.run(&["--profile", "nope", "jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(json_of(&out)["error"]["kind"], "setup", "{}", show(&out));
}

#[test]
fn history_lists_every_submit_newest_first_for_a_script() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = Lab::new("history", &sim);
    let snapshot = sim.snapshot("Cluster0");
    let body = http_body(&snapshot);
    let first = lab.submit(&body, &["-"]);
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    let second = lab.submit(&body, &["-", "--allow-repeat"]);
    assert_eq!(second.status.code(), Some(0), "{}", show(&second));
    let id = |out: &std::process::Output| text(&out.stdout).split_whitespace().next().unwrap().to_string();

    let out = lab.run(&["history", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let rows = json_of(&out);
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id(&second), id(&first)], "newest first: {rows}");
    assert_eq!(rows[0]["profile"], "lab");
    assert_eq!(rows[0]["source"]["cluster"], "Cluster0");
    assert_eq!(rows[0]["method"], "HTTP");
    assert!(rows[0]["requested"].as_str().unwrap().ends_with('Z'), "{rows}");

    let csv = text(
        &lab.run(&["history", "--format", "csv", "--cluster-name", "Cluster0"])
            .stdout,
    );
    assert!(csv.starts_with("profile,id,batch_id,"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "a header and two rows: {csv}");
    let other = text(
        &lab.run(&["history", "--format", "csv", "--cluster-name", "Cluster1"])
            .stdout,
    );
    assert_eq!(other.lines().count(), 1, "another cluster: the header alone: {other}");
    // A time after both: nothing; a word that is no time: exit 2, saying what to write.
    let later = json_of(&lab.run(&["history", "--format", "json", "--since", "2999-01-01T00:00Z"]));
    assert_eq!(later, json!([]));
    let bad = lab.run(&["history", "--since", "banana"]);
    assert_eq!(bad.status.code(), Some(2), "{}", show(&bad));
    assert!(text(&bad.stderr).contains("is not a time"), "{}", show(&bad));
}

#[test]
fn jobs_of_every_profile_each_row_with_its_profile() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let profile = lab::sim_profile(&sim);
    let dead = profile.replace(sim.info["base_url"].as_str().unwrap(), "http://127.0.0.1:9");
    // `lab`, an unreachable `down`, and `lab.b` (the lab adds its cluster_name).
    let lab = Lab::with_profile("jobs-all-profiles", |_| {
        format!("{profile}cluster_name = \"Cluster0\"\n[profiles.down]\n{dead}[profiles.\"lab.b\"]\n{profile}")
    });
    let body = http_body(&sim.snapshot("Cluster0"));
    let mine = lab.submit(&body, &["-"]);
    assert_eq!(mine.status.code(), Some(0), "{}", show(&mine));
    let other = lab::with_input(&mut lab.command(&["--profile", "lab.b", "submit", "-"]), &body);
    assert_eq!(other.status.code(), Some(0), "{}", show(&other));
    let id = |out: &std::process::Output| text(&out.stdout).split_whitespace().next().unwrap().to_string();

    // One profile: its jobs, each naming it.
    let out = lab.run(&["jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let rows = json_of(&out);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["profile"], "lab");
    assert_eq!(rows[0]["id"], id(&mine).as_str());

    // Every profile: each refreshed with its own keys; the one Atlas cannot be asked for is
    // said, and the exit says it (3), the others' rows still there beside the error.
    let out = lab.run(&["jobs", "--all-profiles", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(text(&out.stderr).contains("profile down:"), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["error"]["kind"], "atlas_unreachable", "{doc}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("profile down:"),
        "{doc}"
    );
    let rows = doc["jobs"].clone();
    let got: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["profile"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("lab".to_string(), id(&mine)), ("lab.b".to_string(), id(&other))],
        "{rows}"
    );
    let out = lab.run(&["jobs", "--all-profiles"]);
    let table = text(&out.stdout);
    assert!(table.starts_with("PROFILE  JOB"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("lab.b    ") && l.contains(&id(&other))),
        "{table}"
    );
    // --all (one cluster, untracked jobs too) and --all-profiles do not go together.
    let out = lab.run(&["jobs", "--all", "--all-profiles"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

#[test]
fn nothing_is_sent_while_the_store_cannot_record_it() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let lab = Lab::new("submit-no-store", &sim);
    let body = http_body(&sim.snapshot("Cluster0"));
    // A store written by a newer version: refused, left as it is, nothing sent.
    std::fs::create_dir_all(lab.data_dir()).unwrap();
    let conn = rusqlite::Connection::open(lab.journal_path()).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let out = lab.submit(&body, &["-"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains(lab.journal_path().to_str().unwrap()),
        "names the file: {err}"
    );
    assert!(
        err.contains("run the newer version, or move the file aside"),
        "says what to do: {err}"
    );
    assert_eq!(creates(&sim), 0);
    // A store that cannot be opened at all (a folder where the file should be): the same.
    std::fs::remove_file(lab.journal_path()).unwrap();
    std::fs::create_dir(lab.journal_path()).unwrap();
    let out = lab.submit(&body, &["-", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let doc = json_of(&out);
    assert!(
        doc["error"].as_str().unwrap().contains("cannot open the job store"),
        "{doc}"
    );
    assert_eq!(creates(&sim), 0);
}

/// The simulator's snapshots of `cluster`, as it lists them: (id, created, complete).
fn listed_snapshots(sim: &SimProcess, cluster: &str) -> Vec<(String, String, bool)> {
    let page = sim.ask(&format!(
        "/api/atlas/v1.0/groups/{}/clusters/{cluster}/snapshots?completed=all&itemsPerPage=500",
        sim.group()
    ));
    page.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let created = s["created"]["date"].as_str().unwrap().to_string();
            (s["id"].as_str().unwrap().to_string(), created, s["complete"] == true)
        })
        .collect()
}

#[test]
fn a_script_picks_the_latest_complete_snapshot_before_a_time_and_reads_every_failure_as_json() {
    let sim = SimProcess::start(&[]);
    let lab = Lab::new("snapshots-cli", &sim);
    let all = listed_snapshots(&sim, "Cluster0");
    // A time between two complete snapshots: the older one is the answer.
    let mut complete: Vec<&(String, String, bool)> = all.iter().filter(|s| s.2).collect();
    complete.sort_by(|a, b| b.1.cmp(&a.1));
    assert!(complete.len() >= 3, "{all:?}");
    let before = &complete[1].1;
    let out = lab.run(&["snapshots", "--before", before, "--complete", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc[0]["id"], complete[2].0.as_str(), "{doc}");
    assert!(
        doc.as_array()
            .unwrap()
            .iter()
            .all(|s| s["complete"] == true && s["created"].as_str().unwrap() < before.as_str())
    );
    // Every snapshot without filters, newest first, times in RFC 3339 UTC.
    let out = lab.run(&["snapshots", "--format", "json"]);
    let doc = json_of(&out);
    assert_eq!(doc.as_array().unwrap().len(), all.len());
    let times: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["created"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert!(times.iter().all(|t| t.ends_with('Z')), "{times:?}");
    // A relative time, as the form takes it (a leading '-' is a value, not a flag).
    let out = lab.run(&["snapshots", "--after", "-1000d", "--format", "json"]);
    assert_eq!(json_of(&out).as_array().unwrap().len(), all.len(), "{}", show(&out));
    // The table fits 80 columns.
    let out = lab.run(&["snapshots"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).lines().all(|l| l.chars().count() <= 80),
        "{}",
        text(&out.stdout)
    );
    // A sharded cluster's checkpoints, the restorable ones.
    let out = lab.run(&[
        "checkpoints",
        "--cluster-name",
        "Cluster1",
        "--complete",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert!(!doc.as_array().unwrap().is_empty(), "{doc}");
    assert!(doc.as_array().unwrap().iter().all(|c| c["restorable"] == true), "{doc}");
    // Failures: one JSON object on stdout with the kind, and the exit code of the cause.
    let out = lab.run(&["snapshots", "--before", "yesterday", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(json_of(&out)["error"]["kind"], "setup");
    let out = lab.run(&["snapshots", "--cluster-name", "NoSuchCluster", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["error"]["kind"], "atlas_refused", "{doc}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("NoSuchCluster"),
        "{doc}"
    );
    drop(sim);
    let out = lab.run(&["snapshots", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "an Atlas that is gone is never 0, and 3 in every command: {}",
        show(&out)
    );
    assert_eq!(json_of(&out)["error"]["kind"], "atlas_unreachable");
}

#[test]
fn a_script_restores_the_latest_snapshot_before_a_time_by_exit_codes_alone() {
    let sim = SimProcess::start(&["--speed", "600"]);
    let lab = Lab::with_profile("wait-cli", |dir| {
        format!(
            "{}poll_interval = \"1s\"\ndownload_dir = \"{}\"\n",
            lab::sim_profile(&sim),
            dir.join("restores").display()
        )
    });
    // snapshots, then submit --wait, then download: each step judged by its exit code.
    let out = lab.run(&["snapshots", "--before", "-1h", "--complete", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let snapshot = json_of(&out)[0]["id"].as_str().unwrap().to_string();
    let body =
        json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "expirationHours": 4, "maxDownloads": 1}});
    let out = lab.submit(&body.to_string(), &["--wait", "--timeout", "2m", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["wait"]["result"], "ready", "{doc}");
    assert_eq!(doc["jobs"][0]["delivery"]["statusName"], "READY", "{doc}");
    let id = doc["jobs"][0]["id"].as_str().unwrap().to_string();
    let out = lab.run(&["download", &id, "--wait", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(json_of(&out)["state"], "verified");
}

#[test]
fn a_wait_past_its_timeout_exits_4_and_leaves_the_job_tracked() {
    // Real speed: a restore takes minutes, the wait a second.
    let sim = SimProcess::start(&[]);
    let lab = Lab::with_profile("wait-timeout", |_| {
        format!("{}poll_interval = \"1s\"\n", lab::sim_profile(&sim))
    });
    let body = http_body(&sim.snapshot("Cluster0"));
    let out = lab.submit(&body, &["--wait", "--timeout", "1s", "--format", "json"]);
    assert_eq!(out.status.code(), Some(4), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(
        (doc["state"].as_str(), doc["wait"]["result"].as_str()),
        (Some("created"), Some("timed_out")),
        "{doc}"
    );
    let id = doc["jobs"][0]["id"].as_str().unwrap().to_string();
    let out = lab.run(&["download", &id, "--wait", "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(4), "{}", show(&out));
    assert!(text(&out.stderr).contains("timed out"), "{}", show(&out));
    // Tracked all along: `jobs` lists it.
    let out = lab.run(&["jobs", "--format", "json"]);
    assert!(text(&out.stdout).contains(&id), "{}", show(&out));
}

#[test]
fn jobs_fits_an_80_column_terminal_and_a_pipe_gets_every_column() {
    let sim = SimProcess::start(&["--speed", "600"]);
    let lab = Lab::new("jobs-width", &sim);
    let out = lab.submit(&http_body(&sim.snapshot("Cluster0")), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let id = json_of(&out)["jobs"][0]["id"].as_str().unwrap().to_string();
    // A terminal of 80 columns: no line wraps, and the whole id is there (what `download` takes).
    let mut pty = lab.in_terminal(&["jobs"], 80, 24);
    let s = pty.wait_until(20, "the jobs table", |s| s.contains(&id));
    assert_eq!(pty.wait_exit(20), 0, "{s}");
    let rows: Vec<&str> = s.lines().filter(|l| l.contains(&id) || l.starts_with("JOB")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(
        rows.iter().all(|l| l.chars().count() <= 80 && !l.contains("MAX DL")),
        "{s}"
    );
    // `--wide`, or a pipe: every column, as before.
    let piped = text(&lab.run(&["jobs"]).stdout);
    assert!(piped.contains("MAX DL") && piped.contains("URL OR TARGET"), "{piped}");
    let mut pty = lab.in_terminal(&["jobs", "--wide"], 200, 24);
    let s = pty.wait_until(20, "the wide table", |s| s.contains(&id));
    assert_eq!(pty.wait_exit(20), 0);
    assert!(s.contains("MAX DL"), "{s}");
}

#[test]
fn a_sharded_submit_names_its_batch_on_every_part_line() {
    let sim = SimProcess::start(&[]);
    let lab = Lab::new("submit-batch", &sim);
    let out = lab.submit(&http_body(&sim.snapshot("Cluster1")), &["--cluster-name", "Cluster1"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert!(lines.len() > 1, "a part per shard: {lines:?}");
    let batch = lines[0]
        .rsplit_once("batch ")
        .map(|(_, b)| b.trim().to_string())
        .unwrap_or_default();
    assert_eq!(batch.len(), 24, "{lines:?}");
    assert!(
        lines.iter().all(|l| l.ends_with(&format!("batch {batch}"))),
        "{lines:?}"
    );
    // And it is what download takes for every part.
    let out = lab.run(&["jobs", "--format", "json"]);
    let doc = json_of(&out);
    assert!(
        doc.as_array().unwrap().iter().all(|j| j["batchId"] == batch.as_str()),
        "{doc}"
    );
}
