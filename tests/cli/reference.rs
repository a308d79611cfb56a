//! The README's command reference against the binary's `--help`: every option a
//! subcommand's help lists is in its synopsis line, and every option the synopsis names is
//! one the subcommand takes. A flag added to the code without the README (or the other way
//! round) fails here.

use crate::support::pty::BIN;
use std::collections::BTreeSet;
use std::process::Command;

/// Options every subcommand takes (or clap adds), said once at the top of the reference.
const GLOBAL: [&str; 6] = ["--help", "--version", "--config", "--profile", "--ascii", "--log-level"];

/// The synopsis: each `atlas-restore ...` entry of the block under `## Commands`, its
/// continuation lines joined to it.
fn synopsis() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("\n## Commands\n")
        .nth(1)
        .expect("README has a ## Commands section");
    let mut entries: Vec<String> = Vec::new();
    for line in block.lines().skip_while(|l| l.trim().is_empty()) {
        if !line.starts_with("    ") {
            break;
        }
        // What the entry is, in words, stands after two spaces or more.
        let said = line.trim().split("  ").next().unwrap_or("");
        match said.strip_prefix("atlas-restore ") {
            Some(rest) => entries.push(rest.to_string()),
            None => {
                let last = entries.last_mut().expect("a continuation after an entry");
                last.push(' ');
                last.push_str(said);
            }
        }
    }
    entries
}

/// The subcommand words an entry names (`drill run`, `snapshots|checkpoints`), each path.
fn commands_of(entry: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> = entry
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '|'))
        .collect();
    let Some((first, rest)) = words.split_first() else {
        return Vec::new();
    };
    // `completions bash|zsh|fish`: the alternatives after the first word are values.
    let rest: Vec<String> = rest
        .iter()
        .take_while(|w| !w.contains('|'))
        .map(|w| w.to_string())
        .collect();
    first
        .split('|')
        .map(|c| std::iter::once(c.to_string()).chain(rest.iter().cloned()).collect())
        .collect()
}

fn options(text: &str, from_help: bool) -> BTreeSet<String> {
    text.lines()
        // In the help, the options are the lines that start with one (after a short form).
        .filter(|l| {
            let l = l.trim_start();
            !from_help || l.starts_with("--") || (l.starts_with('-') && l.get(2..4) == Some(", "))
        })
        .flat_map(|l| {
            let l = if from_help {
                l.split_whitespace().find(|w| w.starts_with("--")).unwrap_or("")
            } else {
                l
            };
            l.split(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .filter(|w| w.starts_with("--") && w.len() > 2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|o| !GLOBAL.contains(&o.as_str()))
        .collect()
}

#[test]
fn the_readme_synopsis_names_every_option_of_every_subcommand_and_no_other() {
    let entries = synopsis();
    assert!(entries.len() >= 14, "the synopsis was not read: {entries:?}");
    let mut checked = 0;
    // The dashboard's entries (`[--profile NAME] ...`, `--demo [--flavor FLAVOR]`) together
    // against the root's help.
    let root: Vec<&String> = entries.iter().filter(|e| e.starts_with(['[', '-'])).collect();
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let from_readme: BTreeSet<String> = root.iter().flat_map(|e| options(e, false)).collect();
    assert_eq!(
        from_readme,
        options(&String::from_utf8_lossy(&help.stdout), true),
        "README's dashboard entries {root:?} against `atlas-restore --help`"
    );
    for entry in &entries {
        for command in commands_of(entry) {
            let help = Command::new(BIN).args(&command).arg("--help").output().unwrap();
            assert!(help.status.success(), "{command:?} --help: {help:?}");
            let from_help = options(&String::from_utf8_lossy(&help.stdout), true);
            let from_readme = options(entry, false);
            assert_eq!(
                from_readme,
                from_help,
                "README's `atlas-restore {entry}` against `atlas-restore {} --help`",
                command.join(" ")
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} subcommands checked");
}
