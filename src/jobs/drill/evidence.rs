//! A drill's evidence, for each reader: JSON for scripts, JUnit XML for CI, a Prometheus
//! textfile for monitoring (node_exporter's textfile collector), Markdown for an auditor.

use super::{DrillRun, RunResult, Verdict};
use serde_json::json;
use std::fmt::Write as _;

/// `{"runs": [...]}`: each run as recorded.
pub fn to_json(runs: &[DrillRun]) -> String {
    let doc = json!({ "runs": runs });
    format!("{doc}\n")
}

/// XML's five escapes, and no control character (XML 1.0 allows none but tab and newlines).
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn seconds_between(run: &DrillRun) -> f64 {
    run.finished_ms
        .map_or(0.0, |f| (f - run.started_ms).max(0) as f64 / 1000.0)
}

/// JUnit XML: a `testsuite` per drill, a `testcase` per check (`failure` for a failed one,
/// `skipped` for one not judged), the RPO, RTO and job ids as properties; a run that ended
/// in error has an `error` case.
pub(crate) fn to_junit(runs: &[DrillRun]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures: usize = runs
        .iter()
        .map(|r| r.checks.iter().filter(|c| c.result == Verdict::Fail).count())
        .sum();
    let errors = runs.iter().filter(|r| r.error.is_some()).count();
    let tests: usize = runs
        .iter()
        .map(|r| r.checks.len() + usize::from(r.error.is_some()))
        .sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"atlas-restore drills\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for run in runs {
        let cases = run.checks.len() + usize::from(run.error.is_some());
        let fails = run.checks.iter().filter(|c| c.result == Verdict::Fail).count();
        let skips = run.checks.iter().filter(|c| c.result == Verdict::Skip).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{cases}\" failures=\"{fails}\" errors=\"{}\" skipped=\"{skips}\" timestamp=\"{}\" time=\"{:.3}\">",
            xml(&run.drill),
            usize::from(run.error.is_some()),
            xml(&run.started),
            seconds_between(run)
        );
        out.push_str("    <properties>\n");
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        for (name, value) in [
            ("cluster", run.cluster.clone()),
            ("profile", run.profile.clone()),
            ("method", run.method.clone()),
            ("result", run.result.map_or("unfinished", RunResult::as_str).to_string()),
            ("rpo_seconds", opt(run.rpo_seconds)),
            ("rpo_max_seconds", run.rpo_max_seconds.to_string()),
            ("rto_seconds", opt(run.rto_seconds)),
            ("rto_max_seconds", run.rto_max_seconds.to_string()),
            ("jobs", run.jobs.join(",")),
            (
                "restore_point",
                run.restore_point
                    .as_ref()
                    .map(|p| format!("{} {}", p.id.as_deref().unwrap_or(&p.kind), p.time))
                    .unwrap_or_default(),
            ),
        ] {
            let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", xml(&value));
        }
        out.push_str("    </properties>\n");
        for check in &run.checks {
            let open = format!(
                "    <testcase classname=\"drill.{}\" name=\"{}\"",
                xml(&run.drill),
                xml(&check.name)
            );
            match check.result {
                Verdict::Pass => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
                        xml(&check.detail)
                    );
                }
                Verdict::Fail => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        xml(&check.detail),
                        xml(&check.name),
                        xml(&check.detail)
                    );
                }
                Verdict::Skip => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml(&check.detail)
                    );
                }
            }
        }
        if let Some(error) = &run.error {
            let _ = writeln!(
                out,
                "    <testcase classname=\"drill.{}\" name=\"run\">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
                xml(&run.drill),
                xml(error),
                xml(error)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A drill's figures for the textfile: its last run, and its last passed one.
pub(crate) struct Gauges<'a> {
    pub last: &'a DrillRun,
    pub last_success_ms: Option<i64>,
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The Prometheus text format, one gauge family per figure, each drill a series with its
/// `drill`, `cluster` and `profile` labels.
pub(crate) fn to_prom(drills: &[Gauges<'_>]) -> String {
    type Figure = fn(&Gauges<'_>) -> Option<f64>;
    let families: [(&str, &str, Figure); 5] = [
        (
            "atlas_restore_drill_last_run_timestamp_seconds",
            "When the drill's last run ended (Unix time).",
            |g| g.last.host_ended_ms().map(|ms| ms as f64 / 1000.0),
        ),
        (
            "atlas_restore_drill_last_success_timestamp_seconds",
            "When the drill last passed (Unix time); absent when it never has.",
            |g| g.last_success_ms.map(|ms| ms as f64 / 1000.0),
        ),
        (
            "atlas_restore_drill_rpo_seconds",
            "The last run's restore point age at its start.",
            |g| g.last.rpo_seconds.map(|s| s as f64),
        ),
        (
            "atlas_restore_drill_rto_seconds",
            "The last run's time from the request to its last check.",
            |g| g.last.rto_seconds.map(|s| s as f64),
        ),
        (
            "atlas_restore_drill_passed",
            "1 when the last run passed, else 0.",
            |g| {
                Some(if g.last.result == Some(RunResult::Pass) {
                    1.0
                } else {
                    0.0
                })
            },
        ),
    ];
    let mut out = String::new();
    for (name, help, figure) in families {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for g in drills {
            if let Some(v) = figure(g) {
                let _ = writeln!(
                    out,
                    "{name}{{drill=\"{}\",cluster=\"{}\",profile=\"{}\"}} {v}",
                    label(&g.last.drill),
                    label(&g.last.cluster),
                    label(&g.last.profile)
                );
            }
        }
    }
    out
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn result_words(run: &DrillRun) -> &'static str {
    match run.result {
        Some(RunResult::Pass) => "PASSED",
        Some(RunResult::Fail) => "FAILED",
        Some(RunResult::Error) => "ERROR (not judged)",
        None => "UNFINISHED",
    }
}

/// Markdown a person reads: each run, its checks and phases, pass or fail in words.
pub(crate) fn to_markdown(runs: &[DrillRun], title: &str) -> String {
    let mut out = format!("# {}\n\n", md(title));
    if runs.is_empty() {
        out.push_str("No drill ran in this period.\n");
        return out;
    }
    let passed = runs.iter().filter(|r| r.result == Some(RunResult::Pass)).count();
    let _ = writeln!(
        out,
        "{} run{}, {passed} passed.\n",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    );
    for run in runs {
        let _ = writeln!(out, "## {} — {} — {}\n", md(&run.drill), result_words(run), run.started);
        let target = run
            .target
            .as_deref()
            .map(|t| format!(" into {}", md(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- Restored: cluster {} (profile {}), {}{target}",
            md(&run.cluster),
            md(&run.profile),
            run.method
        );
        if let Some(p) = &run.restore_point {
            let _ = writeln!(
                out,
                "- Restore point: {} of {}",
                p.id.as_deref()
                    .map_or_else(|| "point in time".to_string(), |id| format!("snapshot {id}")),
                p.time
            );
        }
        // In words for the reader, in seconds for whoever compares reports.
        let fig = |v: Option<i64>| v.map_or("not measured".to_string(), |s| format!("{} ({s} s)", super::span(s)));
        let max = |s: u64| fig(i64::try_from(s).ok());
        let _ = writeln!(
            out,
            "- RPO: {}, target at most {}",
            fig(run.rpo_seconds),
            max(run.rpo_max_seconds)
        );
        let _ = writeln!(
            out,
            "- RTO: {}, target at most {}",
            fig(run.rto_seconds),
            max(run.rto_max_seconds)
        );
        if !run.jobs.is_empty() {
            let _ = writeln!(out, "- Restore jobs: {}", run.jobs.join(", "));
        }
        if let Some(e) = &run.error {
            let _ = writeln!(out, "- Error: {}", md(e));
        }
        if let Some(c) = &run.cleanup {
            let _ = writeln!(out, "- Files: {}", md(c));
        }
        if run.resumed {
            out.push_str("- Resumed after an interruption\n");
        }
        out.push_str("\n| check | result | detail |\n|---|---|---|\n");
        for c in &run.checks {
            let r = match c.result {
                Verdict::Pass => "pass",
                Verdict::Fail => "**FAIL**",
                Verdict::Skip => "skip",
            };
            let _ = writeln!(out, "| {} | {r} | {} |", md(&c.name), md(&c.detail));
        }
        out.push_str("\n| phase | at (UTC, Atlas's clock) |\n|---|---|\n");
        for p in &run.phases {
            let _ = writeln!(out, "| {} | {} |", md(&p.name), p.at);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_and_labels_are_escaped() {
        assert_eq!(xml("a<b & \"c\"\u{1b}"), "a&lt;b &amp; &quot;c&quot;?");
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
