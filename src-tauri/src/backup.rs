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
    fn refresh(&self, s: &Satchel) {
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

/// The backups as the window shows them.
pub fn status(shell: &Shell) -> Result<BackupStatus, ApiError> {
    // While a backup holds the store, the list as last read.
    if let Ok(guard) = shell.satchel.try_lock()
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
