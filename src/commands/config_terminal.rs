//! `config init`'s terminal: questions as plain lines, answers read in raw mode (a secret is
//! never echoed; Ctrl-C stops cleanly).

use super::config_init::Prompter;
use std::io::Write;

/// The questions on the process's terminal: each answer read in raw mode (so that a secret is
/// never echoed, and Ctrl-C stops cleanly), everything else written as plain lines.
pub struct Terminal {
    out: std::io::Stdout,
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal { out: std::io::stdout() }
    }

    fn read(&mut self, question: &str, hidden: bool) -> std::io::Result<Option<String>> {
        use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
        write!(self.out, "{question}")?;
        self.out.flush()?;
        let _raw = RawMode::on()?;
        let mut text = String::new();
        loop {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                    match k.code {
                        KeyCode::Enter => {
                            write!(self.out, "\r\n")?;
                            self.out.flush()?;
                            return Ok(Some(text));
                        }
                        KeyCode::Char('c' | 'd') if ctrl => {
                            write!(self.out, "\r\n")?;
                            self.out.flush()?;
                            return Ok(None);
                        }
                        KeyCode::Char('u') if ctrl => {
                            if !hidden {
                                for _ in text.chars() {
                                    write!(self.out, "\x08 \x08")?;
                                }
                            }
                            text.clear();
                        }
                        KeyCode::Backspace if text.pop().is_some() && !hidden => {
                            write!(self.out, "\x08 \x08")?;
                        }
                        KeyCode::Char(c) if !ctrl && !c.is_control() => {
                            text.push(c);
                            if !hidden {
                                write!(self.out, "{c}")?;
                            }
                        }
                        _ => {}
                    }
                }
                Event::Paste(pasted) => {
                    let line: String = pasted
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .filter(|c| !c.is_control())
                        .collect();
                    if !hidden {
                        write!(self.out, "{line}")?;
                    }
                    text.push_str(&line);
                }
                _ => {}
            }
            self.out.flush()?;
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

impl Prompter for Terminal {
    fn say(&mut self, text: &str) -> std::io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    fn ask(&mut self, question: &str) -> std::io::Result<Option<String>> {
        self.read(question, false)
    }

    fn ask_secret(&mut self, question: &str) -> std::io::Result<Option<String>> {
        self.read(question, true)
    }
}

/// Raw mode while an answer is typed; left however the reading ends.
struct RawMode;

impl RawMode {
    fn on() -> std::io::Result<RawMode> {
        ratatui::crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::terminal::disable_raw_mode();
    }
}
