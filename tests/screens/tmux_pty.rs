//! The dashboard inside a real tmux with its default settings (`-f /dev/null`: `set-clipboard
//! external`, `allow-passthrough off`), driven by `send-keys` and read with `capture-pane`,
//! against `--demo`:
//! - `y` on a READY job puts the URL into tmux's buffer (`show-buffer`), and says so;
//! - the plain screen (`p` in a job's detail, `^P` in the review) prints each URL and command
//!   on a line of its own, so `capture-pane -J` gives each back whole at 80 columns; the auth
//!   value only after `r`; any key comes back to the dashboard;
//! - a SIGTERM while on the plain screen still leaves the terminal as it was (cooked mode,
//!   normal screen, cursor shown).
//!
//! Each test runs a tmux server of its own (`-L` a socket named for it), killed on drop. Without
//! tmux they are skipped, each saying so, unless `ATLAS_RESTORE_REQUIRE_PEERS=1`
//! (`tests/support/tools.rs`).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty::focus_marks;
use crate::support::tools;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_atlas-restore");

struct Tmux {
    socket: String,
    /// Removed when dropped, after the server is stopped (`Drop` below).
    dir: tempfile::TempDir,
}

impl Tmux {
    /// A tmux server with default settings running `atlas-restore --demo` in a `cols`x`rows`
    /// window, with its files in a scratch folder. Its process id goes to `pid`, and once it
    /// ends, the pane's terminal settings (`stty -a`) to `stty`.
    ///
    /// `None` where tmux is not installed: the test is skipped, and says so (a failure with
    /// `ATLAS_RESTORE_REQUIRE_PEERS=1`, as `.ci/run` sets).
    fn demo(name: &str, cols: u16, rows: u16) -> Option<Tmux> {
        if !tools::have(&tools::TMUX) {
            return None;
        }
        let socket = format!("atlas-restore-test-{name}-{}", std::process::id());
        let dir = tempfile::Builder::new()
            .prefix(&format!("{socket}-"))
            .tempdir()
            .unwrap();
        let d = dir.path().display();
        let program = format!(
            "sh -c 'echo $$ > {d}/pid; exec env -u NO_COLOR -u ATLAS_RESTORE_CONFIG HOME={d} XDG_DATA_HOME={d}/data XDG_STATE_HOME={d}/state XDG_CONFIG_HOME={d}/config {BIN} --demo'; stty -a > {d}/stty; sleep 600"
        );
        let t = Tmux { socket, dir };
        let out = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string(), &program])
            .env_remove("TMUX")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Keys by tmux's names (`Enter`, `Tab`, `C-s`, `Escape`, `y`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// The screen as tmux has it; `joined`: wrapped lines joined (`capture-pane -J`).
    fn screen(&self, joined: bool) -> String {
        if joined {
            self.tmux(&["capture-pane", "-p", "-J", "-t", "0"])
        } else {
            self.tmux(&["capture-pane", "-p", "-t", "0"])
        }
    }

    fn format(&self, f: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "0", f]).trim().to_string()
    }

    fn wait_until(&self, secs: u64, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen(false);
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_until(20, text, |s| s.contains(text))
    }

    /// Submits an HTTP restore of a complete snapshot and waits for it to be READY; leaves
    /// the focus on the form.
    fn ready_job(&self) {
        self.wait_for("snapshotId");
        self.keys(&["Enter"]);
        let list = self.wait_for("complete");
        // The list opens on a complete snapshot, or on the one still being taken: pick a
        // complete one.
        let on_complete = list
            .lines()
            .find(|l| l.contains('▶'))
            .is_some_and(|l| l.contains("complete"));
        if !on_complete {
            self.keys(&["Down"]);
        }
        self.keys(&["Enter"]);
        self.wait_until(10, "a picked snapshot", |s| !s.contains("filter:"));
        self.keys(&["C-s"]);
        self.wait_for("Review");
        self.keys(&["Enter"]);
        self.wait_for("submitted: 1 restore job");
        self.wait_until(40, "the job READY", |s| s.contains("READY"));
    }

    /// From the form into the jobs panel (its footer offers the copy): Tab, each once the one
    /// before has moved the focus mark.
    fn focus_panel(&self) {
        for _ in 0..16 {
            let s = self.screen(false);
            if s.contains("copy URL") {
                return;
            }
            let before = focus_marks(&s);
            self.keys(&["Tab"]);
            self.wait_until(10, "Tab answered", |s| {
                s.contains("copy URL") || focus_marks(s) != before
            });
        }
        self.wait_for("copy URL");
    }

    fn buffer(&self) -> String {
        self.tmux(&["show-buffer"])
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pid"))
            .unwrap()
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .env_remove("TMUX")
            .output();
    }
}

/// The download URL the demo hands out: `urlV2` on the simulator.
fn is_download_url(s: &str) -> bool {
    s.starts_with("http://127.0.0.1:") && s.contains("/backup/restore/v3/pull/") && s.ends_with(".tar.gz")
}

#[test]
fn y_inside_tmux_with_default_settings_fills_its_buffer_with_the_url() {
    let Some(t) = Tmux::demo("copy", 100, 30) else {
        return;
    };
    // tmux's defaults: an application's OSC 52 is ignored, and so is the passthrough form.
    assert_eq!(t.tmux(&["show-options", "-gv", "set-clipboard"]).trim(), "external");
    assert_eq!(t.tmux(&["show-options", "-gv", "allow-passthrough"]).trim(), "off");
    t.ready_job();
    t.focus_panel();
    t.keys(&["y"]);
    let s = t.wait_for("into tmux's buffer");
    assert!(
        s.contains("copied the download URL into tmux's buffer (paste with prefix ])"),
        "{s}"
    );
    assert!(!s.contains("sent the download URL"), "no claim of OSC 52: {s}");
    let url = t.buffer();
    assert!(is_download_url(&url), "tmux's buffer: {url:?}");

    // `c`: a download command; the auth value goes to curl on stdin, not in its arguments.
    t.keys(&["c"]);
    t.wait_for("copied a download command");
    let cmd = t.buffer();
    assert!(
        cmd.starts_with("printf 'header = \"%s\"\\n' 'x-mongodb-restore-auth: ") && cmd.contains(&url),
        "{cmd}"
    );

    // In the detail as well.
    t.keys(&["Enter"]);
    t.wait_for("download URL");
    t.tmux(&["delete-buffer"]);
    t.keys(&["y"]);
    t.wait_until(10, "the URL copied again", |_| {
        Command::new("tmux")
            .args(["-L", &t.socket, "show-buffer"])
            .env_remove("TMUX")
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout == url.as_bytes())
    });
    t.keys(&["C-q"]);
}

#[test]
fn the_plain_screen_comes_back_joined_from_capture_pane_at_80_columns() {
    let Some(t) = Tmux::demo("plain", 80, 24) else {
        return;
    };
    t.ready_job();
    t.focus_panel();
    t.keys(&["Enter"]);
    t.wait_for("download URL");
    // The URL as the program has it (tmux's buffer), to find on the plain screen.
    t.keys(&["y"]);
    t.wait_for("into tmux's buffer");
    let url = t.buffer();
    assert!(is_download_url(&url) && url.len() > 80, "{url}");

    assert_eq!(t.format("#{alternate_on}"), "1");
    t.keys(&["p"]);
    t.wait_for("Any key goes back");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the plain screen is the normal screen"
    );
    let joined = t.screen(true);
    let lines: Vec<&str> = joined.lines().collect();
    assert!(
        lines.contains(&url.as_str()),
        "the URL is one line when joined:\n{joined}"
    );
    assert!(
        !t.screen(false).lines().any(|l| l == url),
        "at 80 columns the terminal wraps it"
    );
    assert!(lines.contains(&"x-mongodb-restore-auth: ••••••••"), "{joined}");
    let masked_cmd = lines
        .iter()
        .find(|l| l.starts_with(": \"${ATLAS_RESTORE_AUTH:?"))
        .unwrap_or_else(|| panic!("the masked download command, whole:\n{joined}"));
    assert!(masked_cmd.contains(&format!("'{url}'")), "{masked_cmd}");
    assert!(!joined.contains("│"), "no border on the plain screen:\n{joined}");

    // Any key comes back (and does nothing else: `x` would forget the job).
    t.keys(&["x"]);
    t.wait_until(10, "the detail again", |s| {
        s.contains("download URL") && !s.contains("Any key goes back")
    });
    assert_eq!(t.format("#{alternate_on}"), "1");
    assert!(!t.screen(false).contains("Forget this job?"));

    // Revealed (`r`), the auth value is printed, and the command holds it.
    t.keys(&["r"]);
    let s = t.wait_until(10, "the auth value revealed", |s| !s.contains("r reveals"));
    // The detail wraps it by words: the value may stand on the next line.
    let at = s
        .find("x-mongodb-restore-auth:")
        .unwrap_or_else(|| panic!("the revealed header:\n{s}"));
    let value = s[at + "x-mongodb-restore-auth:".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(value.len() >= 8, "{value:?}");
    assert!(!joined.contains(&value), "the masked plain screen held the auth value");
    t.keys(&["p"]);
    t.wait_for("Any key goes back");
    let joined = t.screen(true);
    let lines: Vec<&str> = joined.lines().collect();
    assert!(
        lines.contains(&format!("x-mongodb-restore-auth: {value}").as_str()),
        "{joined}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("printf 'header = ") && l.contains(&value) && l.contains(&url)),
        "{joined}"
    );
    t.keys(&["Escape"]);
    t.wait_until(10, "the detail again", |s| {
        s.contains("download URL") && !s.contains("Any key goes back")
    });

    // The review's plain screen: the curl command whole on one line.
    t.keys(&["Escape"]);
    t.wait_until(10, "the detail closed", |s| !s.contains("download URL"));
    t.keys(&["Escape"]);
    t.keys(&["C-s"]);
    t.wait_for("Review");
    t.keys(&["C-p"]);
    t.wait_for("Any key goes back");
    let joined = t.screen(true);
    let curl = joined
        .lines()
        .find(|l| l.starts_with("printf 'user = "))
        .unwrap_or_else(|| panic!("the curl command:\n{joined}"));
    assert!(
        curl.contains("\"$MONGODB_ATLAS_PRIVATE_API_KEY\" | curl --digest -K - -X POST")
            && curl.ends_with("/clusters/Cluster0/restoreJobs'"),
        "{curl}"
    );
    assert!(curl.len() > 160, "{curl}");
    t.keys(&["Enter"]);
    t.wait_until(10, "the review again", |s| {
        s.contains("Review") && !s.contains("Any key goes back")
    });
    assert!(
        !t.screen(false).contains("submitted: 2"),
        "the key that left the plain screen sent nothing"
    );
    t.keys(&["C-q"]);
}

#[test]
fn a_sigterm_on_the_plain_screen_leaves_the_terminal_as_it_was() {
    let Some(t) = Tmux::demo("sigterm", 80, 24) else {
        return;
    };
    t.ready_job();
    t.focus_panel();
    t.keys(&["Enter"]);
    t.wait_for("download URL");
    t.keys(&["p"]);
    t.wait_for("Any key goes back");
    let status = Command::new("kill").args(["-TERM", &t.pid()]).status().unwrap();
    assert!(status.success());
    let stty = t.dir.path().join("stty");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&stty).map_or(true, |m| m.len() == 0) {
        assert!(
            Instant::now() < deadline,
            "the program did not end:\n{}",
            t.screen(false)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let settings = std::fs::read_to_string(&stty).unwrap();
    let flags: Vec<&str> = settings.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&flag), "{flag} is back on: {settings}");
    }
    assert_eq!(t.format("#{alternate_on} #{cursor_flag}"), "0 1");
}
