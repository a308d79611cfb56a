//! The event loop: one queue of messages, drained before input (`biased`), drawing only
//! after something changed and only when nothing else waits; a clock tick only while the
//! screen depends on time. Background work runs in tasks that send messages back.

use super::app::{App, Effect, Msg};
use super::picker::{checkpoint_items, cluster_items, snapshot_items};
use super::terminal::TerminalGuard;
use super::view;
use crate::atlas::{AtlasClient, SnapshotFilter};
use crate::jobs::{Journal, Poller, SubmitState};
use crate::restore::{Context, Field};
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// How often the clock is looked at while a time on screen depends on it.
const TICK: Duration = Duration::from_secs(1);

/// What the background tasks share: the client and the journal (never the UI's state).
#[derive(Clone)]
pub struct Services {
    pub client: Arc<AtlasClient>,
    pub journal: Arc<Mutex<Journal>>,
    /// Wakes the poller (Ctrl-R, a new submit).
    pub poll_now: Arc<tokio::sync::Notify>,
}

pub async fn run(mut app: App, services: Services, poller: Option<Poller>, mouse: bool) -> anyhow::Result<()> {
    let (_guard, mut terminal) = TerminalGuard::enter(mouse)?;
    let (msg_tx, mut msg_rx) = unbounded_channel::<Msg>();
    let (input_tx, mut input_rx) = unbounded_channel::<Msg>();
    spawn_input_reader(input_tx);
    spawn_signal_watch(msg_tx.clone());
    if let Some(poller) = poller {
        let tx = msg_tx.clone();
        tokio::spawn(poller.run(move |event| tx.send(Msg::Poll(event)).is_ok()));
    }

    for effect in app.start(Context::system_now_ms()) {
        dispatch(effect, &services, &msg_tx, &mut terminal);
    }
    let mut dirty = true;
    while !app.quit {
        if dirty && msg_rx.is_empty() && input_rx.is_empty() {
            terminal.draw(|frame| view::draw(frame, &app, Context::system_now_ms()))?;
            dirty = false;
        }
        let ticking = app.needs_tick(Context::system_now_ms());
        let msg = tokio::select! {
            biased;
            Some(m) = msg_rx.recv() => m,
            Some(m) = input_rx.recv() => m,
            _ = tokio::time::sleep(TICK), if ticking => Msg::Tick,
            else => break,
        };
        let (changed, effects) = app.update(msg, Context::system_now_ms());
        dirty |= changed;
        for effect in effects {
            dispatch(effect, &services, &msg_tx, &mut terminal);
        }
    }
    Ok(())
}

/// crossterm's `read` blocks, so it gets a thread of its own.
fn spawn_input_reader(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(Event::Resize(..)) => Msg::Resize,
                Ok(_) => continue,
                Err(_) => Msg::Signal,
            };
            let stop = matches!(msg, Msg::Signal);
            if tx.send(msg).is_err() || stop {
                break;
            }
        }
    });
}

/// SIGINT, SIGTERM and SIGHUP (a dropped SSH session) end the loop, which restores the terminal.
fn spawn_signal_watch(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()] {
        let tx = tx.clone();
        if let Ok(mut s) = signal(kind) {
            tokio::spawn(async move {
                if s.recv().await.is_some() {
                    let _ = tx.send(Msg::Signal);
                }
            });
        }
    }
}

/// Starts an effect: the quick ones here (a poke, a clipboard write), the rest in a task.
fn dispatch(effect: Effect, services: &Services, tx: &UnboundedSender<Msg>, terminal: &mut super::terminal::Term) {
    match effect {
        Effect::PollNow => services.poll_now.notify_one(),
        Effect::Copy { text, what } => {
            let _ = tx.send(Msg::Status(copy(terminal, &text, &what)));
        }
        other => spawn_effect(other, services.clone(), tx.clone()),
    }
}

/// Writes the OSC 52 sequence to the terminal; says honestly what happened.
fn copy(terminal: &mut super::terminal::Term, text: &str, what: &str) -> String {
    use std::io::{IsTerminal, Write};
    if !std::io::stdout().is_terminal() {
        return format!("not copied: the output is not a terminal, so {what} has nowhere to go");
    }
    let via = super::clipboard::Passthrough::detect(
        std::env::var("TMUX").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    );
    match super::clipboard::osc52(text, via) {
        Ok(bytes) => {
            let backend = terminal.backend_mut();
            match backend.write_all(&bytes).and_then(|_| backend.flush()) {
                Ok(()) => format!("sent {what} to your terminal's clipboard (OSC 52; some terminals need it allowed)"),
                Err(e) => format!("not copied: {e}"),
            }
        }
        Err(why) => format!("not copied: {why}"),
    }
}

fn spawn_effect(effect: Effect, services: Services, tx: UnboundedSender<Msg>) {
    let client = services.client.clone();
    tokio::spawn(async move {
        let msg = match effect {
            Effect::LoadPicker {
                field,
                group_id,
                cluster,
            } => {
                let result = match field {
                    Field::SnapshotId => client
                        .list_snapshots(&group_id, &cluster, SnapshotFilter::All)
                        .await
                        .map(snapshot_items),
                    Field::CheckpointId => client.list_checkpoints(&group_id, &cluster).await.map(checkpoint_items),
                    _ => client.list_clusters(&group_id).await.map(|c| cluster_items(c, field)),
                };
                Msg::PickerLoaded {
                    field,
                    result: result.map_err(|e| e.to_string()),
                }
            }
            Effect::LookupSource { group_id, cluster } => {
                let result = client.get_cluster(&group_id, &cluster).await.map_err(|e| e.to_string());
                Msg::SourceCluster {
                    group_id,
                    cluster,
                    result,
                }
            }
            Effect::Submit {
                group_id,
                cluster,
                body,
            } => submit(&services, &group_id, &cluster, body).await,
            Effect::LoadClusterJobs { group_id, cluster } => Msg::ClusterJobs(
                client
                    .list_restore_jobs(&group_id, &cluster, None)
                    .await
                    .map_err(|e| e.to_string()),
            ),
            Effect::Download { job, dest } => download(&client, &job, &dest, &tx).await,
            // Handled by `dispatch`, without a task.
            Effect::PollNow | Effect::Copy { .. } => return,
        };
        let _ = tx.send(msg);
    });
}

/// Records the submit, sends it, records the outcome, and only then answers the screen.
async fn submit(services: &Services, group_id: &str, cluster: &str, body: serde_json::Value) -> Msg {
    let journal = services.journal.clone();
    let (g, c, b) = (group_id.to_string(), cluster.to_string(), body.clone());
    let recorded = tokio::task::spawn_blocking(move || {
        let mut j = journal.lock().unwrap_or_else(|p| p.into_inner());
        j.record_sending(&g, &c, &b, Context::system_now_ms())
    })
    .await;
    let key = match recorded {
        Ok(Ok(key)) => key,
        Ok(Err(e)) => return Msg::SubmitBlocked(e.to_string()),
        Err(e) => return Msg::SubmitBlocked(format!("the journal task failed: {e}")),
    };
    let result = services.client.create_restore_job(group_id, cluster, &body).await;
    let (state, jobs, note) = match &result {
        Ok(created) => (
            SubmitState::Created,
            created.jobs.clone(),
            created.shape_note.map(str::to_string),
        ),
        Err(crate::atlas::AtlasError::OutcomeUnknown { detail }) => {
            (SubmitState::Unknown, Vec::new(), Some(detail.clone()))
        }
        Err(e) => (SubmitState::Refused, Vec::new(), Some(e.to_string())),
    };
    let journal = services.journal.clone();
    let saved = tokio::task::spawn_blocking(move || {
        let mut j = journal.lock().unwrap_or_else(|p| p.into_inner());
        j.record_outcome(&key, state, jobs, note)
    })
    .await;
    match saved {
        Ok(Ok(())) => Msg::Submitted(result),
        // The jobs exist in Atlas: say so, and that the journal missed them.
        Ok(Err(e)) => Msg::SubmitBlocked(format!(
            "Atlas answered, but {e}; note the jobs from the cluster's list"
        )),
        Err(e) => Msg::SubmitBlocked(format!("the journal task failed: {e}")),
    }
}

/// Downloads a job's file, sending progress at most every percent.
async fn download(
    client: &AtlasClient,
    job: &crate::atlas::RestoreJob,
    dest: &std::path::Path,
    tx: &UnboundedSender<Msg>,
) -> Msg {
    use super::job_detail::DownloadState;
    let job_id = job.id.clone();
    let Some(target) = crate::jobs::present::download_target(job) else {
        return Msg::Download {
            job_id,
            state: DownloadState::Failed("no download URL".into()),
        };
    };
    let header = target.header.as_ref().map(|(n, v)| (n.as_str(), v));
    let mut last_percent = u64::MAX;
    let result = client
        .download(&target.url, header, dest, |done, total| {
            let percent = total.filter(|t| *t > 0).map_or(done >> 20, |t| done * 100 / t);
            if percent != last_percent {
                last_percent = percent;
                let _ = tx.send(Msg::Download {
                    job_id: job_id.clone(),
                    state: DownloadState::Running { done, total },
                });
            }
        })
        .await;
    let state = match result {
        Ok(d) => DownloadState::Done {
            path: d.path.display().to_string(),
            bytes: d.bytes,
            sha1: d.sha1,
        },
        Err(e) => DownloadState::Failed(e.to_string()),
    };
    Msg::Download { job_id, state }
}
