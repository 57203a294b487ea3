//! `satchel-server`: the firm server, and its administration (users, enrolment codes,
//! devices). See the README for starting it.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use satchel_server::postgres::PgStore;
use satchel_server::storage::{Access, ServerStore, User};
use satchel_server::{ServeOptions, auth, open_store, tls};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "satchel-server", version, about = "Satchel's firm server")]
struct Args {
    /// Where the server keeps its database, key and certificate.
    #[arg(long, env = "SATCHEL_SERVER_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Keep the firm's data in this PostgreSQL database (a libpq URL, on this machine)
    /// instead of the embedded encrypted store.
    #[arg(long, env = "SATCHEL_SERVER_POSTGRES", global = true)]
    postgres: Option<String>,
    /// The most the embedded database may grow to, in megabytes (default: as the disk
    /// allows). Beyond it, as on a full disk, the server takes no new sync connections and
    /// says why; devices keep their work until there is room.
    #[arg(long, env = "SATCHEL_SERVER_MAX_DB_MB", global = true)]
    max_db_mb: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve devices (HTTPS and the sync WebSocket).
    Serve {
        /// Address and port to listen on (port 0: any free port, printed).
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: std::net::SocketAddr,
        /// A certificate (PEM) to present instead of the self-signed one made here.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// A host name or address the server is reached at, for the certificate made here
        /// (repeat; default localhost, 127.0.0.1 and ::1).
        #[arg(long = "name")]
        names: Vec<String>,
        /// How many matter numbers a device is given at a time (bill numbers: five times
        /// as many). A device asks for more when it syncs with a quarter of a block left.
        #[arg(long, default_value_t = satchel_server::DEFAULT_NUMBER_BLOCK)]
        number_block: u32,
    },
    /// Print the certificate's SHA-256 fingerprint (what devices pin when they enrol).
    Fingerprint,
    /// Back the embedded database up (the server may keep running), verify the backup and
    /// rotate the folder's backups. The key file is not in the backup: keep it apart.
    Backup {
        /// Where the backups go (default: `backups` in the data folder).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// The devices' audit trails, as they sent them.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The backups, newest first.
    Backups {
        #[arg(long)]
        folder: Option<PathBuf>,
    },
    /// Restore the embedded database from a backup folder. Stop the server first; the
    /// database it replaces is backed up first.
    Restore { from: PathBuf },
    /// The firm's users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// A one-time code with which a device of a user enrols.
    EnrolCode {
        /// The user's initials.
        #[arg(long)]
        user: String,
        /// How long the code is good for.
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Enrolled devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Grant a user access to a document (a matter's), or take it away. Admins and partners
    /// need none; it takes effect on connected devices within a second.
    Grant {
        /// The user's initials.
        #[arg(long)]
        user: String,
        /// The document's id (as automerge-repo writes it, with or without `automerge:`).
        #[arg(long)]
        doc: String,
        /// read, download, edit, or none to take access away.
        #[arg(long)]
        access: String,
    },
    /// Every grant.
    Grants,
}

#[derive(Subcommand)]
enum UserCommand {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        initials: String,
        /// admin, partner, fee_earner, cashier or read_only.
        #[arg(long)]
        role: String,
    },
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every device's audit trail held here, from its first event: each event's hash,
    /// each link, no gap. Exits non-zero on any break, naming it.
    Verify,
}

#[derive(Subcommand)]
enum DeviceCommand {
    List,
    /// Refuse a device from its next connection on.
    Revoke {
        id: String,
    },
}

const ROLES: &[&str] = &["admin", "partner", "fee_earner", "cashier", "read_only"];

fn default_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "satchel-server")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from("satchel-server-data"))
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "satchel_server=info,samod=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args = Args::parse();
    let dir = args.data_dir.unwrap_or_else(default_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    // Backups work on the database file itself, without opening the store here.
    match (&args.command, &args.postgres) {
        (Command::Backup { .. } | Command::Backups { .. } | Command::Restore { .. }, Some(_)) => {
            bail!(
                "the firm's data is in PostgreSQL: back it up with PostgreSQL's own tools (pg_dump); these commands back up the embedded store"
            )
        }
        (Command::Backup { to }, None) => {
            let folder = to.clone().unwrap_or_else(|| dir.join("backups"));
            let (path, m) = satchel_server::backup::backup(&dir, &folder)?;
            println!(
                "backed up and verified: {} ({} bytes, {} documents); the key file is not in it — keep a copy of {} apart",
                path.display(),
                m.bytes,
                m.counts.get("doc_changes").copied().unwrap_or(0),
                dir.join(satchel_server::KEY_FILE).display()
            );
            return Ok(());
        }
        (Command::Backups { folder }, None) => {
            let folder = folder.clone().unwrap_or_else(|| dir.join("backups"));
            let list = satchel_server::backup::list(&folder)?;
            if list.is_empty() {
                println!("no backups in {}", folder.display());
            }
            for (path, m) in list {
                println!(
                    "{}  {:>12} bytes  {}",
                    m.created_at,
                    m.bytes,
                    path.display()
                );
            }
            return Ok(());
        }
        (Command::Restore { from }, None) => {
            let (m, safety, again) =
                satchel_server::backup::restore(&dir, from, &dir.join("backups"))?;
            println!(
                "restored the backup of {}; the database it replaced is kept in {}",
                m.created_at,
                safety.display()
            );
            if again > 0 {
                println!(
                    "{again} documents erased since that backup were erased again (an erasure is never undone by a restore)"
                );
            }
            return Ok(());
        }
        _ => {}
    }
    match &args.postgres {
        Some(url) => run(PgStore::connect(url).await?, dir, args.command).await,
        None => {
            let store = open_store(&dir)?;
            if let Some(mb) = args.max_db_mb {
                store.limit_size(mb)?;
            }
            run(store, dir, args.command).await
        }
    }
}

async fn run<S: ServerStore>(store: S, dir: PathBuf, command: Command) -> Result<()> {
    match command {
        Command::Serve {
            listen,
            cert,
            key,
            names,
            number_block,
        } => {
            let names = if names.is_empty() {
                vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
            } else {
                names
            };
            let options = ServeOptions {
                dir,
                listen,
                tls: cert.zip(key).map(|(cert, key)| tls::TlsFiles { cert, key }),
                names,
                number_block: number_block.clamp(1, 100_000),
            };
            let shutdown = async {
                let term = async {
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(mut s) => {
                            s.recv().await;
                        }
                        Err(_) => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    () = term => {}
                }
            };
            satchel_server::serve(store, options, shutdown).await
        }
        Command::Backup { .. } | Command::Backups { .. } | Command::Restore { .. } => {
            bail!("backups are taken before the store is opened")
        }
        Command::Fingerprint => {
            let files = tls::certificate(
                &dir,
                None,
                &["localhost".into(), "127.0.0.1".into(), "::1".into()],
            )?;
            println!("{}", tls::fingerprint_of(&files.cert)?);
            Ok(())
        }
        Command::User { command } => match command {
            UserCommand::Add {
                name,
                initials,
                role,
            } => {
                let (name, initials) = (name.trim().to_owned(), initials.trim().to_uppercase());
                if name.is_empty() {
                    bail!("--name: give the user's name");
                }
                if !(2..=4).contains(&initials.len())
                    || !initials.chars().all(|c| c.is_ascii_alphabetic())
                {
                    bail!("--initials: two to four letters, not '{initials}'");
                }
                if !ROLES.contains(&role.as_str()) {
                    bail!("--role must be one of {}, not '{role}'", ROLES.join(", "));
                }
                let user = User {
                    id: uuid::Uuid::now_v7().to_string(),
                    name,
                    initials,
                    role,
                    created_at: jiff::Timestamp::now().to_string(),
                };
                store.add_user(user.clone()).await?;
                println!("added {} ({}), {}", user.name, user.initials, user.role);
                Ok(())
            }
            UserCommand::List => {
                for u in store.users().await? {
                    println!("{}\t{}\t{}", u.initials, u.name, u.role);
                }
                Ok(())
            }
        },
        Command::EnrolCode { user, hours } => {
            if !(1..=24 * 14).contains(&hours) {
                bail!("--hours: from 1 to 336 (two weeks)");
            }
            let initials = user.trim().to_uppercase();
            let Some(u) = store
                .users()
                .await?
                .into_iter()
                .find(|u| u.initials == initials)
            else {
                bail!(
                    "no user has the initials {initials}; add them first (satchel-server user add)"
                );
            };
            let code = auth::new_code()?;
            let expires =
                jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(hours))?;
            store
                .add_enrol_code(auth::code_hash(&code), u.id.clone(), expires)
                .await?;
            println!("{code}");
            eprintln!(
                "a one-time enrolment code for {} ({}), good until {expires}",
                u.name, u.initials
            );
            Ok(())
        }
        Command::Grant { user, doc, access } => {
            let initials = user.trim().to_uppercase();
            let Some(u) = store
                .users()
                .await?
                .into_iter()
                .find(|u| u.initials == initials)
            else {
                bail!("no user has the initials {initials}");
            };
            let doc = doc.trim().trim_start_matches("automerge:").to_owned();
            let id: samod::DocumentId = doc
                .parse()
                .map_err(|_| anyhow::anyhow!("--doc: '{doc}' is not a document id"))?;
            let access = match access.trim() {
                "none" => None,
                other => Some(Access::parse(other).ok_or_else(|| {
                    anyhow::anyhow!("--access must be read, download, edit or none, not '{other}'")
                })?),
            };
            store
                .set_grant(u.id.clone(), id.to_string(), access)
                .await?;
            match access {
                Some(a) => println!("{} may {} {id}", u.initials, a.as_str()),
                None => println!("{} may no longer see {id}", u.initials),
            }
            Ok(())
        }
        Command::Grants => {
            let users = store.users().await?;
            for (user, doc, access) in store.grants().await? {
                let initials = users
                    .iter()
                    .find(|u| u.id == user)
                    .map_or(user.as_str(), |u| u.initials.as_str());
                println!("{initials}\t{doc}\t{}", access.as_str());
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let trails = store.audit_trails().await?;
            let mut broken = 0;
            let mut events = 0;
            for (device, rows) in &trails {
                let parsed: Result<Vec<satchel_core::audit::StoredEvent>, _> =
                    rows.iter().map(|r| serde_json::from_str(r)).collect();
                match parsed {
                    Err(e) => {
                        broken += 1;
                        println!("device {device}: an event does not read: {e}");
                    }
                    Ok(list) => match satchel_core::audit::verify_chain(&list) {
                        Ok(n) => events += n,
                        Err(b) => {
                            broken += 1;
                            println!("device {device}: {b}");
                        }
                    },
                }
            }
            if broken > 0 {
                bail!("{broken} of {} audit trails are broken", trails.len());
            }
            println!(
                "ok: {} devices' audit trails, {events} events, every link and hash holds",
                trails.len()
            );
            Ok(())
        }
        Command::Device { command } => match command {
            DeviceCommand::List => {
                for d in store.devices().await? {
                    println!(
                        "{}\t{}\t{}\tenrolled {}{}",
                        d.id,
                        d.user_id,
                        d.name,
                        d.enrolled_at,
                        d.revoked_at
                            .map(|r| format!("\trevoked {r}"))
                            .unwrap_or_default()
                    );
                }
                Ok(())
            }
            DeviceCommand::Revoke { id } => {
                if store
                    .revoke_device(id.clone(), jiff::Timestamp::now())
                    .await?
                {
                    println!("revoked {id}: refused from its next connection");
                    Ok(())
                } else {
                    bail!("no enrolled device {id} that is not revoked already")
                }
            }
        },
    }
}
