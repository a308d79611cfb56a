//! Input as a laggy SSH link and a clipboard deliver it, in a real pseudo-terminal: an Esc and
//! an arrow in one read are Esc then the arrow (not `[A` typed into a field), a pasted id
//! lands bare, and a time without a zone is read as UTC.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use atlas_restore::restore::Field;
use atlas_restore::tui::form::Form;
use pty::{Pty, TempDir, key};

/// A profile pointing at a closed loopback port: the form works without any server.
fn offline_config(dir: &TempDir) -> String {
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[profiles.offline]\nbase_url = \"http://127.0.0.1:9\"\npublic_key = \"pub\"\nprivate_key_command = \"echo offline-secret\"\ngroup_id = \"5a66666887d9d61443b41645\"\ncluster_name = \"Cluster0\"\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// The form's row of `label`.
fn row<'a>(screen: &'a str, label: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {label} ")))
        .unwrap_or_else(|| panic!("no {label} row:\n{screen}"))
}

/// What `label`'s row shows after its label.
fn value<'a>(screen: &'a str, label: &str) -> &'a str {
    let r = row(screen, label);
    let after = &r[r.find(&format!(" {label} ")).unwrap() + label.len() + 2..];
    after.trim().trim_end_matches('│').trim()
}

fn focused(screen: &str, label: &str) -> bool {
    row(screen, label).contains('▶')
}

fn start(dir: &TempDir) -> Pty {
    let config = offline_config(dir);
    let pty = Pty::spawn(&["--config", &config], &[], 80, 24);
    pty.wait_for("snapshotId");
    // The failed lookup of the source is said; the form is ready.
    pty.wait_for("refused the connection");
    pty
}

#[test]
fn esc_and_an_arrow_in_one_write_are_esc_then_the_arrow() {
    let dir = pty::temp_dir("pty-esc-up");
    let mut pty = start(&dir);
    assert!(focused(&pty.screen(), "snapshotId"), "{}", pty.screen());
    pty.type_text("abc");
    pty.wait_until(10, "abc typed", |s| value(s, "snapshotId") == "abc");

    // Esc then Up, as a laggy link delivers them: one write, one read.
    pty.send("\x1b\x1b[A");
    let s = pty.wait_until(10, "the focus on clusterName", |s| focused(s, "clusterName"));
    assert_eq!(value(&s, "snapshotId"), "abc", "{s}");
    assert_eq!(value(&s, "clusterName"), "Cluster0", "{s}");
    assert!(!s.contains("[A"), "typed into a field:\n{s}");
    assert!(!focused(&s, "snapshotId"), "{s}");

    // Esc then Down in the other encoding (SS3, an application-cursor terminal).
    pty.send("\x1b\x1bOB");
    let s = pty.wait_until(10, "the focus back on snapshotId", |s| focused(s, "snapshotId"));
    assert_eq!(value(&s, "clusterName"), "Cluster0", "{s}");
    assert!(!s.contains("OB"), "typed into a field:\n{s}");
    // The keys that follow still type where the focus is.
    pty.type_text("d");
    pty.wait_until(10, "abcd", |s| value(s, "snapshotId") == "abcd");

    // A plain Esc alone still does nothing in the form, and text typed after it is text. The
    // gap is the thing under test (an Esc read alone, then keys a moment later), and an Esc
    // that does nothing draws nothing to wait for: a sleep.
    pty.send(key::ESC);
    std::thread::sleep(std::time::Duration::from_millis(100));
    pty.type_text("[e");
    let s = pty.wait_until(10, "[e typed", |s| value(s, "snapshotId") == "abcd[e");
    assert!(focused(&s, "snapshotId"), "{s}");

    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn a_pasted_id_with_quotes_and_a_comma_lands_bare() {
    let dir = pty::temp_dir("pty-paste-id");
    let mut pty = start(&dir);
    let id = "5f9a0c1e7b2d4a110fffffff";
    // A bracketed paste, as a terminal sends one, of an id copied from JSON.
    pty.send(&format!("\x1b[200~\"{id}\",\x1b[201~"));
    let s = pty.wait_until(10, "the id pasted", |s| value(s, "snapshotId").contains(id));
    assert_eq!(value(&s, "snapshotId"), id, "{s}");

    // And one copied from a quoted list with spaces, into the target project's field.
    for _ in 0..8 {
        pty.send(key::DOWN);
    }
    pty.wait_until(10, "the focus on delivery.targetGroupId", |s| {
        focused(s, "delivery.targetGroupId")
    });
    pty.send(&format!("\x1b[200~ '{id}' \x1b[201~"));
    let s = pty.wait_until(10, "the id pasted", |s| value(s, "delivery.targetGroupId").contains(id));
    assert_eq!(value(&s, "delivery.targetGroupId"), id, "{s}");

    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

/// A megabyte pasted by mistake: handled at once (cut to what a field holds, and said), the
/// keys and signals answered right after it.
#[test]
fn a_megabyte_paste_is_cut_at_once_and_the_dashboard_stays_answering() {
    let dir = pty::temp_dir("pty-paste-mib");
    let mut pty = start(&dir);
    let big = "x".repeat(1 << 20);
    pty.send(&format!("\x1b[200~{big}\x1b[201~"));
    let s = pty.wait_until(60, "the paste said", |s| s.contains("the paste was 1048576 characters"));
    assert!(s.contains("cut to the first 1024"), "{s}");
    // Answering: the next key moves the focus.
    pty.send(key::DOWN);
    pty.wait_until(10, "the focus moved on", |s| focused(s, "checkpointId"));
    // How long it takes is measured in `benches/dashboard.rs` (paste_1mib), not here.
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

/// `2026-11-28 18:30` is read as UTC, like `2026-11-28T18:30Z`, and the hint beside the field
/// says so.
#[test]
fn a_time_without_a_zone_is_utc_and_the_hint_says_so() {
    let now_ms = 1_795_900_000_000; // 2026-11-28T21:06:40Z
    let mut form = Form::new(Some("5a66666887d9d61443b41645"), Some("Cluster0"));
    // What the form shares with the rest of the screen: a v1.0 Atlas profile, nothing looked up.
    let info = atlas_restore::tui::app::AppInfo {
        profile: "p".into(),
        base_url: "https://cloud.mongodb.com".into(),
        public_key: "k".into(),
        api: atlas_restore::restore::ApiVersion::V1,
        flavor: Default::default(),
        demo: false,
        download_dir: atlas_restore::jobs::DownloadFolder::Configured("/tmp".into()),
        local_offset: None,
        production: false,
        profiles: Vec::new(),
        drills: Default::default(),
    };
    let theme = atlas_restore::tui::theme::Theme::new(atlas_restore::config::ColorChoice::Never, false, false);
    let atlas = atlas_restore::tui::env::Atlas::default();
    let env = atlas_restore::tui::env::Env::new(now_ms, &info, &theme, &atlas);
    form.focus(Field::PointInTimeUtcMillis);
    form.paste("2026-11-28 18:30", &env);
    let spaced = form.time_hint(Field::PointInTimeUtcMillis, now_ms);
    assert_eq!(spaced.as_deref(), Some("= 2026-11-28T18:30:00Z = 1795890600000 ms"));
    form.set(Field::PointInTimeUtcMillis, "2026-11-28T18:30Z");
    assert_eq!(form.time_hint(Field::PointInTimeUtcMillis, now_ms), spaced);
    // The rules read it the same way: the same findings for both spellings.
    form.revalidate(&env);
    let twin = form.findings().to_vec();
    form.set(Field::PointInTimeUtcMillis, "2026-11-28 18:30");
    form.revalidate(&env);
    assert_eq!(form.findings(), twin.as_slice());
    assert!(
        !form.findings().iter().any(|f| f.message.contains("is not a time")),
        "{:?}",
        form.findings()
    );
}
