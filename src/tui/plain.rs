//! The plain screen: the URL, the curl command and the download command printed as plain
//! lines, for the terminal's own selection. A bordered, hard-wrapped view breaks a long URL
//! into pieces that copy with borders and newlines in them; here each item is one line of
//! text, unbordered and unwrapped, so the terminal's own soft wrap joins it again (a mouse
//! selection copies it whole, and tmux's `capture-pane -J` gives it on one line).
//!
//! It leaves the alternate screen, clears the normal one and prints; any key comes back.
//! Raw mode stays on, so the key is read at once and not echoed; the terminal guard
//! restores everything on every way out, also from here. The auth value of `urlV2` is
//! printed only when the detail had it revealed (`r`); otherwise the download command reads
//! it from `$ATLAS_RESTORE_AUTH`.

use super::dialog::Dialog;
use super::jobs_panel::JobsPanel;
use super::review::Review;
use super::terminal::Term;
use crate::atlas::RestoreJob;
use crate::jobs::present::{self, AUTH_ENV, AuthIn};
use crate::text::Clean;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, queue};
use std::io::Write;

/// One thing to select: a heading line, then the text on a line of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainItem {
    pub heading: String,
    pub text: String,
}

/// What the plain screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainScreen {
    pub title: String,
    pub items: Vec<PlainItem>,
}

/// The last line: how to come back.
pub(crate) const BACK: &str = "Any key goes back to the dashboard.";

fn item(heading: impl Into<String>, text: impl Into<String>) -> PlainItem {
    PlainItem {
        heading: heading.into(),
        text: text.into(),
    }
}

impl PlainScreen {
    /// A job's download URL, its auth header (the value only if `revealed`) and a download
    /// command; or why it has none.
    pub(crate) fn for_job(
        job: &RestoreJob,
        request: Option<&serde_json::Value>,
        revealed: bool,
    ) -> Result<PlainScreen, String> {
        if let Some(target) = present::method(job, request).target() {
            return Err(format!(
                "an automated restore into {target}: Atlas restores it itself; there is no URL to show"
            ));
        }
        if let Some(gone) = present::download_gone(job) {
            return Err(gone.to_string());
        }
        let Some(target) = present::download_target(job) else {
            return Err("no download URL yet: it appears when the delivery is READY".into());
        };
        let mut items = Vec::new();
        // The command under its heading, or, under a bare one, why there is none.
        let command = |heading: String, auth| match present::download_command_with(job, auth) {
            Ok(cmd) => item(heading, cmd),
            Err(why) => item("download command: none", why.to_string()),
        };
        match &target.header {
            Some((name, value)) => {
                items.push(item(
                    "download URL (urlV2: it needs the auth header below)",
                    target.shown(),
                ));
                let checked = crate::shell_text::auth_value(value.expose());
                match (revealed, &checked) {
                    (true, Ok(())) => items.push(item("auth header", format!("{name}: {}", value.expose()))),
                    (true, Err(why)) => items.push(item("auth header", format!("{name}: (not shown: {why})"))),
                    (false, _) => items.push(item(
                        "auth header (its value is masked: r in the detail reveals it)",
                        format!("{name}: ••••••••"),
                    )),
                }
                items.push(if revealed {
                    command(
                        "download command (it holds the auth value, fed to curl on stdin)".into(),
                        AuthIn::Command,
                    )
                } else {
                    command(
                        format!("download command (it reads the auth value from ${AUTH_ENV})"),
                        AuthIn::Environment,
                    )
                });
            }
            // Its path is its key: neither it nor a command that holds it is printed.
            None => {
                items.push(item(
                    format!("download URL ({})", present::DEPRECATED_URL_NOTE),
                    target.shown(),
                ));
                items.push(item(
                    "download command",
                    "not shown: it would hold the deprecated url, whose path is the download key; c in the panel copies it, d downloads",
                ));
            }
        }
        Ok(PlainScreen {
            title: format!("Restore job {}: plain text to select", job.id),
            items,
        })
    }

    /// The reviewed request: its URL, its body and the equivalent curl command.
    pub(crate) fn for_review(review: &Review) -> PlainScreen {
        let title = match &review.confirm {
            Some(c) => format!(
                "Review (AUTOMATED_RESTORE: it ERASES cluster {}): plain text to select",
                c.expected
            ),
            None => "Review: plain text to select; nothing is sent from here".into(),
        };
        PlainScreen {
            title,
            items: vec![
                item("POST to", review.url.clone()),
                item(
                    "request body (JSON)",
                    serde_json::to_string(&review.body).unwrap_or_default(),
                ),
                item(
                    format!(
                        "curl command (the key comes from {}, not argv)",
                        super::review::KEY_PLACEHOLDER
                    ),
                    review.curl.clone(),
                ),
            ],
        }
    }

    /// The lines as printed, each a line of its own (no wrapping of ours), made safe for a
    /// terminal: no control character or escape sequence gets through.
    pub fn lines(&self) -> Vec<String> {
        let safe = |t: &str| Clean::new(t).into_string();
        let mut out = vec![safe(&self.title), String::new()];
        for i in &self.items {
            out.push(safe(&i.heading));
            out.push(safe(&i.text));
            out.push(String::new());
        }
        out.push(BACK.into());
        out
    }
}

/// The key for plain text (`p` in a job's detail, `^P` in the review): the top dialog's
/// plain screen (the event loop shows it), or why there is none; `None` for a dialog without.
pub(crate) fn for_dialog(top: Option<&Dialog>, jobs: &JobsPanel) -> Option<Result<PlainScreen, String>> {
    Some(match top? {
        Dialog::Review(r) => Ok(PlainScreen::for_review(r)),
        Dialog::Detail { job_id, revealed, .. } => match jobs.find(job_id) {
            Some(shown) => PlainScreen::for_job(shown.job, shown.request, *revealed),
            None => Err("that job is no longer listed".into()),
        },
        _ => return None,
    })
}

/// Leaves the alternate screen (and mouse capture, which would take the selection), clears
/// the normal screen and prints. Raw mode stays: lines end with CR LF.
pub fn show(terminal: &mut Term, screen: &PlainScreen, mouse: bool) -> std::io::Result<()> {
    let out = terminal.backend_mut();
    if mouse {
        queue!(out, DisableMouseCapture)?;
    }
    queue!(
        out,
        LeaveAlternateScreen,
        Clear(ClearType::All),
        cursor::MoveTo(0, 0),
        cursor::Show
    )?;
    for line in screen.lines() {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\r\n")?;
    }
    out.flush()
}

/// Back to the dashboard: the normal screen cleared again (the text, a revealed auth value
/// among it, is not left in view after the program ends), the alternate screen cleared, and
/// a full redraw next.
///
/// Not `Terminal::clear`: it asks the terminal where the cursor is and waits for the answer,
/// which the input thread reads first, so it fails ("the cursor position could not be read").
/// Instead ratatui is told the screen is blank: its frame is replaced by a blank one (the
/// blanks it writes land on a screen already cleared), so the next draw writes every cell.
pub(crate) fn hide(terminal: &mut Term, mouse: bool) -> std::io::Result<()> {
    {
        let out = terminal.backend_mut();
        queue!(
            out,
            Clear(ClearType::All),
            cursor::MoveTo(0, 0),
            EnterAlternateScreen,
            Clear(ClearType::All),
            cursor::Hide
        )?;
        if mouse {
            queue!(out, EnableMouseCapture)?;
        }
    }
    terminal.current_buffer_mut().reset();
    terminal.flush()?;
    terminal.swap_buffers();
    terminal.backend_mut().flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The present module's READY job, its delivery marked READY.
    fn ready() -> RestoreJob {
        let mut job = crate::jobs::present::tests::ready();
        if let Some(d) = job.delivery.as_mut() {
            d.status_name = Some("READY".into());
        }
        job
    }

    #[test]
    fn the_auth_value_shows_only_when_revealed() {
        let job = ready();
        let masked = PlainScreen::for_job(&job, None, false).unwrap().lines().join("\n");
        assert!(!masked.contains("s3cr3t"), "{masked}");
        assert!(masked.contains("\nhttps://h/pull/x/Cluster0-1.tar.gz\n"), "{masked}");
        assert!(
            masked.contains("\"$ATLAS_RESTORE_AUTH\" | curl -fSL -g -K -"),
            "{masked}"
        );
        let shown = PlainScreen::for_job(&job, None, true).unwrap().lines().join("\n");
        assert!(shown.contains("\nx-auth: s3cr3t\n"), "{shown}");
        assert!(shown.contains("'x-auth: s3cr3t' | curl -fSL -g -K -"), "{shown}");
    }

    #[test]
    fn a_hostile_auth_value_gets_no_command_and_is_not_shown() {
        let mut job = ready();
        job.delivery.as_mut().unwrap().auth_value = Some(crate::secret::SecretString::new("s3cr3t\noutput = x\n#"));
        for revealed in [false, true] {
            let text = PlainScreen::for_job(&job, None, revealed).unwrap().lines().join("\n");
            assert!(
                text.contains(
                    "\nthe download auth value from Atlas holds a newline: no command is offered; download with d instead\n"
                ),
                "{text}"
            );
            assert!(
                !text.contains("curl") && !text.contains("s3cr3t") && !text.contains("output ="),
                "{text}"
            );
        }
    }

    #[test]
    fn the_deprecated_url_is_not_printed() {
        let mut job = ready();
        job.delivery.as_mut().unwrap().url_v2 = None;
        let text = PlainScreen::for_job(&job, None, true).unwrap().lines().join("\n");
        assert!(!text.contains("KEY"), "{text}");
        assert!(text.contains("\nhttps://h/…/Cluster0-1.tar.gz\n"), "{text}");
        assert!(text.contains("not shown: it would hold the deprecated url"), "{text}");
    }

    #[test]
    fn each_item_is_one_line_and_nothing_escapes() {
        let mut job = ready();
        job.delivery.as_mut().unwrap().url_v2 = Some("https://h/a\u{1b}]52;c;eA==\u{7}b\nc".into());
        let lines = PlainScreen::for_job(&job, None, false).unwrap().lines();
        assert!(lines.iter().all(|l| !l.chars().any(char::is_control)), "{lines:?}");
        assert!(lines.contains(&"https://h/ab c".to_string()), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some(BACK));
    }

    #[test]
    fn a_job_without_a_file_says_why() {
        let mut job = ready();
        job.delivery.as_mut().unwrap().status_name = Some("EXPIRED".into());
        assert!(PlainScreen::for_job(&job, None, false).unwrap_err().contains("EXPIRED"));
        let automated =
            serde_json::json!({"delivery": {"methodName": "AUTOMATED_RESTORE", "targetClusterName": "Staging0"}});
        assert!(
            PlainScreen::for_job(&ready(), Some(&automated), false)
                .unwrap_err()
                .contains("an automated restore into Staging0")
        );
        let mut job = ready();
        job.delivery = Some(crate::atlas::Delivery::default());
        assert!(
            PlainScreen::for_job(&job, None, false)
                .unwrap_err()
                .contains("no download URL yet")
        );
    }
}
