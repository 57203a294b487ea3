//! The PostgreSQL implementation of [`ServerStore`], for firms that run one: the same
//! tables as the embedded store (migrations by refinery), the same suite of tests. It
//! connects to a server on this machine (a Unix socket, or TCP on a loopback address); a
//! PostgreSQL elsewhere needs TLS, which is not offered yet, so it is refused.

use crate::storage::{Access, Device, EnrolRefused, ServerStore, StoreError, User};
use jiff::Timestamp;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, NoTls, Row};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

#[derive(Clone)]
pub struct PgStore {
    client: Arc<Mutex<Client>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Task(format!("PostgreSQL: {e}"))
}

impl PgStore {
    /// Connect with a libpq-style URL or key=value string and bring the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Refused(format!("the PostgreSQL address: {e}")))?;
        for host in config.get_hosts() {
            if let Host::Tcp(name) = host {
                let local = name == "localhost"
                    || name
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !local {
                    return Err(StoreError::Refused(format!(
                        "PostgreSQL at {name} would be reached without TLS; use one on this machine (a Unix socket or 127.0.0.1)"
                    )));
                }
            }
        }
        let (mut client, connection) = config.connect(NoTls).await.map_err(pg)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::error!("the PostgreSQL connection: {e}");
            }
        });
        embedded::migrations::runner()
            .run_async(&mut client)
            .await
            .map_err(|e| StoreError::Task(format!("PostgreSQL migrations: {e}")))?;
        Ok(PgStore {
            client: Arc::new(Mutex::new(client)),
        })
    }
}

fn device_of(r: &Row) -> Device {
    Device {
        id: r.get(0),
        user_id: r.get(1),
        name: r.get(2),
        public_key: r.get(3),
        enrolled_at: r.get(4),
        revoked_at: r.get(5),
    }
}

const DEVICE_COLUMNS: &str = "id, user_id, name, public_key, enrolled_at, revoked_at";
const BUMP: &str = "UPDATE access_version SET version = version + 1";

impl ServerStore for PgStore {
    fn chunk(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_opt("SELECT data FROM chunks WHERE key = $1", &[&key])
                .await
                .map_err(pg)?;
            Ok(row.map(|r| r.get(0)))
        }
    }

    fn chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    "SELECT key, data FROM chunks WHERE key = $1 OR (key >= $1 || '/' AND key < $1 || '0')",
                    &[&prefix],
                )
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        }
    }

    fn put_chunk(
        &self,
        key: String,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let doc = key.split_once('/').map(|(d, _)| d.to_owned());
            // Nothing is stored under an erased document's id again.
            if let Some(doc) = &doc {
                let erased: bool = tx
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM erased WHERE doc_id = $1)",
                        &[doc],
                    )
                    .await
                    .map_err(pg)?
                    .get(0);
                if erased {
                    return Ok(());
                }
            }
            tx.execute(
                "INSERT INTO chunks (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                &[&key, &data],
            )
            .await
            .map_err(pg)?;
            if let Some(doc) = &doc {
                tx.execute(
                    "INSERT INTO doc_changes (doc_id, seq) VALUES ($1, nextval('doc_change_seq'))
                     ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq",
                    &[&doc],
                )
                .await
                .map_err(pg)?;
            }
            tx.commit().await.map_err(pg)?;
            Ok(())
        }
    }

    fn has_chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM chunks WHERE key >= $1 || '/' AND key < $1 || '0')",
                    &[&prefix],
                )
                .await
                .map_err(pg)?;
            Ok(row.get(0))
        }
    }

    fn document_ids(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    "SELECT DISTINCT split_part(key, '/', 1) FROM chunks
                     WHERE position('/' in key) > 0 ORDER BY 1",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        }
    }

    fn changed_since(
        &self,
        since: i64,
    ) -> impl Future<Output = Result<(Vec<String>, i64), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let last: i64 = tx
                .query_one("SELECT coalesce(max(seq), 0) FROM doc_changes", &[])
                .await
                .map_err(pg)?
                .get(0);
            let rows = tx
                .query(
                    "SELECT doc_id FROM doc_changes WHERE seq > $1 ORDER BY seq",
                    &[&since],
                )
                .await
                .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok((rows.iter().map(|r| r.get(0)).collect(), last))
        }
    }

    fn delete_chunk(&self, key: String) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            c.execute("DELETE FROM chunks WHERE key = $1", &[&key])
                .await
                .map_err(pg)?;
            Ok(())
        }
    }

    fn add_user(&self, user: User) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let taken: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE initials = $1)",
                    &[&user.initials],
                )
                .await
                .map_err(pg)?
                .get(0);
            if taken {
                return Err(StoreError::Refused(format!(
                    "a user with the initials {} exists already",
                    user.initials
                )));
            }
            tx.execute(
                "INSERT INTO users (id, name, initials, role, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&user.id, &user.name, &user.initials, &user.role, &user.created_at],
            )
            .await
            .map_err(pg)?;
            tx.execute(BUMP, &[]).await.map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(())
        }
    }

    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    "SELECT id, name, initials, role, created_at FROM users ORDER BY initials",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| User {
                    id: r.get(0),
                    name: r.get(1),
                    initials: r.get(2),
                    role: r.get(3),
                    created_at: r.get(4),
                })
                .collect())
        }
    }

    fn add_enrol_code(
        &self,
        code_sha256: String,
        user_id: String,
        expires: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            c.execute(
                "INSERT INTO enrol_codes (code_sha256, user_id, expires_at) VALUES ($1, $2, $3)",
                &[&code_sha256, &user_id, &expires.to_string()],
            )
            .await
            .map_err(pg)?;
            Ok(())
        }
    }

    fn enrol(
        &self,
        code_sha256: String,
        now: Timestamp,
        device: Device,
    ) -> impl Future<Output = Result<Result<Device, EnrolRefused>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let code = tx
                .query_opt(
                    "SELECT user_id, expires_at, used_at FROM enrol_codes WHERE code_sha256 = $1 FOR UPDATE",
                    &[&code_sha256],
                )
                .await
                .map_err(pg)?;
            let Some(code) = code else {
                return Ok(Err(EnrolRefused::Unknown));
            };
            let (user_id, expires_at, used_at): (String, String, Option<String>) =
                (code.get(0), code.get(1), code.get(2));
            if let Some(used) = used_at {
                return Ok(Err(EnrolRefused::Used(used)));
            }
            let expires: Timestamp = expires_at
                .parse()
                .map_err(|_| StoreError::Task(format!("a stored expiry '{expires_at}'")))?;
            if now >= expires {
                return Ok(Err(EnrolRefused::Expired(expires_at)));
            }
            let device = Device { user_id, ..device };
            tx.execute(
                "UPDATE enrol_codes SET used_at = $2, device_id = $3 WHERE code_sha256 = $1",
                &[&code_sha256, &now.to_string(), &device.id],
            )
            .await
            .map_err(pg)?;
            tx.execute(
                "INSERT INTO devices (id, user_id, name, public_key, enrolled_at) VALUES ($1, $2, $3, $4, $5)",
                &[&device.id, &device.user_id, &device.name, &device.public_key, &device.enrolled_at],
            )
            .await
            .map_err(pg)?;
            tx.execute(BUMP, &[]).await.map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(Ok(device))
        }
    }

    fn device(
        &self,
        id: String,
    ) -> impl Future<Output = Result<Option<Device>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_opt(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"),
                    &[&id],
                )
                .await
                .map_err(pg)?;
            Ok(row.as_ref().map(device_of))
        }
    }

    fn devices(&self) -> impl Future<Output = Result<Vec<Device>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"),
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(device_of).collect())
        }
    }

    fn revoke_device(
        &self,
        id: String,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    &[&id, &at.to_string()],
                )
                .await
                .map_err(pg)?;
            tx.execute(BUMP, &[]).await.map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(n == 1)
        }
    }

    fn set_grant(
        &self,
        user_id: String,
        doc_id: String,
        access: Option<Access>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            match access {
                Some(a) => tx
                    .execute(
                        "INSERT INTO grants (user_id, doc_id, access) VALUES ($1, $2, $3)
                         ON CONFLICT (user_id, doc_id) DO UPDATE SET access = excluded.access",
                        &[&user_id, &doc_id, &a.as_str()],
                    )
                    .await
                    .map_err(pg)?,
                None => tx
                    .execute(
                        "DELETE FROM grants WHERE user_id = $1 AND doc_id = $2",
                        &[&user_id, &doc_id],
                    )
                    .await
                    .map_err(pg)?,
            };
            tx.execute(BUMP, &[]).await.map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(())
        }
    }

    fn grant(
        &self,
        user_id: String,
        doc_id: String,
    ) -> impl Future<Output = Result<Option<Access>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_opt(
                    "SELECT access FROM grants WHERE user_id = $1 AND doc_id = $2",
                    &[&user_id, &doc_id],
                )
                .await
                .map_err(pg)?;
            Ok(row.and_then(|r| Access::parse(r.get::<_, &str>(0))))
        }
    }

    fn grants(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, String, Access)>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    "SELECT user_id, doc_id, access FROM grants ORDER BY user_id, doc_id",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .filter_map(|r| Access::parse(r.get::<_, &str>(2)).map(|a| (r.get(0), r.get(1), a)))
                .collect())
        }
    }

    fn access_version(&self) -> impl Future<Output = Result<i64, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_one("SELECT version FROM access_version", &[])
                .await
                .map_err(pg)?;
            Ok(row.get(0))
        }
    }

    fn firm_document(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_opt(
                    "SELECT value FROM settings WHERE key = 'firm_document'",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(row.map(|r| r.get(0)))
        }
    }

    fn reserve_numbers(
        &self,
        series: String,
        at_least: i64,
        count: i64,
    ) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let key = format!("next_{series}");
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let kept: Option<String> = tx
                .query_opt(
                    "SELECT value FROM settings WHERE key = $1 FOR UPDATE",
                    &[&key],
                )
                .await
                .map_err(pg)?
                .map(|r| r.get(0));
            let next = kept
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(1)
                .max(at_least);
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &(next + count).to_string()],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok((next, next + count - 1))
        }
    }

    fn adopt_firm_document(
        &self,
        doc: String,
    ) -> impl Future<Output = Result<String, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let n = tx
                .execute(
                    "INSERT INTO settings (key, value) VALUES ('firm_document', $1) ON CONFLICT (key) DO NOTHING",
                    &[&doc],
                )
                .await
                .map_err(pg)?;
            if n == 1 {
                tx.execute(BUMP, &[]).await.map_err(pg)?;
            }
            let kept: String = tx
                .query_one(
                    "SELECT value FROM settings WHERE key = 'firm_document'",
                    &[],
                )
                .await
                .map_err(pg)?
                .get(0);
            tx.commit().await.map_err(pg)?;
            Ok(kept)
        }
    }

    fn erase_documents(
        &self,
        erased: Vec<(String, Option<String>)>,
        at: Timestamp,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            let mut count = 0;
            let at = at.to_string();
            for (doc, replaced_by) in &erased {
                count += tx
                    .execute(
                        "INSERT INTO erased (doc_id, replaced_by, erased_at) VALUES ($1, $2, $3)
                         ON CONFLICT (doc_id) DO NOTHING",
                        &[doc, replaced_by, &at],
                    )
                    .await
                    .map_err(pg)?;
                tx.execute(
                    "DELETE FROM chunks WHERE key = $1 OR (key >= $1 || '/' AND key < $1 || '0')",
                    &[doc],
                )
                .await
                .map_err(pg)?;
                tx.execute(
                    "INSERT INTO doc_changes (doc_id, seq) VALUES ($1, nextval('doc_change_seq'))
                     ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq",
                    &[doc],
                )
                .await
                .map_err(pg)?;
                if let Some(to) = replaced_by {
                    tx.execute(
                        "INSERT INTO grants (user_id, doc_id, access)
                         SELECT user_id, $2, access FROM grants WHERE doc_id = $1
                         ON CONFLICT (user_id, doc_id) DO NOTHING",
                        &[doc, to],
                    )
                    .await
                    .map_err(pg)?;
                }
                tx.execute("DELETE FROM grants WHERE doc_id = $1", &[doc])
                    .await
                    .map_err(pg)?;
            }
            tx.execute(BUMP, &[]).await.map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(usize::try_from(count).unwrap_or(usize::MAX))
        }
    }

    fn erased_documents(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query("SELECT doc_id FROM erased ORDER BY doc_id", &[])
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        }
    }

    fn audit_head(
        &self,
        device: String,
    ) -> impl Future<Output = Result<Option<(i64, String)>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let row = c
                .query_opt(
                    "SELECT seq, hash FROM audit_trail WHERE device = $1 ORDER BY seq DESC LIMIT 1",
                    &[&device],
                )
                .await
                .map_err(pg)?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        }
    }

    fn append_audit(
        &self,
        device: String,
        events: Vec<(i64, String, String)>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let mut c = c.lock().await;
            let tx = c.transaction().await.map_err(pg)?;
            for (seq, event, hash) in &events {
                tx.execute(
                    "INSERT INTO audit_trail (device, seq, event, hash) VALUES ($1, $2, $3, $4)",
                    &[&device, seq, event, hash],
                )
                .await
                .map_err(pg)?;
            }
            tx.commit().await.map_err(pg)?;
            Ok(())
        }
    }

    fn audit_trails(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, Vec<String>)>, StoreError>> + Send {
        let c = self.client.clone();
        async move {
            let c = c.lock().await;
            let rows = c
                .query(
                    "SELECT device, event FROM audit_trail ORDER BY device, seq",
                    &[],
                )
                .await
                .map_err(pg)?;
            let mut out: Vec<(String, Vec<String>)> = Vec::new();
            for r in rows {
                let (device, event): (String, String) = (r.get(0), r.get(1));
                match out.last_mut() {
                    Some((d, events)) if *d == device => events.push(event),
                    _ => out.push((device, vec![event])),
                }
            }
            Ok(out)
        }
    }
}
