//! The Compliance section in the real window: a subject access request logged, on the
//! dashboard until answered, exported to a folder (JSON, PDF); an erasure request planned
//! — the client's old matter to destroy, the open matter she is a witness on kept with
//! the hold named — and carried out; a breach in the future refused and one found two
//! hours ago on its ICO clock; a matter past its retention destroyed; the record of
//! processing. Screenshots go to target/e2e/.

use anyhow::{Context, Result};
use satchel_e2e::ui::{
    fill, launch, matter_list_with, set_value, shot, text_of, wait_for, wait_for_text,
};
use satchel_e2e::{Driver, Home, cli};

const PASS: &str = "a register of every breach, reported or not";

fn local_minutes_ago(minutes: i64) -> Result<String> {
    let out = std::process::Command::new("date")
        .args(["-d", &format!("{minutes} minutes ago"), "+%Y-%m-%dT%H:%M"])
        .env("TZ", "Europe/London")
        .output()?;
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_colp_answers_requests_erases_records_breaches_and_reviews_retention() -> Result<()> {
    let home = Home::new()?;
    let run = |args: &[&str]| cli(&home, args, Some(PASS));
    run(&[
        "init",
        "--firm",
        "Reed LLP",
        "--user",
        "Sam Reed",
        "--initials",
        "SR",
    ])?;
    let zelda = run(&[
        "contact",
        "add",
        "--kind",
        "person",
        "--name",
        "Zelda Quartermain",
        "--email",
        "zelda.q@example.org",
    ])?;
    let zelda = zelda
        .split('\t')
        .next()
        .context("a contact id")?
        .trim()
        .to_owned();
    // Her own tribunal claim, closed in 2014; another client's open matter she witnesses;
    // a third client's debt claim closed in 2013.
    run(&[
        "matter",
        "add",
        "--client-id",
        &zelda,
        "--description",
        "Tribunal claim",
        "--opened",
        "2012-03-01",
        "--area",
        "employment",
    ])?;
    run(&[
        "note",
        "add",
        "--matter",
        "M00001",
        "--title",
        "Attendance",
        "--body",
        "Zelda Quartermain brought the dismissal letter",
    ])?;
    run(&[
        "matter",
        "status",
        "--matter",
        "M00001",
        "closed",
        "--on",
        "2014-06-30",
    ])?;
    run(&[
        "matter",
        "add",
        "--client",
        "Orion Mills Ltd",
        "--description",
        "Contract dispute",
    ])?;
    run(&[
        "matter",
        "party",
        "--matter",
        "M00002",
        "--contact",
        &zelda,
        "--role",
        "witness",
    ])?;
    run(&[
        "matter",
        "add",
        "--client",
        "Cy Young",
        "--description",
        "Debt claim",
        "--opened",
        "2012-02-01",
        "--area",
        "dispute resolution",
    ])?;
    run(&[
        "matter",
        "status",
        "--matter",
        "M00003",
        "closed",
        "--on",
        "2013-07-01",
    ])?;

    let driver = Driver::start(&home)?;
    let c = launch(&driver).await?;
    // (The list shows open matters: the other two are closed.)
    matter_list_with(&c, 1).await?;
    // From her contact page: the request form starts with her name.
    wait_for(&c, "#nav-contacts").await?.click().await?;
    wait_for(&c, &format!("tr.contact-row[data-id='{zelda}'] td.client"))
        .await?
        .click()
        .await?;
    wait_for(&c, "#contact-gdpr").await?;
    shot(&c, "24b-contact-gdpr.png").await?;
    wait_for(&c, "#contact-gdpr").await?.click().await?;
    wait_for(&c, "#subject-requests-card").await?;
    let person = wait_for(&c, "#sar-person").await?.prop("value").await?;
    assert_eq!(person.as_deref(), Some("Zelda Quartermain"));

    // A subject access request: logged with its due date, on the dashboard until answered.
    wait_for(&c, "#sar-add").await?.click().await?;
    wait_for_text(&c, "#sar-message", "answer by").await?;
    wait_for(&c, "#subject-requests[data-count='1']").await?;
    let row = text_of(&c, "#subject-requests").await?;
    assert!(row.contains("days left"), "{row}");
    // An unknown person gets a clear message.
    fill(&c, "#sar-person", "Nobody Atall").await?;
    wait_for(&c, "#sar-add").await?.click().await?;
    wait_for_text(&c, "#sar-person-error", "is not a contact").await?;
    wait_for(&c, "#nav-matters").await?.click().await?;
    wait_for_text(&c, "#compliance-due", "Zelda Quartermain").await?;
    shot(&c, "25-compliance-due.png").await?;
    wait_for(&c, "#nav-compliance").await?.click().await?;
    wait_for(&c, "#subject-requests button.sar-export")
        .await?
        .click()
        .await?;
    wait_for_text(&c, "#sar-message", "privilege review").await?;
    let message = text_of(&c, "#sar-message").await?;
    let folder = message
        .split(" to ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .context("the export's folder")?;
    let folder = std::path::Path::new(folder.trim());
    assert!(folder.join("subject-access.json").exists(), "{message}");
    assert!(std::fs::read(folder.join("subject-access.pdf"))?.starts_with(b"%PDF"));
    shot(&c, "26-subject-access.png").await?;

    // An erasure request, planned from its row: what goes, what the law keeps and why.
    fill(&c, "#sar-person", "Zelda Quartermain").await?;
    wait_for(&c, "#sar-kind")
        .await?
        .select_by_value("erasure")
        .await?;
    wait_for(&c, "#sar-add").await?.click().await?;
    wait_for(&c, "#subject-requests[data-count='2']").await?;
    wait_for(&c, "#subject-requests button.sar-plan")
        .await?
        .click()
        .await?;
    wait_for(&c, "#erasure-plan").await?;
    let plan = text_of(&c, "#erasure-plan").await?;
    assert!(
        plan.contains("M00001") && plan.contains("destroyed"),
        "{plan}"
    );
    assert!(plan.contains("the matter is open"), "{plan}");
    assert!(
        text_of(&c, "#erase-refused")
            .await?
            .contains("Refused in part")
    );
    c.execute(
        "document.getElementById('erasure-card').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "27-erasure-plan.png").await?;
    wait_for(&c, "#erase-now").await?.click().await?;
    wait_for(&c, "#erase-confirm").await?.click().await?;
    wait_for_text(&c, "#erase-done", "1 matters destroyed").await?;
    wait_for_text(&c, "#subject-requests", "answered").await?;

    // Breaches: one "found" tomorrow is refused; one two hours ago runs its clock.
    c.execute(
        "document.getElementById('breaches-card').scrollIntoView()",
        vec![],
    )
    .await?;
    set_value(&c, "#pdb-discovered", "2999-01-01T09:00").await?;
    fill(&c, "#pdb-nature", "Laptop left on a train").await?;
    fill(&c, "#pdb-data", "client names and addresses").await?;
    fill(&c, "#pdb-people", "40").await?;
    fill(&c, "#pdb-records", "120").await?;
    fill(
        &c,
        "#pdb-assessment",
        "Encrypted; the passphrase was with it",
    )
    .await?;
    wait_for(&c, "#pdb-risk")
        .await?
        .select_by_value("high")
        .await?;
    wait_for(&c, "#pdb-add").await?.click().await?;
    wait_for_text(&c, "#pdb-discovered-error", "is in the future").await?;
    set_value(&c, "#pdb-discovered", &local_minutes_ago(120)?).await?;
    wait_for(&c, "#pdb-add").await?.click().await?;
    wait_for(&c, "#data-breaches[data-count='1']").await?;
    let clock = text_of(&c, "#data-breaches td.ico-clock").await?;
    assert!(clock.contains("left to tell the ICO"), "{clock}");
    assert!(
        clock.starts_with("69 h") || clock.starts_with("70 h"),
        "{clock}"
    );
    c.execute(
        "document.getElementById('breaches-card').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "28-breaches.png").await?;
    wait_for(&c, "#data-breaches button.pdb-ico-told")
        .await?
        .click()
        .await?;
    wait_for_text(&c, "#data-breaches", "told the ICO in time").await?;

    // Retention: the debt claim is past its six years; destroyed, and the decision kept.
    wait_for_text(&c, "#retention-due", "M00003").await?;
    // (Her own matter, destroyed by the erasure, is no longer listed.)
    wait_for(&c, "#retention-due[data-count='1']").await?;
    wait_for(
        &c,
        "#retention-due tr[data-matter='M00003'] button.ret-destroy",
    )
    .await?
    .click()
    .await?;
    fill(
        &c,
        "#ret-reason",
        "Six years after closing; nothing holds it",
    )
    .await?;
    wait_for(&c, "#ret-confirm").await?.click().await?;
    wait_for(&c, "#retention-due[data-count='0']").await?;
    wait_for_text(&c, "#retention-decisions", "destroyed").await?;
    c.execute(
        "document.getElementById('retention-card').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "29-retention.png").await?;

    // The record of processing: started from a law firm's usual activities, then one more.
    wait_for(&c, "#proc-usual").await?.click().await?;
    wait_for(&c, "#processing[data-count='5']").await?;
    fill(&c, "#proc-activity", "Court bundles for counsel").await?;
    fill(
        &c,
        "#proc-purpose",
        "Giving legal advice and acting for clients",
    )
    .await?;
    fill(&c, "#proc-people", "clients, other parties, witnesses").await?;
    fill(&c, "#proc-data", "names, contact details, case facts").await?;
    fill(&c, "#proc-retention", "six years after closing").await?;
    fill(&c, "#proc-security", "encrypted laptops and server").await?;
    wait_for(&c, "#proc-save").await?.click().await?;
    wait_for(&c, "#processing[data-count='6']").await?;
    wait_for(&c, "#proc-export").await?.click().await?;
    wait_for_text(&c, "#proc-saved", "record-of-processing").await?;
    c.execute(
        "document.getElementById('processing-card').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "30-processing.png").await?;
    // The access request answered (after the privilege review): off the dashboard, which
    // has nothing left to show once the breach is reported too.
    c.execute("window.scrollTo(0, 0)", vec![]).await?;
    wait_for(&c, "#subject-requests button.sar-answer")
        .await?
        .click()
        .await?;
    fill(
        &c,
        "#sar-action-text",
        "Sent the export after the privilege review",
    )
    .await?;
    wait_for(&c, "#sar-action-confirm").await?.click().await?;
    wait_for_text(&c, "#sar-message", "Marked answered").await?;
    wait_for(&c, "#nav-matters").await?.click().await?;
    matter_list_with(&c, 1).await?;
    let mut gone = false;
    for _ in 0..50 {
        if c.find_all(fantoccini::Locator::Css("#compliance-due"))
            .await?
            .is_empty()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "nothing due once answered and reported");
    c.close().await.context("close the window")?;

    // What the window did is what the store holds.
    let matters = run(&["matter", "list", "--status", "closed"])?;
    assert!(
        !matters.contains("M00001") && !matters.contains("M00003"),
        "{matters}"
    );
    assert!(
        run(&["matter", "list"])?.contains("M00002"),
        "the open matter kept"
    );
    cli(&home, &["verify"], None)?;
    Ok(())
}
