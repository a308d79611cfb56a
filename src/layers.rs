//! The layers, each looking only down (the README's "Layout" draws them):
//!
//! ```text
//!   main, cli, config, key_command, logging      the edge: arguments, the config file, the log
//!   tui            commands                      the dashboard; the headless subcommands
//!   jobs                                         the store, the poller, downloads, drills
//!   atlas                                        the wire: the client and Atlas's types
//!   restore                                      the domain: requests, rules, time (no I/O)
//!   text, secret, files, shell_text, redact,     plain helpers every layer may use
//!   hardening
//!
//!   sim            beside: its own Atlas; only the edge (and `commands::sim`) starts it
//! ```
//!
//! The config is read at the edge and handed down as plain values (`tui::ScreenProfile`,
//! `atlas::ClientOptions`); the one command that writes the config file
//! (`commands::config_init`) reads it too. The test below reads every source file and fails
//! when an arrow runs up, or sideways between `tui` and `commands`.

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Each top-level module's layer: a module may use those of a lower one.
    fn layer(module: &str) -> Option<u8> {
        Some(match module {
            "text" | "secret" | "files" | "shell_text" | "redact" | "hardening" => 0,
            "restore" => 1,
            "atlas" => 2,
            "jobs" => 3,
            "tui" | "commands" => 4,
            "main" | "cli" | "config" | "key_command" | "logging" => 5,
            // Beside the layers: see `allowed`.
            "sim" => 9,
            _ => return None,
        })
    }

    /// Whether `from` (a top-level module, and the file it is in) may use `to`.
    fn allowed(from: &str, file: &str, to: &str) -> bool {
        if from == to {
            return true;
        }
        let (Some(a), Some(b)) = (layer(from), layer(to)) else {
            return false;
        };
        match (from, to) {
            // The simulator knows only the plain helpers and the domain's words (flavours,
            // API versions): its refusals are its own.
            ("sim", _) => b <= 1,
            // Only the edge starts the simulator.
            (_, "sim") => a == 5 || file.ends_with("commands/sim.rs"),
            // The command that writes the config file reads it.
            ("commands", "config") => file.ends_with("commands/config_init.rs"),
            // The edge's modules use each other; every other layer looks down only.
            _ => (a == 5 && b == 5) || (a == 0 && b == 0) || b < a,
        }
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.map(|e| e.path()).unwrap_or_default();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }

    /// The top-level modules a line names (`crate::atlas::...`, or `atlas_restore::jobs`
    /// in the binary), comments aside.
    fn named(line: &str, prefix: &str) -> Vec<String> {
        let code = line.split("//").next().unwrap_or_default();
        code.match_indices(prefix)
            .filter(|(at, _)| {
                // `crate::x` inside a longer name is not a path (`my_crate::x`).
                !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            })
            .map(|(at, _)| {
                code[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_import_looks_down() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for path in &files {
            let rel = path.strip_prefix(&src).unwrap_or(path).to_string_lossy().to_string();
            if rel == "lib.rs" || rel == "layers.rs" {
                continue;
            }
            let from = rel.split(['/', '.']).next().unwrap_or_default().to_string();
            assert!(
                layer(&from).is_some(),
                "{rel}: module {from} has no layer here: give it one"
            );
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let prefix = if from == "main" { "atlas_restore::" } else { "crate::" };
            for (n, line) in text.lines().enumerate() {
                for to in named(line, prefix) {
                    if !allowed(&from, &rel, &to) {
                        wrong.push(format!("src/{rel}:{}: {from} uses {to}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            files.len() > 50,
            "read {} files: is this the source folder?",
            files.len()
        );
        assert!(wrong.is_empty(), "imports that run up a layer:\n{}", wrong.join("\n"));
    }

    /// What the simulator may take from the domain: its words, never a verdict.
    const SIM_MAY_USE: &[&str] = &["ApiVersion", "ClusterType", "Flavor", "RestorableRange", "time_input"];

    #[test]
    fn the_simulator_takes_words_from_the_domain_not_its_verdicts() {
        let sim = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim");
        let mut files = Vec::new();
        sources(&sim, &mut files);
        let mut wrong = Vec::new();
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for (at, _) in code.match_indices("crate::restore::") {
                    let rest = &code[at + "crate::restore::".len()..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(list) => list.split('}').next().unwrap_or_default().split(',').collect(),
                        None => vec![rest],
                    };
                    for name in names {
                        let name: String = name
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !SIM_MAY_USE.contains(&name.as_str()) {
                            wrong.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                        }
                    }
                }
            }
        }
        assert!(files.len() > 10, "read {} files of src/sim", files.len());
        assert!(
            wrong.is_empty(),
            "the simulator uses the client's engine:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_check_catches_an_arrow_up() {
        assert!(!allowed("atlas", "atlas/client.rs", "jobs"));
        assert!(!allowed("tui", "tui/app.rs", "config"));
        assert!(!allowed("tui", "tui/app.rs", "commands"));
        assert!(!allowed("commands", "commands/sim.rs", "cli"));
        assert!(!allowed("sim", "sim/create.rs", "atlas"));
        assert!(!allowed("jobs", "jobs/poller.rs", "sim"));
        assert!(allowed("tui", "tui/app.rs", "jobs"));
        assert!(allowed("cli", "cli/sim.rs", "sim"));
        assert_eq!(
            named("use crate::atlas::{A, B}; // crate::tui", "crate::"),
            vec!["atlas"]
        );
    }
}
