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

    // The Accounts page lists the client balance.
    wait_for(&c, "#nav-accounts").await?.click().await?;
    let balances = wait_for_text(&c, "#client-balances", "M00001").await?;
    assert!(balances.contains("£380.00"), "{balances}");
    c.close().await?;
    Ok(())
}
