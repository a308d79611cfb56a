//! What the dashboard shows of a download whose file was broken (its SHA1 matched, its
//! archive did not read whole): the panel marks it broken where a verified file shows `✓`,
//! at 80 columns and in the wide table; its detail says where it was set aside and that `d`
//! downloads it again; the question before that download says so, and that it would use
//! the last of the job's `maxDownloads`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::RestoreJob;
use atlas_restore::config::ColorChoice;
use atlas_restore::jobs::{ArchiveBreak, ArchiveReport, DownloadNote, JobNotes, PollEvent};
use atlas_restore::restore::ApiVersion;
use atlas_restore::tui::app::{App, AppInfo, Dialog, Msg};
use atlas_restore::tui::theme::Theme;
use atlas_restore::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const NOW_MS: i64 = 1_795_867_200_000;
const ID: &str = "6b77893b80eef5354c77ee15";
const BROKEN_PATH: &str = "/srv/restores/Cluster0-1.tar.gz.broken";

fn app() -> App {
    let mut app = App::new(
        AppInfo {
            profile: "p".into(),
            base_url: "http://127.0.0.1:1".into(),
            public_key: "pub".into(),
            api: ApiVersion::V1,
            flavor: Default::default(),
            demo: false,
            download_dir: atlas_restore::jobs::DownloadFolder::Configured("/srv/restores".into()),
            local_offset: None,
            production: false,
            profiles: Vec::new(),
            drills: Default::default(),
        },
        Theme::new(ColorChoice::Never, false, false),
        Some("5a66666887d9d61443b41645"),
        Some("Cluster0"),
    );
    app.start(NOW_MS);
    app
}

/// A READY job whose SHA1 Atlas lists, that allows `max_downloads`.
fn ready_job(max_downloads: i64) -> RestoreJob {
    serde_json::from_value(serde_json::json!({
        "id": ID,
        "clusterName": "Cluster0",
        "statusName": "FINISHED",
        "created": "2026-11-28T11:00:00Z",
        "delivery": {
            "methodName": "HTTP",
            "statusName": "READY",
            "urlV2": "https://restore.example.com/pull/x/Cluster0-1.tar.gz",
            "authHeader": "x-mongodb-restore-auth",
            "authValue": "secret",
            "expires": "2026-11-29T11:00:00Z",
            "maxDownloads": max_downloads,
        },
        "hashes": [{"fileName": "Cluster0-1.tar.gz", "hash": "86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67", "typeName": "SHA1"}],
    }))
    .unwrap()
}

/// What the journal says after a download whose archive broke: set aside as `.broken`.
fn broken_notes() -> JobNotes {
    JobNotes {
        download: Some(DownloadNote {
            path: BROKEN_PATH.into(),
            bytes: 327_211,
            sha1: "86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67".into(),
            verdict: "verified".into(),
            at_ms: NOW_MS - 60_000,
        }),
        archive: Some(ArchiveReport {
            ok: false,
            broken: Some(ArchiveBreak {
                layer: "gzip stream".into(),
                message: "unexpected end of file".into(),
                compressed_offset: 218_112,
                ..ArchiveBreak::default()
            }),
            ..ArchiveReport::default()
        }),
        downloads_started: 1,
        ..JobNotes::default()
    }
}

fn polled(app: &mut App, job: RestoreJob, notes: JobNotes) {
    app.update(
        Msg::Poll(PollEvent::Updated {
            jobs: vec![job.into()],
            unchanged: vec![],
            pending: vec![],
            at_ms: NOW_MS,
            requests: 1,
            download_dir: None,
            downloaded: vec![(ID.to_string(), notes)],
        }),
        NOW_MS,
    );
}

/// The screen's text, a line a row.
fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        view::draw(f, app, NOW_MS);
    })
    .unwrap();
    let buffer = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), NOW_MS);
}

#[test]
fn a_broken_download_is_marked_broken_never_verified() {
    let mut a = app();
    polled(&mut a, ready_job(2), broken_notes());
    a.focus_jobs = true;
    // 80 columns: the row's last column says broken, not ✓.
    let narrow = screen(&a, 80, 24);
    let row = narrow.lines().find(|l| l.contains("77ee15")).expect("the job's row");
    assert!(row.contains("✖ broken") && !row.contains('✓'), "{row}");
    // Beside the form (150 to 179 columns) the row is cut, its error mark kept.
    let beside = screen(&a, 160, 40);
    let row = beside.lines().find(|l| l.contains("4c77ee15")).expect("the job's row");
    assert!(row.contains("✖ br") && !row.contains('✓'), "{row}");
    // The wide table's sha1 column (the list beside the detail, from 180 columns).
    let wide = screen(&a, 200, 60);
    let row: String = wide
        .lines()
        .find(|l| l.contains("4c77ee15") && l.contains("READY"))
        .expect("the job's row")
        .chars()
        .take(116) // the list's share; the detail beside it has the hash in full
        .collect();
    assert!(row.contains("✖ broken") && !row.contains("86bc2f50"), "{row}");
    // A verified download of the same job shows ✓.
    let mut good = app();
    let mut notes = broken_notes();
    notes.archive = Some(ArchiveReport {
        ok: true,
        ..ArchiveReport::default()
    });
    polled(&mut good, ready_job(2), notes);
    good.focus_jobs = true;
    let row_good = screen(&good, 80, 24);
    let row_good = row_good.lines().find(|l| l.contains("77ee15")).unwrap();
    assert!(row_good.contains('✓') && !row_good.contains("broken"), "{row_good}");

    // The detail says where the file went and what to do.
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Detail { .. })));
    let detail = screen(&a, 200, 60).replace('\n', " ");
    assert!(
        detail.contains(&format!(
            "BROKEN: kept as {BROKEN_PATH}, not under its name /srv/restores/Cluster0-1.tar.gz"
        )),
        "{detail}"
    );
    assert!(detail.contains("d downloads it again"), "{detail}");
}

#[test]
fn downloading_a_broken_one_again_asks_first_and_says_it_uses_the_last_download() {
    let mut a = app();
    // Two downloads allowed, one started from here: the next is the last.
    polled(&mut a, ready_job(2), broken_notes());
    a.focus_jobs = true;
    key(&mut a, KeyCode::Char('d'));
    let Some(Dialog::Confirm { title, lines, .. }) = a.dialogs.top() else {
        panic!("a question first, got {:?}", !a.dialogs.is_empty());
    };
    assert_eq!(title, "Download the restore file?");
    assert!(
        lines[0].starts_with(&format!(
            "The last download from here was BROKEN (set aside as {BROKEN_PATH})"
        )),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(
            "This uses the LAST of the 2 downloads Atlas allows for this job (1 started from here already)"
        ),
        "{lines:?}"
    );
    let shown = screen(&a, 100, 30);
    assert!(shown.contains("BROKEN") && shown.contains("LAST"), "{shown}");

    // With downloads to spare, only the broken one is said.
    let mut b = app();
    polled(&mut b, ready_job(5), broken_notes());
    b.focus_jobs = true;
    key(&mut b, KeyCode::Char('d'));
    let Some(Dialog::Confirm { lines, .. }) = b.dialogs.top() else {
        panic!("a question first");
    };
    assert!(lines[0].contains("was BROKEN"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("LAST")), "{lines:?}");
}

#[test]
fn the_question_asked_from_a_detail_goes_back_to_it() {
    let mut a = app();
    polled(&mut a, ready_job(5), broken_notes());
    a.focus_jobs = true;
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('d'));
    assert!(matches!(a.dialogs.top(), Some(Dialog::Confirm { .. })));
    assert_eq!(a.dialogs.len(), 2, "the detail waits under the question");
    // Esc closes the question only: the detail it was asked from is back.
    key(&mut a, KeyCode::Esc);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Detail { .. })));
    key(&mut a, KeyCode::Esc);
    assert!(a.dialogs.is_empty());
    // Yes to it: the download shows in the job's detail, one of it, not two.
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('d'));
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Detail { .. })));
    assert_eq!(a.dialogs.len(), 1);
}
