//! The firm server from the real window: a standalone device shows "Standalone"; enrolled
//! from Settings with the server's address, fingerprint and a one-time code, it syncs by
//! itself; with the server gone it shows "Offline" and the change made meanwhile waiting;
//! with the server back it shows "Synced" again, nothing waiting.

use anyhow::{Context, Result};
use satchel_e2e::ui::{fill, launch, set_value, shot, wait_for, wait_for_text, wait_until_attr};
use satchel_e2e::{Driver, FirmServer, Home, cli};

const PASS: &str = "a laptop in court is still the firm's";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_status_goes_from_offline_to_synced_by_itself() -> Result<()> {
    let home = Home::new()?;
    cli(
        &home,
        &[
            "init",
            "--firm",
            "Hale & Co Solicitors",
            "--user",
            "Jane Hale",
            "--initials",
            "JH",
            "--role",
            "partner",
        ],
        Some(PASS),
    )?;
    cli(
        &home,
        &[
            "matter",
            "add",
            "--client",
            "Ada Price",
            "--description",
            "Lease renewal",
        ],
        Some(PASS),
    )?;
    let data = tempfile::tempdir()?;
    FirmServer::admin(
        data.path(),
        &[
            "user",
            "add",
            "--name",
            "Jane Hale",
            "--initials",
            "JH",
            "--role",
            "partner",
        ],
    )?;
    let code = FirmServer::admin(data.path(), &["enrol-code", "--user", "JH"])?;
    let server = FirmServer::start(data.path(), "127.0.0.1:0")?;
    let listen = server
        .address
        .strip_prefix("https://")
        .context("an https address")?
        .to_owned();

    // The app syncs every second here (a minute by default), so the test sees it move.
    let driver = Driver::start_with(&home, &[("SATCHEL_SYNC_SECONDS", "1")])?;
    let c = launch(&driver).await?;
    wait_until_attr(&c, "#sync-status", "data-state", "standalone").await?;
    wait_for_text(&c, "#sync-status", "Standalone").await?;

    // Enrol from Settings: a wrong fingerprint is refused in words, the right one taken.
    wait_for(&c, "#nav-settings").await?.click().await?;
    set_value(&c, "#enrol-address", &server.address).await?;
    set_value(&c, "#enrol-fingerprint", &["AB"; 32].join(":")).await?;
    set_value(&c, "#enrol-code", &code).await?;
    set_value(&c, "#enrol-name", "Jane's laptop").await?;
    c.execute("document.getElementById('enrol-submit').click()", vec![])
        .await?;
    let refused =
        wait_for_text(&c, "#enrol-address-error", "does not match the fingerprint").await?;
    println!("wrong fingerprint: {refused}");
    set_value(&c, "#enrol-fingerprint", &server.fingerprint).await?;
    c.execute("document.getElementById('enrol-submit').click()", vec![])
        .await?;
    wait_until_attr(&c, "#sync-status", "data-state", "synced").await?;
    wait_for_text(&c, "#sync-detail", "nothing waiting").await?;
    wait_for_text(&c, "#server-address", &server.address).await?;
    // The store keeps 1,000 matter numbers after the one it gave out; the server gives
    // out the rest.
    wait_for_text(&c, "#number-blocks", "M00002–M01001").await?;
    shot(&c, "sync-01-synced.png").await?;

    // The server goes away; the window says so, and work goes on and waits.
    drop(server);
    wait_until_attr(&c, "#sync-status", "data-state", "offline").await?;
    fill(&c, "#unit-minutes", "10").await?;
    c.execute("document.getElementById('unit-submit').click()", vec![])
        .await?;
    wait_for_text(&c, "#unit-form", "10-minute units").await?;
    wait_for_text(&c, "#sync-detail", "1 change waiting").await?;
    let offline = wait_for_text(&c, "#sync-status", "Offline").await?;
    println!("offline: {offline}");
    shot(&c, "sync-02-offline.png").await?;

    // Back on the same address: the device syncs by itself and nothing is left waiting.
    let server = FirmServer::start(data.path(), &listen)?;
    wait_until_attr(&c, "#sync-status", "data-state", "synced").await?;
    wait_for_text(&c, "#sync-detail", "nothing waiting").await?;
    shot(&c, "sync-03-synced-again.png").await?;

    // The partner grants the matter to a fee earner from its Access tab: the server keeps
    // the grant.
    FirmServer::admin(
        data.path(),
        &[
            "user",
            "add",
            "--name",
            "Cara Dunn",
            "--initials",
            "CD",
            "--role",
            "fee_earner",
        ],
    )?;
    wait_for(&c, "#nav-matters").await?.click().await?;
    wait_for(&c, "tr.matter-row[data-number='M00001'] td.client")
        .await?
        .click()
        .await?;
    wait_for(&c, "#tab-access").await?.click().await?;
    wait_until_attr(&c, "#grants-list", "data-count", "0").await?;
    set_value(&c, "#grant-user", "CD").await?;
    wait_for(&c, "#grant-access")
        .await?
        .select_by_value("edit")
        .await?;
    c.execute("document.getElementById('grant-submit').click()", vec![])
        .await?;
    wait_until_attr(&c, "#grants-list", "data-count", "1").await?;
    wait_for_text(&c, "#grants-list", "edit").await?;
    c.execute(
        "document.getElementById('grants-panel').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "sync-03b-grants.png").await?;
    let grants = FirmServer::admin(data.path(), &["grants"])?;
    assert!(grants.contains("CD") && grants.contains("edit"), "{grants}");
    drop(server);
    c.close().await?;
    Ok(())
}

/// A fee earner's new laptop joins the firm from the first-run screen: the partner's store
/// is enrolled and synced from the command line, then the window joins with the server's
/// address, fingerprint and a code, opens as the fee earner of that firm, and syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_laptop_joins_the_firm_from_the_first_run_screen() -> Result<()> {
    let partner = Home::new()?;
    cli(
        &partner,
        &[
            "init",
            "--firm",
            "Hale & Co Solicitors",
            "--user",
            "Jane Hale",
            "--initials",
            "JH",
            "--role",
            "partner",
        ],
        Some(PASS),
    )?;
    cli(
        &partner,
        &[
            "user",
            "add",
            "--name",
            "Cara Dunn",
            "--initials",
            "CD",
            "--role",
            "fee_earner",
        ],
        None,
    )?;
    let data = tempfile::tempdir()?;
    for (name, initials, role) in [
        ("Jane Hale", "JH", "partner"),
        ("Cara Dunn", "CD", "fee_earner"),
    ] {
        FirmServer::admin(
            data.path(),
            &[
                "user",
                "add",
                "--name",
                name,
                "--initials",
                initials,
                "--role",
                role,
            ],
        )?;
    }
    let code_jh = FirmServer::admin(data.path(), &["enrol-code", "--user", "JH"])?;
    let code_cd = FirmServer::admin(data.path(), &["enrol-code", "--user", "CD"])?;
    let server = FirmServer::start(data.path(), "127.0.0.1:0")?;
    cli(
        &partner,
        &[
            "enrol",
            "--server",
            &server.address,
            "--fingerprint",
            &server.fingerprint,
            "--code",
            &code_jh,
        ],
        None,
    )?;
    cli(&partner, &["sync"], None)?;

    let laptop = Home::new()?;
    let driver = Driver::start_with(&laptop, &[("SATCHEL_SYNC_SECONDS", "1")])?;
    let c = launch(&driver).await?;
    wait_for(&c, "#join-instead").await?.click().await?;
    // (Set, not typed key by key: on a busy machine WebKit has delivered typed keys to the
    // field the focus had just left, and the server address got part of the fingerprint.)
    let fields = [
        ("#join-address", server.address.as_str()),
        ("#join-fingerprint", server.fingerprint.as_str()),
        ("#join-code", code_cd.as_str()),
        ("#join-name", "Cara's laptop"),
        ("#join-passphrase", PASS),
        ("#join-passphrase2", PASS),
    ];
    for (css, text) in fields {
        set_value(&c, css, text).await?;
    }
    for (css, text) in fields {
        let got = wait_for(&c, css).await?.prop("value").await?;
        anyhow::ensure!(got.as_deref() == Some(text), "{css} holds {got:?}");
    }
    shot(&c, "sync-04-join.png").await?;
    c.execute("document.getElementById('join-submit').click()", vec![])
        .await?;
    wait_for_text(&c, "#firm-name", "Hale & Co Solicitors").await?;
    wait_for_text(&c, ".who .user", "Cara Dunn (CD)").await?;
    wait_until_attr(&c, "#sync-status", "data-state", "synced").await?;
    shot(&c, "sync-05-joined.png").await?;
    // The server gave the new laptop its own block of matter numbers: after the 1,000 the
    // partner's store kept.
    wait_for(&c, "#nav-settings").await?.click().await?;
    wait_for_text(&c, "#number-blocks", "M01001–M01200").await?;
    shot(&c, "sync-06-numbers.png").await?;
    drop(server);
    c.close().await?;
    Ok(())
}
