//! Fitting text to a width without losing any of it: words wrap at spaces, and a word longer
//! than a line (a URL, an id list) is cut into pieces that fill the lines, never dropped.

/// The lines of `text` at most `width` characters wide (at least one line).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = lines.last().map_or(0, |l| l.chars().count());
        if used > 0 && used + 1 + word.len() > width {
            lines.push(String::new());
        }
        while let Some(line) = lines.last_mut() {
            let used = line.chars().count();
            if used > 0 {
                line.push(' ');
            }
            let room = width.saturating_sub(used + usize::from(used > 0)).max(1);
            if word.len() <= room {
                line.extend(word.iter());
                break;
            }
            line.extend(word.iter().take(room));
            word.drain(..room);
            lines.push(String::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn nothing_is_lost_and_no_line_is_too_long() {
        let text = "see https://example.invalid/a/very/long/path/that/does/not/fit and more";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        let joined: String = lines.concat().split_whitespace().collect();
        let original: String = text.split_whitespace().collect();
        assert_eq!(joined, original);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a b", 10), ["a b"]);
    }
}
