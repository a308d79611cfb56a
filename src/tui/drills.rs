//! The drills view (F3, or ^D without F-keys): each drill of the config folder's `drills/`
//! with its last result, RPO and RTO against their targets, when it is next due, and OVERDUE
//! in words; Enter shows the last run's checks and phases; `r` runs the selected drill now,
//! in the background, through the same code as `drill run` (`jobs::drill::Runner`), its
//! progress shown on its row. The view keeps its state while closed: a drill started here
//! goes on, and its row says so when the view opens again.

use super::dialog::{Outcome, Request};
use super::keys::Action;
use super::scroll::{Scroll, ScrollLimits};
use super::theme::Theme;
use crate::jobs::drill::standing::{Standing, against, two_lines};
use crate::jobs::drill::{RunResult, RunnerProfile, Verdict};
use crate::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the drills are, and what a run from here needs of the profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrillSetup {
    /// The config folder's `drills/`.
    pub folder: Option<PathBuf>,
    /// The job store's folder (the runs are recorded there).
    pub store_dir: Option<PathBuf>,
    /// The profile on screen, as a drill runs with it; none without a project.
    pub runner: Option<RunnerProfile>,
}

#[derive(Default)]
pub struct DrillsView {
    /// None while loading; the drills, or why they could not be read.
    pub standings: Option<Result<Vec<Standing>, String>>,
    pub selected: usize,
    /// The selected drill's last run in full, instead of the list.
    pub detail: bool,
    /// The detail's scroll, and the list's (which follows the selection).
    pub scroll: Scroll,
    list_scroll: Scroll,
    /// The drills running from here, with their last progress line.
    pub running: BTreeMap<String, String>,
}

impl DrillsView {
    /// Opened again: the list is read anew (the running drills are kept).
    pub(crate) fn reopen(&mut self) {
        self.standings = None;
        self.detail = false;
        self.scroll = Scroll::default();
    }

    /// What the last draw measured, for the part it drew.
    pub(crate) fn set_limits(&mut self, limits: ScrollLimits) {
        if self.detail {
            self.scroll.set_limits(limits);
        } else {
            self.list_scroll.set_limits(limits);
        }
    }

    /// Keeps the selected drill's two rows in view.
    fn follow(&mut self) {
        let first = u16::try_from(self.selected * 2).unwrap_or(u16::MAX);
        self.list_scroll.reveal(first, first.saturating_add(1));
    }

    pub fn loaded(&mut self, standings: Result<Vec<Standing>, String>) {
        if let Ok(s) = &standings {
            self.selected = self.selected.min(s.len().saturating_sub(1));
        }
        self.standings = Some(standings);
    }

    pub fn progress(&mut self, drill: &str, line: &str) {
        // The row names the drill already.
        let line = line.strip_prefix(&format!("drill {drill}: ")).unwrap_or(line);
        self.running.insert(drill.to_string(), sanitize(line));
    }

    pub fn done(&mut self, drill: &str) {
        self.running.remove(drill);
    }

    fn list(&self) -> &[Standing] {
        match &self.standings {
            Some(Ok(s)) => s,
            _ => &[],
        }
    }

    pub fn selected(&self) -> Option<&Standing> {
        self.list().get(self.selected)
    }

    pub(crate) fn on_key(&mut self, action: Option<Action>) -> Outcome {
        let n = self.list().len();
        match action {
            Some(Action::Close) if self.detail => {
                self.detail = false;
                Outcome::Changed
            }
            Some(Action::Close) => Outcome::Close,
            Some(
                a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom),
            ) if self.detail => {
                if self.scroll.on_action(a) {
                    Outcome::Changed
                } else {
                    Outcome::Unchanged
                }
            }
            Some(Action::Up) if self.selected > 0 => {
                self.selected -= 1;
                self.follow();
                Outcome::Changed
            }
            Some(Action::Down) if self.selected + 1 < n => {
                self.selected += 1;
                self.follow();
                Outcome::Changed
            }
            Some(Action::Up | Action::Down) => Outcome::Unchanged,
            Some(Action::OpenDetail) => match self.selected() {
                Some(s) if s.last.is_some() => {
                    self.detail = true;
                    self.scroll = Scroll::default();
                    Outcome::Changed
                }
                Some(s) => Outcome::Request(Request::Say(format!(
                    "drill {} has not run yet: r runs it now",
                    sanitize(&s.drill)
                ))),
                None => Outcome::Unchanged,
            },
            Some(Action::RunDrill) => match self.selected() {
                Some(s) if s.invalid.is_some() => Outcome::Request(Request::Say(format!(
                    "drill {} does not read: correct its file first",
                    sanitize(&s.drill)
                ))),
                Some(s) if self.running.contains_key(&s.drill) || s.running => Outcome::Request(Request::Say(format!(
                    "drill {} is running already (here, in another window or interrupted: r again once it ends resumes it)",
                    sanitize(&s.drill)
                ))),
                Some(s) => Outcome::Request(Request::RunDrill(s.drill.clone())),
                None => Outcome::Unchanged,
            },
            _ => Outcome::Ignored,
        }
    }

    /// The list: two lines a drill, fitting 80 columns.
    fn list_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let standings = match &self.standings {
            None => return vec![Line::raw("reading the drills…")],
            Some(Err(why)) => {
                return vec![Line::styled(
                    format!("the drills could not be read: {why}"),
                    theme.error(),
                )];
            }
            Some(Ok(s)) if s.is_empty() => {
                return vec![
                    Line::raw("No drills yet. A drill is a TOML file in the config folder's drills/,"),
                    Line::raw("e.g. drills/weekly-cluster0.toml:"),
                    Line::styled(
                        "  cluster_name = \"Cluster0\"  rpo_max = \"24h\"  rto_max = \"2h\"  every = \"7d\"",
                        theme.dim(),
                    ),
                    Line::raw("(the README's Restore drills section says the rest)."),
                ];
            }
            Some(Ok(s)) => s,
        };
        let mut lines = Vec::new();
        for (i, s) in standings.iter().enumerate() {
            let mark = if i == self.selected { "> " } else { "  " };
            let style = if s.overdue || s.invalid.is_some() {
                theme.error()
            } else if i == self.selected {
                theme.title()
            } else {
                ratatui::style::Style::default()
            };
            let (first, second) = two_lines(s);
            lines.push(Line::styled(format!("{mark}{first}"), style));
            let second = match self.running.get(&s.drill) {
                Some(line) => format!("    running: {line}"),
                None => format!("    {second}"),
            };
            lines.push(Line::styled(second, theme.dim()));
        }
        lines
    }

    /// The selected drill's last run: its checks and phases.
    fn detail_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let Some(run) = self.selected().and_then(|s| s.last.as_ref()) else {
            return vec![Line::raw("no run yet")];
        };
        let result = match run.result {
            Some(RunResult::Pass) => "PASSED",
            Some(RunResult::Fail) => "FAILED",
            Some(RunResult::Error) => "ERROR (not judged)",
            None => "UNFINISHED",
        };
        let mut lines = vec![
            Line::styled(format!("{}: {result}", sanitize(&run.drill)), theme.title()),
            Line::raw(format!(
                "{} {}{}, profile {}, started {}",
                sanitize(&run.cluster),
                run.method,
                run.target
                    .as_deref()
                    .map(|t| format!(" into {}", sanitize(t)))
                    .unwrap_or_default(),
                sanitize(&run.profile),
                run.started
            )),
        ];
        if let Some(p) = &run.restore_point {
            lines.push(Line::raw(format!(
                "restore point: {} of {}",
                p.id.as_deref()
                    .map_or_else(|| "a point in time".into(), |id| format!("snapshot {id}")),
                p.time
            )));
        }
        lines.push(Line::raw(format!(
            "RPO {}   RTO {}",
            against(run.rpo_seconds, run.rpo_max_seconds),
            against(run.rto_seconds, run.rto_max_seconds)
        )));
        if !run.jobs.is_empty() {
            lines.push(Line::raw(format!("jobs: {}", run.jobs.join(" "))));
        }
        if let Some(e) = &run.error {
            lines.push(Line::styled(format!("error: {}", sanitize(e)), theme.error()));
        }
        lines.push(Line::styled("checks", theme.label()));
        for c in &run.checks {
            let (word, style) = match c.result {
                Verdict::Pass => ("pass", ratatui::style::Style::default()),
                Verdict::Fail => ("FAIL", theme.error()),
                Verdict::Skip => ("skip", theme.dim()),
            };
            lines.push(Line::styled(
                format!("  {:<13} {word}  {}", c.name, sanitize(&c.detail)),
                style,
            ));
        }
        lines.push(Line::styled("phases (Atlas's clock)", theme.label()));
        for p in &run.phases {
            lines.push(Line::raw(format!("  {:<10} {}", p.name, p.at)));
        }
        if let Some(c) = &run.cleanup {
            lines.push(Line::styled(format!("files: {}", sanitize(c)), theme.dim()));
        }
        lines
    }

    /// Draws the view over `area`; how far its text scrolls.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> ScrollLimits {
        frame.render_widget(Clear, area);
        let title = if self.detail {
            " Drill: last run (Esc back to the drills) "
        } else {
            " Restore drills (Enter last run, r run now, Esc closes) "
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(title, theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.detail {
            let paragraph = Paragraph::new(self.detail_lines(theme)).wrap(ratatui::widgets::Wrap { trim: false });
            self.scroll.render(frame, inner, paragraph, theme)
        } else {
            // Unwrapped, so that a drill is two rows and the selection can be followed.
            self.list_scroll
                .render(frame, inner, Paragraph::new(self.list_lines(theme)), theme)
        }
    }
}

/// What the event loop runs for the view: the drills read with the store's runs.
pub async fn load(setup: DrillSetup) -> super::msg::Msg {
    let result = tokio::task::spawn_blocking(move || {
        let dir = setup
            .store_dir
            .ok_or_else(|| "no home directory for the job store (set HOME or XDG_DATA_HOME)".to_string())?;
        let book = crate::jobs::drill::DrillBook::open(&dir).map_err(|e| e.to_string())?;
        let drills = crate::jobs::drill::standing::read_folder(setup.folder.as_deref())?;
        crate::jobs::drill::standing::standings(&drills, &book, crate::restore::Context::system_now_ms())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    super::msg::Msg::Drills(result)
}

/// Runs drill `name` (its file in the folder) with the profile on screen, each step told to the
/// view; how it ended, in a line.
pub async fn run(
    name: String,
    setup: DrillSetup,
    services: crate::jobs::Services,
    tx: tokio::sync::mpsc::UnboundedSender<super::msg::Msg>,
) -> super::msg::Msg {
    use crate::jobs::drill::run::Outcome;
    let done = |line: String| super::msg::Msg::DrillDone {
        drill: name.clone(),
        line,
    };
    let (Some(folder), Some(store_dir), Some(runner)) = (setup.folder, setup.store_dir, setup.runner) else {
        return done(format!("drill {name}: no drills folder, store or project here"));
    };
    let drill = match crate::jobs::drill::Drill::read(&folder.join(format!("{name}.toml"))) {
        Ok(d) => d,
        Err(e) => return done(sanitize(&e)),
    };
    if let Some(p) = drill.profile.as_deref().filter(|p| *p != runner.name) {
        return done(format!(
            "drill {name} is of profile {p}: switch to it (F4) to run it here, or run `atlas-restore drill run {}`",
            drill.path.display()
        ));
    }
    let book = match crate::jobs::drill::DrillBook::open(&store_dir) {
        Ok(b) => b,
        Err(e) => return done(e.to_string()),
    };
    let (who, progress_tx) = (name.clone(), tx.clone());
    let progress = move |line: &str| {
        let _ = progress_tx.send(super::msg::Msg::DrillProgress {
            drill: who.clone(),
            line: line.to_string(),
        });
    };
    let runner = crate::jobs::drill::Runner {
        services: &services,
        profile: runner,
        book,
        drills_dir: store_dir.join("drills"),
        progress: &progress,
    };
    let line = match runner.run(&drill).await {
        Outcome::Ran(run) => {
            let failed: Vec<&str> = run
                .checks
                .iter()
                .filter(|c| c.result == Verdict::Fail)
                .map(|c| c.name.as_str())
                .collect();
            match run.result {
                Some(RunResult::Pass) => format!("drill {name} PASSED: every check"),
                Some(RunResult::Fail) => format!("drill {name} FAILED: {}", failed.join(", ")),
                Some(RunResult::Error) | None => format!(
                    "drill {name} ended in error: {}",
                    run.error.as_deref().map(sanitize).unwrap_or_default()
                ),
            }
        }
        Outcome::Refused(why) | Outcome::Busy(why) | Outcome::NotRecorded(why) => sanitize(&why),
    };
    // The list again, with this run in it.
    let _ = tx.send(
        load(DrillSetup {
            folder: Some(folder),
            store_dir: Some(store_dir),
            runner: None,
        })
        .await,
    );
    done(line)
}
