//! The firm's authoritative client ledgers, and the server's answer to pending payments.
//!
//! A device enrolled with the server records a payment out of client money as *pending*:
//! apart from the server, two devices could each pay out what only one of them may. The
//! server keeps the firm's books (`satchel_core::accounts::Books`, the rules the devices
//! use) from every document it holds, and answers each pending posting first come, first
//! served — in the order postings reach it, and those arriving together in the order they
//! were recorded: confirmed when the firm's books can pay it, refused with the reason when
//! it would overdraw a client ledger (SRA Accounts Rules r5). A device's clock decides
//! nothing but ties within one moment. The answer is written into the
//! posting's own matter document (`confirmed_at`, or `refused_at` and `refused_reason`)
//! as the server's change, and syncs back to every device like any other change.
//!
//! The books are built the first time a pending posting arrives (nothing is held in memory
//! for a firm that never pays out through the server), from the documents in storage, and
//! are then kept up to date from each document the server stores. What the server decided
//! is in the documents, so a restart rebuilds the same books.

use crate::storage::ServerStore;
use anyhow::{Context, Result};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ROOT, ReadDoc};
use jiff::Timestamp;
use satchel_core::Money;
use satchel_core::accounts::{
    AccountId, AccountKind, Books, BroughtForward, NewBankAccount, Policy, Posting, PostingId,
    PostingKind, PostingState,
};
use satchel_core::matter::MatterNumber;
use satchel_sync::schema::{self, FirmDoc, Outcome, PostingRec};
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// What the server needs of a document.
enum Read {
    Firm(Box<FirmDoc>),
    Matter {
        number: MatterNumber,
        postings: Vec<PostingRec>,
    },
    Other,
}

/// A document as stored: every chunk samod wrote for it, loaded together.
async fn load<S: ServerStore>(store: &S, id: &str) -> Result<Option<Automerge>> {
    let chunks = store.chunks_under(id.to_owned()).await?;
    if chunks.is_empty() {
        return Ok(None);
    }
    let mut doc = Automerge::new();
    for (key, bytes) in chunks {
        doc.load_incremental(&bytes)
            .with_context(|| format!("load chunk {key}"))?;
    }
    Ok(Some(doc))
}

fn read(doc: &Automerge) -> Result<Read> {
    let kind = doc
        .get(ROOT, "kind")?
        .and_then(|(v, _)| v.into_string().ok());
    Ok(match kind.as_deref() {
        Some(schema::KIND_FIRM) => Read::Firm(Box::new(autosurgeon::hydrate(doc)?)),
        Some(schema::KIND_MATTER) => {
            let number: u64 = autosurgeon::hydrate_prop(doc, ROOT, "number")?;
            Read::Matter {
                number: MatterNumber::new(u32::try_from(number).context("a matter number")?),
                postings: autosurgeon::hydrate_prop(doc, ROOT, "postings")?,
            }
        }
        _ => Read::Other,
    })
}

/// The bank accounts a posting names.
fn accounts_of(kind: &PostingKind) -> Vec<AccountId> {
    match kind {
        PostingKind::Receipt { account, .. } | PostingKind::Payment { account, .. } => {
            vec![*account]
        }
        PostingKind::ClientToOffice { from, to, .. }
        | PostingKind::ClientToClient { from, to, .. } => vec![*from, *to],
        PostingKind::Reversal { .. } => Vec::new(),
    }
}

/// A pending posting's answer, to be written into its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub doc_id: String,
    pub posting: String,
    /// `None`: confirmed; `Some(reason)`: refused.
    pub refused: Option<String>,
}

/// The firm's books as the server holds them.
pub struct Ledgers {
    books: Books,
    /// Bank accounts in the books.
    accounts: HashSet<AccountId>,
    /// Postings in the books, or refused: never looked at again.
    seen: HashSet<String>,
    /// Confirmed postings that cannot go in yet (a reversal before its original, an
    /// account whose firm document has not come).
    waiting: Vec<Posting>,
    /// Pending postings not answered yet, with their documents.
    pending: Vec<(String, Posting)>,
}

impl Ledgers {
    fn new(policy: Policy) -> Self {
        Ledgers {
            books: Books::new(policy),
            accounts: HashSet::new(),
            seen: HashSet::new(),
            waiting: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Take in the firm's bank accounts (those not in the books yet).
    fn take_firm(&mut self, firm: &FirmDoc) {
        for (id, a) in &firm.accounts {
            let Ok(uuid) = id.parse() else {
                tracing::warn!("the firm document has a bank account with a bad id {id}");
                continue;
            };
            let account_id = AccountId(uuid);
            if self.accounts.contains(&account_id) {
                continue;
            }
            let added = (|| -> Result<()> {
                let account = NewBankAccount {
                    id: account_id,
                    kind: AccountKind::parse(&a.kind)?,
                    name: &a.name,
                    sort_code: &a.sort_code,
                    account_number: &a.account_number,
                    opening_balance: Money::from_pence(a.opening_balance_pence),
                }
                .validate(&firm.firm_name)?;
                let brought_forward = a
                    .brought_forward
                    .iter()
                    .map(|bf| {
                        Ok(BroughtForward {
                            matter: MatterNumber::new(u32::try_from(bf.matter_number)?),
                            client: bf.client.clone(),
                            amount: Money::from_pence(bf.amount_pence),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.books
                    .add_account(account, a.opened_on.parse()?, brought_forward)?;
                Ok(())
            })();
            match added {
                Ok(()) => {
                    self.accounts.insert(account_id);
                }
                Err(e) => tracing::warn!("bank account {id} is not in the server's books: {e}"),
            }
        }
    }

    /// Take in a matter's postings not seen before: confirmed ones into the books as they
    /// are, pending ones to be answered.
    fn take_matter(&mut self, doc_id: &str, number: MatterNumber, postings: &[PostingRec]) {
        for rec in postings {
            if self.seen.contains(&rec.id) {
                continue;
            }
            let outcome = rec.outcome();
            if outcome == Outcome::Refused {
                self.seen.insert(rec.id.clone());
                continue;
            }
            let mut posting = match rec.to_posting(number) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("{e}");
                    self.seen.insert(rec.id.clone());
                    continue;
                }
            };
            self.seen.insert(rec.id.clone());
            if outcome == Outcome::Pending {
                self.pending.push((doc_id.to_owned(), posting));
            } else {
                posting.state = PostingState::Confirmed;
                self.waiting.push(posting);
            }
        }
    }

    /// Whether the books have what a posting needs: its accounts and any original.
    fn ready(&self, p: &Posting) -> bool {
        accounts_of(&p.kind)
            .iter()
            .all(|a| self.accounts.contains(a))
            && match &p.kind {
                PostingKind::Reversal { of, .. } => self.books.entry(*of).is_some(),
                _ => true,
            }
    }

    /// Put in what can go in, then answer the pending postings that came together in the
    /// order recorded (a posting's id is a version 7 UUID: time first). Returns the answers.
    fn decide(&mut self) -> Vec<Answer> {
        // Confirmed postings: as many passes as it takes for reversals to find originals.
        loop {
            let before = self.waiting.len();
            let waiting = std::mem::take(&mut self.waiting);
            for p in waiting {
                if self.ready(&p) {
                    if let Err(e) = self.books.restore(p.clone(), PostingState::Confirmed) {
                        tracing::warn!("posting {} is not in the server's books: {e}", p.id);
                    }
                } else {
                    self.waiting.push(p);
                }
            }
            if self.waiting.len() == before {
                break;
            }
        }
        self.pending.sort_by_key(|(_, p)| p.id.0);
        let pending = std::mem::take(&mut self.pending);
        let mut answers = Vec::new();
        for (doc_id, mut p) in pending {
            if !self.ready(&p) {
                self.pending.push((doc_id, p));
                continue;
            }
            let id = p.id;
            p.state = PostingState::Confirmed;
            let refused = match self.books.post(p) {
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            };
            answers.push(Answer {
                doc_id,
                posting: id.to_string(),
                refused,
            });
        }
        answers
    }

    /// Whether a posting is in the books (confirmed).
    pub fn holds(&self, id: PostingId) -> bool {
        self.books.entry(id).is_some()
    }
}

/// What the books need of some documents: the firms' and the matters' postings.
#[derive(Default)]
struct Documents {
    firms: Vec<FirmDoc>,
    matters: Vec<(String, MatterNumber, Vec<PostingRec>)>,
}

impl Documents {
    /// Read these documents from storage (an id that is not a document's is passed over).
    async fn read<S: ServerStore>(
        store: &S,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<Self> {
        let mut out = Documents::default();
        for id in ids {
            if id.contains('/') || id == "storage-adapter-id" {
                continue;
            }
            let Some(doc) = load(store, &id).await? else {
                continue;
            };
            match read(&doc) {
                Ok(Read::Firm(f)) => out.firms.push(*f),
                Ok(Read::Matter { number, postings }) => out.matters.push((id, number, postings)),
                Ok(Read::Other) => {}
                Err(e) => tracing::warn!("document {id} cannot be read for the books: {e}"),
            }
        }
        Ok(out)
    }
}

impl Ledgers {
    /// Take in what these documents hold that the books have not seen.
    fn take(&mut self, docs: &Documents) {
        for f in &docs.firms {
            self.take_firm(f);
        }
        for (id, number, postings) in &docs.matters {
            self.take_matter(id, *number, postings);
        }
    }
}

/// Build the firm's books from every document in storage.
async fn build<S: ServerStore>(store: &S) -> Result<Ledgers> {
    let docs = Documents::read(store, store.document_ids().await?).await?;
    let policy = Policy {
        second_authoriser_above: docs
            .firms
            .iter()
            .find_map(|f| f.second_authoriser_above_pence)
            .map(Money::from_pence),
    };
    let mut ledgers = Ledgers::new(policy);
    ledgers.take(&docs);
    Ok(ledgers)
}

/// Write an answer into its posting's document, as one change of the server's.
async fn write(repo: &samod::Repo, answer: &Answer) -> Result<()> {
    let id: samod::DocumentId = answer
        .doc_id
        .parse()
        .map_err(|_| anyhow::anyhow!("{} is not a document id", answer.doc_id))?;
    let handle = repo
        .find(id)
        .await
        .map_err(|_| anyhow::anyhow!("the repository stopped"))?
        .with_context(|| format!("document {} is not here", answer.doc_id))?;
    let answer = answer.clone();
    handle
        .with_document_async(move |doc| -> Result<()> {
            let now = Timestamp::now();
            let message = if answer.refused.is_some() {
                "refuse payment"
            } else {
                "confirm payment"
            };
            doc.transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message.to_owned())
                        .with_time(now.as_second())
                },
                |tx| -> Result<(), automerge::AutomergeError> {
                    let Some((_, list)) = tx.get(ROOT, "postings")? else {
                        return Ok(());
                    };
                    for i in 0..tx.length(&list) {
                        let Some((_, item)) = tx.get(&list, i)? else {
                            continue;
                        };
                        let id = tx.get(&item, "id")?.and_then(|(v, _)| v.into_string().ok());
                        if id.as_deref() != Some(answer.posting.as_str()) {
                            continue;
                        }
                        match &answer.refused {
                            None => tx.put(&item, "confirmed_at", now.to_string())?,
                            Some(reason) => {
                                tx.put(&item, "refused_at", now.to_string())?;
                                tx.put(&item, "refused_reason", reason.as_str())?;
                            }
                        }
                    }
                    Ok(())
                },
            )
            .map_err(|f| anyhow::anyhow!("{}", f.error))?;
            Ok(())
        })
        .await
        .map_err(|_| anyhow::anyhow!("the repository stopped"))?
}

/// Answer pending payments as documents are stored, until the repository stops. `changed`
/// gives the id of each document samod stores a chunk of.
pub async fn run<S: ServerStore>(
    store: S,
    repo: samod::Repo,
    mut changed: UnboundedReceiver<String>,
) {
    let mut ledgers: Option<Ledgers> = None;
    while let Some(first) = changed.recv().await {
        // A sync stores many chunks at once: take them together.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut ids = BTreeSet::from([first]);
        while let Ok(id) = changed.try_recv() {
            ids.insert(id);
        }
        match answer(&store, &mut ledgers, ids).await {
            Ok(answers) => {
                for a in answers {
                    if let Err(e) = write(&repo, &a).await {
                        tracing::error!("answering posting {}: {e:#}", a.posting);
                    }
                }
            }
            Err(e) => tracing::error!("reading documents for the books: {e:#}"),
        }
    }
}

/// Bring the books up to date with changed documents and answer what is pending.
async fn answer<S: ServerStore>(
    store: &S,
    ledgers: &mut Option<Ledgers>,
    ids: BTreeSet<String>,
) -> Result<Vec<Answer>> {
    let docs = Documents::read(store, ids).await?;
    let books = match ledgers {
        Some(l) => {
            l.take(&docs);
            l
        }
        None => {
            let unanswered = docs
                .matters
                .iter()
                .any(|(_, _, ps)| ps.iter().any(|p| p.outcome() == Outcome::Pending));
            if !unanswered {
                return Ok(Vec::new());
            }
            ledgers.insert(build(store).await?)
        }
    };
    Ok(books.decide())
}
