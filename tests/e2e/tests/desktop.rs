//! The real desktop binary in WebKitGTK, driven through tauri-driver: first-run setup,
//! open a matter, quit, relaunch (keyring unlock), lose the keyring entry, relaunch and
//! unlock with the passphrase. Screenshots go to target/e2e/.

use anyhow::{Context, Result};
use satchel_e2e::ui::{
    fill, launch, matter_list_with, shot, text_of, wait_for, wait_for_text, wait_until_attr,
};
use satchel_e2e::{Driver, Home, bin, out_dir};
use std::process::Command;
use std::time::{Duration, Instant};

const PASS: &str = "court bundle on the 9:15 train";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_then_matters_survive_relaunch_and_keyring_loss() -> Result<()> {
    let home = Home::new()?;
    let driver = Driver::start(&home)?;
    let marker = format!("Okafor-{}", std::process::id());

    // 1. First run: set up the firm.
    let c = launch(&driver).await?;
    wait_for(&c, "#setup-form").await?;
    // The form focuses its first field itself; let that happen before typing, so that the
    // focus cannot move under keys already in flight.
    let settle = Instant::now();
    while c
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await?
        != serde_json::json!("firm_name")
        && settle.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Submitting with a short passphrase is refused, in words, before anything is written.
    fill(&c, "#firm_name", "Hale & Co Solicitors").await?;
    fill(&c, "#user_name", "Jane Hale").await?;
    fill(&c, "#initials", "jh").await?;
    fill(&c, "#passphrase", "short").await?;
    wait_for(&c, "#setup-submit").await?.click().await?;
    let err = text_of(&c, "#passphrase-error").await?;
    assert!(err.contains("at least 12 characters"), "{err}");
    assert!(!home.satchel_data().join("satchel.db").exists());
    shot(&c, "01-setup-refused.png").await?;
    fill(&c, "#passphrase", PASS).await?;
    fill(&c, "#passphrase2", PASS).await?;
    wait_for(&c, "#role")
        .await?
        .select_by_value("fee_earner")
        .await?;
    wait_for(&c, "#setup-submit").await?.click().await?;
    matter_list_with(&c, 0).await?;
    assert_eq!(text_of(&c, "#firm-name").await?, "Hale & Co Solicitors");

    // 2. Open a matter; a blank form is refused with the field named.
    wait_for(&c, "#new-matter").await?.click().await?;
    wait_for(&c, "#matter-submit").await?.click().await?;
    let err = text_of(&c, "#client_name-error").await?;
    assert_eq!(err, "Client name is required.");
    fill(&c, "#client_name", &marker).await?;
    fill(&c, "#description", "Purchase of 12 High Street").await?;
    wait_for(&c, "#matter-submit").await?.click().await?;
    let list = matter_list_with(&c, 1).await?;
    assert!(list.contains(&marker) && list.contains("M00001"), "{list}");
    assert!(text_of(&c, "#created-banner").await?.contains("M00001"));
    shot(&c, "02-matter-created.png").await?;
    // A key date five days ahead appears in the 14-day diary and in the exported .ics.
    wait_for(&c, "#new-key-date").await?.click().await?;
    fill(&c, "#kd-matter", "M00001").await?;
    c.execute(
        "const el = document.getElementById('kd-date');
         el.value = new Date(Date.now() + 5 * 864e5).toISOString().slice(0, 10);
         el.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    )
    .await?;
    fill(&c, "#kd-title", "Trial of preliminary issue").await?;
    wait_for(&c, "#kd-submit").await?.click().await?;
    wait_until_attr(&c, "#upcoming", "data-count", "1").await?;
    let diary = text_of(&c, "#upcoming").await?;
    assert!(
        diary.contains("Trial of preliminary issue") && diary.contains("M00001"),
        "{diary}"
    );
    wait_for(&c, "#export-ics").await?.click().await?;
    let saved = text_of(&c, "#ics-exported").await?;
    let path = saved.trim_start_matches("Saved ").trim();
    let ics = std::fs::read_to_string(path).with_context(|| format!("read {path}"))?;
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("M00001 Hearing: Trial of preliminary issue"),
        "{ics}"
    );
    shot(&c, "02a-diary.png").await?;

    // 3. A contact, then a conflict check that finds it under a slightly different name.
    wait_for(&c, "#nav-contacts").await?.click().await?;
    wait_for(&c, "#new-contact").await?.click().await?;
    wait_for(&c, "#kind")
        .await?
        .select_by_value("organisation")
        .await?;
    fill(&c, "#name", "Northwind Traders Limited").await?;
    fill(&c, "#postcode", "sw1a 1aa").await?;
    fill(&c, "#company_number", "1234567").await?;
    wait_for(&c, "#contact-submit").await?.click().await?;
    assert!(
        text_of(&c, "#contact-added")
            .await?
            .contains("Northwind Traders Limited")
    );
    wait_for_text(&c, "#contact-list", "SW1A 1AA").await?;
    wait_for(&c, "#nav-matters").await?.click().await?;
    wait_for(&c, "#new-matter").await?.click().await?;
    fill(&c, "#client_name", "Northwind Trader Ltd").await?;
    wait_for(&c, "#conflict-check").await?.click().await?;
    let results = wait_for(&c, "#conflict-results").await?;
    assert_eq!(results.attr("data-hits").await?.as_deref(), Some("1"));
    let results = text_of(&c, "#conflict-results").await?;
    assert!(results.contains("Northwind Traders Limited"), "{results}");
    // Opening without a decision is refused; with one (and a reason) the matter opens.
    fill(&c, "#description", "Lease of unit 4").await?;
    wait_for(&c, "#matter-submit").await?.click().await?;
    let err = text_of(&c, "#conflict_decision-error").await?;
    assert!(err.contains("record your decision"), "{err}");
    wait_for(&c, "#conflict_decision")
        .await?
        .select_by_value("cleared")
        .await?;
    fill(
        &c,
        "#conflict_reason",
        "Same company, same side: an existing client",
    )
    .await?;
    shot(&c, "02b-conflict-check.png").await?;
    wait_for(&c, "#matter-submit").await?.click().await?;
    let list = matter_list_with(&c, 2).await?;
    assert!(
        list.contains("M00002") && list.contains("Northwind Trader Ltd"),
        "{list}"
    );

    // 4. Time: a manual entry, then a timer left running when the app quits.
    wait_for(&c, "#nav-time").await?.click().await?;
    fill(&c, "#time-matter", "M00001").await?;
    fill(&c, "#duration", "1:30").await?;
    fill(&c, "#entry_description", "Attendance on client").await?;
    wait_for(&c, "#time-submit").await?.click().await?;
    wait_until_attr(&c, "#time-list", "data-count", "1").await?;
    let wip = text_of(&c, "#wip").await?;
    assert!(wip.contains("90 min in 15 units"), "{wip}");
    fill(&c, "#timer-description", "Draft particulars of claim").await?;
    wait_for(&c, "#timer-start").await?.click().await?;
    assert_eq!(text_of(&c, "#timer-matter").await?, "M00001");

    // Reports: the register of bills, empty so far, and the registers.
    wait_for(&c, "#nav-reports").await?.click().await?;
    assert!(
        text_of(&c, "#reports-scope")
            .await?
            .contains("register of bills")
    );
    wait_for(&c, "#accountants-report").await?;
    // Accounts: a fee earner may not add a bank account; the refusal says who may.
    wait_for(&c, "#nav-accounts").await?.click().await?;
    wait_for(&c, "#account-list").await?;
    fill(&c, "#account-name", "Hale & Co Solicitors Client Account").await?;
    fill(&c, "#account-sort-code", "20-00-00").await?;
    fill(&c, "#account-number", "12345678").await?;
    wait_for(&c, "#account-submit").await?.click().await?;
    let err = text_of(&c, "#account-form #form-error").await?;
    assert!(
        err.contains("Only a cashier, a partner or an admin"),
        "{err}"
    );
    shot(&c, "02d-accounts.png").await?;
    c.close().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // 5. Relaunch: the keyring unlocks it; time from launch to the list on screen.
    let t0 = Instant::now();
    let c = launch(&driver).await?;
    let list = matter_list_with(&c, 2).await?;
    let startup = t0.elapsed();
    println!(
        "timing: launch to matter list rendered (keyring unlock): {} ms",
        startup.as_millis()
    );
    std::fs::write(
        out_dir().join("startup-ms.txt"),
        startup.as_millis().to_string(),
    )?;
    assert!(list.contains(&marker), "{list}");
    // The timer kept running while the app was closed; stopping it records the time.
    wait_for(&c, "#nav-time").await?.click().await?;
    assert_eq!(text_of(&c, "#timer-matter").await?, "M00001");
    wait_for(&c, "#timer-stop").await?.click().await?;
    wait_until_attr(&c, "#time-list", "data-count", "2").await?;
    let wip = text_of(&c, "#wip").await?;
    assert!(wip.contains("2 entries"), "{wip}");
    wait_for(&c, "#timer-form").await?;
    let by_fee_earner = wait_for_text(&c, "#wip-by-fee-earner", "Jane Hale (JH)").await?;
    assert!(
        by_fee_earner.contains("1:31"),
        "90 minutes typed and one minute of timer: {by_fee_earner}"
    );
    shot(&c, "02c-time.png").await?;
    wait_for(&c, "#nav-settings").await?.click().await?;
    let status = text_of(&c, "#status").await?;
    assert!(status.contains("holds this store's key"), "{status}");
    assert!(status.contains("M00003–M99999"), "{status}");
    // A fee earner may not change the firm's time unit; the form says who may.
    fill(&c, "#unit-minutes", "15").await?;
    wait_for(&c, "#unit-submit").await?.click().await?;
    let err = text_of(&c, "#unit-form #form-error").await?;
    assert!(
        err.contains("Only an admin or a partner may change the time unit"),
        "{err}"
    );
    shot(&c, "03-settings.png").await?;
    // Backups: one taken now, verified, listed; then restored (the store closed, replaced
    // in one step after a safety backup, and opened again under the window).
    let before: usize = wait_for(&c, "#backup-list")
        .await?
        .attr("data-count")
        .await?
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    wait_for(&c, "#backup-now").await?.click().await?;
    wait_for_text(&c, "#backup-message", "Backed up and verified").await?;
    wait_until_attr(&c, "#backup-list", "data-count", &(before + 1).to_string()).await?;
    let folder = text_of(&c, "#backup-folder").await?;
    assert!(folder.ends_with("/backups"), "{folder}");
    shot(&c, "03b-backups.png").await?;
    let restore = "#backup-list tbody tr:first-child button.restore";
    wait_for(&c, restore).await?.click().await?;
    wait_for_text(&c, restore, "Replace the store with this?").await?;
    wait_for(&c, restore).await?.click().await?;
    wait_for_text(
        &c,
        "#backup-message",
        "Restored the backup (manual, 2 matters)",
    )
    .await?;
    // The safety backup of the store as it was is listed too.
    wait_until_attr(&c, "#backup-list", "data-count", &(before + 2).to_string()).await?;
    let list = text_of(&c, "#backup-list").await?;
    assert!(list.contains("before restore"), "{list}");
    shot(&c, "03c-restored.png").await?;
    wait_for(&c, "#nav-matters").await?.click().await?;
    let list = matter_list_with(&c, 2).await?;
    assert!(list.contains(&marker), "the restored store: {list}");
    c.close().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // 6. The keyring entry is lost: the window asks for the passphrase.
    let mut forget = Command::new(bin("satchel")?);
    home.apply(&mut forget);
    let out = forget.args(["keyring", "forget"]).output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = launch(&driver).await?;
    let reason = text_of(&c, "#lock-reason").await?;
    assert!(
        reason.starts_with("This store's key is not in the system keyring"),
        "{reason}"
    );
    assert!(reason.contains("recovery passphrase"), "{reason}");
    fill(&c, "#passphrase", "not the passphrase at all").await?;
    wait_for(&c, "#unlock-submit").await?.click().await?;
    let err = text_of(&c, "#passphrase-error").await?;
    assert!(err.contains("passphrase is wrong"), "{err}");
    shot(&c, "04-unlock-wrong.png").await?;
    fill(&c, "#passphrase", PASS).await?;
    wait_for(&c, "#unlock-submit").await?.click().await?;
    let list = matter_list_with(&c, 2).await?;
    assert!(list.contains(&marker), "{list}");
    shot(&c, "05-unlocked.png").await?;
    // A matter's own page: its WIP, and an attendance note written there.
    wait_for(&c, "tr.matter-row[data-number='M00001'] td.client")
        .await?
        .click()
        .await?;
    wait_for(&c, "#matter-detail").await?;
    wait_for_text(&c, "#detail-wip", "2 entries").await?;
    wait_for(&c, "#tab-notes").await?.click().await?;
    fill(&c, "#note-title", "Telephone attendance on client").await?;
    fill(
        &c,
        "#note-body",
        "Client confirms instructions to proceed.\nAdvised on costs.",
    )
    .await?;
    wait_for(&c, "#note-submit").await?.click().await?;
    wait_until_attr(&c, "#note-list", "data-count", "1").await?;
    let notes = text_of(&c, "#note-list").await?;
    assert!(
        notes.contains("Client confirms instructions to proceed."),
        "{notes}"
    );
    wait_for(&c, "#tab-costs").await?.click().await?;
    fill(&c, "#expense-amount", "332.00").await?;
    fill(&c, "#expense_description", "Court issue fee").await?;
    wait_for(&c, "#expense-submit").await?.click().await?;
    wait_until_attr(&c, "#expense-list", "data-count", "1").await?;
    wait_for_text(&c, "#detail-costs", "£332.00 disbursements").await?;
    wait_for(&c, "#tab-overview").await?.click().await?;
    fill(&c, "#terms-estimate", "5000").await?;
    wait_for(&c, "#terms-submit").await?.click().await?;
    wait_for_text(&c, "#detail-estimate", "£5,000.00").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "06-matter-detail.png").await?;
    assert!(text_of(&c, "#detail-estimate").await?.contains("£5,000.00"));

    // The organisation added as a contact goes on the matter as the other side.
    wait_for(&c, "#tab-parties").await?.click().await?;
    fill(&c, "#party-search", "northw").await?;
    wait_for(&c, "#party-choices li.picker-item")
        .await?
        .click()
        .await?;
    wait_for(&c, "#party-role")
        .await?
        .select_by_value("other_side")
        .await?;
    wait_for(&c, "#party-submit").await?.click().await?;
    wait_until_attr(&c, "#party-list", "data-count", "1").await?;
    let parties = text_of(&c, "#party-list").await?;
    assert!(
        parties.contains("Other side") && parties.contains("Northwind Traders Limited"),
        "{parties}"
    );

    // 7. A task with a due date, on the matter and in my 14 days.
    wait_for(&c, "#tab-tasks").await?.click().await?;
    fill(&c, "#task-title", "Chase local authority search").await?;
    c.execute(
        "const el = document.getElementById('task-due');
         el.value = new Date(Date.now() + 3 * 864e5).toISOString().slice(0, 10);
         el.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    )
    .await?;
    wait_for(&c, "#task-submit").await?.click().await?;
    wait_until_attr(&c, "#task-list", "data-count", "1").await?;

    // 8. A document: uploaded through the file input, kept in the store, saved back out.
    let upload_dir = out_dir().join("upload");
    std::fs::create_dir_all(&upload_dir)?;
    let upload = upload_dir.join("Draft lease.txt");
    let content = format!("Draft lease for {marker}");
    std::fs::write(&upload, &content)?;
    wait_for(&c, "#tab-documents").await?.click().await?;
    wait_for(&c, "#doc-file")
        .await?
        .send_keys(&upload.display().to_string())
        .await?;
    wait_until_attr(&c, "#document-list", "data-count", "1").await?;
    wait_for_text(&c, "#doc-message", "version 1").await?;
    wait_for(&c, "button.doc-save").await?.click().await?;
    let saved = wait_for_text(&c, "#doc-message", "Saved").await?;
    let saved_path = saved
        .split(" to ")
        .last()
        .context("the message names the file")?
        .trim();
    assert_eq!(std::fs::read_to_string(saved_path)?, content);
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "07-tasks-documents.png").await?;

    // 9. Ctrl+K: the palette finds the other matter by its client; Enter opens it.
    c.execute(
        "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true }));",
        vec![],
    )
    .await?;
    fill(&c, "#palette-input", "northw").await?;
    wait_for_text(&c, "#palette-results", "Northwind Trader Ltd").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "08-palette.png").await?;
    let results = text_of(&c, "#palette-results").await?;
    assert!(results.contains("Start timer on"), "{results}");
    // Choose the first matter entry with the arrow keys, then Enter.
    let first_kind = wait_for(&c, "#palette-results li:first-child")
        .await?
        .attr("data-kind")
        .await?;
    if first_kind.as_deref() != Some("matter") {
        wait_for(&c, "#palette-input")
            .await?
            .send_keys("\u{E015}")
            .await?; // ArrowDown
    }
    wait_for(&c, "#palette-input")
        .await?
        .send_keys("\u{E007}")
        .await?; // Enter
    wait_until_attr(&c, "#matter-detail", "data-number", "M00002").await?;

    // 10. Close M00002: its status and date show, and the open list no longer holds it.
    wait_for(&c, "#status-close").await?.click().await?;
    wait_for_text(&c, "#detail-status", "Closed on").await?;
    wait_for(&c, "#status-archive").await?;
    wait_for(&c, "#back-to-matters").await?.click().await?;
    let list = matter_list_with(&c, 1).await?;
    assert!(
        list.contains("M00001") && !list.contains("M00002"),
        "{list}"
    );
    wait_for(&c, "#matter-status-filter")
        .await?
        .select_by_value("closed")
        .await?;
    let list = matter_list_with(&c, 1).await?;
    assert!(list.contains("M00002"), "{list}");

    // 11. Contacts from a vCard file; a malformed one imports nothing and names the line.
    wait_for(&c, "#nav-contacts").await?.click().await?;
    let vcf = upload_dir.join("clients.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Acme Widgets Ltd\r\nORG:Acme Widgets Ltd\r\nEND:VCARD\r\n",
    )?;
    let bad = upload_dir.join("bad.vcf");
    std::fs::write(
        &bad,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Byron\r\nEMAIL:not-an-email\r\nEND:VCARD\r\n",
    )?;
    wait_for(&c, "#vcard-file")
        .await?
        .send_keys(&bad.display().to_string())
        .await?;
    let msg = wait_for_text(&c, "#vcard-message", "Nothing was imported").await?;
    assert!(msg.contains("Line 1 (card 1, Ada Byron): email"), "{msg}");
    wait_for(&c, "#vcard-file")
        .await?
        .send_keys(&vcf.display().to_string())
        .await?;
    wait_for_text(&c, "#vcard-message", "Imported 2 contact(s)").await?;
    wait_for_text(&c, "#contact-list", "Grace Hopper").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "09-contacts-vcard.png").await?;
    // A contact's own page lists the matters they are on; one click opens the matter.
    wait_for(&c, "tr.contact-row td.client").await?;
    c.execute(
        "Array.from(document.querySelectorAll('tr.contact-row'))
             .find(r => r.textContent.includes('Northwind Traders Limited')).click();",
        vec![],
    )
    .await?;
    wait_until_attr(&c, "#contact-matters", "data-count", "1").await?;
    let on = text_of(&c, "#contact-matters").await?;
    assert!(on.contains("M00001") && on.contains("Other side"), "{on}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "09a-contact-detail.png").await?;
    // (Clicked from script: the row is replaced by the matter page during the click, which
    // WebKitWebDriver's native click reports as an error.)
    wait_for(&c, "#contact-matters tr.matter-row").await?;
    c.execute(
        "document.querySelector('#contact-matters tr.matter-row').click();",
        vec![],
    )
    .await?;
    wait_until_attr(&c, "#matter-detail", "data-number", "M00001").await?;
    wait_for_text(&c, "#detail-wip", "entries").await?;
    wait_for(&c, "#back-to-matters").await?.click().await?;
    matter_list_with(&c, 1).await?;
    c.close().await?;
    Ok(())
}
