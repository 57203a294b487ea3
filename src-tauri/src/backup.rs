//! Backups in the background: a thread that takes a verified backup when one is due (every
//! few hours while Satchel runs — four unless set), the backup taken on quit, "Back up
//! now", restoring a backup and exporting an archive, and what the window is shown of them
//! (a progress bar while one runs, how the last ended, the list).

use crate::{Shell, err};
use satchel_api::{ApiError, BackupStatus, ErrorKind};
use satchel_app::{Satchel, Unlock};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tauri::Manager;

/// How often the thread looks whether a backup is due (`SATCHEL_BACKUP_CHECK_SECONDS`
/// sets another).
const CHECK: Duration = Duration::from_secs(60);

/// What is running and how the last ended.
#[derive(Default)]
pub struct Progress {
    running: Option<String>,
    done: u64,
    of: u64,
    message: Option<String>,
    failed: bool,
    /// The list as last read: what the window is shown while a backup holds the store.
    entries: Vec<satchel_api::BackupEntry>,
    folder: String,
    every_hours: u32,
    /// Whether the list was read (it is read again only when something changes it).
    read: bool,
}

#[derive(Default)]
pub struct Backups {
    progress: Mutex<Progress>,
}

impl Backups {
    fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn begin(&self, what: &str) -> Result<(), ApiError> {
        let mut p = self.progress();
        if let Some(running) = &p.running {
            return Err(err(
                ErrorKind::Invalid,
                format!("{running} is under way; wait for it to finish"),
            ));
        }
        p.running = Some(what.to_owned());
        p.done = 0;
        p.of = 0;
        Ok(())
    }

    fn end(&self, outcome: Result<String, String>) {
        let mut p = self.progress();
        p.running = None;
        p.failed = outcome.is_err();
        p.message = Some(outcome.unwrap_or_else(|e| e));
    }

    fn tell(&self, done: u64, of: u64) {
        let mut p = self.progress();
        p.done = done;
        p.of = of;
    }

    /// Read the list and settings again from the store.
    pub fn refresh(&self, s: &Satchel) {
        let entries = s
            .backups()
            .map(|l| l.iter().map(|b| b.entry()).collect())
            .unwrap_or_default();
        let folder = s
            .backup_folder()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        let every = s
            .backup_every_hours()
            .unwrap_or(satchel_app::backup::EVERY_HOURS);
        let mut p = self.progress();
        p.entries = entries;
        p.folder = folder;
        p.every_hours = every;
        p.read = true;
    }
}

fn check_every() -> Duration {
    std::env::var("SATCHEL_BACKUP_CHECK_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(CHECK, Duration::from_secs)
}

/// Start the backup thread; it stops when the app does.
pub fn start(handle: tauri::AppHandle) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(check_every());
            let shell = handle.state::<Shell>();
            let due = shell
                .lock()
                .ok()
                .and_then(|g| g.as_ref().map(|s| s.backup_due()))
                .and_then(Result::ok)
                .unwrap_or(false);
            if due {
                let _ = take(&shell, "scheduled");
            }
        }
    });
}

/// Take a backup now (the thread's, "Back up now", on quit): the store is held while it is
/// copied and checked.
pub fn take(shell: &Shell, reason: &str) -> Result<(), ApiError> {
    shell.backups.begin("a backup")?;
    let outcome = shell.with_open(|s| {
        let b = s.backup(None, reason, &|done, of| shell.backups.tell(done, of));
        shell.backups.refresh(s);
        b
    });
    shell.backups.end(match &outcome {
        Ok(b) => Ok(format!(
            "Backed up and verified ({:.1} MB, {} matters).",
            b.manifest.bytes as f64 / 1e6,
            b.manifest.counts.get("matters").copied().unwrap_or(0)
        )),
        Err(e) => Err(format!("The backup failed: {}", e.message)),
    });
    outcome.map(|_| ())
}

/// The backups as the window shows them (asked every second while shown): the list as
/// last read — it is read when first asked, and again by whatever changes it (a backup,
/// a restore, new settings), not at every question.
pub fn status(shell: &Shell) -> Result<BackupStatus, ApiError> {
    let read = shell.backups.progress().read;
    if !read
        && let Ok(guard) = shell.satchel.try_lock()
        && let Some(s) = guard.as_ref()
    {
        shell.backups.refresh(s);
    }
    let p = shell.backups.progress();
    Ok(BackupStatus {
        folder: p.folder.clone(),
        every_hours: p.every_hours,
        running: p.running.clone(),
        done: p.done,
        of: p.of,
        message: p.message.clone(),
        failed: p.failed,
        entries: p.entries.clone(),
    })
}

/// Restore the backup `name` of the backup folder: the store is closed, restored (a
/// safety backup first) and opened again — the old store if the restore was refused.
pub fn restore(shell: &Shell, name: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(err(ErrorKind::Invalid, "no such backup"));
    }
    shell.backups.begin("a restore")?;
    let outcome = (|| {
        let mut guard = shell.lock()?;
        let from = guard
            .as_ref()
            .ok_or_else(|| err(ErrorKind::Locked, "Satchel is locked: unlock it first"))?
            .backup_folder()
            .map_err(ApiError::from)?
            .join(name);
        // The store closed while the backup takes its place.
        drop(guard.take());
        let restored = satchel_app::backup::restore(
            &shell.data_dir,
            shell.vault.as_ref(),
            Unlock::Keyring,
            &from,
            &|done, of| shell.backups.tell(done, of),
        );
        // Open again whatever happened: the restored store, or the one that was there.
        let reopened = Satchel::open(&shell.data_dir, shell.vault.as_ref(), Unlock::Keyring);
        if let Ok(s) = &reopened {
            shell.backups.refresh(s);
        }
        *guard = reopened.ok();
        restored.map_err(ApiError::from)
    })();
    shell.backups.end(match &outcome {
        Ok(r) => Ok(format!(
            "Restored the backup ({}, {} matters); the store as it was is kept as the backup \"before restore\".",
            r.from.reason,
            r.from.counts.get("matters").copied().unwrap_or(0)
        )),
        Err(e) => Err(format!("The restore was refused: {}", e.message)),
    });
    outcome.map(|_| ())
}

/// Export an encrypted archive into `folder`: the file's path.
pub fn export(shell: &Shell, folder: &str) -> Result<String, ApiError> {
    let folder = folder.trim();
    if folder.is_empty() || !std::path::Path::new(folder).is_absolute() {
        return Err(ApiError {
            kind: ErrorKind::Invalid,
            message: "Give the folder's full path, e.g. /media/usb.".into(),
            field: Some("folder".into()),
        });
    }
    shell.backups.begin("an export")?;
    let outcome = shell.with_open(|s| {
        s.export_archive(std::path::Path::new(folder), &|done, of| {
            shell.backups.tell(done, of)
        })
        .map(|p| p.display().to_string())
    });
    shell.backups.end(match &outcome {
        Ok(p) => Ok(format!(
            "Exported {p}: it opens on a new machine with the recovery passphrase."
        )),
        Err(e) => Err(format!("The export failed: {}", e.message)),
    });
    outcome
}

/// The backup taken when Satchel quits (if the store is open).
pub fn on_quit(shell: &Shell) {
    let open = shell.lock().map(|g| g.is_some()).unwrap_or(false);
    if open {
        let _ = take(shell, "on quit");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test that cannot set up should stop

    use super::*;
    use satchel_app::{MemoryVault, Setup};
    use std::sync::Mutex;

    fn shell_with_store() -> (tempfile::TempDir, Shell) {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let vault = MemoryVault::default();
        let s = Satchel::init_with(
            &data,
            &vault,
            &Setup {
                firm_name: "Reed LLP",
                user_name: "Sam Reed",
                initials: "SR",
                role: "partner",
                passphrase: "the long walk to the county court",
            },
            satchel_store::envelope::KdfParams {
                m_cost_kib: 1024,
                t_cost: 1,
                p_cost: 1,
            },
        )
        .unwrap();
        let shell = Shell {
            data_dir: data,
            vault: Box::new(vault),
            satchel: Mutex::new(Some(s)),
            syncer: crate::sync::Syncer::new(),
            backups: Backups::default(),
            locked: Mutex::new(None),
        };
        (dir, shell)
    }

    /// Quitting takes a verified backup of an open store, and the window's status lists
    /// it; a locked store (nothing open) is left alone.
    #[test]
    fn quitting_backs_the_open_store_up() {
        let (_d, shell) = shell_with_store();
        on_quit(&shell);
        let st = status(&shell).unwrap();
        assert_eq!(st.entries.len(), 1, "{:?}", st.message);
        assert_eq!(st.entries[0].reason, "on quit");
        assert!(!st.failed);
        assert!(st.running.is_none());
        // Locked: no store open, nothing taken.
        drop(shell.lock().unwrap().take());
        on_quit(&shell);
        let listed = satchel_app::backup::list(&shell.data_dir.join("backups")).unwrap();
        assert_eq!(listed.len(), 1);
    }

    /// One backup at a time: a second asked for while one runs is refused in words.
    #[test]
    fn one_backup_at_a_time() {
        let (_d, shell) = shell_with_store();
        shell.backups.begin("a backup").unwrap();
        let err = take(&shell, "manual").unwrap_err();
        assert!(err.message.contains("under way"), "{}", err.message);
        shell.backups.end(Ok("done".into()));
        take(&shell, "manual").unwrap();
    }
}
