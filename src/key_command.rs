//! `private_key_command`: run through `sh -c`; its trimmed standard output is the key.
//!
//! - Its standard input is nothing (`/dev/null`): a prompt that reads it ends at once rather
//!   than wait unseen (its standard error is not shown, below). `pass` still asks for a GPG
//!   pin: gpg-agent's pinentry opens the terminal itself (`GPG_TTY`), and a program that reads
//!   `/dev/tty` (age, openssl) still can, as the command stays in the terminal's foreground.
//! - It has `timeout` (30 s unless `private_key_command_timeout` says otherwise): then the
//!   shell and every program it started are killed, and the error says so, rather than the
//!   program hanging before its first screen on a pin nobody sees asked.
//! - Its standard error is read and dropped, never shown or logged: a failing command may
//!   print the key there (`echo "$KEY" >&2`, a tool's debug output). The error gives the exit
//!   status and how many lines it wrote there.

use crate::config::ConfigError;
use crate::secret::SecretString;
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long `private_key_command` may take by default: long enough to type a pin.
pub const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `command`; the key it prints, or why there is none. See the module's notes.
pub fn run_key_command(profile: &str, command: &str, timeout: Duration) -> Result<SecretString, ConfigError> {
    let fail = |message: String| ConfigError::KeyCommand {
        profile: profile.to_string(),
        message,
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run sh: {e}")))?;
    let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        stop(&mut child);
        return Err(fail("its output could not be read".into()));
    };
    // Read beside the wait, so that a full pipe never stops the command.
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = stdout.read_to_end(&mut bytes).map(|_| bytes);
        let _ = out_tx.send(read);
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = err_tx.send(count_lines(stderr));
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                stop(&mut child);
                return Err(fail(format!(
                    "it did not finish within {}, so it was stopped, with every program it started: is it waiting for an answer? It gets no input (a GPG pin is asked by pinentry); run it yourself to see, or raise private_key_command_timeout",
                    humantime::format_duration(timeout)
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                stop(&mut child);
                return Err(fail(format!("cannot wait for it: {e}")));
            }
        }
    };
    // The output ends once every program that holds it has exited.
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(500));
    let out = out_rx.recv_timeout(left);
    let err_lines = err_rx.recv_timeout(Duration::from_millis(500)).ok();
    if !status.success() {
        let said = match err_lines {
            Some(0) => "it wrote nothing to standard error".to_string(),
            Some(n) => format!(
                "what it wrote to standard error ({n} line{}) is not shown, as it may hold the key: run the command yourself to see it",
                if n == 1 { "" } else { "s" }
            ),
            None => "its standard error is not shown, as it may hold the key".to_string(),
        };
        return Err(fail(format!("{}; {said}", describe(status))));
    }
    let bytes = match out {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(fail(format!("cannot read its output: {e}"))),
        Err(_) => {
            return Err(fail(
                "it exited, but a program it started still holds its output open: make the command end with the key printed".into(),
            ));
        }
    };
    let key = String::from_utf8(bytes).map_err(|_| fail("its output is not UTF-8".into()))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(fail("it printed nothing".into()));
    }
    Ok(SecretString::new(key))
}

/// How many lines `from` holds (a last one without its newline counts); the text is dropped.
fn count_lines(mut from: impl Read) -> usize {
    let (mut lines, mut open) = (0, false);
    let mut buf = [0u8; 4096];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        open = buf[n - 1] != b'\n';
    }
    buf.fill(0);
    lines + usize::from(open)
}

/// "it exited with status 3", "it was killed by signal 9".
fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("it exited with status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("it was killed by signal {signal}");
    }
    format!("it ended: {status}")
}

/// Kills the shell and, first, every program it started (found through `/proc`, as they
/// would be out of reach once the shell is gone), then reaps the shell. Not a process group
/// of its own: the command must stay in the terminal's foreground group, or a pinentry that
/// reads the tty would be stopped by SIGTTIN.
fn stop(child: &mut std::process::Child) {
    #[cfg(target_os = "linux")]
    for pid in descendants(child.id()) {
        if let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The processes below `root`, children before grandchildren, read from `/proc/*/stat`.
#[cfg(target_os = "linux")]
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `PID (COMM) STATE PPID …`; COMM may hold spaces and parentheses: after the last `)`.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_not_kept() {
        assert_eq!(count_lines(&b""[..]), 0);
        assert_eq!(count_lines(&b"one\n"[..]), 1);
        assert_eq!(count_lines(&b"one\ntwo"[..]), 2);
    }
}
