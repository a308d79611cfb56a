//! Copying over SSH: OSC 52 asks the user's own terminal (not an X server the jump host
//! lacks) to set its clipboard. Terminals do not acknowledge it, so nothing here claims more
//! than "sent".
//!
//! Inside tmux the text goes to tmux itself: with its default settings tmux ignores an
//! application's OSC 52 (`set-clipboard external`) and drops the passthrough form
//! (`allow-passthrough off`), so `tmux load-buffer -w -` takes it, on stdin (never in argv: a
//! URL holds a token), keeps it in tmux's buffer and, with `-w`, sends it on to the outer
//! terminal's clipboard where tmux can. The passthrough escape is only the fallback when
//! that fails. Inside screen the sequence is wrapped so that it passes through.

use base64::Engine;
use std::time::{Duration, Instant};

/// Past this the sequence is refused: many terminals drop long OSC 52 payloads silently.
pub(crate) const MAX_COPY_BYTES: usize = 100_000;

/// Which multiplexer sits between the program and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passthrough {
    None,
    Tmux,
    Screen,
}

impl Passthrough {
    /// From `TMUX` and `TERM`.
    pub(crate) fn detect(tmux: Option<&str>, term: Option<&str>) -> Passthrough {
        if tmux.is_some_and(|t| !t.is_empty()) {
            Passthrough::Tmux
        } else if term.is_some_and(|t| t.starts_with("screen")) {
            Passthrough::Screen
        } else {
            Passthrough::None
        }
    }
}

/// The bytes that put `text` on the clipboard, or why not.
pub(crate) fn osc52(text: &str, via: Passthrough) -> Result<Vec<u8>, String> {
    if text.len() > MAX_COPY_BYTES {
        return Err(format!(
            "too long to copy through the terminal ({} bytes, at most {MAX_COPY_BYTES})",
            text.len()
        ));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let osc = format!("\x1b]52;c;{encoded}\x07");
    Ok(match via {
        Passthrough::None => osc.into_bytes(),
        // tmux: DCS tmux; with every ESC inside doubled.
        Passthrough::Tmux => format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")).into_bytes(),
        Passthrough::Screen => format!("\x1bP{osc}\x1b\\").into_bytes(),
    })
}

/// How long tmux may take to answer before the copy is given up (and falls back).
const TMUX_TIMEOUT: Duration = Duration::from_secs(3);

/// What tmux did with the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TmuxCopy {
    /// `load-buffer -w` (tmux 3.2+): in tmux's buffer, and sent on to the outer terminal's
    /// clipboard where tmux can (`set-clipboard` not `off`, a terminal that takes OSC 52).
    BufferAndClipboard,
    /// `load-buffer` without `-w` (an older tmux refused the flag): in tmux's buffer only.
    BufferOnly,
}

/// Hands `text` to the tmux server that `tmux_env` (the value of `$TMUX`) names, on stdin.
/// Blocks (up to a few seconds): call it off the event loop.
pub(crate) fn tmux_load_buffer(text: &str, tmux_env: &str) -> Result<TmuxCopy, String> {
    if text.len() > MAX_COPY_BYTES {
        return Err(format!(
            "too long to copy ({} bytes, at most {MAX_COPY_BYTES})",
            text.len()
        ));
    }
    match run_tmux(&["load-buffer", "-w", "-"], text, tmux_env) {
        Ok(()) => Ok(TmuxCopy::BufferAndClipboard),
        Err(first) => match run_tmux(&["load-buffer", "-"], text, tmux_env) {
            Ok(()) => Ok(TmuxCopy::BufferOnly),
            Err(_) => Err(first),
        },
    }
}

/// Runs `tmux ARGS` with `text` on its stdin; `Err` says why it did not take it.
fn run_tmux(args: &[&str], text: &str, tmux_env: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new("tmux")
        .args(args)
        .env("TMUX", tmux_env)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("tmux could not be run: {e}"))?;
    // Written from a thread of its own, so that a tmux that never reads cannot hold this one
    // past the deadline; closing stdin is the end of the text.
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = text.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let deadline = Instant::now() + TMUX_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("tmux did not answer within {} s", TMUX_TIMEOUT.as_secs()));
            }
            Err(e) => return Err(format!("tmux: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut said = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut said);
    }
    // tmux's own words, made safe as they are read.
    let said = crate::text::Clean::new(said.lines().next().unwrap_or("").trim()).into_string();
    Err(if said.is_empty() {
        format!("tmux load-buffer failed ({status})")
    } else {
        format!("tmux load-buffer: {said}")
    })
}

/// The status line after tmux took the text: where it is, and no more than that.
pub(crate) fn tmux_said(what: &str, how: TmuxCopy) -> String {
    match how {
        TmuxCopy::BufferAndClipboard => format!(
            "copied {what} into tmux's buffer (paste with prefix ]); tmux also passes it to your terminal's clipboard when set-clipboard allows"
        ),
        TmuxCopy::BufferOnly => format!(
            "copied {what} into tmux's buffer (paste with prefix ]); this tmux is older than 3.2, so not to your terminal's clipboard"
        ),
    }
}

/// The status line when tmux did not take it and the passthrough escape was sent instead.
pub(crate) fn passthrough_said(what: &str, why: &str) -> String {
    format!(
        "{why}; sent {what} as a passthrough escape instead: it reaches your terminal's clipboard only with `set -g allow-passthrough on` in tmux"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_for_each_multiplexer() {
        assert_eq!(osc52("hi", Passthrough::None).unwrap(), b"\x1b]52;c;aGk=\x07");
        assert_eq!(
            osc52("hi", Passthrough::Tmux).unwrap(),
            b"\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(
            osc52("hi", Passthrough::Screen).unwrap(),
            b"\x1bP\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert!(osc52(&"x".repeat(MAX_COPY_BYTES + 1), Passthrough::None).is_err());
        assert_eq!(
            Passthrough::detect(Some("/tmp/tmux-0/default,1,0"), Some("screen")),
            Passthrough::Tmux
        );
        assert_eq!(Passthrough::detect(None, Some("screen-256color")), Passthrough::Screen);
        assert_eq!(Passthrough::detect(Some(""), Some("xterm")), Passthrough::None);
    }

    /// A tmux server of this test's own (default settings, no client attached); killed on drop.
    struct Tmux(String);

    impl Tmux {
        fn start(name: &str) -> Option<Tmux> {
            let sock = format!("atlas-restore-clip-{name}-{}", std::process::id());
            let ok = std::process::Command::new("tmux")
                .args(["-L", &sock, "-f", "/dev/null", "new-session", "-d", "sleep 60"])
                .env_remove("TMUX")
                .status()
                .is_ok_and(|s| s.success());
            ok.then_some(Tmux(sock))
        }

        fn tmux(&self, args: &[&str]) -> std::process::Output {
            std::process::Command::new("tmux")
                .args(["-L", &self.0])
                .args(args)
                .env_remove("TMUX")
                .output()
                .unwrap()
        }

        /// What a program inside one of its panes has in `$TMUX`.
        fn env(&self) -> String {
            let out = self.tmux(&["display-message", "-p", "#{socket_path},#{pid},0"]);
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        }
    }

    impl Drop for Tmux {
        fn drop(&mut self) {
            let _ = self.tmux(&["kill-server"]);
        }
    }

    #[test]
    fn tmux_takes_the_text_on_stdin_into_its_buffer() {
        let Some(tmux) = Tmux::start("load") else {
            panic!("this test needs tmux: apt-get install tmux");
        };
        let text = "https://h/backup/restore/v3/pull/6b77893b80eef5354c77ee15/Cluster0-1.tar.gz";
        assert_eq!(tmux_load_buffer(text, &tmux.env()), Ok(TmuxCopy::BufferAndClipboard));
        let shown = tmux.tmux(&["show-buffer"]);
        assert_eq!(String::from_utf8(shown.stdout).unwrap(), text);
    }

    #[test]
    fn without_a_tmux_server_it_says_why() {
        let gone = std::env::temp_dir().join(format!("atlas-restore-no-tmux-{}", std::process::id()));
        let why = tmux_load_buffer("x", &format!("{},1,0", gone.display())).unwrap_err();
        assert!(why.starts_with("tmux"), "{why}");
        assert!(passthrough_said("the download URL", &why).contains("allow-passthrough on"));
    }
}
