//! Programs nobody here wrote that some tests run beside the program: tmux, fish and Python's
//! `requests`. Where one is absent its tests skip, each saying so on a line of its own (written
//! past the test harness's capture, so that a plain `cargo test` shows it), unless
//! `ATLAS_RESTORE_REQUIRE_PEERS=1`: then an absent program fails the test. `.ci/run` installs
//! them and sets it.

use std::process::{Command, Stdio};

/// The variable that makes an absent program a failure.
pub const REQUIRE: &str = "ATLAS_RESTORE_REQUIRE_PEERS";

/// A program the tests may need: how to tell it is there, and how to install it.
pub struct Tool {
    pub name: &'static str,
    pub probe: &'static [&'static str],
    pub install: &'static str,
}

pub const TMUX: Tool = Tool {
    name: "tmux",
    probe: &["tmux", "-V"],
    install: "apt-get install tmux",
};

pub const FISH: Tool = Tool {
    name: "fish",
    probe: &["fish", "--version"],
    install: "apt-get install fish",
};

pub const PYTHON_REQUESTS: Tool = Tool {
    name: "python3 with requests",
    probe: &["python3", "-c", "import requests"],
    install: "apt-get install python3 python3-requests",
};

/// Whether an absent program fails the tests that need it.
pub fn required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| v == "1")
}

/// Whether `tool` runs here. When it does not: with `ATLAS_RESTORE_REQUIRE_PEERS=1` the test
/// fails; otherwise the skip is said and the caller returns (`if !tools::have(&TMUX) { return; }`).
pub fn have(tool: &Tool) -> bool {
    let (program, args) = tool.probe.split_first().expect("a probe names its program");
    let probe = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let shown: Vec<String> = tool
        .probe
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect();
    let why = match probe {
        Ok(s) if s.success() => return true,
        Ok(s) => format!("`{}` exited with {s}", shown.join(" ")),
        Err(e) => format!("`{}` did not start: {e}", shown.join(" ")),
    };
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    assert!(
        !required(),
        "{test} needs {} ({why}); install it with `{}` (a failure, not a skip, as {REQUIRE}=1)",
        tool.name,
        tool.install
    );
    skip(
        &test,
        &format!("{} is not installed ({why}); `{}` installs it", tool.name, tool.install),
    );
    false
}

/// Says on stderr, past the harness's capture, that `test` skipped and why.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {test}: {why} (set {REQUIRE}=1 to make this a failure)"
    );
}
