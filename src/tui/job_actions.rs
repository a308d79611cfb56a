//! What the keys on a job do: track, forget (after a question), copy its URL or a download
//! command, download (after a question). A job without a file to fetch (an automated
//! restore, an expired link) says why instead.

use super::app::{App, Dialog, Effect};
use super::folder::{AfterFolder, FolderPrompt};
use super::keys::Action;
use crate::jobs::DownloadFolder;
use crate::restore::Field;

impl App {
    /// Track, forget, copy the URL, copy the command, or ask before downloading.
    pub(crate) fn job_action(&mut self, action: Action, job_id: &str, effects: &mut Vec<Effect>) -> bool {
        use super::jobs_panel::Kind;
        use crate::jobs::present;
        let Some(shown) = self.jobs.find(job_id) else {
            return false;
        };
        let job = shown.job;
        match action {
            Action::Track => {
                if shown.kind == Kind::Tracked {
                    self.status = Some("already tracked: x forgets it".into());
                } else {
                    effects.push(Effect::Track {
                        group_id: job
                            .group_id
                            .as_deref()
                            .unwrap_or_else(|| self.form.value(Field::GroupId).trim())
                            .to_string(),
                        cluster: job
                            .cluster_name
                            .as_deref()
                            .unwrap_or_else(|| self.form.value(Field::ClusterName).trim())
                            .to_string(),
                        jobs: self.jobs.batch_of(job),
                    });
                    self.status = Some("tracking it…".into());
                }
                return true;
            }
            Action::Forget => {
                if shown.kind != Kind::Tracked {
                    self.status = Some("not tracked here: t tracks it".into());
                    return true;
                }
                self.dialogs.push(Dialog::Confirm {
                    title: "Forget this job?".into(),
                    lines: vec![
                        format!("Job {} leaves this profile's list and is no longer polled.", job.id),
                        "It stays in Atlas; a, then t, tracks it again.".into(),
                    ],
                    then: Effect::Forget {
                        job_id: job.id.to_string(),
                    },
                    folder: None,
                });
                return true;
            }
            _ => {}
        }
        let method = present::method(job, shown.request);
        if let Some(target) = method.target() {
            self.status = Some(format!(
                "an automated restore into {target}: Atlas restores it itself; there is no file to download"
            ));
            return true;
        }
        if let Some(gone) = present::download_gone(job) {
            self.status = Some(gone.to_string());
            return true;
        }
        let Some(target) = present::download_target(job) else {
            self.status = Some("no download URL yet: it appears when the delivery is READY".into());
            return true;
        };
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
                    Ok(()) => effects.push(Effect::Copy {
                        text: target.url,
                        what: if secret {
                            "the download URL (the deprecated url: its path holds the download key)".into()
                        } else {
                            "the download URL".into()
                        },
                    }),
                    Err(why) => self.status = Some(format!("{why}: it is not copied; download with d instead")),
                }
            }
            Action::CopyCommand => match present::download_command(job) {
                Ok(cmd) => effects.push(Effect::Copy {
                    text: cmd,
                    what: "a download command (it holds the auth value)".into(),
                }),
                Err(why) => self.status = Some(why.to_string()),
            },
            _ => {
                let after = AfterFolder::Job(job.id.to_string());
                let Some(dir) = self.info.download_dir.chosen() else {
                    self.ask_folder(true, after);
                    return true;
                };
                let dest = dir.join(present::file_name(job));
                let mut lines = self.download_warnings(job);
                lines.extend([
                    match present::max_downloads(job).as_str() {
                        "no limit" => "Atlas sets no limit on downloads for this job.".to_string(),
                        n => format!("Each download uses one of the {n} downloads Atlas allows for this job."),
                    },
                    format!(
                        "It is saved as {} once its SHA1 and archive are checked (a broken one is set aside as .broken).",
                        dest.display()
                    ),
                    self.folder_line(),
                ]);
                self.dialogs.push(Dialog::Confirm {
                    title: "Download the restore file?".into(),
                    lines,
                    then: Effect::Download {
                        job: Box::new(job.clone()),
                        dest,
                    },
                    folder: self.folder_changeable().then_some(after),
                });
            }
        }
        true
    }

    /// `n`: the job's request in the form, from the journal (sent from here) or rebuilt from
    /// what Atlas says of it; the focus on the restore point, the field a new request most
    /// often changes. Nothing is sent: the review comes first, as ever.
    pub(crate) fn clone_job(&mut self, job_id: &str, now_ms: i64, effects: &mut Vec<Effect>) {
        use crate::jobs::present::{self, Method};
        use serde_json::{Value, json};
        let Some(shown) = self.jobs.find(job_id) else { return };
        let job = shown.job;
        // The job's own source, never the form's: its restore point means nothing elsewhere.
        let (job_group, job_cluster) = match shown.source {
            Some((g, c)) if !g.is_empty() && !c.is_empty() => (g.to_string(), c.to_string()),
            _ => (
                job.group_id
                    .as_deref()
                    .map_or_else(|| self.form.value(Field::GroupId).trim().to_string(), str::to_string),
                job.cluster_name.as_deref().map_or_else(
                    || self.form.value(Field::ClusterName).trim().to_string(),
                    str::to_string,
                ),
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
                            (_, Some(id)) if self.info.flavor.is_public_api() => {
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
        let moved = job_group != self.form.value(Field::GroupId).trim()
            || job_cluster != self.form.value(Field::ClusterName).trim();
        self.form.set(Field::GroupId, &job_group);
        self.form.set(Field::ClusterName, &job_cluster);
        self.form.load(&body);
        let point = [
            Field::SnapshotId,
            Field::CheckpointId,
            Field::OplogTs,
            Field::PointInTimeUtcMillis,
        ]
        .into_iter()
        .find(|f| !self.form.value(*f).trim().is_empty())
        .unwrap_or(Field::SnapshotId);
        self.form.focus(point);
        self.focus_jobs = false;
        self.revalidate(now_ms);
        effects.extend(self.form.lookup_source(&self.env(now_ms)));
        self.status = Some(format!(
            "a new request from job {} of {}{}: change what differs, then Ctrl-S reviews it; nothing is sent before",
            present::short_id(job_id),
            crate::text::sanitize(&job_cluster),
            if moved {
                " (the form's source is now that cluster)"
            } else {
                ""
            }
        ));
    }
}

/// The download folder: asked at the profile's first download, changed with `f`, and taken
/// from another window's choice.
impl App {
    /// `D` on a batch: every part into the folder, after a question (the folder first, when
    /// none was chosen).
    pub(crate) fn download_batch(&mut self, batch_id: &str) {
        let Some((_, parts)) = self.jobs.selected_batch().filter(|(id, _)| id == batch_id) else {
            return;
        };
        let after = AfterFolder::Batch(batch_id.to_string());
        let Some(dir) = self.info.download_dir.chosen().map(std::path::Path::to_path_buf) else {
            return self.ask_folder(true, after);
        };
        self.dialogs.push(Dialog::Confirm {
            title: "Download every part of the batch?".into(),
            lines: vec![
                format!(
                    "{} parts, one after the other, into {}, each SHA1 computed on the way.",
                    parts.len(),
                    dir.display()
                ),
                "Each download uses one of the downloads Atlas allows for its part.".into(),
                self.folder_line(),
            ],
            then: Effect::DownloadAll { jobs: parts, dir },
            folder: self.folder_changeable().then_some(after),
        });
    }

    /// Where the folder comes from, and how to change it.
    fn folder_line(&self) -> String {
        let origin = self.info.download_dir.origin();
        if self.folder_changeable() {
            format!("The folder was {origin}; f chooses another.")
        } else {
            format!("The folder is {origin}; change it there.")
        }
    }

    /// A folder set in the config is changed there, not here.
    fn folder_changeable(&self) -> bool {
        !matches!(self.info.download_dir, DownloadFolder::Configured(_))
    }

    /// Asks where archives go, offering the folder chosen (or suggested) so far; `then` goes
    /// on once it is ready.
    pub(crate) fn ask_folder(&mut self, first: bool, then: AfterFolder) {
        let offered = self.info.download_dir.or_suggested();
        let shown = crate::jobs::folder::shown(offered, crate::jobs::folder::home().as_deref());
        self.dialogs.push(Dialog::Folder(FolderPrompt::new(
            &shown,
            first,
            &self.info.profile,
            then,
        )));
    }

    /// The folder typed is ready and remembered (go on with what waited for it), or not (say
    /// why in the question, which stays).
    pub(crate) fn folder_chosen(
        &mut self,
        result: Result<std::path::PathBuf, String>,
        effects: &mut Vec<Effect>,
    ) -> bool {
        let Some(Dialog::Folder(prompt)) = self.dialogs.top_mut() else {
            // Cancelled meanwhile: a folder made ready is still the profile's choice.
            if let Ok(dir) = result {
                self.folder_remembered(&dir);
            }
            return true;
        };
        match result {
            Err(why) => {
                prompt.checking = false;
                prompt.error = Some(why);
            }
            Ok(dir) => {
                let then = prompt.then.clone();
                self.dialogs.pop();
                self.status = Some(format!(
                    "archives of profile {} go to {} from now on, in every window",
                    self.info.profile,
                    dir.display()
                ));
                self.info.download_dir = DownloadFolder::Chosen(dir);
                self.go_on_after_folder(then, effects);
            }
        }
        true
    }

    /// The download's question again, once the folder is settled.
    pub(crate) fn go_on_after_folder(&mut self, then: AfterFolder, effects: &mut Vec<Effect>) {
        // The folder's question, and the download's question it came from (`f`), give way to
        // the download's question asked again with the folder as it is now; a job's detail
        // below stays, to come back to.
        self.dialogs.pop_if(|d| matches!(d, Dialog::Folder(_)));
        self.dialogs.pop_if(|d| matches!(d, Dialog::Confirm { .. }));
        match then {
            AfterFolder::Job(id) => {
                self.job_action(Action::Download, &id, effects);
            }
            AfterFolder::Batch(id) => self.download_batch(&id),
        }
    }

    /// A folder chosen for the profile (here or in another window); the config's goes first.
    pub(crate) fn folder_remembered(&mut self, dir: &std::path::Path) {
        if self.folder_changeable() {
            self.info.download_dir = DownloadFolder::Chosen(dir.to_path_buf());
        }
    }
}

impl App {
    /// What the journal says of past downloads (this window's before a restart, another
    /// window's, a script's), for the jobs with no download of this session's to show.
    pub fn note_downloads(&mut self, downloaded: &[(String, crate::jobs::JobNotes)]) {
        use super::job_detail::DownloadState;
        for (id, notes) in downloaded {
            if let (false, Some((line, file))) = (self.downloads.contains_key(id), notes.download_words()) {
                self.downloads.insert(id.clone(), DownloadState::Done { line, file });
            }
            self.download_notes.insert(id.clone(), notes.clone());
        }
        self.files_changed();
    }

    /// The panel marks each job's file as its last download left it.
    pub(crate) fn files_changed(&mut self) {
        use super::job_detail::DownloadState;
        let files = self
            .downloads
            .iter()
            .filter_map(|(id, d)| match d {
                DownloadState::Done { file, .. } => Some((id.clone(), *file)),
                _ => None,
            })
            .collect();
        self.jobs.set_files(files);
    }

    /// What the question before a download says beyond the usual: that the last download
    /// from here left a broken file (set aside), and that this one would use the last of
    /// the downloads Atlas allows, as far as this profile knows.
    pub(crate) fn download_warnings(&self, job: &crate::atlas::RestoreJob) -> Vec<String> {
        use crate::jobs::notes::FileState;
        let mut lines = Vec::new();
        let notes = self.download_notes.get(job.id.as_str());
        let broken = self.downloads.get(job.id.as_str()).is_some_and(|d| d.is_broken())
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
}
