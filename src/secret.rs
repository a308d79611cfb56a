//! A secret (the API private key, a download auth value) that never prints itself, kept in
//! `secrecy`'s box: zeroed from memory when dropped, and read only through `expose`.

use secrecy::ExposeSecret;
use std::fmt;

/// Holds a secret string. `Debug` and `Display` print `****`, so the secret cannot reach a
/// log line, a panic message or the screen by accident; `expose` is the one way to read it.
#[derive(Clone)]
pub struct SecretString(secrecy::SecretString);

impl SecretString {
    pub fn new(s: impl Into<String>) -> SecretString {
        SecretString(secrecy::SecretString::from(s.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Default for SecretString {
    fn default() -> SecretString {
        SecretString::new(String::new())
    }
}

/// Two copies of one job's auth value compare equal (a job read twice is the same job).
impl PartialEq for SecretString {
    fn eq(&self, other: &SecretString) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretString {}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = SecretString::new("hunter2-private");
        assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "**** **** Some(****)");
        assert_eq!(s.expose(), "hunter2-private");
        let read: SecretString = serde_json::from_str("\"v\"").unwrap();
        assert_eq!(read, SecretString::new("v"));
    }
}
