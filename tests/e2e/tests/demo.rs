//! The generated demo firm in the real window: the generator's store opens from the
//! keyring, the matter list, palette and WIP cope with a firm's worth of records.

use anyhow::Result;
use satchel_e2e::ui::{fill, launch, shot, text_of, wait_for, wait_for_text, wait_until_attr};
use satchel_e2e::{Driver, Home, bin};
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_firm_opens_and_is_searchable() -> Result<()> {
    let home = Home::new()?;
    let mut seed = Command::new(bin("satchel-seed")?);
    home.apply(&mut seed);
    let out = seed
        .args(["--size", "demo", "--seed", "3", "--data-dir"])
        .arg(home.satchel_data())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("60 matters, 180 contacts, 3000 time entries"),
        "{said}"
    );

    let driver = Driver::start(&home)?;
    let c = launch(&driver).await?;
    // Open matters by default, newest first; the status filter shows the rest.
    let list = wait_for(&c, "#matter-list").await?;
    let shown: usize = list.attr("data-count").await?.unwrap_or_default().parse()?;
    assert!(shown > 30, "{shown} open matters shown");
    let first = text_of(&c, "tr.matter-row:first-child td.number").await?;
    assert_eq!(first, "M00060", "newest first");
    wait_for(&c, "#sort-number").await?.click().await?;
    wait_for_text(&c, "tr.matter-row:first-child td.number", "M0000").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "10-demo-matters.png").await?;

    // The palette finds a matter by number among them all.
    wait_for(&c, "#open-palette").await?.click().await?;
    fill(&c, "#palette-input", "M00042").await?;
    wait_for_text(&c, "#palette-results", "M00042").await?;
    wait_for(&c, "#palette-input")
        .await?
        .send_keys("\u{E007}")
        .await?;
    wait_until_attr(&c, "#matter-detail", "data-number", "M00042").await?;
    wait_for_text(&c, "#detail-wip", "entries").await?;

    // WIP by fee earner across the firm.
    wait_for(&c, "#nav-time").await?.click().await?;
    let wip = wait_for(&c, "#wip-by-fee-earner").await?;
    let earners: usize = wip.attr("data-count").await?.unwrap_or_default().parse()?;
    assert_eq!(
        earners, 6,
        "every fee earner of the demo firm recorded time"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "11-demo-wip.png").await?;
    c.close().await?;
    Ok(())
}
