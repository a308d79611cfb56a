//! `atlas-restore validate`: the form's rules over a JSON body, for scripts and CI.

use crate::restore::{
    ApiVersion, ClusterType, Context, Finding, Flavor, RestoreDraft, has_errors, time_input, validate,
};
use serde_json::Value;

/// What the command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Exit codes of the contract.
pub(crate) const EXIT_VALID: i32 = 0;
pub(crate) const EXIT_INVALID: i32 = 1;
pub(crate) const EXIT_UNREADABLE: i32 = 2;

#[derive(Debug, Clone)]
pub struct Options {
    pub api: ApiVersion,
    pub flavor: Flavor,
    pub now_ms: i64,
    pub cluster_type: Option<ClusterType>,
    pub group_id: Option<String>,
    pub cluster_name: Option<String>,
    pub json: bool,
}

/// Reads `--now`: an RFC 3339 time (seconds optional).
pub fn parse_now(text: &str) -> Result<i64, String> {
    time_input::parse_rfc3339_lenient(text)
        .ok_or_else(|| format!("--now {text:?} is not an RFC 3339 time: write it like 2018-09-10T20:30:00Z"))
}

/// Checks `input` (the body's bytes, read from `source`, a name for messages).
pub fn run(source: &str, input: &[u8], opts: &Options) -> Outcome {
    let body: Value = match serde_json::from_slice(input) {
        Ok(v) => v,
        Err(e) => {
            let message = format!(
                "{source} is not JSON ({e}): give a restore request body such as {{\"snapshotId\": \"...\", \"delivery\": {{\"methodName\": \"HTTP\"}}}}"
            );
            return Outcome {
                exit_code: EXIT_UNREADABLE,
                // With --format json, one object on stdout here too.
                stdout: if opts.json {
                    let doc = serde_json::json!({
                        "valid": false,
                        "findings": [],
                        "error": {"kind": "input", "message": message},
                    });
                    format!("{doc}\n")
                } else {
                    String::new()
                },
                stderr: format!("atlas-restore validate: {message}\n"),
            };
        }
    };
    let ctx = Context {
        now_ms: opts.now_ms,
        api: opts.api,
        flavor: opts.flavor,
        source_cluster_type: opts.cluster_type,
        source_group_id: opts.group_id.clone(),
        source_cluster_name: opts.cluster_name.clone(),
        ..Context::default()
    };
    let findings = validate(&RestoreDraft::from_json(&body), &ctx);
    let valid = !has_errors(&findings);
    let stdout = if opts.json {
        render_json(valid, &findings)
    } else {
        render_text(source, opts.flavor, opts.api, valid, &findings)
    };
    Outcome {
        exit_code: if valid { EXIT_VALID } else { EXIT_INVALID },
        stdout,
        stderr: String::new(),
    }
}

fn render_json(valid: bool, findings: &[Finding]) -> String {
    let doc = serde_json::json!({
        "valid": valid,
        "findings": findings_json(findings),
    });
    format!("{doc}\n")
}

/// The findings as `--format json` writes them: `[{"severity", "code", "fields", "message"}]`.
pub(crate) fn findings_json(findings: &[Finding]) -> Value {
    Value::Array(findings.iter().map(Finding::to_json).collect())
}

/// The findings as the text format writes them: the severity, code and fields on one line,
/// the message indented under it.
pub(crate) fn findings_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let fields = f.names();
        let fields = if fields.is_empty() {
            String::new()
        } else {
            format!(" [{}]", fields.join(", "))
        };
        out.push_str(&format!(
            "{:<7} {}{fields}\n        {}\n",
            f.severity.as_str(),
            f.code,
            f.message
        ));
    }
    out
}

fn render_text(source: &str, flavor: Flavor, api: ApiVersion, valid: bool, findings: &[Finding]) -> String {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if valid { "valid" } else { "not valid" };
    // Atlas goes unsaid, as it always has; Cloud and Ops Manager are named.
    let product = if flavor.is_public_api() {
        format!("{} ", flavor.product())
    } else {
        String::new()
    };
    let mut out = format!(
        "{source}: {verdict} for {product}API {} ({}, {})\n",
        api.as_str(),
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    out.push_str(&findings_text(findings));
    out
}
