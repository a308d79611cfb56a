//! Whole screens drawn on ratatui's TestBackend, driven through the same `update` the event
//! loop calls, and kept as insta snapshots (80x24, 160x48, ASCII, NO_COLOR, tiny terminals).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{Delivery, RestoreJob};
use atlas_restore::config::ColorChoice;
use atlas_restore::jobs::SubmitOutcome;
use atlas_restore::jobs::catalog::{Fetched, ListKey};
use atlas_restore::restore::{ApiVersion, ClusterType, ListedCluster, Listing, RestoreRequest};
use atlas_restore::tui::app::{App, AppInfo, Dialog, Effect, Msg};
use atlas_restore::tui::theme::Theme;
use atlas_restore::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const GROUP: &str = "5a66666887d9d61443b41645";

fn app(theme: Theme) -> App {
    let mut app = App::new(
        AppInfo {
            profile: "demo".into(),
            base_url: "http://127.0.0.1:8089".into(),
            public_key: "demopubk".into(),
            api: ApiVersion::V1,
            flavor: Default::default(),
            demo: true,
            download_dir: atlas_restore::jobs::DownloadFolder::Configured("/tmp".into()),
            local_offset: None,
            production: false,
            profiles: Vec::new(),
            drills: Default::default(),
        },
        theme,
        Some(GROUP),
        Some("Cluster0"),
    );
    app.start(NOW_MS);
    app
}

fn color() -> Theme {
    Theme::new(ColorChoice::Auto, false, false)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), NOW_MS).1
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)), NOW_MS)
        .1
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn screen(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        view::draw(f, app, NOW_MS);
    })
    .unwrap();
    t
}

fn text(app: &App, w: u16, h: u16) -> String {
    screen(app, w, h).backend().to_string()
}

/// Drawn as the event loop draws: what the frame measured (sizes, scroll limits) is kept
/// for the keys that follow.
fn kept(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, NOW_MS)).unwrap();
    t.backend().to_string()
}

#[test]
fn the_empty_form_at_80x24() {
    insta::assert_snapshot!(text(&app(color()), 80, 24));
}

#[test]
fn a_conflicting_point_in_time_marks_both_fields_with_the_reason() {
    let mut a = app(color());
    type_text(&mut a, "5a6669d9fcc178211a0d86b9");
    for _ in 0..4 {
        press(&mut a, KeyCode::Down);
    }
    type_text(&mut a, "-90m");
    let s = text(&a, 80, 24);
    insta::assert_snapshot!(s);
    assert!(s.contains("✖ snapshotId"), "{s}");
    assert!(s.contains("✖ pointInTimeUTCMillis"), "{s}");
    assert!(s.contains("snapshotId and pointInTimeUTCMillis are different"), "{s}");
    assert!(s.contains("2026-11-28T10:30:00Z"), "the time it means is shown: {s}");
}

#[test]
fn review_is_refused_while_errors_remain() {
    let mut a = app(color());
    let effects = ctrl(&mut a, 's');
    assert!(effects.is_empty() && a.dialogs.is_empty());
    assert!(
        a.status.as_deref().unwrap_or("").contains("1 error to fix"),
        "{:?}",
        a.status
    );
}

#[test]
fn an_automated_restore_review_warns_and_waits_for_the_typed_name() {
    let mut a = app(color());
    type_text(&mut a, "5a6669d9fcc178211a0d86b9");
    for _ in 0..5 {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' ')); // AUTOMATED_RESTORE
    for _ in 0..3 {
        press(&mut a, KeyCode::Down);
    }
    type_text(&mut a, GROUP);
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "Staging0");
    // The target project's clusters are asked for once its id is whole; the review waits
    // for them.
    ctrl(&mut a, 's');
    assert!(a.dialogs.is_empty(), "opened before the target's list was in");
    assert!(
        a.status
            .as_deref()
            .unwrap_or("")
            .contains("checking the request against Atlas's clusters of project"),
        "{:?}",
        a.status
    );
    staging_listed(&mut a);
    ctrl(&mut a, 's');
    assert!(
        matches!(a.dialogs.top(), Some(Dialog::Review(_))),
        "status: {:?}",
        a.status
    );
    let s = text(&a, 80, 24);
    insta::assert_snapshot!(s);
    assert!(s.contains("ERASES every piece of data on cluster Staging0"), "{s}");

    // Enter does nothing until the name is typed; a wrong name neither.
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    type_text(&mut a, "Staging");
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    type_text(&mut a, "0");
    let effects = press(&mut a, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Submit { request, .. }]
            if request.body(ApiVersion::V1)["delivery"]["targetClusterName"] == "Staging0"
                && request.source.cluster_name == "Cluster0"),
        "{effects:?}"
    );
    // A second Enter while sending does not send twice.
    assert!(press(&mut a, KeyCode::Enter).is_empty());
}

#[test]
fn http_review_shows_url_json_and_curl_without_the_key() {
    let mut a = app(color());
    type_text(&mut a, "5a6669d9fcc178211a0d86b9");
    ctrl(&mut a, 's');
    let s = text(&a, 160, 48);
    insta::assert_snapshot!(s);
    assert!(s.contains(
        "POST http://127.0.0.1:8089/api/atlas/v1.0/groups/5a66666887d9d61443b41645/clusters/Cluster0/restoreJobs"
    ));
    assert!(
        s.contains(r#"printf 'user = "%s:%s"\n' 'demopubk' "$MONGODB_ATLAS_PRIVATE_API_KEY" | curl --digest -K -"#),
        "{s}"
    );
    let effects = press(&mut a, KeyCode::Enter);
    assert_eq!(effects.len(), 1);
    // The job that comes back is listed at once.
    let job = RestoreJob {
        id: "6b77893b80eef5354c77ee15".into(),
        cluster_name: Some("Cluster0".into()),
        status_name: Some("IN_PROGRESS".into()),
        delivery: Some(Delivery {
            status_name: Some("NOT_STARTED".into()),
            ..Delivery::default()
        }),
        ..RestoreJob::default()
    };
    a.update(created(vec![job]), NOW_MS);
    let s = text(&a, 160, 48);
    insta::assert_snapshot!("side_by_side_with_a_job", s);
    assert!(
        s.contains("4c77ee15") && s.contains("IN_PROGRESS") && s.contains("NOT_STARTED"),
        "{s}"
    );
}

#[test]
fn ascii_and_no_color_still_mark_every_state() {
    let mut a = app(Theme::new(ColorChoice::Auto, true, true));
    type_text(&mut a, "nothex");
    let t = screen(&a, 80, 24);
    let s = t.backend().to_string();
    insta::assert_snapshot!(s);
    assert!(
        s.contains("X snapshotId") && s.contains("- delivery.targetGroupId"),
        "{s}"
    );
    assert!(s.is_ascii(), "ASCII everywhere: {s}");
    let buffer = t.backend().buffer();
    for cell in buffer.content() {
        assert!(
            cell.fg == Color::Reset && cell.bg == Color::Reset,
            "a colour under NO_COLOR: {cell:?}"
        );
    }
}

#[test]
fn small_terminals_say_so_and_never_panic() {
    let a = app(color());
    assert!(text(&a, 59, 24).contains("terminal too small (needs 60x20)"));
    for (w, h) in [(1, 1), (2, 1), (20, 5), (60, 19), (60, 20), (300, 100)] {
        let _ = screen(&a, w, h);
    }
}

#[test]
fn a_point_in_time_turns_red_as_it_ages_out_while_the_user_looks() {
    use atlas_restore::restore::Field;
    use atlas_restore::tui::form::FieldState;
    let mut a = app(color());
    for _ in 0..4 {
        press(&mut a, KeyCode::Down);
    }
    // 23h59m ago: inside the window.
    type_text(&mut a, &(NOW_MS - 86_340_000).to_string());
    a.update(Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)), NOW_MS);
    assert!(a.needs_tick(NOW_MS), "a time field is filled: the clock matters");
    let aged = |a: &App| {
        a.form
            .findings()
            .iter()
            .any(|f| f.code.as_str() == "POINT_IN_TIME_OUTSIDE_WINDOW")
    };
    assert!(!aged(&a), "{:?}", a.form.findings());
    // Two minutes later, without a key pressed, a tick re-checks it.
    let (changed, _) = a.update(Msg::Tick, NOW_MS + 120_000);
    assert!(changed, "the screen must be redrawn");
    assert_eq!(a.form.state(Field::PointInTimeUtcMillis), FieldState::Error);
    assert!(aged(&a));
    // Drawn as it is now, a tick that changes nothing asks for no redraw.
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| a.draw(f, NOW_MS + 120_000)).unwrap();
    assert!(!a.update(Msg::Tick, NOW_MS + 121_000).0);
}

#[test]
fn a_pasted_id_lands_whole_but_an_erase_confirmation_must_be_typed() {
    use atlas_restore::restore::Field;
    let mut a = app(color());
    a.update(Msg::Paste("  5a6669d9fcc178211a0d86b9\r\nsecond line".into()), NOW_MS);
    assert_eq!(a.form.value(Field::SnapshotId), "5a6669d9fcc178211a0d86b9");
    for _ in 0..5 {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    for _ in 0..3 {
        press(&mut a, KeyCode::Down);
    }
    a.update(Msg::Paste(GROUP.into()), NOW_MS);
    press(&mut a, KeyCode::Down);
    a.update(Msg::Paste("Staging0".into()), NOW_MS);
    staging_listed(&mut a);
    ctrl(&mut a, 's');
    assert!(matches!(a.dialogs.top(), Some(Dialog::Review(_))), "{:?}", a.status);
    a.update(Msg::Paste("Staging0".into()), NOW_MS);
    assert!(text(&a, 80, 24).contains("pasting does not confirm an erase"));
    assert!(
        press(&mut a, KeyCode::Enter).is_empty(),
        "a pasted name does not confirm an erase"
    );
}

#[test]
fn help_scrolls_to_its_end_at_80x24() {
    let mut a = app(color());
    press(&mut a, KeyCode::F(1));
    assert!(kept(&mut a, 80, 24).contains("Anywhere"));
    for _ in 0..100 {
        press(&mut a, KeyCode::Down);
    }
    let s = text(&a, 80, 24);
    assert!(s.contains("Fields are the API's names"), "{s}");
    assert!(s.contains("In a dialog"), "{s}");
    press(&mut a, KeyCode::Esc);
    assert!(a.dialogs.is_empty());
}

#[test]
fn only_a_running_countdown_wakes_the_clock() {
    let mut a = app(color());
    assert!(!a.needs_tick(NOW_MS), "an idle form needs no tick");
    let job = |expires: &str| RestoreJob {
        id: format!("6b77893b80eef5354c77ee1{}", expires.len() % 10).into(),
        delivery: Some(Delivery {
            expires: Some(expires.into()),
            ..Delivery::default()
        }),
        ..RestoreJob::default()
    };
    a.update(created(vec![job("2026-11-27T12:00:00Z")]), NOW_MS);
    // The status line ("submitted: …") ticks until it goes; then only countdowns do.
    assert!(a.needs_tick(NOW_MS));
    let later = NOW_MS + atlas_restore::tui::app::STATUS_LIFE_MS;
    assert!(a.update(Msg::Tick, later).0, "the status line goes");
    assert!(a.status.is_none());
    assert!(!a.needs_tick(later), "an expired link's countdown does not move");
    a.update(created(vec![job("2026-11-29T12:00Z")]), later);
    assert!(a.needs_tick(later));
}

/// The target project's list, as Atlas answers it: Staging0, a replica set.
fn staging_listed(a: &mut App) {
    a.update(
        Msg::Listed {
            key: ListKey::Clusters { group_id: GROUP.into() },
            fetched: Fetched::Clusters(Listing::Known(
                vec![ListedCluster {
                    name: "Staging0".into(),
                    id: Some("5f8e2a1c9d4b7e0012c3a4d1".into()),
                    cluster_type: Some(ClusterType::ReplicaSet),
                }]
                .into(),
            )),
        },
        NOW_MS,
    );
}

/// Atlas made these jobs for an HTTP restore.
fn created(jobs: Vec<RestoreJob>) -> Msg {
    Msg::Submitted {
        request: Box::new(RestoreRequest::snapshot_download(
            GROUP,
            "Cluster0",
            "5a6669d9fcc178211a0d86b9",
        )),
        outcome: SubmitOutcome::Created { key: "k".into(), jobs },
    }
}

/// The three sizes the DBA's day happens at: a small SSH window, the smallest that draws,
/// and a wide one.
const SIZES: [(u16, u16); 3] = [(80, 24), (60, 20), (200, 60)];

fn snapshot_sizes(name: &str, a: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(a, w, h));
    }
}

/// Six findings at once, the focus on a field with one of them.
fn six_findings() -> App {
    let mut a = app(color());
    type_text(&mut a, "xyz");
    for _ in 0..4 {
        press(&mut a, KeyCode::Down);
    }
    type_text(&mut a, "1795861800000");
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "0");
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "0");
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "Staging0");
    for _ in 0..3 {
        press(&mut a, KeyCode::Up);
    }
    a
}

#[test]
fn six_findings_each_show_their_code_and_fields_at_80x24() {
    let a = six_findings();
    assert_eq!(a.form.findings().len(), 6, "{:?}", a.form.findings());
    let s = text(&a, 80, 24);
    for f in a.form.findings() {
        assert!(
            s.contains(f.code.as_str()),
            "{} is not on screen:\n{s}",
            f.code.as_str()
        );
    }
    // The focused field's finding is whole: its message's last word is there.
    let focused = a
        .form
        .findings()
        .iter()
        .find(|f| f.involves(atlas_restore::restore::Field::ExpirationHours))
        .unwrap();
    let last_word = focused.message.split_whitespace().last().unwrap();
    assert!(s.contains(last_word), "{s}");
    snapshot_sizes("six_findings", &a);
}

fn ready_job(id: &str) -> RestoreJob {
    let long = format!(
        "https://restore-5a66666887d9d61443b41645.backup.mongodb.net:27017/backup/restore/v3/pull/{id}/Cluster0-shard-0-1795854513-{id}.tar.gz"
    );
    serde_json::from_value(serde_json::json!({
        "id": id,
        "clusterName": "Cluster0",
        "created": "2026-11-28T11:00:00Z",
        "statusName": "FINISHED",
        "snapshotId": "5a6669d9fcc178211a0d86b9",
        "timestamp": {"date": "2026-11-28T06:00:00Z", "increment": 1},
        "delivery": {
            "methodName": "HTTP", "statusName": "READY", "expires": "2026-11-30T11:00:00Z",
            "maxDownloads": 2147483647, "urlV2": long, "authHeader": "x-mongodb-restore-auth",
            "authValue": "s3cr3t-value"
        }
    }))
    .unwrap()
}

#[test]
fn a_long_url_in_the_detail_is_whole_by_scrolling() {
    let mut a = app(color());
    a.update(created(vec![ready_job("6b77893b80eef5354c77ee15")]), NOW_MS);
    a.focus_jobs = true;
    press(&mut a, KeyCode::Enter);
    assert!(matches!(a.dialogs.top(), Some(Dialog::Detail { .. })));
    snapshot_sizes("detail_long_url", &a);
    // At 60x20 the URL's end comes into view at the end of the detail (the view knows its
    // length once drawn at that size).
    kept(&mut a, 60, 20);
    press(&mut a, KeyCode::End);
    let s = text(&a, 60, 20);
    assert!(s.contains(".tar.gz"), "{s}");
    assert!(!s.contains("s3cr3t-value"), "the auth value stays masked");
}

#[test]
fn the_automated_review_with_its_curl_command_at_three_sizes() {
    let mut a = app(color());
    type_text(&mut a, "5a6669d9fcc178211a0d86b9");
    for _ in 0..5 {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    for _ in 0..3 {
        press(&mut a, KeyCode::Down);
    }
    type_text(&mut a, GROUP);
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "Staging0");
    staging_listed(&mut a);
    ctrl(&mut a, 's');
    assert!(matches!(a.dialogs.top(), Some(Dialog::Review(_))), "{:?}", a.status);
    snapshot_sizes("automated_review", &a);
    // The curl command is whole at the end of the review, and carries no key.
    kept(&mut a, 80, 24);
    press(&mut a, KeyCode::End);
    let s = text(&a, 80, 24);
    assert!(s.contains("restoreJobs'"), "{s}");
    assert!(s.contains("-K -"), "{s}");
}

#[test]
fn the_panel_focused_and_the_wide_detail_pane() {
    let mut a = app(Theme::new(ColorChoice::Never, true, false));
    a.update(
        created(vec![
            ready_job("6b77893b80eef5354c77ee15"),
            ready_job("6b77893b80eef5354c77ee16"),
        ]),
        NOW_MS,
    );
    a.focus_jobs = true;
    snapshot_sizes("panel_focused", &a);
    // Without colour the focus is still seen: a mark in the panel's title.
    assert!(text(&a, 80, 24).contains("▶ Restore jobs"));
    // Wide: the URL's host and file in the table, and the selected job's detail beside it.
    let wide = text(&a, 200, 60);
    assert!(wide.contains("target or URL") && wide.contains(".tar.gz"), "{wide}");
    assert!(wide.contains("Restore job 6b77893b80eef5354c77ee1"), "{wide}");
}

#[test]
fn f2_goes_to_the_panel_and_back_and_the_strip_says_so_whole_at_80x24() {
    let mut a = app(Theme::new(ColorChoice::Never, true, false));
    a.update(created(vec![ready_job("6b77893b80eef5354c77ee15")]), NOW_MS);
    let s = text(&a, 80, 24);
    let strip = s
        .lines()
        .find(|l| l.contains("Restore jobs (1)"))
        .unwrap_or_default()
        .to_string();
    assert!(strip.contains("F2 for the panel") && !strip.contains('…'), "{s}");
    assert!(s.lines().last().unwrap_or_default().contains("F2 jobs"), "{s}");
    press(&mut a, KeyCode::F(2));
    assert!(a.focus_jobs);
    // In the panel, F2 is the way back: the footer shows Esc for it, not F2 "jobs".
    let s = text(&a, 80, 24);
    assert!(!s.lines().last().unwrap_or_default().contains("F2"), "{s}");
    press(&mut a, KeyCode::F(2));
    assert!(!a.focus_jobs);
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let mut a = app(color());
    let tiny = kept(&mut a, 40, 10);
    assert!(tiny.contains("terminal too small"), "{tiny}");
    // Typing and Ctrl-S are ignored until the terminal is big enough again.
    type_text(&mut a, "5a6669d9fcc178211a0d86b9");
    assert!(ctrl(&mut a, 's').is_empty());
    assert!(a.dialogs.is_empty());
    assert_eq!(a.form.value(atlas_restore::restore::Field::SnapshotId), "");
    // Quitting still works.
    ctrl(&mut a, 'q');
    assert!(a.quit);
}

/// A poll's news: `jobs` new or changed, `unchanged` named by id.
fn polled(a: &mut App, jobs: Vec<RestoreJob>, unchanged: &[&str]) -> Vec<Effect> {
    let event = atlas_restore::jobs::PollEvent::Updated {
        jobs: jobs.into_iter().map(Into::into).collect(),
        unchanged: unchanged.iter().map(|s| s.to_string()).collect(),
        pending: vec![],
        at_ms: NOW_MS,
        requests: 1,
        download_dir: None,
        downloaded: vec![],
    };
    a.update(Msg::Poll(event), NOW_MS).1
}

#[test]
fn a_poll_of_what_changed_updates_its_rows_keeps_the_rest_and_asks_again_when_one_is_missing() {
    let [x, y, z] = [
        "6b77893b80eef5354c77ee01",
        "6b77893b80eef5354c77ee02",
        "6b77893b80eef5354c77ee03",
    ];
    let mut a = app(Theme::new(ColorChoice::Never, false, false));
    polled(&mut a, vec![ready_job(x), ready_job(y), ready_job(z)], &[]);
    a.focus_jobs = true;
    press(&mut a, KeyCode::Down);
    assert_eq!(a.jobs.selected_job().unwrap().job.id.as_str(), y);
    // Only y changed: its link expired. The others stay as they were, and so does the selection.
    let mut expired = ready_job(y);
    expired.delivery.as_mut().unwrap().status_name = Some("EXPIRED".into());
    let effects = polled(&mut a, vec![expired], &[x, z]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::PollAll)), "{effects:?}");
    assert_eq!(a.jobs.len(), 3);
    assert_eq!(a.jobs.selected_job().unwrap().job.id.as_str(), y);
    let s = text(&a, 80, 24);
    assert_eq!(s.matches("READY").count(), 2, "{s}");
    assert_eq!(s.matches("EXPIRED").count(), 1, "{s}");
    // A job named unchanged that the panel never had: it asks for every job again.
    let effects = polled(&mut a, vec![], &[x, y, z, "6b77893b80eef5354c77ee04"]);
    assert!(effects.iter().any(|e| matches!(e, Effect::PollAll)), "{effects:?}");
    // A job in neither list was forgotten (in another window): its row goes.
    polled(&mut a, vec![], &[x]);
    assert_eq!(a.jobs.len(), 1);
    assert_eq!(a.jobs.tracked()[0].job.id.as_str(), x);
}

#[test]
fn the_panels_footer_shows_the_keys_that_act_on_the_selected_row_at_80_columns() {
    let mut a = app(Theme::new(ColorChoice::Never, false, false));
    polled(&mut a, vec![ready_job("6b77893b80eef5354c77ee01")], &[]);
    a.focus_jobs = true;
    let s = text(&a, 80, 24);
    let footer = s.lines().last().unwrap();
    assert!(footer.contains("d download") && footer.contains("F1 help"), "{footer}");
    // A batch's row: D and Right act, and say so.
    let parts: Vec<RestoreJob> = ["6b77893b80eef5354c77ee02", "6b77893b80eef5354c77ee03"]
        .into_iter()
        .map(|id| {
            let mut j = ready_job(id);
            j.batch_id = Some("5a66783b80eef5354c77ee13".into());
            j
        })
        .collect();
    polled(&mut a, parts, &[]);
    let s = text(&a, 80, 24);
    let footer = s.lines().last().unwrap();
    assert!(
        footer.contains("D all parts") && footer.contains("Right parts"),
        "{footer}"
    );
    // A job still being prepared: no `d` in the footer.
    let mut running = ready_job("6b77893b80eef5354c77ee04");
    running.delivery.as_mut().unwrap().status_name = Some("NOT_STARTED".into());
    running.delivery.as_mut().unwrap().url_v2 = None;
    polled(&mut a, vec![running], &[]);
    let s = text(&a, 80, 24);
    assert!(!s.lines().last().unwrap().contains("d download"), "{s}");
}

#[test]
fn ascii_means_every_cell_is_ascii_on_every_screen() {
    let mut a = app(Theme::new(ColorChoice::Never, false, true));
    let mut foreign = ready_job("6b77893b80eef5354c77ee02");
    foreign.cluster_name = Some("Кластер-東京".into());
    polled(&mut a, vec![ready_job("6b77893b80eef5354c77ee01"), foreign], &[]);
    let all_ascii = |a: &App, w: u16, h: u16| {
        let t = screen(a, w, h);
        let bad: Vec<String> = t
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol().to_string())
            .filter(|s| !s.is_ascii())
            .collect();
        assert!(bad.is_empty(), "not ASCII at {w}x{h}: {bad:?}\n{}", t.backend());
    };
    // The form (the title's separators), the panel (marks, a name in Cyrillic and CJK), the
    // wide table and its detail pane, a job's detail, the help.
    all_ascii(&a, 80, 24);
    a.focus_jobs = true;
    all_ascii(&a, 80, 24);
    all_ascii(&a, 200, 60);
    press(&mut a, KeyCode::Enter);
    all_ascii(&a, 80, 24);
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::F(1));
    all_ascii(&a, 80, 24);
}
