//! What the keys on a job do: track, forget (after a question), copy its URL or a download
//! command, download (after a question), and `n`, a new request from it. A job without a file
//! to fetch (an automated restore, an expired link) says why instead.
//!
//! Free functions over what they read (the panel's jobs, this screen's downloads, `Env`):
//! each answers with `Asks`, which `App` carries out (it owns the status line, the dialogs
//! and the queue of effects).

use super::dialog::Dialog;
use super::env::Env;
use super::folder::{AfterFolder, FolderPrompt};
use super::job_detail::DownloadState;
use super::jobs_panel::{JobsPanel, Shown};
use super::keys::Action;
use super::msg::Effect;
use crate::jobs::{DownloadFolder, JobNotes};
use std::collections::HashMap;

/// What a job's key asks of the app: a line to say, a dialog to open over the others, work to
/// start.
#[derive(Default)]
pub(crate) struct Asks {
    pub say: Option<String>,
    pub open: Option<Dialog>,
    pub start: Vec<Effect>,
}

impl Asks {
    fn say(text: impl Into<String>) -> Asks {
        Asks {
            say: Some(text.into()),
            ..Asks::default()
        }
    }

    fn open(dialog: Dialog) -> Asks {
        Asks {
            open: Some(dialog),
            ..Asks::default()
        }
    }
}

/// The downloads this screen knows of: its own, by job id, and the journal's notes.
pub(crate) struct Files<'a> {
    pub downloads: &'a HashMap<String, DownloadState>,
    pub notes: &'a HashMap<String, JobNotes>,
}

/// Track, forget, copy the URL, copy the command, or ask before downloading. `source`: the
/// form's project and cluster, for a job that does not name its own. `None`: no such job.
pub fn act(
    panel: &JobsPanel,
    files: &Files,
    env: &Env,
    source: (&str, &str),
    action: Action,
    job_id: &str,
) -> Option<Asks> {
    use super::jobs_panel::Kind;
    use crate::jobs::present;
    let shown = panel.find(job_id)?;
    let job = shown.job;
    match action {
        Action::Track => {
            if shown.kind == Kind::Tracked {
                return Some(Asks::say("already tracked: x forgets it"));
            }
            return Some(Asks {
                say: Some("tracking it…".into()),
                start: vec![Effect::Track {
                    group_id: job.group_id.as_deref().unwrap_or(source.0).to_string(),
                    cluster: job.cluster_name.as_deref().unwrap_or(source.1).to_string(),
                    jobs: panel.batch_of(job),
                }],
                open: None,
            });
        }
        Action::Forget => {
            if shown.kind != Kind::Tracked {
                return Some(Asks::say("not tracked here: t tracks it"));
            }
            return Some(Asks::open(Dialog::Confirm {
                title: "Forget this job?".into(),
                lines: vec![
                    format!("Job {} leaves this profile's list and is no longer polled.", job.id),
                    "It stays in Atlas; a, then t, tracks it again.".into(),
                ],
                then: Effect::Forget {
                    job_id: job.id.to_string(),
                },
                folder: None,
            }));
        }
        _ => {}
    }
    let method = present::method(job, shown.request);
    if let Some(target) = method.target() {
        return Some(Asks::say(format!(
            "an automated restore into {target}: Atlas restores it itself; there is no file to download"
        )));
    }
    if let Some(gone) = present::download_gone(job) {
        return Some(Asks::say(gone.to_string()));
    }
    let Some(target) = present::download_target(job) else {
        return Some(Asks::say("no download URL yet: it appears when the delivery is READY"));
    };
    let mut asks = Asks::default();
    match action {
        Action::CopyUrl => {
            // Checked as the download command checks it: what is pasted into a shell
            // holds no quote, space or control character.
            let secret = target.is_deprecated_url();
            let what = if secret {
                "the download URL (the deprecated url) from Atlas"
            } else {
                "the download URL (urlV2) from Atlas"
            };
            match crate::shell_text::url(&target.url, what, secret) {
                Ok(()) => asks.start.push(Effect::Copy {
                    text: target.url,
                    what: if secret {
                        "the download URL (the deprecated url: its path holds the download key)".into()
                    } else {
                        "the download URL".into()
                    },
                }),
                Err(why) => asks.say = Some(format!("{why}: it is not copied; download with d instead")),
            }
        }
        Action::CopyCommand => match present::download_command(job) {
            Ok(cmd) => asks.start.push(Effect::Copy {
                text: cmd,
                what: "a download command (it holds the auth value)".into(),
            }),
            Err(why) => asks.say = Some(why.to_string()),
        },
        _ => {
            let after = AfterFolder::Job(job.id.to_string());
            let folder = &env.info.download_dir;
            let Some(dir) = folder.chosen() else {
                return Some(Asks::open(folder_question(env, true, after)));
            };
            let dest = dir.join(present::file_name(job));
            let mut lines = download_warnings(files, job);
            lines.extend([
                match present::max_downloads(job).as_str() {
                    "no limit" => "Atlas sets no limit on downloads for this job.".to_string(),
                    n => format!("Each download uses one of the {n} downloads Atlas allows for this job."),
                },
                format!(
                    "It is saved as {} once its SHA1 and archive are checked (a broken one is set aside as .broken).",
                    dest.display()
                ),
                folder_line(folder),
            ]);
            asks.open = Some(Dialog::Confirm {
                title: "Download the restore file?".into(),
                lines,
                then: Effect::Download {
                    job: Box::new(job.clone()),
                    dest,
                },
                folder: folder_changeable(folder).then_some(after),
            });
        }
    }
    Some(asks)
}

/// `D` on a batch: every part into the folder, after a question (the folder first, when none
/// was chosen).
pub(crate) fn ask_batch(panel: &JobsPanel, env: &Env, batch_id: &str) -> Asks {
    let Some((_, parts)) = panel.selected_batch().filter(|(id, _)| id == batch_id) else {
        return Asks::default();
    };
    let after = AfterFolder::Batch(batch_id.to_string());
    let folder = &env.info.download_dir;
    let Some(dir) = folder.chosen().map(std::path::Path::to_path_buf) else {
        return Asks::open(folder_question(env, true, after));
    };
    Asks::open(Dialog::Confirm {
        title: "Download every part of the batch?".into(),
        lines: vec![
            format!(
                "{} parts, one after the other, into {}, each SHA1 computed on the way.",
                parts.len(),
                dir.display()
            ),
            "Each download uses one of the downloads Atlas allows for its part.".into(),
            folder_line(folder),
        ],
        then: Effect::DownloadAll { jobs: parts, dir },
        folder: folder_changeable(folder).then_some(after),
    })
}

/// Where the folder comes from, and how to change it.
fn folder_line(folder: &DownloadFolder) -> String {
    let origin = folder.origin();
    if folder_changeable(folder) {
        format!("The folder was {origin}; f chooses another.")
    } else {
        format!("The folder is {origin}; change it there.")
    }
}

/// A folder set in the config is changed there, not here.
pub(crate) fn folder_changeable(folder: &DownloadFolder) -> bool {
    !matches!(folder, DownloadFolder::Configured(_))
}

/// Where archives go, offering the folder chosen (or suggested) so far; `then` goes on once
/// it is ready.
pub(crate) fn folder_question(env: &Env, first: bool, then: AfterFolder) -> Dialog {
    let offered = env.info.download_dir.or_suggested();
    let shown = crate::jobs::folder::shown(offered, crate::jobs::folder::home().as_deref());
    Dialog::Folder(FolderPrompt::new(&shown, first, &env.info.profile, then).in_demo(env.info.demo))
}

/// What the journal says of past downloads (this window's before a restart, another
/// window's, a script's), for the jobs with no download of this session's to show.
pub(crate) fn note_downloads(
    downloads: &mut HashMap<String, DownloadState>,
    notes: &mut HashMap<String, JobNotes>,
    downloaded: &[(String, JobNotes)],
) {
    for (id, said) in downloaded {
        if let (false, Some((line, file))) = (downloads.contains_key(id), said.download_words()) {
            downloads.insert(id.clone(), DownloadState::Done { line, file });
        }
        notes.insert(id.clone(), said.clone());
    }
}

/// Each job's file as its last download left it, for the panel's marks.
pub fn files(downloads: &HashMap<String, DownloadState>) -> HashMap<String, crate::jobs::notes::FileState> {
    downloads
        .iter()
        .filter_map(|(id, d)| match d {
            DownloadState::Done { file, .. } => Some((id.clone(), *file)),
            _ => None,
        })
        .collect()
}

/// What the question before a download says beyond the usual: that the last download from
/// here left a broken file (set aside), and that this one would use the last of the downloads
/// Atlas allows, as far as this profile knows.
pub(crate) fn download_warnings(files: &Files, job: &crate::atlas::RestoreJob) -> Vec<String> {
    use crate::jobs::notes::FileState;
    let (downloads, notes) = (files.downloads, files.notes);
    let mut lines = Vec::new();
    let notes = notes.get(job.id.as_str());
    let broken = downloads.get(job.id.as_str()).is_some_and(|d| d.is_broken())
        || notes.and_then(crate::jobs::JobNotes::file_state) == Some(FileState::Broken);
    if broken {
        let at = notes
            .and_then(|n| n.download.as_ref())
            .map(|d| format!(" (set aside as {})", crate::text::sanitize(&d.path)))
            .unwrap_or_default();
        lines.push(format!(
            "The last download from here was BROKEN{at}: this downloads it again."
        ));
    }
    let started = notes.map_or(0, |n| n.downloads_started);
    let max = job.delivery.as_ref().and_then(|d| d.max_downloads);
    if let Some(max) = max.filter(|m| *m < i64::from(i32::MAX) && i64::from(started) + 1 >= *m) {
        lines.push(format!(
            "This uses the LAST of the {max} downloads Atlas allows for this job ({started} started from here already): after it, Atlas serves no new download of it."
        ));
    }
    lines
}

/// A job's request, for `n`: its own source (never the form's: its restore point means
/// nothing elsewhere) and its body, from the journal (sent from here) or rebuilt from what
/// Atlas says of it.
pub(crate) struct Cloned {
    pub group_id: String,
    pub cluster: String,
    pub body: serde_json::Value,
}

/// `n`: the request a job was made with. `source`: the form's, for a job that names none.
pub fn cloned(shown: Shown, env: &Env, source: (&str, &str)) -> Cloned {
    use crate::jobs::present::{self, Method};
    use serde_json::{Value, json};
    let job = shown.job;
    let (group_id, cluster) = match shown.source {
        Some((g, c)) if !g.is_empty() && !c.is_empty() => (g.to_string(), c.to_string()),
        _ => (
            job.group_id.as_deref().unwrap_or(source.0).to_string(),
            job.cluster_name.as_deref().unwrap_or(source.1).to_string(),
        ),
    };
    let body = match shown.request {
        Some(request) => request.clone(),
        None => {
            let mut delivery = serde_json::Map::new();
            match present::method(job, None) {
                Method::Download => {
                    delivery.insert("methodName".into(), json!("HTTP"));
                }
                Method::Automated {
                    target_group_id,
                    target_name,
                    target_id,
                } => {
                    delivery.insert("methodName".into(), json!("AUTOMATED_RESTORE"));
                    if let Some(g) = target_group_id {
                        delivery.insert("targetGroupId".into(), json!(g.as_str()));
                    }
                    // Cloud and Ops Manager take the target by id only.
                    match (target_name, target_id) {
                        (_, Some(id)) if env.info.flavor.is_public_api() => {
                            delivery.insert("targetClusterId".into(), json!(id.as_str()));
                        }
                        (Some(name), _) => {
                            delivery.insert("targetClusterName".into(), json!(name.as_str()));
                        }
                        (None, Some(id)) => {
                            delivery.insert("targetClusterId".into(), json!(id.as_str()));
                        }
                        (None, None) => {}
                    }
                }
            }
            let mut top = serde_json::Map::new();
            // A point-in-time job's timestamp is the moment it restored to.
            let at_ms = job
                .timestamp
                .as_ref()
                .and_then(|t| t.date.as_deref())
                .and_then(crate::restore::time_input::parse_rfc3339_lenient);
            match (job.point_in_time, &job.snapshot_id, at_ms) {
                (Some(true), _, Some(ms)) => {
                    top.insert("pointInTimeUTCMillis".into(), json!(ms));
                }
                (_, Some(s), _) => {
                    top.insert("snapshotId".into(), json!(s.as_str()));
                }
                _ => {}
            }
            top.insert("delivery".into(), Value::Object(delivery));
            Value::Object(top)
        }
    };
    Cloned {
        group_id,
        cluster,
        body,
    }
}
