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

    // The bank statement: £500 in, the cheque presented, the costs transfer out; £20.00.
    let today = jiff::Zoned::now().date().to_string().replace('-', "");
    let statement = home.dir.path().join("november.ofx");
    let mut ofx = format!(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>1\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<STMTRS>\n<CURDEF>GBP\n<BANKACCTFROM>\n<BANKID>200000\n<ACCTID>12345678\n<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n<DTSTART>{today}\n<DTEND>{today}\n"
    );
    for (id, amount, name) in [
        ("A1", "500.00", "P SHAH BACS 1182"),
        ("A2", "-120.00", "CHQ 100201"),
        ("A3", "-360.00", "TRANSFER TO OFFICE"),
    ] {
        ofx.push_str(&format!("<STMTTRN>\n<TRNTYPE>OTHER\n<DTPOSTED>{today}\n<TRNAMT>{amount}\n<FITID>{id}\n<NAME>{name}\n</STMTTRN>\n"));
    }
    ofx.push_str(&format!("</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>20.00\n<DTASOF>{today}\n</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"));
    std::fs::write(&statement, ofx)?;
    wait_for(&c, "#nav-accounts").await?.click().await?;
    wait_for(&c, "#account-list button.reconcile").await?;
    c.execute(
        "document.querySelector('#account-list button.reconcile').click()",
        vec![],
    )
    .await?;
    wait_for(&c, "#statement-file")
        .await?
        .send_keys(&statement.display().to_string())
        .await?;
    let imported = wait_for_text(&c, "#statement-imported", "added").await?;
    assert!(
        imported.contains("3 added, 0 already imported, 3 matched"),
        "{imported}"
    );
    wait_until_attr(&c, "#statement-lines", "data-count", "3").await?;
    c.execute(
        "document.getElementById('reconcile-panel').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "money-04a-statement-matched.png").await?;
    // The same file again: nothing added, said in words.
    wait_for(&c, "#statement-file")
        .await?
        .send_keys(&statement.display().to_string())
        .await?;
    wait_for_text(&c, "#statement-error", "already imported").await?;
    // Reconcile at today (the statement's closing balance), then sign off.
    c.execute("document.getElementById('recon-run').click()", vec![])
        .await?;
    wait_until_attr(&c, "#reconciliation", "data-difference", "0").await?;
    c.execute("document.getElementById('recon-sign').click()", vec![])
        .await?;
    wait_until_attr(&c, "#reconciliation", "data-signed", "true").await?;
    wait_until_attr(&c, "#reconciliation-history", "data-count", "1").await?;
    c.execute(
        "document.getElementById('reconciliation').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(&c, "money-04b-reconciled.png").await?;

    // The Accounts page lists the client balance.
    let balances = wait_for_text(&c, "#client-balances", "M00001").await?;
    assert!(balances.contains("£20.00"), "{balances}");

    // Reports: the register of bills, and the accountant's report data for today's period:
    // exempt on £20.00 held.
    wait_for(&c, "#nav-reports").await?.click().await?;
    assert!(
        wait_for_text(&c, "#register", "B000001")
            .await?
            .contains("£360.00")
    );
    let today_iso = jiff::Zoned::now().date().to_string();
    c.execute(
        &format!(
            "for (const id of ['report-from', 'report-to']) {{ const el = document.getElementById(id); el.value = '{today_iso}'; el.dispatchEvent(new Event('input')); }} document.getElementById('report-run').click();"
        ),
        vec![],
    )
    .await?;
    let exemption = wait_for_text(&c, "#report-exemption", "exempt").await?;
    assert!(exemption.starts_with("exempt:"), "{exemption}");
    assert_eq!(
        text_of(&c, "#breach-log").await?.lines().count(),
        1,
        "header only"
    );
    shot(&c, "money-05-reports.png").await?;
    c.close().await?;
    Ok(())
}
