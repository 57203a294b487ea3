//! Where Satchel keeps its data.

use std::path::PathBuf;

/// `SATCHEL_DATA_DIR` if set, else the XDG data directory (`~/.local/share/satchel`).
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SATCHEL_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "satchel").map(|p| p.data_dir().to_owned())
}
