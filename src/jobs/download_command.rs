//! The download command that `c` copies and the plain screen (`p`) prints: curl saves the
//! file, then sha1sum checks it. Every value from Atlas in it is checked first
//! (`crate::shell_text`: the URL, the header's name and value, the file name, the SHA1) and
//! quoted for where it goes (a shell word, a curl config value); when one fails, no command
//! is offered, and the refusal says which value and why.
//!
//! The secret (the header, or the deprecated `url`, whose path is its secret) reaches curl
//! as a config on stdin (`-K -`), written by `printf`, which bash, zsh and dash run as a
//! builtin: it is never in an exec'd argument list, so `ps` does not show it. The file name
//! reaches curl as `-o`'s value and sha1sum inside its checked line (or after `--`), so a
//! name that starts with `-` is never read as an option; `-g` keeps curl from reading `[]`
//! and `{}` in the URL as a glob.

use super::present::{download_target, file_name, listed_sha1};
use crate::atlas::RestoreJob;
use crate::shell_text::{self, Refused, curl_config_quote, sh_quote};

/// The environment variable that the plain screen's download command reads `urlV2`'s auth
/// value from while the value is masked (it is shown only after `r`).
pub const AUTH_ENV: &str = "ATLAS_RESTORE_AUTH";

/// Where a download command takes `urlV2`'s auth value from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthIn {
    /// Written into the command (for the clipboard, or a screen where it was revealed).
    Command,
    /// Read from `$ATLAS_RESTORE_AUTH` when the command runs; the command holds no secret.
    /// The shell checks the variable against the characters an auth value may hold before
    /// curl runs.
    Environment,
}

/// Why no download command is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCommand {
    /// No URL yet: the delivery is not READY.
    NoUrl,
    /// A value from Atlas that cannot go into a command safely, in words (the whole sentence).
    Refused(String),
}

impl NoCommand {
    /// The refusal as said: what is wrong, that no command is offered, and what to do. The
    /// dashboard's own download (`d`) sends the values as HTTP, not through a shell; a file
    /// name it cannot save under fails there too, so it is not offered for that.
    fn of(why: Refused, d_instead: bool) -> NoCommand {
        NoCommand::Refused(if d_instead {
            format!("{why}: no command is offered; download with d instead")
        } else {
            format!("{why}: no command is offered")
        })
    }
}

impl std::fmt::Display for NoCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoCommand::NoUrl => f.write_str("no download URL yet: it appears when the delivery is READY"),
            NoCommand::Refused(why) => f.write_str(why),
        }
    }
}

/// A ready-to-run command that saves the file and checks its SHA1 (when Atlas lists one).
/// It carries `urlV2`'s auth value: it is meant for the clipboard, not the screen.
pub fn download_command(job: &RestoreJob) -> Result<String, NoCommand> {
    download_command_with(job, AuthIn::Command)
}

/// The shell's check of `$ATLAS_RESTORE_AUTH` before curl runs: a character outside
/// `shell_text::AUTH_VALUE_CHARS` and the space (a newline, a quote) stops the command, and
/// says why, without ending the user's shell.
fn env_guard() -> String {
    format!(
        ": \"${{{AUTH_ENV}:?set it to the download auth value}}\" && case \"${AUTH_ENV}\" in *[!A-Za-z0-9._~+/=\\ -]*) echo 'atlas-restore: ${AUTH_ENV} holds a character an auth value cannot ({} only): curl was not run' >&2; false;; esac",
        shell_text::AUTH_VALUE_CHARS
    )
}

/// The download command, with the auth value written in it or read from the environment;
/// or why there is none.
pub fn download_command_with(job: &RestoreJob, auth: AuthIn) -> Result<String, NoCommand> {
    let target = download_target(job).ok_or(NoCommand::NoUrl)?;
    let d_instead = |why: Refused| NoCommand::of(why, true);
    let file = file_name(job);
    shell_text::file_name(&file).map_err(|why| NoCommand::of(why, false))?;
    let hash = listed_sha1(job);
    if let Some(h) = &hash {
        shell_text::sha1(h).map_err(d_instead)?;
    }
    let output = format!("-o {}", sh_quote(&file));
    let fetch = match &target.header {
        Some((name, value)) => {
            shell_text::url(&target.url, "the download URL (urlV2) from Atlas", false).map_err(d_instead)?;
            shell_text::header_name(name).map_err(d_instead)?;
            // Checked whichever way it goes: a value that may not be written in the command
            // is one the DBA should not be asked to set either.
            shell_text::auth_value(value.expose()).map_err(d_instead)?;
            let feed = match auth {
                AuthIn::Command => {
                    let line = curl_config_quote(&format!("{name}: {}", value.expose())).map_err(d_instead)?;
                    format!("printf 'header = \"%s\"\\n' {}", sh_quote(&line))
                }
                // `:` stops the line before curl runs when the variable is unset.
                AuthIn::Environment => format!(
                    "{} && printf 'header = \"%s: %s\"\\n' {} \"${AUTH_ENV}\"",
                    env_guard(),
                    sh_quote(&curl_config_quote(name).map_err(d_instead)?)
                ),
            };
            format!("{feed} | curl -fSL -g -K - {output} --url {}", sh_quote(&target.url))
        }
        // The deprecated `url` holds its secret in its path: it goes in the config too.
        None => {
            shell_text::url(&target.url, "the download URL (the deprecated url) from Atlas", true)
                .map_err(d_instead)?;
            format!(
                "printf 'url = \"%s\"\\n' {} | curl -fSL -g -K - {output}",
                sh_quote(&curl_config_quote(&target.url).map_err(d_instead)?)
            )
        }
    };
    Ok(match hash {
        Some(hash) => format!(
            "{fetch} && printf '%s\\n' {} | sha1sum -c -",
            sh_quote(&format!("{hash}  {file}"))
        ),
        None => format!("{fetch} && sha1sum -- {}", sh_quote(&file)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::FileHash;
    use crate::jobs::present::tests::ready;
    use crate::secret::SecretString;

    const HASH: &str = "86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67";

    #[test]
    fn a_ready_job_s_commands() {
        let mut job = ready();
        assert_eq!(
            download_command(&job).unwrap(),
            format!(
                r#"printf 'header = "%s"\n' 'x-auth: s3cr3t' | curl -fSL -g -K - -o 'Cluster0-1.tar.gz' --url 'https://h/pull/x/Cluster0-1.tar.gz' && printf '%s\n' '{HASH}  Cluster0-1.tar.gz' | sha1sum -c -"#
            )
        );
        // Masked: the value is read from the environment, checked by the shell first, and
        // the command holds no secret.
        let masked = download_command_with(&job, AuthIn::Environment).unwrap();
        assert!(
            masked.starts_with(r#": "${ATLAS_RESTORE_AUTH:?set it to the download auth value}" && case "$ATLAS_RESTORE_AUTH" in *[!A-Za-z0-9._~+/=\ -]*) echo 'atlas-restore: $ATLAS_RESTORE_AUTH holds"#),
            "{masked}"
        );
        assert!(
            masked.ends_with(&format!(
                r#"false;; esac && printf 'header = "%s: %s"\n' 'x-auth' "$ATLAS_RESTORE_AUTH" | curl -fSL -g -K - -o 'Cluster0-1.tar.gz' --url 'https://h/pull/x/Cluster0-1.tar.gz' && printf '%s\n' '{HASH}  Cluster0-1.tar.gz' | sha1sum -c -"#
            )),
            "{masked}"
        );
        assert!(!masked.contains("s3cr3t"));
        // The deprecated url: its path is its secret, so it is fed to curl the same way.
        job.delivery.as_mut().unwrap().url_v2 = None;
        let v1 = download_command(&job).unwrap();
        assert!(
            v1.starts_with(r#"printf 'url = "%s"\n' 'https://h/pull/x/KEY/Cluster0-1.tar.gz' | curl -fSL -g -K - -o 'Cluster0-1.tar.gz' &&"#),
            "{v1}"
        );
        // No SHA1 listed yet: sha1sum computes it, the name after `--`.
        job.hashes = None;
        assert!(
            download_command(&job)
                .unwrap()
                .ends_with("&& sha1sum -- 'Cluster0-1.tar.gz'")
        );
    }

    fn with_auth(value: &str) -> RestoreJob {
        let mut job = ready();
        job.delivery.as_mut().unwrap().auth_value = Some(SecretString::new(value));
        job
    }

    fn refusal(job: &RestoreJob, auth: AuthIn) -> String {
        match download_command_with(job, auth) {
            Err(NoCommand::Refused(why)) => why,
            other => panic!("offered: {other:?}"),
        }
    }

    #[test]
    fn a_newline_or_a_control_character_in_the_auth_value_is_refused_and_said() {
        // What a hostile server sends: config lines of its own after a newline.
        let hostile = with_auth("s3cr3t\noutput = \"/root/.bashrc\"\n#");
        for auth in [AuthIn::Command, AuthIn::Environment] {
            let why = refusal(&hostile, auth);
            assert_eq!(
                why,
                "the download auth value from Atlas holds a newline: no command is offered; download with d instead"
            );
            assert!(!why.contains("s3cr3t") && !why.contains("bashrc"));
        }
        assert!(
            refusal(&with_auth("s3cr3t\r"), AuthIn::Command)
                .starts_with("the download auth value from Atlas holds a carriage return:")
        );
        assert!(
            refusal(&with_auth("s3\u{7}cr3t"), AuthIn::Command)
                .starts_with("the download auth value from Atlas holds a control character (U+0007):")
        );
        assert!(
            refusal(&with_auth("s3\"cr3t"), AuthIn::Command)
                .starts_with("the download auth value from Atlas holds a character that is not allowed there")
        );
        // Ops Manager's `Bearer <token>` is a good one.
        assert!(download_command(&with_auth("Bearer 0a1b2c3d-ffee")).is_ok());
        // The header's name too.
        let mut job = ready();
        job.delivery.as_mut().unwrap().auth_header = Some("x-auth: y\nupload-file = z".into());
        assert!(refusal(&job, AuthIn::Command).starts_with("the download auth header's name from Atlas holds"));
    }

    fn named(name: &str) -> RestoreJob {
        let mut job = ready();
        job.hashes = Some(vec![FileHash {
            file_name: Some(name.into()),
            hash: Some(HASH.into()),
            type_name: Some("SHA1".into()),
        }]);
        job
    }

    #[test]
    fn a_name_that_starts_with_a_dash_is_never_an_option() {
        let cmd = download_command(&named("--upload-file.tar.gz")).unwrap();
        assert!(cmd.contains(" -o '--upload-file.tar.gz' --url "), "{cmd}");
        assert!(
            cmd.ends_with(&format!("printf '%s\\n' '{HASH}  --upload-file.tar.gz' | sha1sum -c -")),
            "{cmd}"
        );
        let mut no_hash = named("-rf.tar.gz");
        no_hash.hashes.as_mut().unwrap()[0].hash = None;
        let cmd = download_command(&no_hash).unwrap();
        assert!(cmd.ends_with("&& sha1sum -- '-rf.tar.gz'"), "{cmd}");
    }

    #[test]
    fn a_file_name_too_long_for_a_file_system_is_refused() {
        let long = format!("{}.tar.gz", "a".repeat(293));
        assert_eq!(long.len(), 300);
        let why = refusal(&named(&long), AuthIn::Command);
        assert_eq!(
            why,
            "the file name from Atlas is 300 bytes long, more than the 255 a file name may be: no command is offered"
        );
        assert!(download_command(&named(&"a".repeat(255))).is_ok());
    }

    #[test]
    fn urls_and_hashes_are_checked_too() {
        let mut job = ready();
        job.delivery.as_mut().unwrap().url_v2 = Some("http://attacker.example/f.tar.gz".into());
        assert!(refusal(&job, AuthIn::Command).contains("is plain http://"));
        job.delivery.as_mut().unwrap().url_v2 = Some("https://h/f'$(id)'.tar.gz".into());
        assert!(refusal(&job, AuthIn::Command).contains("holds the character '"));
        let mut job = ready();
        job.delivery.as_mut().unwrap().url_v2 = None;
        job.delivery.as_mut().unwrap().url = Some("https://h/KEY\"x/f.tar.gz".into());
        let why = refusal(&job, AuthIn::Command);
        assert!(
            why.starts_with("the download URL (the deprecated url) from Atlas holds a character"),
            "{why}"
        );
        assert!(!why.contains("KEY"), "{why}");
        let mut job = ready();
        job.hashes.as_mut().unwrap()[0].hash = Some("abc  /etc/passwd".into());
        assert!(refusal(&job, AuthIn::Command).starts_with("the SHA1 Atlas lists is not 40 hexadecimal digits"));
        let mut job = ready();
        job.delivery = None;
        assert_eq!(download_command(&job), Err(NoCommand::NoUrl));
    }
}
