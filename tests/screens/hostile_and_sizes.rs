//! Data from the network cannot take over the terminal, secrets stay off the screen, and no
//! terminal size breaks the drawing.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{AtlasError, RestoreJob, StatusError};
use atlas_restore::commands::jobs::Listed;
use atlas_restore::config::ColorChoice;
use atlas_restore::jobs::{PollEvent, SubmitOutcome};
use atlas_restore::restore::{ApiVersion, RestoreRequest};
use atlas_restore::tui::app::{App, AppInfo, Dialog, Msg};
use atlas_restore::tui::theme::Theme;
use atlas_restore::tui::view;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const NOW_MS: i64 = 1_795_867_200_000;
/// Every kind of sequence a hostile server could try: CSI (clear screen), OSC 52 (write the
/// clipboard), OSC 0 (retitle), DCS, 8-bit CSI, a bare BEL and a bidi override.
const HOSTILE: &str =
    "evil\u{1b}[2J\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]0;pwned\u{1b}\\\u{1b}P+q\u{1b}\\\u{9b}31m\u{7}\u{202e}";
const AUTH_VALUE: &str = "download-secret-7f3a";

fn app() -> App {
    let mut app = App::new(
        AppInfo {
            profile: "p".into(),
            base_url: "http://127.0.0.1:1".into(),
            public_key: "pub".into(),
            api: ApiVersion::V1,
            flavor: Default::default(),
            demo: false,
            download_dir: atlas_restore::jobs::DownloadFolder::Configured("/tmp".into()),
            local_offset: None,
            production: false,
            profiles: Vec::new(),
            drills: Default::default(),
        },
        Theme::new(ColorChoice::Always, false, false),
        Some("5a66666887d9d61443b41645"),
        Some("Cluster0"),
    );
    app.start(NOW_MS);
    app
}

/// A job as a hostile server would send it: read from JSON, the way every job is read.
fn hostile_job() -> RestoreJob {
    serde_json::from_value(serde_json::json!({
        "id": format!("6b77893b80eef5354c77ee15{HOSTILE}"),
        "clusterName": format!("Cluster0{HOSTILE}"),
        "statusName": format!("FINISHED{HOSTILE}"),
        "created": "2026-11-28T11:00:00Z",
        "delivery": {
            "statusName": format!("READY{HOSTILE}"),
            "urlV2": format!("https://example.invalid/f{HOSTILE}.tar.gz"),
            "authHeader": format!("x-auth{HOSTILE}"),
            "authValue": AUTH_VALUE,
            "expires": "2026-11-29T11:00:00Z",
        },
        "hashes": [{
            "fileName": format!("f{HOSTILE}.tar.gz"),
            "hash": format!("86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67{HOSTILE}"),
            "typeName": "SHA1",
        }],
    }))
    .unwrap()
}

/// The bytes a real crossterm backend writes for one frame.
fn frame_bytes(app: &App, w: u16, h: u16) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    {
        let backend = CrosstermBackend::new(&mut out);
        let mut t = Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        t.draw(|f| {
            view::draw(f, app, NOW_MS);
        })
        .unwrap();
    }
    out
}

fn assert_clean(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for bad in [
        "\u{1b}]",
        "\u{1b}P",
        "\u{1b}[2J",
        "\u{9b}",
        "\u{7}",
        "\u{202e}",
        "pwned",
    ] {
        assert!(!text.contains(bad), "{what}: {bad:?} reached the terminal");
    }
    assert!(
        !text.contains(AUTH_VALUE),
        "{what}: the auth value reached the terminal"
    );
}

fn refused(error: AtlasError) -> Msg {
    Msg::Submitted {
        request: Box::new(RestoreRequest::snapshot_download(
            "5f8e2a1c9d4b7e0012c3a4b5",
            "Cluster0",
            "5a6669d9fcc178211a0d86b9",
        )),
        outcome: SubmitOutcome::Refused { key: "k".into(), error },
    }
}

/// An automated restore whose target names are hostile too.
fn hostile_automated_job() -> RestoreJob {
    serde_json::from_value(serde_json::json!({
        "id": format!("7b77893b80eef5354c77ee1{HOSTILE}"),
        "clusterName": format!("Cluster0{HOSTILE}"),
        "statusName": format!("IN_PROGRESS{HOSTILE}"),
        "delivery": {
            "methodName": "HTTP",
            "statusName": format!("NOT_STARTED{HOSTILE}"),
            "targetGroupId": format!("g{HOSTILE}"),
            "targetClusterName": format!("Staging{HOSTILE}"),
        },
    }))
    .unwrap()
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), NOW_MS);
}

#[test]
fn hostile_strings_never_reach_the_terminal() {
    let mut a = app();
    a.update(
        Msg::Poll(PollEvent::Updated {
            jobs: vec![hostile_job().into(), hostile_automated_job().into()],
            unchanged: vec![],
            pending: vec![],
            at_ms: NOW_MS,
            requests: 1,
            download_dir: None,
            downloaded: vec![],
        }),
        NOW_MS,
    );
    // The panel, at every layout.
    for (w, h) in [(80, 24), (160, 48), (100, 40)] {
        assert_clean(&frame_bytes(&a, w, h), "the jobs panel");
    }
    // The detail, masked.
    a.focus_jobs = true;
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Detail { .. })));
    assert_clean(&frame_bytes(&a, 80, 24), "the job detail");
    // An API error dialog.
    a.dialogs.clear();
    let body = format!(r#"{{"error":400,"errorCode":"INVALID{HOSTILE}","detail":"bad {HOSTILE} thing"}}"#);
    let err = AtlasError::Status(StatusError::from_response(
        400,
        None,
        "application/json",
        body.as_bytes(),
    ));
    a.update(refused(err), NOW_MS);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Message { .. })));
    assert_clean(&frame_bytes(&a, 80, 24), "the error dialog");
    // A proxy's HTML page.
    let page = format!("<html><title>Login {HOSTILE}</title></html>");
    let err = AtlasError::Status(StatusError::from_response(502, None, "text/html", page.as_bytes()));
    a.update(refused(err), NOW_MS);
    assert_clean(&frame_bytes(&a, 80, 24), "the proxy page dialog");
    // The jobs created come back hostile too.
    a.dialogs.clear();
    a.update(
        Msg::Submitted {
            request: Box::new(RestoreRequest::snapshot_download(
                "5f8e2a1c9d4b7e0012c3a4b5",
                "Cluster0",
                "5a6669d9fcc178211a0d86b9",
            )),
            outcome: SubmitOutcome::Created {
                key: "k".into(),
                jobs: vec![hostile_job()],
            },
        },
        NOW_MS,
    );
    assert_clean(&frame_bytes(&a, 80, 24), "the submitted status line");
}

#[test]
fn atlas_restore_jobs_output_is_clean_too() {
    let jobs: Vec<Listed> = [hostile_job(), hostile_automated_job()]
        .into_iter()
        .map(|job| Listed {
            job,
            request: None,
            tracked: true,
            ..Listed::default()
        })
        .collect();
    assert_clean(
        atlas_restore::commands::jobs::to_table(&jobs, false).as_bytes(),
        "jobs --format table",
    );
    let json = atlas_restore::commands::jobs::to_json(&jobs);
    assert_clean(json.as_bytes(), "jobs --format json");
    serde_json::from_str::<serde_json::Value>(&json).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every size from 1x1 to 300x100, with each kind of screen on top, draws without a panic.
    #[test]
    fn any_size_draws(w in 1u16..=300, h in 1u16..=100, screen in 0usize..5) {
        let mut a = app();
        a.update(Msg::Poll(PollEvent::Updated { jobs: vec![hostile_job().into(), hostile_automated_job().into(), hostile_job().into()], unchanged: vec![], pending: vec![], at_ms: NOW_MS, requests: 1, download_dir: None, downloaded: vec![] }), NOW_MS);
        match screen {
            1 => key(&mut a, KeyCode::F(1)),
            2 => { a.focus_jobs = true; key(&mut a, KeyCode::Enter); }
            3 => { for c in "5a6669d9fcc178211a0d86b9".chars() { key(&mut a, KeyCode::Char(c)); } a.update(Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)), NOW_MS); }
            4 => key(&mut a, KeyCode::Enter),
            _ => {}
        }
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| a.draw(f, NOW_MS)).unwrap();
        // And a resize storm on the same terminal.
        for (dw, dh) in [(1, 1), (w.saturating_mul(2).min(300), h), (w, 1), (2, h.saturating_mul(2).min(100))] {
            t.resize(ratatui::layout::Rect::new(0, 0, dw, dh)).unwrap();
            t.draw(|f| a.draw(f, NOW_MS)).unwrap();
        }
    }
}
