//! A device's one-shot exchange of its documents with the server (`satchel_sync::exchange`),
//! as the desktop's sync does it: what one device changed reaches another through the
//! server, both ways, including a document under a `bank-…` id; a device whose user has no
//! grant gets the document reported as not shared, and the server keeps nothing of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc};
use satchel_sync::{DeviceKey, exchange, repo_id};
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::{enrolled, firm};

fn doc_with(key: &str, value: &str) -> AutoCommit {
    let mut d = AutoCommit::new();
    d.put(automerge::ROOT, key, value).unwrap();
    d
}

fn text(bytes: &[u8], key: &str) -> Option<String> {
    let d = AutoCommit::load(bytes).unwrap();
    d.get(automerge::ROOT, key)
        .unwrap()
        .and_then(|(v, _)| v.into_string().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_exchange_their_documents_through_the_server() {
    let firm = firm(
        &[
            ("Jane Hale", "JH", "partner"),
            ("Alan Bird", "AB", "fee_earner"),
        ],
        &["JH", "JH", "AB"],
    );
    let (server, codes) = (&firm.server, &firm.codes);
    let mut devices = Vec::new();
    for (code, name) in codes.iter().zip(["laptop", "desktop", "fee earner"]) {
        let (e, key) = enrolled(server, code, name).await;
        devices.push((e.device_id, Arc::new(key)));
    }
    let limit = Duration::from_secs(10);
    // One exchange as device `d` (0 and 1 a partner's, 2 a fee earner's).
    let as_device = |d: usize, documents: Vec<(String, Vec<u8>)>, wanted, limit| {
        let (id, key): &(String, Arc<DeviceKey>) = &devices[d];
        exchange(
            server,
            id,
            key.clone(),
            documents,
            wanted,
            limit,
            &|_, _| {},
        )
    };

    // Device A's matter and a month of statements go up.
    let matter = uuid::Uuid::now_v7().to_string();
    let month = format!("bank-{}-2026-10", uuid::Uuid::now_v7());
    let mut on_a = doc_with("client", "Ann Lee");
    let a = as_device(
        0,
        vec![
            (matter.clone(), on_a.save()),
            (month.clone(), doc_with("month", "2026-10").save()),
        ],
        vec![],
        limit,
    )
    .await
    .unwrap();
    assert!(a.not_shared.is_empty(), "{:?}", a.not_shared);
    assert_eq!(a.documents.len(), 2);
    assert_ne!(repo_id(&matter), repo_id(&month));
    assert_eq!(
        repo_id(&month),
        repo_id(&month.clone()),
        "the same id on every device"
    );

    // What each device may have: a partner's, everything; a fee earner's, nothing granted.
    let listed = server
        .documents(&devices[1].0, &devices[1].1)
        .await
        .unwrap();
    assert!(listed.contains(&repo_id(&matter)) && listed.contains(&repo_id(&month)));
    assert!(
        server
            .documents(&devices[2].0, &devices[2].1)
            .await
            .unwrap()
            .is_empty()
    );
    // Device B asks for the month it does not hold.
    let fetched = as_device(1, vec![], vec![repo_id(&month)], limit)
        .await
        .unwrap()
        .fetched;
    assert_eq!(fetched.len(), 1);
    assert_eq!(text(&fetched[0].1, "month").as_deref(), Some("2026-10"));

    // Device B had a copy of the matter from before, and edits it apart.
    let mut on_b = AutoCommit::load(&on_a.save()).unwrap();
    on_b.set_actor(automerge::ActorId::random());
    on_b.put(automerge::ROOT, "reference", "HL/2041").unwrap();
    on_a.put(automerge::ROOT, "description", "Lease renewal")
        .unwrap();
    let b = as_device(1, vec![(matter.clone(), on_b.save())], vec![], limit)
        .await
        .unwrap();
    let (_, got) = &b.documents[0];
    assert_eq!(text(got, "reference").as_deref(), Some("HL/2041"));
    assert_eq!(text(got, "client").as_deref(), Some("Ann Lee"));
    // A's next exchange brings B's edit, and takes A's own up.
    let a = as_device(0, vec![(matter.clone(), on_a.save())], vec![], limit)
        .await
        .unwrap();
    let (_, got) = &a.documents[0];
    assert_eq!(text(got, "reference").as_deref(), Some("HL/2041"));
    assert_eq!(text(got, "description").as_deref(), Some("Lease renewal"));

    // A fee earner with no grant: not shared, and what the device sent is not taken.
    let mut forged = AutoCommit::load(got).unwrap();
    forged.set_actor(automerge::ActorId::random());
    forged
        .put(automerge::ROOT, "client", "Changed without a grant")
        .unwrap();
    let c = as_device(
        2,
        vec![(matter.clone(), forged.save())],
        vec![],
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!(c.not_shared, vec![matter.clone()]);
    let a = as_device(0, vec![(matter.clone(), on_a.save())], vec![], limit)
        .await
        .unwrap();
    assert_eq!(
        text(&a.documents[0].1, "client").as_deref(),
        Some("Ann Lee")
    );
}
