//! `config init`'s writing: the profile merged into the file's text (other profiles and
//! comments kept), written 0600 through a temporary file.

use super::config_init::{NewProfile, PrivateKey};
use std::io::Write;
use std::path::Path;

/// The config's text with profile `name` set to `new`: the file's other profiles, keys and
/// comments as they were; in an existing profile, the keys not asked about (`poll_interval`,
/// `ca_file`…) kept too. `default_profile` is set when the file has none.
pub fn merge(existing: &str, name: &str, new: &NewProfile) -> Result<String, String> {
    use toml_edit::{DocumentMut, Item, Table, value};
    let mut doc: DocumentMut = existing
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("the config is not TOML: {}", e.message()))?;
    if !doc.contains_key("default_profile") {
        doc.insert("default_profile", value(name));
    }
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| "the config's `profiles` is not a table".to_string())?;
    let table = profiles
        .entry(name)
        .or_insert_with(|| {
            let mut t = Table::new();
            t.decor_mut()
                .set_prefix("\n# Written by `atlas-restore config init`.\n");
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| format!("profiles.{name} is not a table"))?;
    table.insert("flavor", value(new.flavor.as_str()));
    table.insert("base_url", value(&new.base_url));
    table.insert("public_key", value(&new.public_key));
    match &new.private_key {
        PrivateKey::InFile(key) => {
            table.remove("private_key_command");
            table.insert("private_key", value(key.expose()));
        }
        PrivateKey::Command(command) => {
            table.remove("private_key");
            table.insert("private_key_command", value(command));
        }
    }
    if new.flavor.is_public_api() {
        // One API version there: an old api_version would make the profile refused.
        table.remove("api_version");
    }
    match &new.group_id {
        Some(g) => table.insert("group_id", value(g)),
        None => table.remove("group_id"),
    };
    match &new.cluster_name {
        Some(c) => table.insert("cluster_name", value(c)),
        None => table.remove("cluster_name"),
    };
    Ok(doc.to_string())
}

/// Writes `text` to `path`, mode 0600, durably: a temporary file beside it (created 0600,
/// so the key is never readable by others, not even for a moment), synced, renamed over it.
/// A new folder is made 0700.
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("config.toml"),
        std::process::id()
    ));
    let fail = |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", tmp.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(|e| fail("create", e))?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", e));
    drop(file);
    if let Err(e) = written
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display())))
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot make {} private: {e}", path.display()))?;
    }
    Ok(())
}
