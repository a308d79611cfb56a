//! Where a profile's archives go. A `download_dir` in the config goes first; without one, the
//! dashboard asks at the first download (offering the user's download folder) and the
//! journal remembers the answer, for every window and the headless `download`.

use std::path::{Path, PathBuf};

/// The download folder of a profile, and who chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadFolder {
    /// `download_dir` in the profile's config.
    Configured(PathBuf),
    /// Chosen in the dashboard, remembered in the journal.
    Chosen(PathBuf),
    /// Not chosen yet: the dashboard asks first, offering this one.
    Unchosen { suggested: PathBuf },
}

impl DownloadFolder {
    /// The config's folder, else the journal's, else none yet (`suggested` is offered).
    pub fn resolve(
        configured: Option<&Path>,
        remembered: Option<&Path>,
        suggested: PathBuf,
        home: Option<&Path>,
    ) -> DownloadFolder {
        match (configured, remembered) {
            (Some(c), _) => DownloadFolder::Configured(expand_home(c, home)),
            (None, Some(r)) => DownloadFolder::Chosen(r.to_path_buf()),
            (None, None) => DownloadFolder::Unchosen { suggested },
        }
    }

    /// The folder, once someone chose it.
    pub fn chosen(&self) -> Option<&Path> {
        match self {
            DownloadFolder::Configured(p) | DownloadFolder::Chosen(p) => Some(p),
            DownloadFolder::Unchosen { .. } => None,
        }
    }

    /// The folder to use without asking (the headless `download`): the suggestion when none
    /// was chosen.
    pub fn or_suggested(&self) -> &Path {
        match self {
            DownloadFolder::Configured(p) | DownloadFolder::Chosen(p) => p,
            DownloadFolder::Unchosen { suggested } => suggested,
        }
    }

    /// Where the choice comes from, in words.
    pub fn origin(&self) -> &'static str {
        match self {
            DownloadFolder::Configured(_) => "download_dir in the config",
            DownloadFolder::Chosen(_) => "chosen for this profile",
            DownloadFolder::Unchosen { .. } => "not chosen yet",
        }
    }
}

/// The user's home folder (`$HOME` on Linux).
pub fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}

/// `~/restores` as the user means it: under the home folder.
pub fn expand_home(dir: &Path, home: Option<&Path>) -> PathBuf {
    match (dir.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => dir.to_path_buf(),
    }
}

/// `path` as the user would type it: `~/…` under the home folder.
pub fn shown(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".into(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// A folder typed by the DBA, made ready for archives: a full path (or `~/…`), created
/// (0700) when missing, and written into once to be sure it can be. The error says what to
/// do instead.
pub(crate) fn check_choice(text: &str, home: Option<&Path>) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("write a folder: a full path, or ~/… under your home".into());
    }
    let dir = expand_home(Path::new(text), home);
    if !dir.is_absolute() {
        return Err(format!(
            "{text} is relative: write a full path (/…) or ~/…, so that it does not depend on where the dashboard started"
        ));
    }
    super::download::make_dir(&dir).map_err(|e| format!("{e}: choose another folder"))?;
    if !dir.is_dir() {
        return Err(format!("{} is not a folder: choose another", dir.display()));
    }
    // Written into once now, rather than failing after the download used one of maxDownloads.
    let probe = dir.join(format!(".atlas-restore-probe-{:08x}", super::tracked::random_u32()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot write into {}: {e}: choose another folder", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_folder_is_expanded() {
        let home = Path::new("/home/dba");
        assert_eq!(expand_home(Path::new("~/restores"), Some(home)), home.join("restores"));
        assert_eq!(expand_home(Path::new("~"), Some(home)), home);
        assert_eq!(expand_home(Path::new("/srv/r"), Some(home)), Path::new("/srv/r"));
        assert_eq!(expand_home(Path::new("~/r"), None), Path::new("~/r"));
        assert_eq!(shown(&home.join("restores"), Some(home)), "~/restores");
        assert_eq!(shown(Path::new("/srv/r"), Some(home)), "/srv/r");
    }

    #[test]
    fn the_config_goes_first_then_the_remembered_choice() {
        let home = Path::new("/home/dba");
        let suggested = PathBuf::from("/home/dba/Downloads/atlas-restore");
        let f = DownloadFolder::resolve(
            Some(Path::new("~/r")),
            Some(Path::new("/srv/x")),
            suggested.clone(),
            Some(home),
        );
        assert_eq!(f, DownloadFolder::Configured(home.join("r")));
        let f = DownloadFolder::resolve(None, Some(Path::new("/srv/x")), suggested.clone(), Some(home));
        assert_eq!(f.chosen(), Some(Path::new("/srv/x")));
        let f = DownloadFolder::resolve(None, None, suggested.clone(), Some(home));
        assert_eq!(f.chosen(), None);
        assert_eq!(f.or_suggested(), suggested);
    }

    #[test]
    fn a_choice_is_made_ready_or_refused_with_what_to_do() {
        let tmp = tempfile::Builder::new()
            .prefix("atlas-restore-folder-")
            .tempdir()
            .unwrap();
        let scratch = tmp.path().to_path_buf();
        let home = scratch.as_path();
        let made = check_choice("  ~/restores/prod ", Some(home)).unwrap();
        assert_eq!(made, home.join("restores/prod"));
        assert!(made.is_dir());
        assert_eq!(std::fs::read_dir(&made).unwrap().count(), 0, "the probe is removed");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&made).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        assert!(check_choice("", Some(home)).unwrap_err().contains("write a folder"));
        assert!(check_choice("restores", Some(home)).unwrap_err().contains("relative"));
        std::fs::write(home.join("file"), b"x").unwrap();
        let err = check_choice(home.join("file").to_str().unwrap(), Some(home)).unwrap_err();
        assert!(
            err.contains("cannot create the download folder") || err.contains("not a folder"),
            "{err}"
        );
    }
}
