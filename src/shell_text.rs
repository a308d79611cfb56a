//! What may go into a command the program hands the DBA (the download command that `c`
//! copies and `p` prints, the review's `curl`): every value from the network is checked
//! against what it may be, then quoted for the syntax it goes into, a POSIX shell word or a
//! value of a curl config (`-K -`). Anything else is refused, with why, and never passed on:
//! a newline in a curl config value adds config lines of the server's choosing
//! (`output = ~/.bashrc`), and a name that starts with `-` is an option to the tool that
//! reads it unless `--` or an option's value comes first.

/// Why a value cannot go into a command, as the start of a sentence that names the value
/// ("the download auth value from Atlas holds a newline"). A secret is never quoted in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest auth value taken (Atlas's are 36 to a few hundred characters).
pub(crate) const AUTH_VALUE_MAX: usize = 4096;
/// The longest file name most file systems take, in bytes.
pub(crate) const FILE_NAME_MAX: usize = 255;
/// The longest URL taken.
pub(crate) const URL_MAX: usize = 8192;
/// The longest header name taken.
pub(crate) const HEADER_NAME_MAX: usize = 128;
/// What an auth value's token may hold (RFC 6750's `b64token`, and `_`): the shell guard of
/// the command that reads it from the environment matches the same set.
pub(crate) const AUTH_VALUE_CHARS: &str = "letters, digits and . _ ~ + / = -";

/// A character, named without showing it when it belongs to a secret.
fn name_of(c: char, secret: bool) -> String {
    match c {
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\0' => "a NUL byte".into(),
        c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
        ' ' => "a space".into(),
        c if c.is_whitespace() => format!("a white space character (U+{:04X})", u32::from(c)),
        _ if secret => "a character that is not allowed there".into(),
        c if c.is_ascii_graphic() => format!("the character {c}"),
        c => format!("the character U+{:04X}", u32::from(c)),
    }
}

/// The first control character of `s`, named: a line end first, as the one that matters most.
fn control(s: &str) -> Option<String> {
    s.chars()
        .find(|c| matches!(c, '\n' | '\r'))
        .or_else(|| s.chars().find(|c| c.is_control()))
        .map(|c| name_of(c, true))
}

/// An HTTP header name: a token (RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~``).
pub(crate) fn header_name(name: &str) -> Result<(), Refused> {
    let what = "the download auth header's name from Atlas";
    if name.is_empty() {
        return Err(Refused(format!("{what} is empty")));
    }
    if name.len() > HEADER_NAME_MAX {
        return Err(Refused(format!(
            "{what} is {} bytes long (at most {HEADER_NAME_MAX})",
            name.len()
        )));
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    match name.chars().find(|c| !token(*c)) {
        Some(c) => Err(Refused(format!("{what} holds {}", name_of(c, false)))),
        None => Ok(()),
    }
}

/// A download auth value: a token of `AUTH_VALUE_CHARS`, after at most one scheme word and
/// a space (Ops Manager's `Bearer <token>`); at most `AUTH_VALUE_MAX` bytes. What is wrong
/// is said without quoting the value.
pub fn auth_value(value: &str) -> Result<(), Refused> {
    let what = "the download auth value from Atlas";
    if let Some(c) = control(value) {
        return Err(Refused(format!("{what} holds {c}")));
    }
    if value.is_empty() {
        return Err(Refused(format!("{what} is empty")));
    }
    if value.len() > AUTH_VALUE_MAX {
        return Err(Refused(format!(
            "{what} is {} bytes long (at most {AUTH_VALUE_MAX})",
            value.len()
        )));
    }
    let (scheme, token) = match value.split_once(' ') {
        Some((scheme, token)) => (Some(scheme), token),
        None => (None, value),
    };
    if let Some(scheme) = scheme
        && (scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(Refused(format!(
            "{what} is not one token, nor a scheme word and a token"
        )));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._~+/=-".contains(c);
    if token.is_empty() {
        return Err(Refused(format!("{what} has a scheme and no token")));
    }
    match token.chars().find(|c| !allowed(*c)) {
        Some(' ') => Err(Refused(format!("{what} holds more than one space"))),
        Some(c) => Err(Refused(format!(
            "{what} holds {} ({AUTH_VALUE_CHARS} only)",
            name_of(c, true)
        ))),
        None => Ok(()),
    }
}

/// A plain file name: not empty, `.` or `..`, no `/`, no control character, at most
/// `FILE_NAME_MAX` bytes. A leading `-` is allowed: the commands give it to every tool as
/// an option's value (`curl -o NAME`), after `--`, or inside `sha1sum -c`'s checked line.
pub fn file_name(name: &str) -> Result<(), Refused> {
    let what = "the file name from Atlas";
    if let Some(c) = control(name) {
        return Err(Refused(format!("{what} holds {c}")));
    }
    if name.is_empty() || name == "." || name == ".." {
        return Err(Refused(format!("{what} is {name:?}, not a file's name")));
    }
    if name.contains('/') {
        return Err(Refused(format!("{what} holds a / (a folder), not only a file's name")));
    }
    if name.len() > FILE_NAME_MAX {
        return Err(Refused(format!(
            "{what} is {} bytes long, more than the {FILE_NAME_MAX} a file name may be",
            name.len()
        )));
    }
    Ok(())
}

/// A URL to give curl: parsed, `https` (or `http` to a loopback address, the simulator's),
/// and its text free of quotes, backslashes, white space, control and non-ASCII characters,
/// so that what curl reads is what was checked. `what` names it ("the download URL").
/// `secret`: its text is a secret (the deprecated `url`), not to be quoted in the refusal.
pub fn url(text: &str, what: &str, secret: bool) -> Result<(), Refused> {
    if let Some(c) = control(text) {
        return Err(Refused(format!("{what} holds {c}")));
    }
    if text.len() > URL_MAX {
        return Err(Refused(format!(
            "{what} is {} bytes long (at most {URL_MAX})",
            text.len()
        )));
    }
    let bad = |c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '\'' | '"' | '\\');
    if let Some(c) = text.chars().find(|c| bad(*c)) {
        return Err(Refused(format!("{what} holds {}", name_of(c, secret && c.is_ascii()))));
    }
    let parsed = url::Url::parse(text).map_err(|e| Refused(format!("{what} is not a URL ({e})")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(Refused(format!(
            "{what} is plain http:// to a host that is not this machine (https is needed)"
        ))),
        scheme => Err(Refused(format!("{what} is a {scheme}: URL, not https"))),
    }
}

/// A SHA1 as Atlas lists it: 40 hexadecimal digits.
pub fn sha1(hash: &str) -> Result<(), Refused> {
    if hash.len() == 40 && hash.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Refused("the SHA1 Atlas lists is not 40 hexadecimal digits".into()))
    }
}

/// An API public key, as the review's `curl` puts it in `user = "PUBLIC:PRIVATE"`: no `:`
/// (it would move the split), quote, backslash, white space or control character.
pub fn public_key(key: &str) -> Result<(), Refused> {
    let what = "the profile's public key";
    if key.is_empty() || key.len() > 256 {
        return Err(Refused(format!("{what} is empty or longer than 256 bytes")));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._~+=-".contains(c);
    match key.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(Refused(format!("{what} holds {}", name_of(c, false)))),
        None => Ok(()),
    }
}

/// `s` as one word of a POSIX shell: in single quotes, each `'` written `'\''`.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `s` inside a double-quoted value of a curl config (`-K`): `\` and `"` escaped. Refused
/// when it holds anything that can end the config's line (or any other control character).
pub(crate) fn curl_config_quote(s: &str) -> Result<String, Refused> {
    if let Some(c) = control(s) {
        return Err(Refused(format!("a curl config value holds {c}")));
    }
    Ok(s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_values_are_tokens() {
        for good in ["s3cr3t", "Bearer abc.DEF_~+/=-", "4c2d1e0f-9a8b-7c6d-5e4f-3a2b1c0d9e8f"] {
            assert_eq!(auth_value(good), Ok(()), "{good}");
        }
        let said = |v: &str| auth_value(v).unwrap_err().0;
        assert!(said("v\noutput = x\n#").contains("holds a newline"), "{}", said("v\nx"));
        assert!(said("v\u{7}").contains("a control character (U+0007)"));
        assert!(said("v\r").contains("a carriage return"));
        assert!(said("a\"b").contains("a character that is not allowed there (letters"));
        assert!(!said("a\"b").contains('"'), "the secret's characters are not quoted");
        assert!(said("a b c").contains("more than one space"));
        assert!(said("B3arer tok").contains("not one token"));
        assert!(said(&"a".repeat(AUTH_VALUE_MAX + 1)).contains("bytes long"));
        assert!(said("").contains("empty"));
    }

    #[test]
    fn header_names_are_http_tokens() {
        assert_eq!(header_name("x-mongodb-restore-auth"), Ok(()));
        assert_eq!(header_name("Authorization"), Ok(()));
        assert!(header_name("x: y").unwrap_err().0.contains("the character :"));
        assert!(header_name("x\ny").unwrap_err().0.contains("a newline"));
        assert!(header_name("").is_err());
    }

    #[test]
    fn file_names_are_plain_names() {
        assert_eq!(file_name("Cluster0-1.tar.gz"), Ok(()));
        assert_eq!(file_name("--config.tar.gz"), Ok(()), "a leading - goes after -- or -o");
        assert!(file_name(&"a".repeat(300)).unwrap_err().0.contains("300 bytes long"));
        assert_eq!(file_name(&"a".repeat(255)), Ok(()));
        assert!(file_name("a/b").unwrap_err().0.contains("a / (a folder)"));
        assert!(file_name("..").is_err() && file_name(".").is_err() && file_name("").is_err());
        assert!(file_name("a\0b").unwrap_err().0.contains("NUL"));
        assert!(file_name("a\u{1b}[2Jb").unwrap_err().0.contains("U+001B"));
    }

    #[test]
    fn urls_are_https_or_loopback_http_without_quotes() {
        for good in [
            "https://restore.example.net/backup/restore/v3/pull/x/f.tar.gz",
            "http://127.0.0.1:8089/x",
            "http://[::1]:1/x",
            "http://localhost/x?a=b&c=d",
        ] {
            assert_eq!(url(good, "the URL", false), Ok(()), "{good}");
        }
        let said = |u: &str| url(u, "the URL", false).unwrap_err().0;
        assert!(said("http://example.com/x").contains("plain http://"));
        assert!(said("file:///etc/passwd").contains("a file: URL"));
        assert!(said("https://h/a'b").contains("the character '"));
        assert!(said("https://h/a\"b").contains("the character \""));
        assert!(said("https://h/a\\b").contains("the character \\"));
        assert!(said("https://h/a b").contains("a space"));
        assert!(said("https://h/a\nb").contains("a newline"));
        assert!(said("https://h/é").contains("U+00E9"));
        assert!(said("nourl").contains("is not a URL"));
        assert!(
            url("https://h/K'EY", "the URL", true)
                .unwrap_err()
                .0
                .ends_with("not allowed there")
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(curl_config_quote(r#"a"b\c"#).unwrap(), r#"a\"b\\c"#);
        assert!(curl_config_quote("a\nb").is_err());
        assert_eq!(public_key("demopubk"), Ok(()));
        assert!(public_key("a:b").unwrap_err().0.contains("the character :"));
        assert_eq!(sha1("86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67"), Ok(()));
        assert!(sha1("86bc  /etc/passwd").is_err());
    }
}
