//! `atlas-restore drill run|status|report`: drills run one after another, their evidence
//! written where asked, and the store's record of them shown as a table, JSON or Markdown.
//! The profiles come resolved from the edge (`Open`), one per drill file that names one.

pub use super::validate::Outcome;
use crate::jobs::Services;
use crate::jobs::drill::evidence::{self, Gauges};
use crate::jobs::drill::run::Outcome as RunOutcome;
pub use crate::jobs::drill::standing::standings;
use crate::jobs::drill::standing::{Standing, against, state_words};
use crate::jobs::drill::{Drill, DrillBook, DrillRun, RunResult, Runner, RunnerProfile, Verdict};
use crate::text::sanitize;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Every drill passed (or none was due).
pub(crate) const EXIT_PASSED: i32 = 0;
/// A drill failed a check.
pub(crate) const EXIT_FAILED: i32 = 1;
/// A drill file or profile is wrong: nothing was sent for it.
pub(crate) const EXIT_WRONG: i32 = 2;
/// Atlas could not be asked (or the drill's lock was held): neither pass nor fail.
pub(crate) const EXIT_ERROR: i32 = 3;

/// A drill's profile, opened: its services and what a drill needs of it.
pub struct Opened {
    pub services: Services,
    pub profile: RunnerProfile,
}

/// Where and how to run.
pub struct RunOptions {
    pub json: bool,
    pub junit: Option<PathBuf>,
    pub prom: Option<PathBuf>,
    pub report: Option<PathBuf>,
    /// The store's folder for drills (locks, work folders).
    pub drills_dir: PathBuf,
    /// `--due`: a drill another process is running is skipped (said), not an error: the
    /// hourly cron line would else fail for as long as a long drill runs.
    pub due: bool,
}

/// What one drill came to, for the exit code and the text.
enum Ended {
    Ran(Box<DrillRun>),
    Wrong(String),
    Busy(String),
    /// Not run, and rightly so (`--due`, running elsewhere).
    Skipped(String),
}

/// Writes `text` to `path` through a temporary file in its folder, renamed: a reader (the
/// textfile collector) never sees half of it.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    // Readable by the collector (another user, often): the evidence holds no secret.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o644);
    let written = open
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// Whether `drill` is due at `now_ms`: it has an `every`, and its last run is older than
/// that, or it never ran, or its last run was interrupted (to be resumed) or ended in error
/// (Atlas could not be asked: nothing was judged, so it is tried again).
pub(crate) fn is_due(drill: &Drill, book: &DrillBook, now_ms: i64) -> Result<bool, String> {
    let Some(every) = drill.every else {
        return Ok(false);
    };
    if book.unfinished(&drill.name).map_err(|e| e.to_string())?.is_some() {
        return Ok(true);
    }
    let (last, _) = book.last(&drill.name).map_err(|e| e.to_string())?;
    Ok(match last {
        None => true,
        Some(l) if l.run.result == Some(RunResult::Error) => true,
        Some(l) => {
            l.run
                .host_started_ms
                .saturating_add(i64::try_from(every.as_millis()).unwrap_or(i64::MAX))
                <= now_ms
        }
    })
}

/// Runs each drill (a file that did not read is `Err`) with its profile from `open`.
pub async fn run(
    drills: Vec<Result<Drill, String>>,
    open: impl Fn(Option<&str>) -> Result<Opened, String>,
    book: &DrillBook,
    opts: &RunOptions,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Outcome {
    let mut ended = Vec::new();
    for drill in drills {
        let drill = match drill {
            Ok(d) => d,
            Err(why) => {
                ended.push(Ended::Wrong(why));
                continue;
            }
        };
        let opened = match open(drill.profile.as_deref()) {
            Ok(o) => o,
            Err(why) => {
                ended.push(Ended::Wrong(format!(
                    "{}: {why}; nothing was sent",
                    drill.path.display()
                )));
                continue;
            }
        };
        let runner = Runner {
            services: &opened.services,
            profile: opened.profile,
            book: book.clone(),
            drills_dir: opts.drills_dir.clone(),
            progress,
        };
        ended.push(match runner.run(&drill).await {
            RunOutcome::Ran(run) => Ended::Ran(run),
            RunOutcome::Refused(why) => Ended::Wrong(why),
            RunOutcome::Busy(why) if opts.due => Ended::Skipped(format!("drill {}: {why}; skipped", drill.name)),
            RunOutcome::Busy(why) => Ended::Busy(format!("drill {}: {why}", drill.name)),
            RunOutcome::NotRecorded(why) => Ended::Busy(format!(
                "drill {}: the job store could not record its run ({why}); nothing was sent",
                drill.name
            )),
        });
    }
    render_runs(&ended, book, opts)
}

fn exit_code(ended: &[Ended]) -> i32 {
    let failed = ended
        .iter()
        .any(|e| matches!(e, Ended::Ran(r) if r.result == Some(RunResult::Fail)));
    let wrong = ended.iter().any(|e| matches!(e, Ended::Wrong(_)));
    let error = ended.iter().any(|e| match e {
        Ended::Ran(r) => r.result != Some(RunResult::Pass),
        Ended::Busy(_) => true,
        Ended::Wrong(_) | Ended::Skipped(_) => false,
    });
    if failed {
        EXIT_FAILED
    } else if wrong {
        EXIT_WRONG
    } else if error {
        EXIT_ERROR
    } else {
        EXIT_PASSED
    }
}

fn render_runs(ended: &[Ended], book: &DrillBook, opts: &RunOptions) -> Outcome {
    let runs: Vec<DrillRun> = ended
        .iter()
        .filter_map(|e| match e {
            Ended::Ran(r) => Some((**r).clone()),
            _ => None,
        })
        .collect();
    let refused: Vec<&str> = ended
        .iter()
        .filter_map(|e| match e {
            Ended::Wrong(w) | Ended::Busy(w) => Some(w.as_str()),
            Ended::Ran(_) | Ended::Skipped(_) => None,
        })
        .collect();
    let mut exit_code = exit_code(ended);
    let mut stderr = String::new();
    for e in ended {
        if let Ended::Skipped(why) = e {
            stderr.push_str(&format!("atlas-restore drill: {}\n", sanitize(why)));
        }
    }
    for r in &refused {
        stderr.push_str(&format!("atlas-restore drill: {}\n", sanitize(r)));
    }
    let mut write = |what: &str, path: &Option<PathBuf>, text: String| {
        if let Some(path) = path
            && let Err(e) = write_atomic(path, &text)
        {
            stderr.push_str(&format!("atlas-restore drill: the {what} was not written: {e}\n"));
            if exit_code == EXIT_PASSED {
                exit_code = EXIT_WRONG;
            }
        }
    };
    write("JUnit XML", &opts.junit, evidence::to_junit(&runs));
    write(
        "report",
        &opts.report,
        evidence::to_markdown(&runs, "Restore drill report"),
    );
    if opts.prom.is_some() {
        match prom_text(book) {
            Ok(text) => write("Prometheus textfile", &opts.prom, text),
            Err(e) => stderr.push_str(&format!(
                "atlas-restore drill: the Prometheus textfile was not written: {e}\n"
            )),
        }
    }
    let stdout = if opts.json {
        let mut doc = json!({ "runs": runs });
        if !refused.is_empty() {
            doc["error"] = json!({
                "kind": if refused.len() == ended.iter().filter(|e| matches!(e, Ended::Wrong(_))).count() { "drill" } else { "busy" },
                "message": refused.iter().map(|r| sanitize(r)).collect::<Vec<_>>().join("; "),
            });
        }
        format!("{doc}\n")
    } else {
        runs.iter().map(run_text).collect()
    };
    Outcome {
        exit_code,
        stdout,
        stderr,
    }
}

/// Every drill's last run and last success, from the store.
fn prom_text(book: &DrillBook) -> Result<String, String> {
    let names = book.drills().map_err(|e| e.to_string())?;
    let mut last = Vec::new();
    for name in names {
        let (l, passed) = book.last(&name).map_err(|e| e.to_string())?;
        if let Some(l) = l {
            last.push((
                l.run,
                passed.map(|p| p.run.host_ended_ms().unwrap_or(p.run.host_started_ms)),
            ));
        }
    }
    let gauges: Vec<Gauges<'_>> = last
        .iter()
        .map(|(run, ok)| Gauges {
            last: run,
            last_success_ms: *ok,
        })
        .collect();
    Ok(evidence::to_prom(&gauges))
}

fn secs_words(s: Option<i64>) -> String {
    s.map_or("-".into(), crate::jobs::drill::span)
}

/// A run in a few lines: its result and figures, then a line per check.
pub(crate) fn run_text(run: &DrillRun) -> String {
    let result = match run.result {
        Some(RunResult::Pass) => "PASSED",
        Some(RunResult::Fail) => "FAILED",
        Some(RunResult::Error) => "ERROR",
        None => "UNFINISHED (to be resumed)",
    };
    let mut out = format!(
        "drill {}: {result}: {} {}, rpo {} (max {}), rto {} (max {}){}\n",
        run.drill,
        run.cluster,
        run.method,
        secs_words(run.rpo_seconds),
        secs_words(Some(run.rpo_max_seconds as i64)),
        secs_words(run.rto_seconds),
        secs_words(Some(run.rto_max_seconds as i64)),
        if run.jobs.is_empty() {
            String::new()
        } else {
            format!(", jobs {}", run.jobs.join(" "))
        }
    );
    for c in &run.checks {
        let r = match c.result {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        };
        out.push_str(&format!("  {:<13} {r:<4}  {}\n", c.name, c.detail));
    }
    if let Some(e) = &run.error {
        out.push_str(&format!("  error: {e}\n"));
    }
    if run.resumed {
        out.push_str("  resumed: this run was interrupted and taken up again (its submit found in the journal, not sent twice)\n");
    }
    if let Some(c) = &run.cleanup {
        out.push_str(&format!("  files: {c}\n"));
    }
    out
}

/// `drill status` as a table; in two lines a drill when a row would be wider than `width`
/// (the terminal's, when stdout is one).
pub(crate) fn status_table(standings: &[Standing], width: Option<usize>) -> String {
    let table = wide_table(standings);
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    if width.is_none_or(|w| widest <= w) {
        return table;
    }
    standings
        .iter()
        .map(|s| {
            let (first, second) = crate::jobs::drill::standing::two_lines(s);
            format!("{first}\n    {second}\n")
        })
        .collect()
}

fn wide_table(standings: &[Standing]) -> String {
    // To the minute, UTC: the table fits more; `--format json` has the whole time.
    let time = |ms: Option<i64>| {
        ms.map_or("-".into(), |ms| {
            let t = crate::jobs::drill::rfc3339(ms);
            format!("{} {}Z", t.get(..10).unwrap_or(""), t.get(11..16).unwrap_or(""))
        })
    };
    let mut rows = vec![[
        "DRILL".to_string(),
        "CLUSTER".into(),
        "LAST RUN".into(),
        "RESULT".into(),
        "RPO / MAX".into(),
        "RTO / MAX".into(),
        "NEXT DUE".into(),
        "STATE".into(),
    ]];
    for s in standings {
        let l = s.last.as_ref();
        rows.push([
            sanitize(&s.drill),
            s.cluster.as_deref().map(sanitize).unwrap_or_else(|| "-".into()),
            time(l.map(|l| l.host_started_ms)),
            l.and_then(|l| l.result).map_or("-", RunResult::as_str).to_string(),
            l.map_or("-".into(), |l| against(l.rpo_seconds, l.rpo_max_seconds)),
            l.map_or("-".into(), |l| against(l.rto_seconds, l.rto_max_seconds)),
            match (s.next_due_ms, l) {
                (None, _) => "by hand".into(),
                (Some(_), None) => "now".into(),
                (due, Some(_)) => time(due),
            },
            state_words(s),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 7 {
                        c.clone()
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

/// `drill status --format json`: `{"drills": [...]}`.
pub(crate) fn status_json(standings: &[Standing]) -> String {
    let time = |ms: Option<i64>| ms.map(crate::jobs::drill::rfc3339);
    let drills: Vec<serde_json::Value> = standings
        .iter()
        .map(|s| {
            json!({
                "drill": s.drill,
                "cluster": s.cluster,
                "invalid": s.invalid,
                "last_run": time(s.last.as_ref().map(|l| l.host_started_ms)),
                "result": s.last.as_ref().and_then(|l| l.result).map(RunResult::as_str),
                "rpo_seconds": s.last.as_ref().and_then(|l| l.rpo_seconds),
                "rpo_max_seconds": s.last.as_ref().map(|l| l.rpo_max_seconds),
                "rto_seconds": s.last.as_ref().and_then(|l| l.rto_seconds),
                "rto_max_seconds": s.last.as_ref().map(|l| l.rto_max_seconds),
                "last_success": time(s.last_success_ms),
                "next_due": time(s.next_due_ms),
                "running": s.running,
                "overdue": s.overdue,
                "state": state_words(s),
            })
        })
        .collect();
    format!("{}\n", json!({ "drills": drills }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_once() -> Standing {
        let day = 86_400_000;
        Standing {
            drill: "weekly-cluster0".into(),
            cluster: Some("Cluster0".into()),
            invalid: None,
            last: Some(DrillRun {
                drill: "weekly-cluster0".into(),
                result: Some(RunResult::Error),
                host_started_ms: 20_000 * day,
                rpo_seconds: Some(23_129),
                rpo_max_seconds: 86_400,
                rto_max_seconds: 7_200,
                ..DrillRun::default()
            }),
            last_success_ms: None,
            next_due_ms: Some(20_007 * day),
            running: false,
            overdue: true,
        }
    }

    #[test]
    fn status_fits_a_narrow_terminal_in_two_lines_a_drill_and_a_pipe_gets_every_column() {
        let s = [failed_once()];
        let whole = status_table(&s, None);
        assert!(whole.starts_with("DRILL "), "{whole}");
        assert!(whole.lines().any(|l| l.chars().count() > 80), "{whole}");
        assert_eq!(status_table(&s, Some(200)), whole);
        let narrow = status_table(&s, Some(80));
        assert_eq!(narrow.lines().count(), 2, "{narrow}");
        assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
        assert!(narrow.contains("OVERDUE: the last run ended in error"), "{narrow}");
        assert!(narrow.contains("rpo 6h 25m/1d"), "{narrow}");
        assert!(narrow.contains("next 10-11 00:00Z"), "{narrow}");
    }
}
