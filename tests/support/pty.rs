//! A real terminal for tests: the binary runs in a pseudo-terminal of a chosen size, and
//! what it writes goes through a terminal emulator (vt100) whose screen the test reads.

#![allow(dead_code)]

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_atlas-restore");

pub struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on raw output.
    raw: Arc<Mutex<Vec<u8>>>,
    /// Set once the terminal's reader met its end (every writer of the terminal is gone).
    eof: Arc<AtomicBool>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    /// The program's data and config folders unless the test names its own; removed when
    /// dropped, after the program is stopped (`Drop` below).
    _home: TempDir,
}

pub mod key {
    pub const TAB: &str = "\t";
    pub const ENTER: &str = "\r";
    pub const ESC: &str = "\x1b";
    pub const DOWN: &str = "\x1b[B";
    pub const UP: &str = "\x1b[A";
    pub const CTRL_S: &str = "\x13";
    pub const CTRL_Q: &str = "\x11";
    pub const F1: &str = "\x1bOP";
    /// Straight to the jobs panel and back.
    pub const F2: &str = "\x1bOQ";
}

impl Pty {
    /// Starts `atlas-restore ARGS` in a `cols`x`rows` terminal with `env` (and no colour
    /// surprises from the test's own environment).
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("ATLAS_RESTORE_CONFIG");
        // Not inside tmux or screen, whatever runs the tests: OSC 52 goes out unwrapped.
        cmd.env_remove("TMUX");
        // The program's log goes to a scratch folder, not the real home (a test may say where).
        cmd.env("XDG_STATE_HOME", std::env::temp_dir().join("atlas-restore-test-state"));
        // Nor the user's store and config (a newer build's store there is refused: "schema 3,
        // this one knows 2"): folders of its own, unless the test names them.
        let home = temp_dir("pty-home");
        cmd.env("XDG_DATA_HOME", home.path().join("data"));
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("the binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        let (p, r, e) = (parser.clone(), raw.clone(), eof.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            e.store(true, Ordering::SeqCst);
        });
        Pty {
            parser,
            raw,
            eof,
            writer,
            child,
            _master: pair.master,
            _home: home,
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends keys one at a time, as a person types (a burst may be read as a paste).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
            // Not a wait for anything: the pace of typing itself, keys a moment apart, is
            // what tells them from a paste.
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Sends `key` until the screen satisfies `done`, at most `tries` times, each time only
    /// once the key before has been answered (a focus mark `▶` moved): keys sent blind, a
    /// sleep apart, could overshoot or arrive as one read. The screen once it is done.
    pub fn press_until(&mut self, key: &str, tries: usize, what: &str, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..tries {
            let s = self.screen();
            if done(&s) {
                break;
            }
            let before = focus_marks(&s);
            self.send(key);
            self.wait_until(15, &format!("{key:?} answered, on the way to {what}"), |s| {
                done(s) || focus_marks(s) != before
            });
        }
        self.wait_until(15, what, done)
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.parser.lock().unwrap().screen())
    }

    /// Waits until the screen satisfies `pred`, or fails with the screen after `secs`.
    pub fn wait_until(&self, secs: u64, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            // A frame arrives in several writes: the screen counts once no byte came for a
            // moment after it was read (one cut in its middle once lacked its footer).
            let bytes = self.raw_len();
            let s = self.screen();
            if pred(&s) {
                std::thread::sleep(Duration::from_millis(25));
                if self.raw_len() == bytes || Instant::now() >= deadline {
                    return s;
                }
                continue;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(15, text, |s| s.contains(text))
    }

    /// Once the form is up, with the focus on `snapshotId`: picks the complete snapshot below
    /// the preselected one (a request ready to review and send).
    pub fn pick_complete_snapshot(&mut self) {
        self.wait_for("snapshotId");
        self.send(key::ENTER);
        self.wait_for("still being taken");
        self.send(key::DOWN);
        self.send(key::ENTER);
        self.wait_for("no conflicts");
    }

    /// With the focus on `snapshotId`: opens its picker, takes the complete snapshot `downs`
    /// rows below the preselected one, reviews and sends it; the screen once the status line
    /// says `submitted` (and the screen has changed: a second submit says it again).
    pub fn submit_snapshot(&mut self, downs: usize, submitted: &str) -> String {
        let before = self.screen();
        self.send(key::ENTER);
        self.wait_for("still being taken");
        for _ in 0..downs {
            self.send(key::DOWN);
        }
        self.send(key::ENTER);
        self.wait_for("no conflicts");
        self.send(key::CTRL_S);
        self.wait_for("Review");
        self.send(key::ENTER);
        self.wait_until(15, submitted, |s| s.contains(submitted) && s != before)
    }

    /// Waits for the program to exit, returning its exit code, once the reader has taken
    /// the last bytes it wrote (the terminal's end: no writer of it is left).
    pub fn wait_exit(&mut self, secs: u64) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while !self.eof.load(Ordering::SeqCst) {
                    assert!(
                        Instant::now() < deadline,
                        "the program exited but its terminal is still open (a child of it?); the screen:\n{}",
                        self.screen()
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }
}

/// The jobs panel's "updated 12:04:31Z": when its last poll came back (local time, UTC).
pub fn updated(screen: &str) -> Option<String> {
    let at = screen.find("updated ")? + "updated ".len();
    screen.get(at..at + 9).map(str::to_string)
}

impl Pty {
    /// Ctrl-R (poll now), and the screen once that poll is back and drawn: the panel's
    /// "updated" time differs from the one before. That time has whole seconds of Atlas's
    /// clock: a poll back within the second before shows none, so Ctrl-R is sent again when
    /// nothing changed within 2 s (a READY job is otherwise polled every 30 s only).
    pub fn poll_now(&mut self) -> String {
        let shown = updated(&self.screen());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.send("\x12");
            let again = Instant::now() + Duration::from_secs(2);
            while Instant::now() < again {
                let s = self.screen();
                if updated(&s).is_some() && updated(&s) != shown && !s.contains("polling…") {
                    return self.wait_until(10, "the poll drawn", |s| updated(s) != shown);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(
                Instant::now() < deadline,
                "no poll came back for Ctrl-R (updated {shown:?}); the screen:\n{}",
                self.screen()
            );
        }
    }
}

/// Where the focus marks `▶` stand on a screen (row, column): they move when a key moves the
/// focus or the selection, and stay put when only the text around them changes.
pub fn focus_marks(screen: &str) -> Vec<(usize, usize)> {
    screen
        .lines()
        .enumerate()
        .flat_map(|(row, line)| {
            line.chars()
                .enumerate()
                .filter(|(_, c)| *c == '▶')
                .map(move |(col, _)| (row, col))
        })
        .collect()
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `atlas-restore sim` run as its own process; killed on drop. `info` is its first line.
pub struct SimProcess {
    child: std::process::Child,
    pub info: serde_json::Value,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SimProcess {
    /// Starts it on a free loopback port with `extra` arguments (`--speed 60`, `--fault …`).
    pub fn start(extra: &[&str]) -> SimProcess {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new(BIN)
            .args(["sim", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("ATLAS_RESTORE_SIM_PRIVATE_KEY")
            .env_remove("ATLAS_RESTORE_SIM_PUBLIC_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let read = std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        match read
            .map_err(|e| e.to_string())
            .and_then(|_| serde_json::from_str(&line).map_err(|e| e.to_string()))
        {
            Ok(info) => SimProcess { child, info },
            Err(e) => {
                // Not left running for init to adopt.
                let _ = child.kill();
                let _ = child.wait();
                panic!("atlas-restore sim did not start: {e}: {line:?}");
            }
        }
    }

    pub fn group(&self) -> &str {
        self.info["group_id"].as_str().unwrap()
    }
}

pub use tempfile::TempDir;

/// A scratch directory named for the test (`atlas-restore-NAME-…`), removed when dropped, a
/// failed test's too.
pub fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("atlas-restore-{name}-"))
        .tempdir()
        .unwrap()
}
