//! The commands the dashboard shows or copies keep their secrets out of every argument list:
//! the review's `curl` (the private key) and the download commands (`urlV2`'s auth value, or
//! the deprecated `url`, whose path is its secret). Each is run for real, by bash and by dash
//! (and zsh where it is installed), against the simulator; a `curl` first on PATH writes down
//! the arguments it was given and then runs the real curl with them, so the test sees exactly
//! what `ps` would have shown, and that the command still works. Against a hostile server
//! (the simulator's `hostile-delivery` fault), what the program offers either refuses in
//! words or, run for real, writes only the file it names.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;
use crate::support::wait;

use atlas_restore::atlas::RestoreJob;
use atlas_restore::jobs::present::NoCommand;
use atlas_restore::jobs::present::{AUTH_ENV, AuthIn, download_command, download_command_with};
use atlas_restore::restore::ApiVersion;
use atlas_restore::sim::{Fault, Hostile, Sim};
use atlas_restore::tui::review::{KEY_PLACEHOLDER, curl_command};
use common::{Client, client, complete_snapshot, start, v1};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The program `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// A scratch folder with a `curl` that records its arguments (one a line) in `argv`, then
/// becomes the real curl.
struct Shim {
    dir: PathBuf,
    /// `dir`, removed when dropped (a failed test's too).
    _scratch: tempfile::TempDir,
}

impl Shim {
    fn new(name: &str) -> Shim {
        use std::os::unix::fs::PermissionsExt;
        let real = which("curl").expect("this test needs curl: apt-get install curl");
        let scratch = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-curl-{name}-"))
            .tempdir()
            .unwrap();
        let dir = scratch.path().to_path_buf();
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{}'\nexec '{}' \"$@\"\n",
            dir.join("argv").display(),
            real.display()
        );
        let path = dir.join("bin/curl");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Shim { dir, _scratch: scratch }
    }

    /// Runs `command` with `shell -c` in the scratch folder, the shim first on PATH.
    fn run(&self, shell: &Path, command: &str, env: &[(&str, &str)]) -> Output {
        let _ = std::fs::remove_file(self.dir.join("argv"));
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(shell);
        cmd.arg("-c")
            .arg(command)
            .current_dir(&self.dir)
            .env("PATH", path)
            .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
            .env_remove(AUTH_ENV);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// The files of the scratch folder, but the shim's own (`bin`, `argv`), sorted.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "bin" && n != "argv")
            .collect();
        names.sort();
        names
    }

    /// What curl was given, or `None` when it did not run.
    fn argv(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("argv")).ok()
    }
}

/// bash and dash (Debian's sh), which must be there, and zsh when it is.
fn shells() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["bash", "dash"]
        .iter()
        .map(|s| which(s).unwrap_or_else(|| panic!("this test needs {s}")))
        .collect();
    out.extend(which("zsh"));
    out
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_review_curl_command_holds_the_key_only_in_a_printf_to_curls_stdin() {
    let body = json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}});
    let cmd = curl_command(
        "http://127.0.0.1:8089/api/atlas/v1.0/groups/5a66666887d9d61443b41645/clusters/Cluster0/restoreJobs",
        &body,
        "demopubk",
        ApiVersion::V1,
    );
    // What is exec'd is the part after the pipe: curl, whose config comes on stdin. The key's
    // variable stands only in the printf before it, a builtin of the shell.
    let (feed, curl) = cmd.split_once(" | ").unwrap();
    assert_eq!(
        feed,
        format!(r#"printf 'user = "%s:%s"\n' 'demopubk' "{KEY_PLACEHOLDER}""#)
    );
    assert!(curl.starts_with("curl --digest -K - -X POST "), "{curl}");
    assert!(!curl.contains("MONGODB_ATLAS_PRIVATE_API_KEY"), "{curl}");
    assert!(!curl.contains(" -u ") && !curl.contains("--user"), "{curl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_work_and_no_secret_reaches_curls_arguments() {
    let sim = start(60.0).await;
    let c = client(&sim);
    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    let url = c.url(&v1(&sim, "clusters/Cluster0/restoreJobs"));
    let body = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    let review = curl_command(&url, &body, sim.public_key(), ApiVersion::V1);
    let key = sim.private_key().to_string();

    // The review's command, as each shell runs it, creates a job; curl never sees the key.
    let runs = tokio::task::spawn_blocking({
        let key = key.clone();
        move || {
            let shim = Shim::new("review");
            shells()
                .into_iter()
                .map(|shell| {
                    let out = shim.run(&shell, &review, &[("MONGODB_ATLAS_PRIVATE_API_KEY", &key)]);
                    (shell, out, shim.argv())
                })
                .collect::<Vec<_>>()
        }
    })
    .await
    .unwrap();
    let mut job_id = String::new();
    for (shell, out, argv) in runs {
        let shell = shell.display();
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let answer: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{shell}: {e}: {}", text(&out)));
        job_id = answer["results"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{shell}: no job made: {answer}"))
            .to_string();
        let argv = argv.unwrap_or_else(|| panic!("{shell}: curl did not run"));
        assert!(
            !argv.contains(&key),
            "{shell}: the key reached curl's arguments: {argv}"
        );
        assert!(argv.lines().any(|a| a == "-K"), "{shell}: {argv}");
    }

    // The job becomes READY: its download commands.
    let job = ready(&c, &sim, &job_id).await;
    let auth = job
        .delivery
        .as_ref()
        .and_then(|d| d.auth_value.as_ref())
        .unwrap()
        .expose()
        .to_string();
    let url_v1 = job
        .delivery
        .as_ref()
        .and_then(|d| d.url.as_deref())
        .unwrap()
        .to_string();
    let masked = download_command_with(&job, AuthIn::Environment).unwrap();
    let literal = download_command(&job).unwrap();
    let mut v1_job = job.clone();
    v1_job.delivery.as_mut().unwrap().url_v2 = None;
    let by_url = download_command(&v1_job).unwrap();
    assert!(!masked.contains(&auth), "{masked}");

    let runs = tokio::task::spawn_blocking(move || {
        let shim = Shim::new("download");
        let bash = which("bash").unwrap();
        let mut seen = Vec::new();
        // Without the variable, the masked command stops before curl runs, and says why.
        let out = shim.run(&bash, &masked, &[]);
        seen.push(("masked, unset", out, shim.argv()));
        // With it, and with the value written in: the file comes, its SHA1 is computed.
        let out = shim.run(&bash, &masked, &[(AUTH_ENV, &auth)]);
        seen.push(("masked", out, shim.argv()));
        for shell in shells() {
            let out = shim.run(&shell, &literal, &[]);
            seen.push(("literal", out, shim.argv()));
            let out = shim.run(&shell, &by_url, &[]);
            seen.push(("deprecated url", out, shim.argv()));
        }
        (auth, url_v1, seen)
    })
    .await
    .unwrap();
    let (auth, url_v1, seen) = runs;
    for (what, out, argv) in seen {
        if what == "masked, unset" {
            assert!(!out.status.success(), "{what}: {}", text(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("set it to the download auth value"),
                "{what}: {}",
                text(&out)
            );
            assert_eq!(argv, None, "curl ran without the auth value");
            continue;
        }
        assert!(out.status.success(), "{what}: {}", text(&out));
        let argv = argv.unwrap_or_else(|| panic!("{what}: curl did not run"));
        assert!(
            !argv.contains(&auth),
            "{what}: the auth value reached curl's arguments: {argv}"
        );
        assert!(
            !argv.contains(&url_v1),
            "{what}: the deprecated url reached curl's arguments"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(".tar.gz"),
            "{what}: sha1sum names the file: {}",
            text(&out)
        );
    }

    // Once downloaded, Atlas lists the SHA1, and the command checks the file against it.
    let a = c
        .get(&v1(&sim, &format!("clusters/Cluster0/restoreJobs/{job_id}")))
        .await;
    let job: RestoreJob = serde_json::from_value(a.json).unwrap();
    let checked = download_command(&job).unwrap();
    assert!(checked.contains("| sha1sum -c -"), "{checked}");
    let (out, argv) = tokio::task::spawn_blocking(move || {
        let shim = Shim::new("checked");
        let out = shim.run(&which("bash").unwrap(), &checked, &[]);
        (out, shim.argv())
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(".tar.gz: OK"),
        "{}",
        text(&out)
    );
    assert!(!argv.unwrap().contains(&auth));
}

/// A READY job made by `c` on `sim` (a snapshot restore to download), as Atlas answers now.
async fn ready_job(c: &Client, sim: &Sim) -> RestoreJob {
    let snapshot = complete_snapshot(c, sim, "Cluster0").await;
    let body = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    let made = c.post(&v1(sim, "clusters/Cluster0/restoreJobs"), &body).await;
    assert_eq!(made.status, 200, "{}", made.text);
    let id = made.json["results"][0]["id"].as_str().unwrap().to_string();
    ready(c, sim, &id).await
}

/// Job `id` once its delivery is READY.
async fn ready(c: &Client, sim: &Sim, id: &str) -> RestoreJob {
    wait::until_async("the job READY", Duration::from_secs(30), async || {
        let job = fetch(c, sim, id).await;
        let status = job
            .delivery
            .as_ref()
            .and_then(|d| d.status_name.as_ref())
            .map(|s| s.as_api().to_string());
        if status.as_deref() == Some("READY") {
            Ok(job)
        } else {
            Err(format!("{status:?}"))
        }
    })
    .await
}

async fn fetch(c: &Client, sim: &Sim, id: &str) -> RestoreJob {
    let a = c.get(&v1(sim, &format!("clusters/Cluster0/restoreJobs/{id}"))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    serde_json::from_value(a.json).unwrap()
}

fn refusal(job: &RestoreJob, auth: AuthIn) -> String {
    match download_command_with(job, auth) {
        Err(NoCommand::Refused(why)) => why,
        other => panic!("a command was offered for a hostile job: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_auth_value_gets_no_command_and_nothing_reaches_the_disk() {
    let sim = start(60.0).await;
    let c = client(&sim);
    let good = ready_job(&c, &sim).await;
    let masked = download_command_with(&good, AuthIn::Environment).unwrap();

    // A newline and curl config lines of the server's own after it: refused, and said.
    sim.set_fault(Some(Fault::HostileDelivery(Hostile::AuthNewline)));
    let hostile = fetch(&c, &sim, &good.id).await;
    let value = hostile
        .delivery
        .as_ref()
        .unwrap()
        .auth_value
        .as_ref()
        .unwrap()
        .expose()
        .to_string();
    assert!(
        value.contains("\noutput = hostile-output"),
        "the fault is on: {value:?}"
    );
    for auth in [AuthIn::Command, AuthIn::Environment] {
        assert_eq!(
            refusal(&hostile, auth),
            "the download auth value from Atlas holds a newline: no command is offered; download with d instead"
        );
    }
    // Control characters (an OSC 52 and a carriage return): refused too.
    sim.set_fault(Some(Fault::HostileDelivery(Hostile::AuthControl)));
    let hostile = fetch(&c, &sim, &good.id).await;
    assert!(
        refusal(&hostile, AuthIn::Command)
            .starts_with("the download auth value from Atlas holds a carriage return: no command is offered"),
    );
    sim.set_fault(None);

    // The masked command, given that value in its variable by a DBA who pasted it: the shell
    // stops it before curl runs; no file is written, the server's `output` least of all.
    let out = tokio::task::spawn_blocking(move || {
        let shim = Shim::new("hostile-auth");
        let mut seen = Vec::new();
        for shell in shells() {
            let out = shim.run(&shell, &masked, &[(AUTH_ENV, &value)]);
            seen.push((shell, out, shim.argv(), shim.files()));
        }
        seen
    })
    .await
    .unwrap();
    for (shell, out, argv, files) in out {
        let shell = shell.display();
        assert!(!out.status.success(), "{shell}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("ATLAS_RESTORE_AUTH holds a character an auth value cannot"),
            "{shell}: {}",
            text(&out)
        );
        assert_eq!(argv, None, "{shell}: curl ran");
        assert!(files.is_empty(), "{shell}: files were written: {files:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_name_that_starts_with_dashes_is_only_a_file_name_and_a_long_one_is_refused() {
    let sim = start(60.0).await;
    let c = client(&sim);
    let good = ready_job(&c, &sim).await;
    sim.set_fault(Some(Fault::HostileDelivery(Hostile::FileDash)));
    // Before the first download (no SHA1 yet), and after it (the SHA1 listed).
    let before = download_command(&fetch(&c, &sim, &good.id).await).unwrap();
    assert!(before.ends_with("&& sha1sum -- '--upload-file.tar.gz'"), "{before}");
    let runs = {
        let before = before.clone();
        tokio::task::spawn_blocking(move || {
            let shim = Shim::new("dash-before");
            let out = shim.run(&which("bash").unwrap(), &before, &[]);
            (out, shim.argv(), shim.files())
        })
        .await
        .unwrap()
    };
    let (out, argv, files) = runs;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(files, ["--upload-file.tar.gz"], "only the file it names");
    let argv = argv.unwrap();
    let args: Vec<&str> = argv.lines().collect();
    let o = args.iter().position(|a| *a == "-o").unwrap();
    assert_eq!(args[o + 1], "--upload-file.tar.gz", "{argv}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("  --upload-file.tar.gz"),
        "sha1sum read it as a file: {}",
        text(&out)
    );
    let after = download_command(&fetch(&c, &sim, &good.id).await).unwrap();
    assert!(after.contains("  --upload-file.tar.gz' | sha1sum -c -"), "{after}");
    let out = tokio::task::spawn_blocking(move || {
        let shim = Shim::new("dash-after");
        let out = shim.run(&which("bash").unwrap(), &after, &[]);
        (out, shim.files())
    })
    .await
    .unwrap();
    assert!(out.0.status.success(), "{}", text(&out.0));
    assert!(
        String::from_utf8_lossy(&out.0.stdout).contains("--upload-file.tar.gz: OK"),
        "{}",
        text(&out.0)
    );
    assert_eq!(out.1, ["--upload-file.tar.gz"]);

    // 300 characters: no file system takes it; no command.
    sim.set_fault(Some(Fault::HostileDelivery(Hostile::FileLong)));
    assert_eq!(
        refusal(&fetch(&c, &sim, &good.id).await, AuthIn::Command),
        "the file name from Atlas is 300 bytes long, more than the 255 a file name may be: no command is offered"
    );
}
