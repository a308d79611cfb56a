//! Files written where others may write too (a download folder can be a shared one): opened
//! without following a symbolic link (`O_NOFOLLOW`), made exclusively when new
//! (`create_new`, mode 0600), and refused when what is there is not a plain file of one
//! name (a symbolic link, a FIFO, a second hard link). A refusal says what is there and
//! what to do; the file a planted link points to is never opened, so never changed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// What is at `path` when it must not be used: a symbolic link (with its target), or
/// something other than a plain file. `None` when nothing is there or a plain file is.
pub fn refusal(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return Some(symlink_words(path));
    }
    (!meta.is_file()).then(|| not_a_file_words(path))
}

fn symlink_words(path: &Path) -> String {
    let to = std::fs::read_link(path)
        .map(|t| format!(" (to {})", crate::text::sanitize(&t.display().to_string())))
        .unwrap_or_default();
    format!(
        "{} is a symbolic link{to}: refused, nothing was written through it; remove the link, or download into a folder only you can write to",
        path.display()
    )
}

fn not_a_file_words(path: &Path) -> String {
    format!(
        "{} is not a plain file: refused, nothing was written to it; remove it, or download into a folder only you can write to",
        path.display()
    )
}

/// An `open` error in words, a symbolic link (`ELOOP` under `O_NOFOLLOW`) said as such.
fn open_error(path: &Path, e: &io::Error, doing: &str) -> String {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return symlink_words(path);
    }
    format!("cannot {doing} {}: {e}", path.display())
}

fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW).mode(0o600);
    }
    o
}

/// A plain file of one name, or the words why not.
fn check_plain(path: &Path, file: &File) -> Result<(), String> {
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(not_a_file_words(path));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(format!(
                "{} has {} hard links (another name shares its data): refused, nothing was written to it; remove it, or download into a folder only you can write to",
                path.display(),
                meta.nlink()
            ));
        }
    }
    Ok(())
}

/// Opens `path` to read and write, or makes it (0600, exclusively) when it is not there;
/// never through a symbolic link. `true` when it was made here.
pub(crate) fn open_or_create(path: &Path) -> Result<(File, bool), String> {
    // Made between our two tries by someone else: open it then (a few times at most).
    for _ in 0..3 {
        match no_follow(OpenOptions::new().read(true).write(true)).open(path) {
            Ok(file) => {
                check_plain(path, &file)?;
                return Ok((file, false));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(open_error(path, &e, "open")),
        }
        match no_follow(OpenOptions::new().read(true).write(true).create_new(true)).open(path) {
            Ok(file) => return Ok((file, true)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // A dangling symbolic link is "there" for `create_new`: say it as one.
                if let Some(why) = refusal(path) {
                    return Err(why);
                }
            }
            Err(e) => return Err(open_error(path, &e, "create")),
        }
    }
    Err(format!(
        "{} keeps appearing and disappearing: another program is working in this folder; download into a folder only you can write to",
        path.display()
    ))
}

/// Makes `path` exclusively (0600, never through a symbolic link): an error when anything
/// is there already.
pub(crate) fn create_new(path: &Path) -> Result<File, String> {
    match no_follow(OpenOptions::new().read(true).write(true).create_new(true)).open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(refusal(path)
            .unwrap_or_else(|| format!("{} is there already: refused, it was left as it is", path.display()))),
        Err(e) => Err(open_error(path, &e, "create")),
    }
}

/// Opens `path` to read, never through a symbolic link, and only a plain file.
pub(crate) fn open_read(path: &Path) -> Result<File, String> {
    let file = no_follow(OpenOptions::new().read(true))
        .open(path)
        .map_err(|e| open_error(path, &e, "read"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(not_a_file_words(path));
    }
    Ok(file)
}

/// Makes `dir` (and its parents) when missing, the last one 0700; tightens it to 0700 when
/// it is there and looser (the data folder names projects and clusters).
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Makes `path` as an empty file 0600 when missing (never through a symbolic link); tightens
/// one that is there to 0600. What SQLite then opens keeps that mode.
pub(crate) fn touch_private(path: &Path) -> io::Result<()> {
    let file = no_follow(OpenOptions::new().read(true).write(true).create(true)).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = file.metadata()?;
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A scratch folder, removed when dropped (a failed test's too).
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("atlas-restore-files-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn a_new_file_is_made_0600_and_an_existing_one_opened() {
        let tmp = scratch("new");
        let dir = tmp.path().to_path_buf();
        let p = dir.join("a.part");
        let (_, made) = open_or_create(&p).unwrap();
        assert!(made);
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let (_, made) = open_or_create(&p).unwrap();
        assert!(!made);
        assert!(create_new(&p).unwrap_err().contains("is there already"));
    }

    #[test]
    fn symbolic_links_and_hard_links_are_refused_and_their_targets_untouched() {
        let tmp = scratch("links");
        let dir = tmp.path().to_path_buf();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.join("a.part");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for why in [
            open_or_create(&link).map(|_| ()).unwrap_err(),
            create_new(&link).map(|_| ()).unwrap_err(),
            open_read(&link).map(|_| ()).unwrap_err(),
            refusal(&link).unwrap(),
        ] {
            assert!(why.contains("is a symbolic link") && why.contains("victim"), "{why}");
        }
        // A dangling link too.
        let dangling = dir.join("b.part");
        std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
        assert!(open_or_create(&dangling).unwrap_err().contains("symbolic link"));
        assert!(!dir.join("nowhere").exists());
        // A second name of the victim's data.
        let hard = dir.join("c.part");
        std::fs::hard_link(&victim, &hard).unwrap();
        assert!(open_or_create(&hard).unwrap_err().contains("hard links"));
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o644);
    }
}
