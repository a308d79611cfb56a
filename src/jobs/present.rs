//! How a job reads, shared by the panel, its detail and `atlas-restore jobs`. All text from
//! the network passes through `sanitize` here.

use crate::atlas::RestoreJob;
use crate::restore::time_input::parse_rfc3339_lenient;
use crate::secret::SecretString;
use crate::text::sanitize;

/// The last 8 characters of the id: unique enough on one screen, and what Atlas's own UI shows.
pub fn short_id(id: &str) -> String {
    let id = sanitize(id);
    let n = id.chars().count();
    id.chars().skip(n.saturating_sub(8)).collect()
}

pub fn status(job: &RestoreJob) -> String {
    job.status_name.as_deref().map(sanitize).unwrap_or_else(|| "-".into())
}

pub fn delivery_status(job: &RestoreJob) -> String {
    job.delivery
        .as_ref()
        .and_then(|d| d.status_name.as_deref())
        .map(sanitize)
        .unwrap_or_else(|| "-".into())
}

/// The expiry in epoch ms, when Atlas gave one.
pub fn expires_ms(job: &RestoreJob) -> Option<i64> {
    job.delivery
        .as_ref()?
        .expires
        .as_deref()
        .and_then(parse_rfc3339_lenient)
}

/// A countdown in minutes: "47h59m", "12m", "expired", or "-".
pub fn expires_in(job: &RestoreJob, now_ms: i64) -> String {
    let Some(exp) = expires_ms(job) else { return "-".into() };
    let left_min = (exp - now_ms).div_euclid(60_000);
    if exp <= now_ms {
        "expired".into()
    } else if left_min >= 60 {
        format!("{}h{:02}m", left_min / 60, left_min % 60)
    } else {
        format!("{left_min}m")
    }
}

/// `maxDownloads`, with Int32 max (what Atlas reports when no limit was set) as "no limit".
pub fn max_downloads(job: &RestoreJob) -> String {
    match job.delivery.as_ref().and_then(|d| d.max_downloads) {
        Some(n) if n >= i64::from(i32::MAX) => "no limit".into(),
        Some(n) => n.to_string(),
        None => "-".into(),
    }
}

/// The URL to download from: `urlV2` (with its header) preferred over the deprecated `url`.
pub struct DownloadTarget {
    pub url: String,
    pub header: Option<(String, SecretString)>,
}

pub fn download_target(job: &RestoreJob) -> Option<DownloadTarget> {
    let d = job.delivery.as_ref()?;
    if let (Some(url), Some(h), Some(v)) = (&d.url_v2, &d.auth_header, &d.auth_value) {
        return Some(DownloadTarget {
            url: sanitize(url),
            header: Some((sanitize(h), v.clone())),
        });
    }
    d.url.as_deref().map(|u| DownloadTarget {
        url: sanitize(u),
        header: None,
    })
}

/// The SHA1 Atlas lists for the file, once it has been downloaded.
pub fn listed_sha1(job: &RestoreJob) -> Option<String> {
    job.hashes
        .as_ref()?
        .iter()
        .find(|h| h.type_name.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("SHA1")))
        .and_then(|h| h.hash.as_deref())
        .map(sanitize)
}

/// A local file name: Atlas's `fileName`, else the URL's last segment, made safe.
pub fn file_name(job: &RestoreJob) -> String {
    let from_hash = job
        .hashes
        .as_ref()
        .and_then(|h| h.first())
        .and_then(|h| h.file_name.clone());
    let from_url = download_target(job).and_then(|t| {
        let path = t.url.split('?').next().unwrap_or("").to_string();
        path.rsplit('/').next().map(str::to_string)
    });
    let raw = from_hash.or(from_url).unwrap_or_default();
    let safe: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    if safe.is_empty() {
        format!("restore-{}.tar.gz", short_id(&job.id))
    } else {
        safe
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A ready-to-run command that saves the file and checks its SHA1 (when Atlas lists one).
/// It carries `urlV2`'s auth value: it is meant for the clipboard, not the screen.
pub fn download_command(job: &RestoreJob) -> Option<String> {
    let target = download_target(job)?;
    let file = file_name(job);
    let header = match &target.header {
        Some((name, value)) => format!(" -H {}", shell_quote(&format!("{name}: {}", value.expose()))),
        None => String::new(),
    };
    let fetch = format!(
        "curl -fSL{header} -o {} {}",
        shell_quote(&file),
        shell_quote(&target.url)
    );
    Some(match listed_sha1(job) {
        Some(hash) => format!(
            "{fetch} && echo {} | sha1sum -c -",
            shell_quote(&format!("{hash}  {file}"))
        ),
        None => format!("{fetch} && sha1sum {}", shell_quote(&file)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::{Delivery, FileHash};

    fn ready() -> RestoreJob {
        RestoreJob {
            id: "6b77893b80eef5354c77ee15".into(),
            delivery: Some(Delivery {
                url: Some("https://h/pull/x/KEY/Cluster0-1.tar.gz".into()),
                url_v2: Some("https://h/pull/x/Cluster0-1.tar.gz".into()),
                auth_header: Some("x-auth".into()),
                auth_value: Some(SecretString::new("s3cr3t")),
                expires: Some("2026-11-28T14:30:00Z".into()),
                max_downloads: Some(2147483647),
                ..Delivery::default()
            }),
            hashes: Some(vec![FileHash {
                file_name: Some("Cluster0-1.tar.gz".into()),
                hash: Some("86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67".into()),
                type_name: Some("SHA1".into()),
            }]),
            ..RestoreJob::default()
        }
    }

    #[test]
    fn reads_a_ready_job() {
        let now = 1_795_867_200_000; // 12:00Z
        let job = ready();
        assert_eq!(short_id(&job.id), "4c77ee15");
        assert_eq!(expires_in(&job, now), "2h30m");
        assert_eq!(expires_in(&job, now + 3 * 3_600_000), "expired");
        assert_eq!(max_downloads(&job), "no limit");
        assert_eq!(
            download_command(&job).unwrap(),
            "curl -fSL -H 'x-auth: s3cr3t' -o 'Cluster0-1.tar.gz' 'https://h/pull/x/Cluster0-1.tar.gz' && echo '86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67  Cluster0-1.tar.gz' | sha1sum -c -"
        );
    }

    #[test]
    fn hostile_file_names_are_made_safe() {
        let mut job = ready();
        job.hashes = Some(vec![FileHash {
            file_name: Some("../../.bashrc\u{1b}[2J".into()),
            ..FileHash::default()
        }]);
        assert_eq!(file_name(&job), "bashrc2J");
    }
}
