//! Copying over SSH: OSC 52 asks the user's own terminal (not an X server the jump host
//! lacks) to set its clipboard. Inside tmux or screen the sequence is wrapped so that it
//! passes through. Terminals do not acknowledge it, so nothing here claims more than "sent".

use base64::Engine;

/// Past this the sequence is refused: many terminals drop long OSC 52 payloads silently.
pub const MAX_COPY_BYTES: usize = 100_000;

/// Which multiplexer sits between the program and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    None,
    Tmux,
    Screen,
}

impl Passthrough {
    /// From `TMUX` and `TERM`.
    pub fn detect(tmux: Option<&str>, term: Option<&str>) -> Passthrough {
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
pub fn osc52(text: &str, via: Passthrough) -> Result<Vec<u8>, String> {
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
}
