//! Input as the user meant it, where the terminal's bytes say otherwise.
//!
//! - **Esc and a key in one read.** Over a laggy SSH link an Esc and the arrow pressed just
//!   after it arrive together: `ESC ESC [ A`. crossterm 0.29 reads `ESC ESC` as one Esc and
//!   the rest as typed text, `[` and `A` (see its `parse_event`: a second ESC ends the first
//!   without starting a sequence), so `[A` was typed into the focused field. `Keys` reads the
//!   characters that follow an Esc at once, and when they make a key's sequence (`[A`, `OB`,
//!   `[1;5C`, `[3~`, ...) gives that key instead. A complete sequence that is no key (a mouse
//!   report, a focus event) is dropped, never typed; anything else is passed on as it came.
//!   An Esc and a character in one read (`ESC d`, `ESC ^Q`) crossterm makes Alt+`d`: no key
//!   here is bound with Alt, so it is given as the Esc and then the key, as they were pressed.
//! - **Pasted ids.** `pasted_value` takes what came along from where an id was copied.

use crate::restore::Field;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

/// How long after an Esc the rest of a sequence may still come. Bytes of one read are there
/// at once; this also covers a sequence split over two packets. Nobody types Esc, `[` and `A`
/// this fast, and the Esc itself is passed on at once: nothing waits for this.
pub(crate) const FOLLOW: Duration = Duration::from_millis(30);

/// The longest tail looked at: `[1;5~` and its kin are far shorter.
const MAX_TAIL: usize = 16;

/// Where events come from: crossterm's reader, or a test's list.
pub trait Source {
    /// The next event; with `wait`, `None` when none comes within it.
    fn next(&mut self, wait: Option<Duration>) -> io::Result<Option<Event>>;
}

/// The terminal, through crossterm.
pub(crate) struct Crossterm;

impl Source for Crossterm {
    fn next(&mut self, wait: Option<Duration>) -> io::Result<Option<Event>> {
        match wait {
            None => event::read().map(Some),
            Some(d) if event::poll(d)? => event::read().map(Some),
            Some(_) => Ok(None),
        }
    }
}

/// crossterm's events with Esc-then-key repaired.
pub struct Keys<S> {
    source: S,
    /// Events already read, to give before reading more.
    replay: VecDeque<Event>,
}

impl<S: Source> Keys<S> {
    pub fn new(source: S) -> Keys<S> {
        Keys {
            source,
            replay: VecDeque::new(),
        }
    }

    /// The next event, blocking until there is one.
    pub fn read(&mut self) -> io::Result<Event> {
        let event = match self.replay.pop_front() {
            Some(e) => e,
            None => loop {
                if let Some(e) = self.source.next(None)? {
                    break e;
                }
            },
        };
        if let Some(key) = alt_char(&event) {
            self.replay.push_front(Event::Key(key));
            return Ok(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        }
        // What follows an Esc is looked at only once it is the last event known: events
        // already in `replay` were read right behind it and are not a sequence.
        if is_plain_esc(&event) && self.replay.is_empty() {
            self.read_after_esc()?;
        }
        Ok(event)
    }

    /// Reads what comes at once after an Esc into `replay`: the key of a sequence, or the
    /// events as they came.
    fn read_after_esc(&mut self) -> io::Result<()> {
        let mut came: Vec<Event> = Vec::new();
        let mut tail = String::new();
        while tail.len() < MAX_TAIL {
            let Some(e) = self.source.next(Some(FOLLOW))? else {
                break;
            };
            let c = plain_char(&e);
            came.push(e);
            let Some(c) = c else { break };
            tail.push(c);
            match decode(&tail) {
                Tail::More => {}
                Tail::Key(key) => {
                    self.replay.push_back(Event::Key(key));
                    return Ok(());
                }
                Tail::Dropped => return Ok(()),
                Tail::Text => break,
            }
        }
        self.replay.extend(came);
        Ok(())
    }
}

/// The key of crossterm's Alt+character (an Esc and the character in one read), without Alt.
fn alt_char(e: &Event) -> Option<KeyEvent> {
    match e {
        Event::Key(k) if k.modifiers.contains(KeyModifiers::ALT) && matches!(k.code, KeyCode::Char(_)) => {
            let mut plain = *k;
            plain.modifiers -= KeyModifiers::ALT;
            Some(plain)
        }
        _ => None,
    }
}

fn is_plain_esc(e: &Event) -> bool {
    matches!(e, Event::Key(k) if k.code == KeyCode::Esc && k.modifiers.is_empty() && k.kind == KeyEventKind::Press)
}

/// The character of a key press without Ctrl or Alt (crossterm marks capitals with Shift).
fn plain_char(e: &Event) -> Option<char> {
    match e {
        Event::Key(KeyEvent {
            code: KeyCode::Char(c),
            modifiers,
            kind: KeyEventKind::Press,
            ..
        }) if (*modifiers - KeyModifiers::SHIFT).is_empty() => Some(*c),
        _ => None,
    }
}

/// What the characters after an Esc are.
#[derive(Debug, PartialEq, Eq)]
enum Tail {
    /// The start of a sequence: read on.
    More,
    /// A whole sequence, and the key it is.
    Key(KeyEvent),
    /// A whole sequence that is no key (a mouse report, a focus event): not text either.
    Dropped,
    /// Not a sequence: typed text.
    Text,
}

/// Reads `[…` (CSI) and `O…` (SS3), the tails of the sequences terminals send for keys.
fn decode(tail: &str) -> Tail {
    let mut chars = tail.chars();
    match chars.next() {
        Some('O') => match chars.next() {
            None => Tail::More,
            Some(c) => ss3_key(c).map_or(Tail::Text, |code| Tail::Key(KeyEvent::new(code, KeyModifiers::NONE))),
        },
        Some('[') => {
            let body = &tail[1..];
            let Some(last) = body.chars().last() else {
                return Tail::More;
            };
            let params = &body[..body.len() - last.len_utf8()];
            if !params.chars().all(|c| ('\x30'..='\x3f').contains(&c)) {
                return Tail::Text;
            }
            if ('\x30'..='\x3f').contains(&last) {
                return Tail::More;
            }
            // `[x`: a final byte, but people type that; a key's sequence ends in a capital or `~`.
            if !('\x40'..='\x7e').contains(&last) || (params.is_empty() && last.is_ascii_lowercase()) {
                return Tail::Text;
            }
            csi_key(params, last).map_or(Tail::Dropped, Tail::Key)
        }
        _ => Tail::Text,
    }
}

fn ss3_key(c: char) -> Option<KeyCode> {
    Some(match c {
        'A' => KeyCode::Up,
        'B' => KeyCode::Down,
        'C' => KeyCode::Right,
        'D' => KeyCode::Left,
        'H' => KeyCode::Home,
        'F' => KeyCode::End,
        'P'..='S' => KeyCode::F(1 + c as u8 - b'P'),
        _ => return None,
    })
}

/// `params` and `last` of `ESC [ params last`, as xterm sends keys: `A`, `1;5A`, `3~`, `15;2~`.
fn csi_key(params: &str, last: char) -> Option<KeyEvent> {
    let mut numbers = params.split(';');
    let first = numbers.next().filter(|s| !s.is_empty());
    let modifier = numbers.next();
    if numbers.next().is_some() {
        return None;
    }
    let first: Option<u8> = match first {
        Some(s) => Some(s.parse().ok()?),
        None => None,
    };
    let mut mods = match modifier {
        None => KeyModifiers::NONE,
        Some(m) => {
            let bits = m.parse::<u8>().ok()?.checked_sub(1)?;
            let mut mods = KeyModifiers::NONE;
            for (bit, m) in [
                (1, KeyModifiers::SHIFT),
                (2, KeyModifiers::ALT),
                (4, KeyModifiers::CONTROL),
            ] {
                if bits & bit != 0 {
                    mods |= m;
                }
            }
            mods
        }
    };
    let code = match (last, first) {
        ('A'..='D' | 'H' | 'F' | 'P'..='S', None | Some(1)) => ss3_key(last)?,
        ('Z', None) => {
            mods |= KeyModifiers::SHIFT;
            KeyCode::BackTab
        }
        ('~', Some(n)) => match n {
            1 | 7 => KeyCode::Home,
            2 => KeyCode::Insert,
            3 => KeyCode::Delete,
            4 | 8 => KeyCode::End,
            5 => KeyCode::PageUp,
            6 => KeyCode::PageDown,
            11..=15 => KeyCode::F(n - 10),
            17..=21 => KeyCode::F(n - 11),
            23 | 24 => KeyCode::F(n - 12),
            _ => return None,
        },
        _ => return None,
    };
    Some(KeyEvent::new(code, mods))
}

/// Characters that come along with a copied value and are never part of one: quotes (also
/// typographic ones), the separators of a JSON or CSV line.
const WRAPPING: &[char] = &['"', '\'', '`', ',', ';', '“', '”', '‘', '’', '«', '»'];

/// What a paste into `field` puts there: the first line that has something on it, without
/// control characters, spaces, quotes or a trailing comma around it. Into an id field, the
/// one 24-hex id of a longer text (`"snapshotId": "5f9a…",`, a URL of Atlas's UI), when it
/// holds exactly one.
/// The most a field holds: an id is 24 characters, a name 64, a time 30; a paste is cut here,
/// so that a megabyte pasted by mistake is handled in a moment, not character by character.
pub(crate) const MAX_FIELD_CHARS: usize = 1024;

pub(crate) fn pasted_value(field: Field, text: &str) -> String {
    let line: String = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let value = line.trim_matches(|c: char| c.is_whitespace() || WRAPPING.contains(&c));
    if is_id_field(field) && !is_object_id(value) {
        let mut ids = value
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| is_object_id(w));
        if let (Some(id), None) = (ids.next(), ids.next()) {
            return id.to_string();
        }
    }
    value.to_string()
}

/// The fields that hold an Atlas object id (24 hex digits).
fn is_id_field(field: Field) -> bool {
    matches!(
        field,
        Field::GroupId | Field::SnapshotId | Field::CheckpointId | Field::TargetGroupId | Field::TargetClusterId
    )
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test's terminal: each read is a list of events that came at once.
    struct Reads(VecDeque<Vec<Event>>, VecDeque<Event>);

    impl Reads {
        fn new(reads: Vec<Vec<Event>>) -> Reads {
            Reads(reads.into(), VecDeque::new())
        }
    }

    impl Source for Reads {
        fn next(&mut self, wait: Option<Duration>) -> io::Result<Option<Event>> {
            if let Some(e) = self.1.pop_front() {
                return Ok(Some(e));
            }
            if wait.is_some() {
                // A later read is not "at once".
                return Ok(None);
            }
            match self.0.pop_front() {
                Some(read) => {
                    self.1 = read.into();
                    Ok(self.1.pop_front())
                }
                None => Err(io::Error::other("no more input")),
            }
        }
    }

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// What crossterm 0.29 makes of bytes: ESC ESC is one Esc, ESC and a character (not `[`
    /// or `O`) Alt+character, a capital Shift+char, a control character Ctrl+letter.
    fn crossterm(bytes: &str) -> Vec<Event> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(c) = rest.chars().next() {
            let mut after_esc = rest.strip_prefix('\x1b').map(str::chars);
            if let Some(next) = after_esc.as_mut().and_then(Iterator::next)
                && !matches!(next, '\x1b' | '[' | 'O')
                && let [Event::Key(k)] = crossterm(&next.to_string()).as_slice()
            {
                out.push(Event::Key(KeyEvent::new(k.code, k.modifiers | KeyModifiers::ALT)));
                rest = &rest[1 + next.len_utf8()..];
                continue;
            }
            if let Some(after) = rest.strip_prefix("\x1b\x1b") {
                out.push(key(KeyCode::Esc));
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("\x1b[A") {
                out.push(key(KeyCode::Up));
                rest = after;
                continue;
            }
            let mods = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            out.push(if c == '\x1b' {
                key(KeyCode::Esc)
            } else if c.is_ascii_control() {
                Event::Key(KeyEvent::new(
                    KeyCode::Char((c as u8 + b'a' - 1) as char),
                    KeyModifiers::CONTROL,
                ))
            } else {
                Event::Key(KeyEvent::new(KeyCode::Char(c), mods))
            });
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    fn all(reads: Vec<Vec<Event>>) -> Vec<Event> {
        let mut keys = Keys::new(Reads::new(reads));
        std::iter::from_fn(|| keys.read().ok()).collect()
    }

    #[test]
    fn esc_and_an_arrow_in_one_read_are_esc_then_the_arrow() {
        assert_eq!(
            all(vec![crossterm("\x1b\x1b[A")]),
            [key(KeyCode::Esc), key(KeyCode::Up)]
        );
        assert_eq!(
            all(vec![crossterm("\x1b\x1bOB")]),
            [key(KeyCode::Esc), key(KeyCode::Down)]
        );
        assert_eq!(
            all(vec![crossterm("\x1b\x1b[1;5C")]),
            [
                key(KeyCode::Esc),
                Event::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::CONTROL))
            ]
        );
        assert_eq!(
            all(vec![crossterm("\x1b\x1b[6~")]),
            [key(KeyCode::Esc), key(KeyCode::PageDown)]
        );
        assert_eq!(
            all(vec![crossterm("\x1b\x1b[Z")]),
            [
                key(KeyCode::Esc),
                Event::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
            ]
        );
        // Two Escs, then the arrow: the second Esc is looked behind too.
        assert_eq!(
            all(vec![crossterm("\x1b\x1b\x1b\x1b[A")]),
            [key(KeyCode::Esc), key(KeyCode::Esc), key(KeyCode::Up)]
        );
    }

    #[test]
    fn esc_and_a_character_in_one_read_are_esc_then_the_character() {
        let ctrl = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        // Esc then Ctrl-Q arriving together still quits; Esc then d still downloads.
        assert_eq!(all(vec![crossterm("\x1b\x11")]), [key(KeyCode::Esc), ctrl('q')]);
        assert_eq!(
            all(vec![crossterm("\x1bdx")]),
            [key(KeyCode::Esc), key(KeyCode::Char('d')), key(KeyCode::Char('x'))]
        );
    }

    #[test]
    fn what_is_not_a_sequence_passes_as_it_came() {
        assert_eq!(all(vec![crossterm("ab")]), crossterm("ab"));
        let not_csi = crossterm("\x1b\x1b[x!");
        assert_eq!(all(vec![not_csi.clone()]), not_csi);
        let not_ss3 = crossterm("\x1b\x1bOx");
        assert_eq!(all(vec![not_ss3.clone()]), not_ss3);
        // Typed later, `[A` is text.
        let later = vec![crossterm("\x1b"), crossterm("[A")];
        assert_eq!(all(later.clone()), later.concat());
        // A plain Up and a paste are untouched.
        assert_eq!(all(vec![crossterm("\x1b[A")]), [key(KeyCode::Up)]);
        let paste = Event::Paste("[A".into());
        assert_eq!(
            all(vec![vec![key(KeyCode::Esc), paste.clone()]]),
            [key(KeyCode::Esc), paste]
        );
    }

    #[test]
    fn a_whole_sequence_that_is_no_key_is_not_typed() {
        // A mouse report and a focus event behind an Esc.
        assert_eq!(all(vec![crossterm("\x1b\x1b[<0;12;5M")]), [key(KeyCode::Esc)]);
        assert_eq!(all(vec![crossterm("\x1b\x1b[I")]), [key(KeyCode::Esc)]);
        // A tail that never ends is given back as it came, not held.
        let long = crossterm(&format!("\x1b\x1b[{}", "1".repeat(40)));
        assert_eq!(all(vec![long.clone()]), long);
    }

    const ID: &str = "5f9a0c1e7b2d4a110fffffff";

    #[test]
    fn a_pasted_id_lands_bare() {
        for pasted in [
            format!("\"{ID}\","),
            format!(" '{ID}' "),
            format!("{ID},"),
            format!("  {ID}\t\n"),
            format!("`{ID}`;"),
            format!("“{ID}”"),
            format!("\n\n\"{ID}\",\nnext line"),
            format!("\"snapshotId\": \"{ID}\","),
            format!("https://cloud.mongodb.com/v2/{ID}#/clusters"),
        ] {
            assert_eq!(pasted_value(Field::SnapshotId, &pasted), ID, "{pasted:?}");
        }
        // Two ids: which one is meant is not guessed.
        let two = format!("{ID} {ID}");
        assert_eq!(pasted_value(Field::SnapshotId, &two), two);
        // Other fields lose the wrapping, and keep the text.
        assert_eq!(pasted_value(Field::ClusterName, " \"Cluster0\", "), "Cluster0");
        assert_eq!(
            pasted_value(Field::PointInTimeUtcMillis, "'2026-11-28 18:30',"),
            "2026-11-28 18:30"
        );
        assert_eq!(
            pasted_value(Field::ClusterName, &format!("\"clusterName\": \"{ID}\"")),
            format!("clusterName\": \"{ID}")
        );
    }
}
