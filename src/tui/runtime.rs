//! The event loop: one queue of messages, drained before input (`biased`), drawing only
//! after something changed and only when nothing else waits; a clock tick only while the
//! screen depends on time. Background work runs in tasks that send messages back.

use super::app::{App, Effect, Msg};
use super::picker::{checkpoint_items, cluster_items, project_items, snapshot_items};
use crate::jobs::{Poller, Services};
use crate::restore::Field;
use ratatui::crossterm::event::{Event, KeyEventKind, MouseEventKind};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How often the clock is looked at while a time on screen depends on it.
const TICK: Duration = Duration::from_secs(1);

/// One profile's screen: its state, its services and its poller.
pub struct Session {
    pub app: App,
    pub services: Services,
    pub poller: Poller,
}

/// The keyboard and the signals, read once for every session: crossterm's reader is a
/// thread, and two would steal each other's keys.
pub struct Input {
    rx: UnboundedReceiver<Msg>,
}

/// Where the store's waits for another process are said: the loop's input queue, which lives
/// as long as the process (`Input::start`).
static STORE_WAITS: std::sync::OnceLock<UnboundedSender<Msg>> = std::sync::OnceLock::new();

fn say_store_wait(path: &std::path::Path) {
    if let Some(tx) = STORE_WAITS.get() {
        let _ = tx.send(Msg::Status(format!(
            "waiting for another atlas-restore to finish its change to the job store {}…",
            path.display()
        )));
    }
}

impl Input {
    pub fn start() -> Input {
        let (tx, rx) = unbounded_channel::<Msg>();
        // A store held by another window for over a second is said in the status line.
        if STORE_WAITS.set(tx.clone()).is_ok() {
            crate::jobs::store::on_wait(say_store_wait);
        }
        spawn_signal_watch(tx.clone());
        spawn_input_reader(tx);
        Input { rx }
    }
}

/// Runs one profile's screen until the user quits (`None`) or switches to another profile
/// that `open` could open (`Some`): then this session's poller and tasks stop, and nothing of
/// it outlives the switch but what it wrote to the store.
pub async fn run(
    terminal: &mut super::terminal::Term,
    input: &mut Input,
    session: Session,
    mouse: bool,
    mut open: impl AsyncFnMut(&str) -> anyhow::Result<Session>,
) -> anyhow::Result<Option<Session>> {
    let Session {
        mut app,
        services,
        poller,
    } = session;
    let (msg_tx, mut msg_rx) = unbounded_channel::<Msg>();
    // Copies handed to tmux come back here: a fallback needs the terminal, which is the loop's.
    let (copy_tx, mut copy_rx) = unbounded_channel::<CopyDone>();
    // Wakes the poller (Ctrl-R, a new submit).
    let poll_now = poller.handle();
    let polling = {
        let tx = msg_tx.clone();
        tokio::spawn(poller.run(move |event| tx.send(Msg::Poll(event)).is_ok()))
    };
    // Stops this session's poller however the loop ends (a switch, a quit, an error).
    let _stop_polling = AbortOnDrop(polling);

    for effect in app.start(services.now_ms()) {
        dispatch(effect, &services, &poll_now, &msg_tx, &copy_tx, terminal);
    }
    let mut dirty = true;
    // While the plain screen is up, nothing is drawn, and the next key (or paste) only
    // brings the dashboard back (a quit key quits as well).
    let mut plain_open = false;
    while !app.quit {
        if dirty && !plain_open && msg_rx.is_empty() && input.rx.is_empty() {
            terminal.draw(|frame| app.draw(frame, services.now_ms()))?;
            dirty = false;
        }
        if let Some(name) = app.switch_to.take() {
            // Drawn first: "opening profile …" stays up while a key command runs.
            terminal.draw(|frame| app.draw(frame, services.now_ms()))?;
            match open(&name).await {
                Ok(next) => return Ok(Some(next)),
                Err(e) => {
                    app.status = None;
                    app.dialogs.push(super::app::Dialog::Message {
                        title: format!("profile {name} could not be opened"),
                        lines: vec![
                            crate::redact::scrub(&format!("{e:#}")),
                            format!("Still on profile {}; mend the config and try again.", app.info.profile),
                        ],
                    });
                    dirty = true;
                    continue;
                }
            }
        }
        let ticking = !plain_open && app.needs_tick(services.now_ms());
        let msg = tokio::select! {
            biased;
            Some(m) = msg_rx.recv() => m,
            Some(done) = copy_rx.recv() => Msg::Status(finish_copy(terminal, done)),
            Some(m) = input.rx.recv() => m,
            _ = tokio::time::sleep(TICK), if ticking => Msg::Tick,
            else => break,
        };
        if plain_open && matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(_)) {
            super::plain::hide(terminal, mouse)?;
            plain_open = false;
            dirty = true;
            let quits = matches!(&msg, Msg::Key(k)
                if super::keys::resolve(&[super::keys::Scope::Anywhere], k) == Some(super::keys::Action::Quit));
            if !quits {
                continue;
            }
        }
        let (changed, effects) = app.update(msg, services.now_ms());
        dirty |= changed;
        // Atlas's clock as its answers tell it: named in the title once off by over a minute.
        let clock_note = crate::atlas::describe_skew(services.clock_offset_ms());
        if clock_note != app.clock_note {
            app.clock_note = clock_note;
            dirty = true;
        }
        for effect in effects {
            if let Effect::Plain(screen) = &effect {
                super::plain::show(terminal, screen, mouse)?;
                plain_open = true;
            } else {
                dispatch(effect, &services, &poll_now, &msg_tx, &copy_tx, terminal);
            }
        }
    }
    Ok(None)
}

/// A task stopped when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// crossterm's `read` blocks, so it gets a thread of its own. `input::Keys` repairs an Esc and
/// a key that came in one read (a laggy link), which crossterm reads as Esc and typed text.
fn spawn_input_reader(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        let mut keys = super::input::Keys::new(super::input::Crossterm);
        loop {
            let msg = match keys.read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(Event::Resize(..)) => Msg::Resize,
                // Only sent when mouse capture is on (`[ui] mouse = true`); moves are noise.
                Ok(Event::Mouse(m)) if !matches!(m.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) => {
                    Msg::Mouse(m)
                }
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

/// A copy that tmux was asked to take, and how that went.
struct CopyDone {
    text: String,
    what: String,
    result: Result<super::clipboard::TmuxCopy, String>,
}

/// Starts an effect: the quick ones here (a poke, a clipboard write), the rest in a task.
fn dispatch(
    effect: Effect,
    services: &Services,
    poll_now: &crate::jobs::PollHandle,
    tx: &UnboundedSender<Msg>,
    copy_tx: &UnboundedSender<CopyDone>,
    terminal: &mut super::terminal::Term,
) {
    match effect {
        Effect::PollNow => poll_now.poke(),
        Effect::PollAll => poll_now.resend(),
        // Inside tmux, tmux itself takes the text (see `clipboard`): `tmux load-buffer` runs
        // in a blocking task, and its outcome comes back to the loop.
        Effect::Copy { text, what } => match std::env::var("TMUX").ok().filter(|t| !t.is_empty()) {
            Some(tmux) => {
                let done = copy_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = super::clipboard::tmux_load_buffer(&text, &tmux);
                    let _ = done.send(CopyDone { text, what, result });
                });
            }
            None => {
                let via = super::clipboard::Passthrough::detect(None, std::env::var("TERM").ok().as_deref());
                let said = match copy(terminal, &text, via) {
                    Ok(()) => {
                        format!("sent {what} to your terminal's clipboard (OSC 52; some terminals need it allowed)")
                    }
                    Err(why) => format!("not copied: {why}"),
                };
                let _ = tx.send(Msg::Status(said));
            }
        },
        Effect::Notify { text, mode } => {
            // A BEL passes tmux as it is set by default; OSC 9/777 need its passthrough.
            let in_tmux = std::env::var("TMUX").is_ok_and(|t| !t.is_empty());
            if let Some(bytes) = super::notify::sequence(mode, &text, in_tmux) {
                use std::io::Write;
                let backend = terminal.backend_mut();
                let _ = backend.write_all(&bytes).and_then(|()| backend.flush());
            }
            if in_tmux
                && matches!(
                    mode,
                    super::notify::NotifyMode::Osc9 | super::notify::NotifyMode::Osc777
                )
                && !TMUX_NOTE.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                let _ = tx.send(Msg::Status(format!(
                    "{text} (inside tmux, desktop notifications need `set -g allow-passthrough on`)"
                )));
            }
        }
        other => spawn_effect(other, services.clone(), tx.clone()),
    }
}

/// The tmux passthrough note is given once a run.
static TMUX_NOTE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What tmux did with a copy, in words; where it did not take it, the passthrough escape is
/// sent instead, and the words say what that needs.
fn finish_copy(terminal: &mut super::terminal::Term, done: CopyDone) -> String {
    use super::clipboard::{Passthrough, passthrough_said, tmux_said};
    match done.result {
        Ok(how) => tmux_said(&done.what, how),
        Err(why) => match copy(terminal, &done.text, Passthrough::Tmux) {
            Ok(()) => passthrough_said(&done.what, &why),
            Err(also) => format!("not copied: {why}; nor through the terminal: {also}"),
        },
    }
}

/// Writes the OSC 52 sequence (wrapped for `via`) to the terminal.
fn copy(terminal: &mut super::terminal::Term, text: &str, via: super::clipboard::Passthrough) -> Result<(), String> {
    use std::io::{IsTerminal, Write};
    if !std::io::stdout().is_terminal() {
        return Err("the output is not a terminal, so the text has nowhere to go".into());
    }
    let bytes = super::clipboard::osc52(text, via)?;
    let backend = terminal.backend_mut();
    backend
        .write_all(&bytes)
        .and_then(|_| backend.flush())
        .map_err(|e| e.to_string())
}

/// Turns an effect into a call of the services, and its answer into a message.
fn spawn_effect(effect: Effect, services: Services, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let msg = match effect {
            Effect::LoadPicker {
                field,
                group_id,
                cluster,
            } => {
                use crate::jobs::catalog::{self as lists, Fetched, ListKey};
                let (g, c) = (group_id.clone(), cluster.clone());
                let (result, listed) = match field {
                    Field::SnapshotId => {
                        let r = services.snapshots(&group_id, &cluster).await;
                        let l = Fetched::Ids(lists::snapshot_listing(&r));
                        (
                            r.map(snapshot_items),
                            Some((
                                ListKey::Snapshots {
                                    group_id: g,
                                    cluster: c,
                                },
                                l,
                            )),
                        )
                    }
                    Field::CheckpointId => {
                        let r = services.checkpoints(&group_id, &cluster).await;
                        let l = Fetched::Ids(lists::checkpoint_listing(&r));
                        (
                            r.map(checkpoint_items),
                            Some((
                                ListKey::Checkpoints {
                                    group_id: g,
                                    cluster: c,
                                },
                                l,
                            )),
                        )
                    }
                    Field::TargetGroupId => (services.projects().await.map(|p| project_items(p, &group_id)), None),
                    Field::PointInTimeUtcMillis => (
                        services
                            .client
                            .restorable_time_ranges(&group_id, &cluster)
                            .await
                            .map(super::picker::range_items),
                        None,
                    ),
                    _ => {
                        let r = services.clusters(&group_id).await;
                        let l = Fetched::Clusters(lists::cluster_listing(&r));
                        (
                            r.map(|c| cluster_items(c, field)),
                            Some((ListKey::Clusters { group_id: g }, l)),
                        )
                    }
                };
                Msg::PickerLoaded {
                    field,
                    group_id,
                    result: result.map_err(|e| e.to_string()),
                    listed,
                }
            }
            Effect::LoadDrills(setup) => super::drills::load(*setup).await,
            Effect::RunDrill { drill, setup } => super::drills::run(drill, *setup, services, tx.clone()).await,
            Effect::LoadList(key) => {
                let fetched = services.list(&key).await;
                Msg::Listed { key, fetched }
            }
            Effect::ChooseFolder { text } => Msg::FolderChosen(services.choose_download_dir(&text).await),
            Effect::LookupSource { group_id, cluster } => {
                let result = services.cluster(&group_id, &cluster).await.map_err(|e| e.to_string());
                Msg::SourceCluster {
                    group_id,
                    cluster,
                    result,
                }
            }
            Effect::Submit { request, allow_repeat } => {
                let outcome = services.submit(&request, allow_repeat).await;
                Msg::Submitted { request, outcome }
            }
            Effect::Track {
                group_id,
                cluster,
                jobs,
            } => {
                let n = jobs.len();
                Msg::Tracking(match services.track(&group_id, &cluster, jobs).await {
                    Ok(true) if n > 1 => Ok(format!("tracking the {n} jobs of the batch in this profile")),
                    Ok(true) => Ok("tracking it in this profile: it is polled like the others".into()),
                    Ok(false) => Ok("already tracked".into()),
                    Err(e) => Err(format!("not tracked: {e}")),
                })
            }
            Effect::Forget { job_id } => Msg::Tracking(match services.forget(&job_id).await {
                Ok(true) => Ok(format!(
                    "forgot job {}: it stays in Atlas",
                    crate::jobs::present::short_id(&job_id)
                )),
                Ok(false) => Ok("it was not tracked".into()),
                Err(e) => Err(format!("not forgotten: {e}")),
            }),
            Effect::DismissLost { keys } => Msg::Tracking(match services.dismiss(keys).await {
                Ok(n) => Ok(format!("dismissed {n} submit outcome(s): each made no job")),
                Err(e) => Err(format!("not dismissed: {e}")),
            }),
            Effect::LoadClusterJobs { group_id, cluster } => Msg::ClusterJobs(
                services
                    .cluster_jobs(&group_id, &cluster)
                    .await
                    .map_err(|e| e.to_string()),
            ),
            Effect::Download { job, dest } => {
                let dir = dest.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
                download(&services, &job, &dir, &tx).await
            }
            Effect::LoadEta { group_id, cluster, job } => {
                // Sizes first, so the estimate can scale by the snapshot's (one listing).
                let _ = services.note_snapshot_sizes(&group_id, &cluster).await;
                let text = match services.eta(&group_id, &cluster, &job).await {
                    Some(eta) => eta.describe(&cluster),
                    None => format!("no estimate yet: no finished restore of {cluster} in this profile's journal"),
                };
                Msg::Eta {
                    job_id: job.id.to_string(),
                    text,
                }
            }
            Effect::CancelDownload { job_id } => {
                services.cancel_download(&job_id);
                return;
            }
            // One part after the other: each says its progress and result as a single one does.
            Effect::DownloadAll { jobs, dir } => {
                let n = jobs.len();
                let mut verified = 0;
                for job in &jobs {
                    let done = download(&services, job, &dir, &tx).await;
                    if let Msg::Download { state, .. } = &done
                        && state.is_good()
                    {
                        verified += 1;
                    }
                    let _ = tx.send(done);
                }
                Msg::Status(if verified == n {
                    format!(
                        "batch downloaded: {verified} of {n} parts verified (SHA1 as Atlas lists it, archive read whole)"
                    )
                } else {
                    format!(
                        "batch downloaded: {verified} of {n} parts verified; Enter on the batch says why not for the others (D again resumes what was cut)"
                    )
                })
            }
            // Handled by `dispatch`, without a task.
            Effect::Notify { .. } | Effect::PollNow | Effect::PollAll | Effect::Copy { .. } | Effect::Plain(_) => {
                return;
            }
        };
        let _ = tx.send(msg);
    });
}

/// Downloads a job's file into `dir` (resuming a part), re-asks Atlas for its SHA1 and looks
/// inside the archive; progress goes to the screen as it comes (at most every 100 ms).
async fn download(
    services: &Services,
    job: &crate::atlas::RestoreJob,
    dir: &std::path::Path,
    tx: &UnboundedSender<Msg>,
) -> Msg {
    use super::job_detail::DownloadState;
    let job_id = job.id.to_string();
    let cancel = services.cancel_handle(&job_id);
    let tracked = services
        .journal_data()
        .await
        .ok()
        .and_then(|d| d.into_tracked().into_iter().find(|t| t.job.id == job.id))
        .unwrap_or_else(|| crate::jobs::TrackedJob::from(job.clone()));
    let result = services
        .download_resuming(
            &tracked,
            dir,
            &cancel,
            |p| {
                let _ = tx.send(Msg::Download {
                    job_id: job_id.clone(),
                    state: DownloadState::Running(p.describe()),
                });
            },
            |cut, wait| {
                let _ = tx.send(Msg::Download {
                    job_id: job_id.clone(),
                    state: DownloadState::Resuming {
                        why: cut.cut_words().unwrap_or_else(|| cut.to_string()),
                        in_secs: wait.as_secs(),
                    },
                });
            },
        )
        .await;
    services.forget_cancel(&job_id);
    let state = match result {
        Ok(checked) => DownloadState::Done {
            // The verdict, then what the archive holds (or where it breaks).
            line: match &checked.archive {
                Some(a) => format!("{} · {}", checked.describe(), a.describe()),
                None => checked.describe(),
            },
            file: checked.file_state(),
        },
        Err(e) => DownloadState::Failed(e.to_string()),
    };
    Msg::Download { job_id, state }
}
