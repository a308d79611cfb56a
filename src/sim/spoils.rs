//! What the simulator writes into a job's JSON on its way out, for the faults that spoil
//! answers rather than break them: a hostile server's delivery (`Hostile`), and the mishaps
//! a restore drill must catch (`Mishap`): a job that failed, a SHA1 that is not the file's,
//! a target cluster that stays busy.

use serde_json::json;

/// What a hostile server puts in a job's delivery (`hostile-delivery=KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// `authValue` + a newline and curl config lines of its own (`output = …`).
    AuthNewline,
    /// `authValue` + control characters (an OSC 52 that would write the clipboard).
    AuthControl,
    /// The file's name (`hashes[].fileName`) starts with `--`, as an option would.
    FileDash,
    /// The file's name is 300 characters long, more than a file system takes.
    FileLong,
}

impl Hostile {
    pub(crate) const ALL: [(Hostile, &'static str); 4] = [
        (Hostile::AuthNewline, "auth-newline"),
        (Hostile::AuthControl, "auth-control"),
        (Hostile::FileDash, "file-dash"),
        (Hostile::FileLong, "file-long"),
    ];

    pub fn name(self) -> &'static str {
        Hostile::ALL.iter().find(|(h, _)| *h == self).map_or("", |(_, n)| n)
    }

    /// The config lines `AuthNewline` adds: the download would land in this file of the
    /// folder the command runs in.
    pub(crate) const OUTPUT_FILE: &'static str = "hostile-output";

    /// Spoils the job (or each job of the page) in `body` this way.
    pub(crate) fn spoil(self, body: &mut serde_json::Value) {
        for job in jobs_of(body).into_iter().filter(|j| j.get("delivery").is_some()) {
            let delivery = &mut job["delivery"];
            match self {
                Hostile::AuthNewline | Hostile::AuthControl => {
                    let Some(value) = delivery.get("authValue").and_then(|v| v.as_str()) else {
                        continue;
                    };
                    let tail = match self {
                        Hostile::AuthNewline => format!("\noutput = {}\n#", Hostile::OUTPUT_FILE),
                        _ => "\u{1b}]52;c;aG9zdGlsZQ==\u{7}\r".to_string(),
                    };
                    delivery["authValue"] = json!(format!("{value}{tail}"));
                }
                Hostile::FileDash | Hostile::FileLong => {
                    let name = match self {
                        Hostile::FileDash => "--upload-file.tar.gz".to_string(),
                        _ => format!("{}.tar.gz", "a".repeat(293)),
                    };
                    match job.get_mut("hashes").and_then(|h| h.as_array_mut()) {
                        Some(hashes) if !hashes.is_empty() => {
                            hashes.iter_mut().for_each(|h| h["fileName"] = json!(name));
                        }
                        _ => job["hashes"] = json!([{"fileName": name, "typeName": "SHA1"}]),
                    }
                }
            }
        }
    }
}

/// A mishap told in a job's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mishap {
    /// A job that finished reads `FAILED`, its delivery too.
    Failed,
    /// The SHA1 listed for the file is another file's.
    WrongSha1,
    /// A cluster that a restore finished into stays `UPDATING`: a target that never comes
    /// back to its normal state.
    StuckTarget,
}

impl Mishap {
    /// A SHA1 that no archive of the simulator has.
    pub(crate) const WRONG_SHA1: &'static str = "0badc0de0badc0de0badc0de0badc0de0badc0de";

    /// Tells the mishap in the job (or each job of the page) in `body`.
    pub(crate) fn spoil(self, body: &mut serde_json::Value) {
        for job in jobs_of(body) {
            match self {
                Mishap::Failed => {
                    if job.get("statusName").and_then(|s| s.as_str()) == Some("FINISHED") {
                        job["statusName"] = json!("FAILED");
                        if let Some(delivery) = job.get_mut("delivery").and_then(|d| d.as_object_mut()) {
                            delivery.insert("statusName".into(), json!("FAILED"));
                            delivery.remove("url");
                            delivery.remove("urlV2");
                        }
                    }
                }
                Mishap::StuckTarget => {
                    if job.get("lastRestore").is_some() {
                        job["stateName"] = json!("UPDATING");
                    }
                }
                Mishap::WrongSha1 => {
                    for hash in job
                        .get_mut("hashes")
                        .and_then(|h| h.as_array_mut())
                        .into_iter()
                        .flatten()
                    {
                        if hash.get("hash").is_some_and(|h| h.is_string()) {
                            hash["hash"] = json!(Mishap::WRONG_SHA1);
                        }
                    }
                }
            }
        }
    }
}

/// The job in `body`, or each job of a page of them.
fn jobs_of(body: &mut serde_json::Value) -> Vec<&mut serde_json::Value> {
    if body.get("results").is_some_and(|r| r.is_array()) {
        return body["results"]
            .as_array_mut()
            .map(|r| r.iter_mut().collect())
            .unwrap_or_default();
    }
    vec![body]
}
