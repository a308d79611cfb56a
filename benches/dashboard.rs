//! The dashboard's hot paths against the budgets in design.md: a keystroke to a drawn frame
//! (under 1 ms at 200x60), the jobs panel with 1,000 jobs (under 2 ms a frame), a poll of
//! 10,000 jobs (under 5 ms), a filter keystroke with 10,000 jobs (under 1 ms), and reading a
//! page of 500 jobs.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{Delivery, FileHash, Page, RestoreJob};
use atlas_restore::config::ColorChoice;
use atlas_restore::jobs::PollEvent;
use atlas_restore::restore::ApiVersion;
use atlas_restore::tui::app::{App, AppInfo, Msg};
use atlas_restore::tui::theme::Theme;
use atlas_restore::tui::view;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::hint::black_box;

const NOW_MS: i64 = 1_795_867_200_000;

fn app() -> App {
    let mut app = App::new(
        AppInfo {
            profile: "bench".into(),
            base_url: "https://cloud.mongodb.com".into(),
            public_key: "abcdefgh".into(),
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

fn job(i: usize) -> RestoreJob {
    RestoreJob {
        id: format!("6b77893b80eef5354c{i:06x}").into(),
        cluster_name: Some("Cluster0".into()),
        created: Some(format!("2026-11-{:02}T10:00:00Z", 1 + i % 28).into()),
        status_name: Some(if i.is_multiple_of(3) { "IN_PROGRESS" } else { "FINISHED" }.into()),
        batch_id: i.is_multiple_of(7).then(|| "5a66783b80eef5354c77ee13".into()),
        delivery: Some(Delivery {
            status_name: Some("READY".into()),
            url: Some(
                format!("https://api-backup.mongodb.com/backup/restore/v2/pull/{i}/KEY/Cluster0-{i}.tar.gz").into(),
            ),
            expires: Some("2026-11-30T10:00:00Z".into()),
            max_downloads: Some(2147483647),
            ..Delivery::default()
        }),
        hashes: i.is_multiple_of(2).then(|| {
            vec![FileHash {
                file_name: Some(format!("Cluster0-{i}.tar.gz").into()),
                hash: Some("86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67".into()),
                type_name: Some("SHA1".into()),
            }]
        }),
        ..RestoreJob::default()
    }
}

/// Where the frames' bytes go: counted and dropped, as a terminal would take them.
#[derive(Default)]
struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += black_box(buf).len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A 200x60 terminal whose bytes go to a sink: frames are measured as they are encoded
/// for a real terminal (escape sequences and all), not only laid out.
fn terminal() -> Terminal<CrosstermBackend<Sink>> {
    Terminal::with_options(
        CrosstermBackend::new(Sink::default()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)),
        },
    )
    .unwrap()
}

/// Draws one frame.
fn frame(t: &mut Terminal<CrosstermBackend<Sink>>, a: &App) {
    t.draw(|f| {
        view::draw(f, black_box(a), NOW_MS);
    })
    .unwrap();
}

fn bench(c: &mut Criterion) {
    // A keystroke: update (validate included) and draw the whole screen at 200x60.
    let mut a = app();
    let mut t = terminal();
    let mut flip = false;
    c.bench_function("keystroke to frame, 200x60", |b| {
        b.iter(|| {
            // Type and erase a character, so that every iteration changes the form.
            let code = if flip { KeyCode::Backspace } else { KeyCode::Char('5') };
            flip = !flip;
            a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), NOW_MS);
            frame(&mut t, &a);
        });
    });

    // A megabyte pasted into a field by mistake, to its frame: cut to what a field holds.
    let big = "5".repeat(1 << 20);
    c.bench_function("paste of 1 MiB into a field, to its frame, 200x60", |b| {
        b.iter_batched(
            app,
            |mut a| {
                a.update(Msg::Paste(big.clone()), NOW_MS);
                frame(&mut t, &a);
            },
            criterion::BatchSize::LargeInput,
        );
    });

    // The jobs panel holding 1,000 jobs, at 200x60 with the panel focused.
    let mut a = app();
    a.update(
        Msg::Poll(PollEvent::Updated {
            jobs: (0..1000).map(|i| job(i).into()).collect(),
            unchanged: vec![],
            pending: vec![],
            at_ms: NOW_MS,
            requests: 2,
            download_dir: None,
            downloaded: vec![],
        }),
        NOW_MS,
    );
    a.focus_jobs = true;
    // And the cluster's other jobs shown (`a`): 500 more, not tracked.
    a.jobs.set_others(Some(Ok((1000..1500).map(job).collect())));
    let mut t = terminal();
    c.bench_function("draw with 1,000 jobs and 500 others, 200x60", |b| {
        b.iter(|| {
            // Move the selection, so that every frame writes something.
            a.jobs.move_selection(a.jobs.selected == 0);
            frame(&mut t, &a);
        });
    });

    // The wide panel (a table, and the selected job's detail beside it) with 10,000 jobs.
    let mut a = app();
    a.update(
        Msg::Poll(PollEvent::Updated {
            jobs: (0..10_000).map(|i| job(i).into()).collect(),
            unchanged: vec![],
            pending: vec![],
            at_ms: NOW_MS,
            requests: 20,
            download_dir: None,
            downloaded: vec![],
        }),
        NOW_MS,
    );
    a.focus_jobs = true;
    let mut t = terminal();
    c.bench_function("wide panel with 10,000 jobs and the detail pane, 200x60", |b| {
        b.iter(|| {
            a.jobs.move_selection(a.jobs.selected == 0);
            frame(&mut t, &a);
        });
    });

    // A poll of 10,000 tracked jobs where one changed: the poller names the others by id,
    // and the panel reads one row again (under 5 ms).
    let ids: Vec<String> = (1..10_000).map(|i| job(i).id.to_string()).collect();
    let mut flip = false;
    c.bench_function("poll of 10,000 jobs, one changed", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                let mut changed = job(0);
                changed.status_name = Some(if flip { "FINISHED" } else { "IN_PROGRESS" }.into());
                PollEvent::Updated {
                    jobs: vec![changed.into()],
                    unchanged: ids.clone(),
                    pending: vec![],
                    at_ms: NOW_MS,
                    requests: 20,
                    download_dir: None,
                    downloaded: vec![],
                }
            },
            |event| a.update(Msg::Poll(event), NOW_MS),
            criterion::BatchSize::LargeInput,
        );
    });

    // A character typed into the panel's `/` filter with 10,000 jobs, and taken back
    // (under 1 ms each): the rows' text is read once, not at every keystroke.
    a.update(Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)), NOW_MS);
    for c in "ready".chars() {
        a.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)), NOW_MS);
    }
    let mut flip = false;
    c.bench_function("filter keystroke with 10,000 jobs", |b| {
        b.iter(|| {
            let code = if flip { KeyCode::Backspace } else { KeyCode::Char('5') };
            flip = !flip;
            a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), NOW_MS);
        });
    });

    // A page of 500 jobs, as Atlas sends it.
    let page = serde_json::json!({
        "links": [{"href": "https://cloud.mongodb.com/api/atlas/v1.0/groups/g/clusters/c/restoreJobs?pageNum=1&itemsPerPage=500", "rel": "self"}],
        "results": (0..500).map(job).collect::<Vec<_>>(),
        "totalCount": 1000,
    })
    .to_string();
    c.bench_function("parse a 500-job page", |b| {
        b.iter(|| serde_json::from_str::<Page<RestoreJob>>(black_box(&page)).unwrap());
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
