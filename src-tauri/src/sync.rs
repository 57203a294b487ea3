//! Sync in the background: a thread that syncs with the firm server every so often (and at
//! once when asked: the store opened, the device enrolled, "Sync now"), holding the store
//! only to read what to send and to merge what came — never while the network is slow —
//! and the status the window always shows.

use crate::Shell;
use satchel_api::{ApiError, ErrorKind, SyncStatus};
use satchel_app::{AppError, SyncError};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tauri::Manager;

/// How often to sync when nothing asks sooner; `SATCHEL_SYNC_SECONDS` sets another.
const EVERY: Duration = Duration::from_secs(60);

/// What the sync thread is doing, as the window shows it.
#[derive(Default)]
pub struct Progress {
    state: String,
    message: Option<String>,
    done: u64,
    of: u64,
    /// The status as last read from the store: what the window is shown while a long
    /// merge holds the store.
    last: Option<SyncStatus>,
}

/// The sync thread's side of the shell: its progress, and the way to wake it.
pub struct Syncer {
    progress: Mutex<Progress>,
    poke: Mutex<Option<Sender<()>>>,
}

impl Syncer {
    pub fn new() -> Self {
        Syncer {
            progress: Mutex::new(Progress {
                state: "syncing".into(),
                ..Progress::default()
            }),
            poke: Mutex::new(None),
        }
    }

    fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set(&self, state: &str, message: Option<String>) {
        let mut p = self.progress();
        p.state = state.into();
        p.message = message;
    }

    /// Ask for a sync now (if the store is open and enrolled).
    pub fn wake(&self) {
        if let Ok(guard) = self.poke.lock()
            && let Some(tx) = guard.as_ref()
        {
            let _ = tx.send(());
        }
    }
}

fn interval() -> Duration {
    std::env::var("SATCHEL_SYNC_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(EVERY, Duration::from_secs)
}

/// Start the sync thread; it stops when the app does.
pub fn start(handle: tauri::AppHandle) {
    let (tx, rx) = std::sync::mpsc::channel();
    if let Ok(mut poke) = handle.state::<Shell>().syncer.poke.lock() {
        *poke = Some(tx);
    }
    std::thread::Builder::new()
        .name("satchel-sync".into())
        .spawn(move || run(handle, rx))
        .ok();
}

fn run(handle: tauri::AppHandle, poke: Receiver<()>) {
    let every = interval();
    loop {
        match poke.recv_timeout(every) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while poke.try_recv().is_ok() {}
        once(&handle.state::<Shell>());
    }
}

/// One sync, if the store is open and this device is enrolled.
fn once(shell: &Shell) {
    let syncer = &shell.syncer;
    let job = {
        let Ok(guard) = shell.lock() else { return };
        let Some(s) = guard.as_ref() else { return };
        if !matches!(s.server_settings(), Ok(Some(_))) {
            return;
        }
        match s.sync_job(shell.vault.as_ref()) {
            Ok(job) => job,
            Err(e) => {
                syncer.set("failed", Some(ApiError::from(e).message));
                return;
            }
        }
    };
    {
        let mut p = syncer.progress();
        p.state = "syncing".into();
        p.done = 0;
        p.of = 0;
    }
    let got = job.run(&|done, of| {
        let mut p = syncer.progress();
        p.done = done;
        p.of = of;
    });
    if let Err(e @ (SyncError::Unreachable { .. } | SyncError::Unavailable(_))) = &got {
        syncer.set("offline", Some(e.to_string()));
        return;
    }
    let Ok(mut guard) = shell.lock() else { return };
    let Some(s) = guard.as_mut() else { return };
    // Merging what came (a first sync's is a whole firm's) goes on the same progress bar.
    let merged = s.finish_sync_with(shell.vault.as_ref(), job, got, &|done, of| {
        let mut p = syncer.progress();
        p.done = done;
        p.of = of;
        true
    });
    match merged {
        Ok(_) => syncer.set("synced", None),
        Err(e @ AppError::Locked(_)) => {
            // Revoked: the keys are gone; close the store.
            syncer.set("failed", Some(ApiError::from(e).message));
            *guard = None;
        }
        Err(e) => syncer.set("failed", Some(ApiError::from(e).message)),
    }
}

/// Where this device stands with the firm server.
pub fn status(shell: &Shell) -> Result<SyncStatus, ApiError> {
    // While a sync merges, the store is its: the window is shown how far it got.
    let guard = match shell.satchel.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::WouldBlock) => {
            let p = shell.syncer.progress();
            if let Some(last) = &p.last {
                return Ok(SyncStatus {
                    state: p.state.clone(),
                    message: p.message.clone(),
                    done: p.done,
                    of: p.of,
                    ..last.clone()
                });
            }
            drop(p);
            shell.lock()?
        }
        Err(std::sync::TryLockError::Poisoned(_)) => shell.lock()?,
    };
    let s = guard.as_ref().ok_or_else(|| ApiError {
        kind: ErrorKind::Locked,
        message: "Satchel is locked: unlock it first".into(),
        field: None,
    })?;
    let Some(settings) = s.server_settings()? else {
        return Ok(SyncStatus {
            state: "standalone".into(),
            ..SyncStatus::default()
        });
    };
    let (last_sync, waiting) = s.sync_backlog()?;
    drop(guard);
    let mut p = shell.syncer.progress();
    let now = SyncStatus {
        state: p.state.clone(),
        server: Some(settings.address),
        waiting,
        first: last_sync.is_none(),
        last_sync,
        message: p.message.clone(),
        done: p.done,
        of: p.of,
    };
    p.last = Some(now.clone());
    Ok(now)
}
