//! Where each drill stands: its last run and result, when it is next due, and whether it is
//! overdue (late, or its last run did not pass). Read from the drill files and the store, for
//! `drill status` and the dashboard's drills view.

use super::{Drill, DrillBook, DrillRun, RunResult};
use std::path::{Path, PathBuf};

/// A drill's standing, for `drill status` and the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub drill: String,
    pub cluster: Option<String>,
    /// The file did not read: why.
    pub invalid: Option<String>,
    pub last: Option<DrillRun>,
    pub last_success_ms: Option<i64>,
    pub next_due_ms: Option<i64>,
    pub running: bool,
    pub overdue: bool,
}

/// Each drill of the folder (and any with runs in the store) with where it stands at `now_ms`.
pub fn standings(
    drills: &[Result<Drill, (String, String)>],
    book: &DrillBook,
    now_ms: i64,
) -> Result<Vec<Standing>, String> {
    let mut out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for d in drills {
        let (name, drill, invalid) = match d {
            Ok(d) => (d.name.clone(), Some(d), None),
            Err((name, why)) => (name.clone(), None, Some(why.clone())),
        };
        names.push(name.clone());
        out.push(standing(&name, drill, invalid, book, now_ms)?);
    }
    for name in book.drills().map_err(|e| e.to_string())? {
        if !names.contains(&name) {
            out.push(standing(&name, None, None, book, now_ms)?);
        }
    }
    Ok(out)
}

fn standing(
    name: &str,
    drill: Option<&Drill>,
    invalid: Option<String>,
    book: &DrillBook,
    now_ms: i64,
) -> Result<Standing, String> {
    let (last, passed) = book.last(name).map_err(|e| e.to_string())?;
    let running = book.unfinished(name).map_err(|e| e.to_string())?.is_some();
    let last = last.map(|l| l.run);
    let every_ms = drill
        .and_then(|d| d.every)
        .map(|e| i64::try_from(e.as_millis()).unwrap_or(i64::MAX));
    let next_due_ms = every_ms.map(|every| {
        last.as_ref()
            .map_or(now_ms, |l| l.host_started_ms.saturating_add(every))
    });
    let late = next_due_ms.is_some_and(|due| due < now_ms && last.is_some());
    let failed = last.as_ref().is_some_and(|l| l.result != Some(RunResult::Pass));
    Ok(Standing {
        drill: name.to_string(),
        cluster: drill
            .map(|d| d.cluster_name.clone())
            .or_else(|| last.as_ref().map(|l| l.cluster.clone())),
        invalid,
        last_success_ms: passed.map(|p| p.run.host_ended_ms().unwrap_or(p.run.host_started_ms)),
        next_due_ms,
        running,
        overdue: late || failed,
        last,
    })
}

/// A figure against its target, `6h 25m/1d` or `3h/2h OVER`; `-` when not measured.
pub fn against(value: Option<i64>, max: u64) -> String {
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    value.map_or("-".into(), |v| {
        format!(
            "{}/{}{}",
            super::span(v),
            super::span(max),
            if v > max { " OVER" } else { "" }
        )
    })
}

/// `12-04 09:00Z`: to the minute and without the year, so that a row fits 80 columns.
pub(crate) fn short_time(ms: Option<i64>) -> String {
    ms.map_or("-".into(), |ms| {
        let t = super::rfc3339(ms);
        format!("{} {}Z", t.get(5..10).unwrap_or(""), t.get(11..16).unwrap_or(""))
    })
}

/// When it is next due, in words: `by hand`, `due now` or `next 12-11 09:00Z`.
pub(crate) fn next_words(s: &Standing) -> String {
    match (s.next_due_ms, &s.last) {
        (None, _) => "by hand".into(),
        (Some(_), None) => "due now".into(),
        (due, Some(_)) => format!("next {}", short_time(due)),
    }
}

/// A drill in two lines of at most about 80 columns (longer only for long names): its name,
/// cluster, result and state; then its last run, figures and next due. The dashboard's list
/// and `drill status` in a narrow terminal.
pub(crate) fn two_lines(s: &Standing) -> (String, String) {
    let l = s.last.as_ref();
    let first = format!(
        "{}  {}  {}  {}",
        crate::text::sanitize(&s.drill),
        s.cluster
            .as_deref()
            .map(crate::text::sanitize)
            .unwrap_or_else(|| "-".into()),
        l.and_then(|l| l.result).map_or("-", RunResult::as_str),
        state_words(s)
    );
    let second = format!(
        "last {}  rpo {}  rto {}  {}",
        short_time(l.map(|l| l.host_started_ms)),
        l.map_or("-".into(), |l| against(l.rpo_seconds, l.rpo_max_seconds)),
        l.map_or("-".into(), |l| against(l.rto_seconds, l.rto_max_seconds)),
        next_words(s)
    );
    (first, second)
}

/// Where a drill stands, in a word or two.
pub(crate) fn state_words(s: &Standing) -> String {
    if let Some(why) = &s.invalid {
        return format!("INVALID: {why}");
    }
    let mut words = Vec::new();
    if s.running {
        words.push("running or interrupted".to_string());
    }
    match &s.last {
        None => words.push("never run".into()),
        Some(l) if l.result != Some(RunResult::Pass) => words.push(format!(
            "OVERDUE: the last run {}",
            match l.result {
                Some(RunResult::Fail) => "failed",
                _ => "ended in error",
            }
        )),
        Some(_) if s.overdue => words.push("OVERDUE: a run is late".into()),
        Some(_) => words.push("ok".into()),
    }
    words.join(", ")
}

/// A drill file read, or its name and why it does not read.
pub(crate) type ReadDrill = Result<Drill, (String, String)>;

/// The drill files of `folder`, read: a file that does not read is its name and why.
pub(crate) fn read_folder(folder: Option<&Path>) -> Result<Vec<ReadDrill>, String> {
    let files: Vec<PathBuf> = match folder {
        Some(f) => super::file::files_in(f)?,
        None => Vec::new(),
    };
    Ok(files
        .iter()
        .map(|f| {
            Drill::read(f).map_err(|e| {
                let name = f
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, e)
            })
        })
        .collect())
}
