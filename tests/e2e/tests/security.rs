//! Locking in the real window: idle for the time set, Satchel locks itself (the store
//! closed, its key wiped) and stays locked until unlocked with the keyring; the Lock
//! button locks at once, and the recovery passphrase unlocks too. Then the access log:
//! the matter's Access tab and the report in Reports. Screenshots go to target/e2e/.

use anyhow::{Context, Result};
use satchel_e2e::ui::{fill, launch, matter_list_with, shot, text_of, wait_for, wait_for_text};
use satchel_e2e::{Driver, Home, cli};
use std::time::{Duration, Instant};

const PASS: &str = "the long walk to the county court";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_window_locks_and_the_access_log_shows_who_opened_what() -> Result<()> {
    let home = Home::new()?;
    // A store with one matter, its key in the session's keyring.
    cli(
        &home,
        &[
            "init",
            "--firm",
            "Reed LLP",
            "--user",
            "Sam Reed",
            "--initials",
            "SR",
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
    let driver = Driver::start_with(&home, &[("SATCHEL_AUTOLOCK_SECONDS", "3")])?;
    let c = launch(&driver).await?;
    matter_list_with(&c, 1).await?;
    // Nothing touched for three seconds: locked.
    let idle = Instant::now();
    let reason = text_of(&c, "#lock-reason").await?;
    assert!(reason.contains("locked itself"), "{reason}");
    assert!(idle.elapsed() < Duration::from_secs(15));
    shot(&c, "20-autolocked.png").await?;
    // Reloading the window does not open the store by itself.
    c.refresh().await?;
    let reason = text_of(&c, "#lock-reason").await?;
    assert!(reason.contains("locked itself"), "{reason}");
    wait_for(&c, "#unlock-keyring").await?.click().await?;
    matter_list_with(&c, 1).await?;
    // The Lock button locks at once; the passphrase unlocks.
    wait_for(&c, "#lock-now").await?.click().await?;
    let reason = text_of(&c, "#lock-reason").await?;
    assert!(reason.contains("You locked Satchel"), "{reason}");
    fill(&c, "#passphrase", PASS).await?;
    wait_for(&c, "#unlock-submit").await?.click().await?;
    matter_list_with(&c, 1).await?;
    shot(&c, "21-unlocked-again.png").await?;
    // The access log: opening a matter is recorded, and this partner sees who opened it on
    // the matter's Access tab and in Reports (the locks and unlocks too).
    wait_for(&c, "tr.matter-row[data-number='M00001'] td.client")
        .await?
        .click()
        .await?;
    wait_for(&c, "#matter-detail").await?;
    wait_for(&c, "#tab-access").await?.click().await?;
    wait_for_text(&c, "#access-log", "matter.view").await?;
    let log = text_of(&c, "#access-log").await?;
    assert!(log.contains("SR"), "{log}");
    shot(&c, "22-matter-access.png").await?;
    wait_for(&c, "#nav-reports").await?.click().await?;
    wait_for(&c, "#accountants-report").await?;
    fill(&c, "#access-user", "SR").await?;
    wait_for(&c, "#access-run").await?.click().await?;
    wait_for_text(&c, "#access-log", "session.lock").await?;
    let log = text_of(&c, "#access-log").await?;
    assert!(
        log.contains("matter.create") && log.contains("matter.view"),
        "{log}"
    );
    fill(&c, "#access-user", "ZZ").await?;
    wait_for(&c, "#access-run").await?.click().await?;
    wait_for_text(&c, "#access-error", "no user has the initials ZZ").await?;
    fill(&c, "#access-user", "SR").await?;
    wait_for(&c, "#access-run").await?.click().await?;
    wait_for_text(&c, "#access-log", "matter.view").await?;
    shot(&c, "23-access-log.png").await?;
    // People and roles: a partner adds someone and changes their role; both are
    // permission changes in the access log.
    wait_for(&c, "#nav-settings").await?.click().await?;
    wait_for(&c, "#people-list").await?;
    fill(&c, "#person-name", "Ann Moss").await?;
    fill(&c, "#person-initials", "am").await?;
    wait_for(&c, "#person-submit").await?.click().await?;
    let row = "#people-list tr[data-initials='AM'] select.role-select";
    wait_for(&c, row)
        .await?
        .select_by_value("read_only")
        .await?;
    wait_for(&c, "#nav-reports").await?.click().await?;
    wait_for(&c, "#accountants-report").await?;
    fill(&c, "#access-user", "SR").await?;
    wait_for(&c, "#access-run").await?.click().await?;
    wait_for_text(&c, "#access-log", "user.role").await?;
    wait_for(&c, "#nav-settings").await?.click().await?;
    let row = wait_for(&c, "#people-list tr[data-initials='AM'] select.role-select").await?;
    assert_eq!(row.prop("value").await?.as_deref(), Some("read_only"));
    c.execute("document.getElementById('people').scrollIntoView()", vec![])
        .await?;
    shot(&c, "24-people.png").await?;
    c.close().await.context("close the window")?;
    // The store is whole after being closed and opened under the window four times.
    cli(&home, &["verify"], None)?;
    Ok(())
}
