//! Client money in the real window: a partner receives money on a matter, is refused a
//! payment of more than the client ledger holds (the message names what is available), and
//! pays out what is held.

use anyhow::Result;
use satchel_e2e::ui::{
    fill, launch, matter_list_with, shot, text_of, wait_for, wait_for_text, wait_until_attr,
};
use satchel_e2e::{Driver, Home, cli};

const PASS: &str = "client money is never a loan";

async fn record(
    c: &fantoccini::Client,
    kind: &str,
    amount: &str,
    reference: &str,
    party: &str,
) -> Result<()> {
    wait_for(c, "#posting-kind")
        .await?
        .select_by_value(kind)
        .await?;
    fill(c, "#posting-amount", amount).await?;
    fill(c, "#posting-reference", reference).await?;
    fill(c, "#posting-party", party).await?;
    // Clicked from script: the form re-renders as the answer arrives.
    c.execute("document.getElementById('posting-submit').click()", vec![])
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receive_then_a_payment_beyond_the_ledger_is_refused_in_words() -> Result<()> {
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
            "Priya Shah",
            "--description",
            "Sale of 4 Mill Lane",
        ],
        None,
    )?;
    cli(
        &home,
        &[
            "account",
            "add",
            "--kind",
            "client",
            "--name",
            "Hale & Co Solicitors Client Account",
            "--sort-code",
            "20-00-00",
            "--number",
            "12345678",
        ],
        None,
    )?;
    cli(
        &home,
        &[
            "account",
            "add",
            "--kind",
            "office",
            "--name",
            "Hale & Co Office Account",
            "--sort-code",
            "20-00-00",
            "--number",
            "87654321",
        ],
        None,
    )?;

    cli(&home, &["rate", "200.00"], None)?;
    cli(
        &home,
        &[
            "time",
            "add",
            "--matter",
            "M00001",
            "--duration",
            "1:30",
            "--activity",
            "drafting",
            "--description",
            "Contract and replies to enquiries",
        ],
        None,
    )?;

    let driver = Driver::start(&home)?;
    let c = launch(&driver).await?;
    matter_list_with(&c, 1).await?;
    wait_for(&c, "tr.matter-row[data-number='M00001'] td.client")
        .await?
        .click()
        .await?;
    wait_for(&c, "#tab-money").await?.click().await?;
    wait_until_attr(&c, "#ledger", "data-count", "0").await?;

    record(&c, "receipt", "500.00", "BACS 1182", "Priya Shah").await?;
    wait_until_attr(&c, "#ledger", "data-count", "1").await?;
    assert_eq!(text_of(&c, "#ledger-client-balance").await?, "£500.00");

    // More than is held: refused, and the message says what is available.
    record(&c, "payment", "600.00", "CHQ 100201", "Land Registry").await?;
    let err = wait_for_text(&c, "#posting-form #posting-amount-error", "overdraw").await?;
    assert!(err.contains("available £500.00"), "{err}");
    assert_eq!(text_of(&c, "#ledger-client-balance").await?, "£500.00");
    c.execute(
        "document.getElementById('posting-form').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "money-01-overdraw-refused.png").await?;

    record(&c, "payment", "120.00", "CHQ 100201", "Land Registry").await?;
    wait_until_attr(&c, "#ledger", "data-count", "2").await?;
    assert_eq!(text_of(&c, "#ledger-available").await?, "£380.00");
    shot(&c, "money-02-ledger.png").await?;

    // Bill the unbilled work: £300.00 + VAT £60.00 = £360.00, seen before it is made.
    wait_for(&c, "#bill-draft").await?.click().await?;
    wait_until_attr(&c, "#bill-draft-summary", "data-total-pence", "36000").await?;
    c.execute("document.getElementById('bill-create').click()", vec![])
        .await?;
    wait_until_attr(&c, "#bill-list", "data-count", "1").await?;
    assert!(text_of(&c, "#bill-list").await?.contains("B000001"));
    // Costs to office against the bill: the office side comes back to nil.
    wait_for(&c, "#posting-kind")
        .await?
        .select_by_value("to_office")
        .await?;
    fill(&c, "#posting-amount", "360.00").await?;
    fill(&c, "#posting-reference", "Costs B000001").await?;
    fill(&c, "#posting-bill", "B000001").await?;
    c.execute("document.getElementById('posting-submit').click()", vec![])
        .await?;
    wait_for_text(&c, "#ledger-client-balance", "£20.00").await?;
    assert_eq!(text_of(&c, "#ledger-office-balance").await?, "£0.00");
    c.execute("document.getElementById('bills').scrollIntoView()", vec![])
        .await?;
    shot(&c, "money-03-billed-and-transferred.png").await?;

    // The Accounts page lists the client balance.
    wait_for(&c, "#nav-accounts").await?.click().await?;
    let balances = wait_for_text(&c, "#client-balances", "M00001").await?;
    assert!(balances.contains("£20.00"), "{balances}");
    assert!(
        wait_for_text(&c, "#register", "B000001")
            .await?
            .contains("£360.00")
    );
    c.close().await?;
    Ok(())
}
