//! Text from the network is data: before it reaches a terminal, control characters and
//! escape sequences are removed, so a hostile cluster name or error detail cannot move the
//! cursor, retitle the window, or write the clipboard (OSC 52).

/// Removes C0 and C1 controls and whole escape sequences (CSI, OSC, DCS, SOS/PM/APC, and
/// two-byte ESC forms), in their 7-bit and 8-bit forms. Tabs and newlines become spaces:
/// callers draw one field per line.
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // ESC followed by one character (ESC c, ESC 7, ...): drop both.
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            // Format characters (bidirectional overrides and marks, zero-width ones, the BOM)
            // reorder or hide what is shown, and line separators break a pane's lines.
            c if is_format(c) || matches!(c, '\u{2028}' | '\u{2029}') => {}
            c => out.push(c),
        }
    }
    out
}

/// Text from the network, made safe as it was read: what the wire types hold, and what the
/// screen takes. Made only through `sanitize`, so a string that reaches a terminal from a
/// `Clean` cannot carry an escape sequence, whoever forgets what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Clean(String);

impl Clean {
    pub fn new(raw: &str) -> Clean {
        Clean(sanitize(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> serde::Deserialize<'de> for Clean {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Clean, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(Clean::new(&raw))
    }
}

impl std::ops::Deref for Clean {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Clean {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Clean {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Clean {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Clean {
    fn from(raw: &str) -> Clean {
        Clean::new(raw)
    }
}

impl From<String> for Clean {
    fn from(raw: String) -> Clean {
        Clean::new(&raw)
    }
}

impl From<&String> for Clean {
    fn from(raw: &String) -> Clean {
        Clean::new(raw)
    }
}

impl From<Clean> for String {
    fn from(c: Clean) -> String {
        c.0
    }
}

impl PartialEq<str> for Clean {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Clean {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Clean {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// A CSI sequence ends with a byte in 0x40..=0x7e.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC, DCS and friends end with BEL, ST (ESC \) or the 8-bit ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// `text` in at most `max` characters, an ellipsis where it was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `text` in `width` characters, cut in the middle when it must (a URL keeps its host and its
/// file name: `127.0.0.1:8080/ba…/Cluster0-1.tar.gz`).
pub(crate) fn middle_cut(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 5 {
        return truncate(text, width);
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Unicode's format characters (general category Cf, Unicode 15): invisible, yet they steer
/// how the text around them is shown (RLM/ALM, LRO/RLO, ZWSP, the BOM, language tags).
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{ad}'
        | '\u{600}'..='\u{605}'
        | '\u{61c}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}')
}

#[cfg(test)]
mod tests {
    use super::{Clean, sanitize};

    #[test]
    fn clean_text_is_sanitized_as_it_is_read() {
        let c: Clean = serde_json::from_str("\"Cluster\\u001b]52;c;QQ==\\u0007X\"").unwrap();
        assert_eq!(c, "ClusterX");
        assert_eq!(Clean::from("a\u{1b}[2Jb").as_str(), "ab");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"ClusterX\"");
    }

    #[test]
    fn removes_every_kind_of_sequence() {
        assert_eq!(sanitize("Cluster0"), "Cluster0");
        assert_eq!(sanitize("a\u{1b}[2J\u{1b}[31mb"), "ab");
        assert_eq!(sanitize("a\u{1b}]52;c;aGVsbG8=\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]0;title\u{1b}\\b"), "ab");
        assert_eq!(sanitize("a\u{1b}P1;2|x\u{1b}\\b"), "ab");
        assert_eq!(sanitize("a\u{9b}31mb\u{9d}0;t\u{9c}c"), "abc");
        assert_eq!(sanitize("a\u{0}\u{7}\u{8}b\u{7f}\u{85}"), "ab");
        assert_eq!(sanitize("line1\nline2\ttab"), "line1 line2 tab");
        assert_eq!(sanitize("x\u{202e}gnp.exe"), "xgnp.exe");
        assert_eq!(sanitize("trailing\u{1b}"), "trailing");
        assert_eq!(sanitize("unterminated\u{1b}]52;c;AAAA"), "unterminated");
    }

    #[test]
    fn invisible_format_characters_and_line_separators_go_too() {
        // ZWSP, RLM, ALM, the BOM, a soft hyphen, a language tag, U+2028 and U+2029.
        assert_eq!(
            sanitize("Clus\u{200b}ter\u{200f}0\u{61c}\u{feff}\u{ad}\u{e0041}\u{2028}x\u{2029}"),
            "Cluster0x"
        );
        // What is seen stays: accents, CJK, emoji.
        assert_eq!(sanitize("Clústér-東京-🚀"), "Clústér-東京-🚀");
    }
}
