//! `satchel`: Satchel's command line, over the same services as the desktop app.
//!
//! The recovery passphrase comes from `SATCHEL_PASSPHRASE` or standard input, never from a
//! flag (flags show up in `ps` and shell history).
#![forbid(unsafe_code)]

/// mimalloc: a first sync allocates and frees millions of small values on two threads at
/// once, where the system allocator took a third of the reading thread's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod gdpr;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use satchel_api::{
    AddPartyRequest, ConflictQuery, ErrorKind, MatterDetailsRequest, MatterStatusRequest,
    MatterTermsRequest, NewContactRequest, NewExpenseRequest, NewKeyDateRequest, NewMatterRequest,
    NewNoteRequest, NewTaskRequest, NewTimeRequest, StartTimerRequest, TaskQuery, TimeEntry,
};
use satchel_app::domain::Money;
use satchel_app::{AppError, KeyVault, Satchel, Setup, Unlock, paths, vault};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "satchel",
    version,
    about = "Satchel practice management, from the command line"
)]
struct Cli {
    /// The data folder (default: $SATCHEL_DATA_DIR, else ~/.local/share/satchel).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up Satchel on this device: the firm, its first user and the recovery passphrase.
    Init {
        #[arg(long)]
        firm: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        initials: String,
        /// admin, partner, fee_earner, cashier or read_only.
        #[arg(long, default_value = "partner")]
        role: String,
    },
    /// UK GDPR: subject access and erasure, retention, personal-data breaches, the record
    /// of processing.
    Gdpr {
        #[command(subcommand)]
        command: gdpr::GdprCommand,
    },
    /// Matters.
    Matter {
        #[command(subcommand)]
        command: MatterCommand,
    },
    /// People and organisations.
    Contact {
        #[command(subcommand)]
        command: ContactCommand,
    },
    /// Conflict checks.
    Conflict {
        #[command(subcommand)]
        command: ConflictCommand,
    },
    /// Time recorded on matters.
    Time {
        #[command(subcommand)]
        command: TimeCommand,
    },
    /// The running timer (one per person; it survives quitting).
    Timer {
        #[command(subcommand)]
        command: TimerCommand,
    },
    /// Expenses and disbursements on matters.
    Expense {
        #[command(subcommand)]
        command: ExpenseCommand,
    },
    /// Attendance and file notes on matters.
    Note {
        #[command(subcommand)]
        command: NoteCommand,
    },
    /// Hearings, limitation dates and deadlines.
    Keydate {
        #[command(subcommand)]
        command: KeydateCommand,
    },
    /// Tasks on matters.
    Task {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Documents on matters, kept encrypted in the store with their versions.
    Doc {
        #[command(subcommand)]
        command: DocCommand,
    },
    /// Search contacts, matters, notes and document names.
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// The firm's bank accounts (client and office).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Client and office money: receipts, payments, transfers, reversals, and the records.
    Money {
        #[command(subcommand)]
        command: MoneyCommand,
    },
    /// Bank statements: import, list, match by hand.
    Statement {
        #[command(subcommand)]
        command: StatementCommand,
    },
    /// The three-way reconciliation of a client account at a date (--sign to sign it off).
    Reconcile {
        #[arg(long)]
        account: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long, default_value = "")]
        date: String,
        /// The balance on the bank statement at the date (default: from an imported
        /// statement closing on that date).
        #[arg(long, default_value = "")]
        statement_balance: String,
        /// A line explaining part of the difference, "text=amount" (repeat).
        #[arg(long)]
        explain: Vec<String>,
        /// Sign it off (partners and admins); a signed reconciliation is locked.
        #[arg(long)]
        sign: bool,
        /// Show the signed reconciliations of the account instead.
        #[arg(long)]
        history: bool,
        #[arg(long)]
        json: bool,
    },
    /// Reports: the accountant's report data, the client money registers.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The SRA breach log: add an entry by hand (Satchel adds those it finds).
    Breach {
        #[arg(long)]
        description: String,
        #[arg(long, default_value = "")]
        matter: String,
        #[arg(long, default_value = "")]
        date: String,
    },
    /// Bills, written notifications of costs and credit notes; the register.
    Bill {
        #[command(subcommand)]
        command: BillCommand,
    },
    /// People in the firm.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The firm's time unit in minutes (default 6); without a value, show it.
    Unit { minutes: Option<i64> },
    /// Your hourly rate.
    Rate {
        /// e.g. 250.00; without it, show the current rate.
        amount: Option<String>,
    },
    /// Work in progress on a matter, or (without --matter) per fee earner.
    Wip {
        #[arg(long)]
        matter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the database, the documents and the audit trail. Exits non-zero on any problem.
    Verify,
    /// Who did what: the audit trail by user (initials), matter and dates, newest first
    /// (admins and partners). `--csv` writes CSV to standard output (the export is recorded).
    AccessLog {
        #[arg(long, default_value = "")]
        user: String,
        #[arg(long, default_value = "")]
        matter: String,
        #[arg(long, default_value = "")]
        from: String,
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        csv: bool,
    },
    /// Take a verified backup of the store now (into the backup folder, or --folder), and
    /// rotate the folder's backups.
    Backup {
        #[arg(long)]
        folder: Option<PathBuf>,
    },
    /// The backups in the backup folder (or --folder), newest first.
    Backups {
        #[arg(long)]
        folder: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Restore the store from a backup folder or an exported archive. A safety backup of
    /// the store is taken first; on a new machine (no store yet) the recovery passphrase
    /// opens the backup.
    Restore { from: PathBuf },
    /// Export an encrypted archive of the store into a folder (a USB stick): one file that
    /// opens on a new machine with the recovery passphrase alone.
    ExportArchive { folder: PathBuf },
    /// Enrol this device with the firm server: its address, the certificate fingerprint it
    /// printed, and a one-time code from the administrator.
    Enrol {
        #[arg(long)]
        server: String,
        #[arg(long)]
        fingerprint: String,
        #[arg(long)]
        code: String,
        /// What to call this device on the server (default: this machine's host name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set this device up for a firm that already works with its server: enrol with the
    /// administrator's code and fetch the firm's records (a new data folder; the
    /// recovery passphrase for it as for `init`).
    Join {
        #[arg(long)]
        server: String,
        #[arg(long)]
        fingerprint: String,
        #[arg(long)]
        code: String,
        /// What to call this device on the server (default: this machine's host name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Sync every document with the firm server once.
    Sync,
    /// Show the firm, the user, the store and the keyring.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The OS keyring entry holding this store's key.
    Keyring {
        #[command(subcommand)]
        command: KeyringCommand,
    },
    /// The store's key and its recovery passphrase.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Re-encrypt the store under a new random key, sealed with the recovery passphrase.
    /// Backups from now on use the new key; earlier ones open with their own envelope.
    Rotate,
    /// Change the recovery passphrase (the new one from SATCHEL_NEW_PASSPHRASE, or asked
    /// twice).
    Passphrase,
}

#[derive(Subcommand)]
enum MatterCommand {
    /// Open a matter.
    Add {
        /// The client's name (or give --client-id).
        #[arg(long, required_unless_present = "client_id", default_value = "")]
        client: String,
        /// An existing contact as the client.
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        description: String,
        /// Opening date, YYYY-MM-DD (default: today in London).
        #[arg(long)]
        opened: Option<String>,
        /// The id of a conflict check run beforehand (default: run one now for the client).
        #[arg(long)]
        conflict_check: Option<String>,
        /// When the check finds names: cleared or consent.
        #[arg(long)]
        conflict_decision: Option<String>,
        /// Why the names found are cleared or consented to.
        #[arg(long)]
        conflict_reason: Option<String>,
        /// Practice area (e.g. conveyancing, family, employment; default general).
        #[arg(long)]
        area: Option<String>,
        /// Initials of the fee earner responsible (default: you).
        #[arg(long)]
        fee_earner: Option<String>,
        /// Initials of the supervisor.
        #[arg(long)]
        supervisor: Option<String>,
    },
    /// List matters, newest first.
    List {
        /// Only matters with this status: open, closed or archived.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Close, reopen, archive or un-archive a matter.
    Status {
        #[arg(long)]
        matter: String,
        /// open, closed or archived.
        status: String,
        /// Date of the move, YYYY-MM-DD (default: today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Change a matter's practice area, fee earner or supervisor ("" removes the supervisor).
    Details {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        fee_earner: Option<String>,
        #[arg(long)]
        supervisor: Option<String>,
    },
    /// Set a matter's own hourly rate and the estimate given to the client ("" clears one).
    Terms {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        rate: Option<String>,
        #[arg(long)]
        estimate: Option<String>,
    },
    /// Put a contact on a matter in a role.
    Party {
        /// Matter number (M00042) or id.
        #[arg(long)]
        matter: String,
        /// Contact id.
        #[arg(long)]
        contact: String,
        /// client, other_side, other_side_solicitor, court, counsel, expert, witness, other.
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum ContactCommand {
    /// Add a person or organisation.
    Add {
        /// person or organisation.
        #[arg(long, default_value = "person")]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        postcode: String,
        /// YYYY-MM-DD (people).
        #[arg(long, default_value = "")]
        date_of_birth: String,
        /// Companies House number (organisations).
        #[arg(long, default_value = "")]
        company_number: String,
    },
    /// List contacts by name.
    List {
        /// Only names containing this text.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add the contacts in a vCard (.vcf) file, version 3.0 or 4.0. Nothing is added if any
    /// card is wrong; contacts already held are skipped.
    Import {
        /// The .vcf file.
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write every contact as vCard 4.0, to standard output or a file.
    Export {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TimeCommand {
    /// Record time on a matter.
    Add {
        #[arg(long)]
        matter: String,
        /// 1:30, 1h30m, 90m, 0.5h…
        #[arg(long)]
        duration: String,
        /// attendance, call, letter, email, drafting, research, review, travel, court, other.
        #[arg(long, default_value = "attendance")]
        activity: String,
        #[arg(long)]
        description: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long, default_value = "")]
        date: String,
        #[arg(long)]
        non_billable: bool,
    },
    /// Time on a matter, oldest first.
    List {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ExpenseCommand {
    /// Record an expense (recharged with VAT) or a disbursement (paid as agent, no VAT).
    Add {
        #[arg(long)]
        matter: String,
        /// disbursement or expense.
        #[arg(long)]
        kind: String,
        /// Net amount, e.g. 312.50.
        #[arg(long)]
        amount: String,
        #[arg(long)]
        description: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long, default_value = "")]
        date: String,
    },
    /// A matter's expenses and disbursements, oldest first.
    List {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum NoteCommand {
    /// Write a note on a matter. The text comes from --body, or else standard input.
    Add {
        #[arg(long)]
        matter: String,
        /// attendance or file.
        #[arg(long, default_value = "attendance")]
        kind: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: Option<String>,
    },
    /// A matter's notes, oldest first.
    List {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeydateCommand {
    /// Add a key date to a matter.
    Add {
        #[arg(long)]
        matter: String,
        /// hearing, limitation, deadline or other.
        #[arg(long)]
        kind: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        #[arg(long)]
        title: String,
        /// Days of warning (default: 90 limitation, 14 hearing, 7 deadline, 3 other).
        #[arg(long)]
        remind_days: Option<u32>,
    },
    /// What is coming: key dates, and reminders falling due, in the next days.
    Upcoming {
        #[arg(long, default_value_t = 14)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Write key dates as an iCalendar (.ics) file.
    Ics {
        /// One matter (default: all matters held here).
        #[arg(long, conflicts_with = "user")]
        matter: Option<String>,
        /// One person's calendar (initials, "" for you): key dates of the matters they run
        /// or supervise, and their open tasks as to-dos.
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum TimerCommand {
    Start {
        #[arg(long)]
        matter: String,
        #[arg(long, default_value = "attendance")]
        activity: String,
        #[arg(long)]
        description: String,
    },
    /// Stop the timer and record its time.
    Stop,
    /// Show the running timer.
    Status,
    /// Throw the running timer away without recording it.
    Discard,
}

#[derive(Subcommand)]
enum ConflictCommand {
    /// Search every party of every matter, and every contact, for these names.
    Check {
        #[arg(required = true)]
        names: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TaskCommand {
    /// Give someone a task on a matter.
    Add {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// Initials (default: you).
        #[arg(long, default_value = "")]
        assignee: String,
    },
    /// A matter's tasks, or (without --matter) open tasks due within --days.
    List {
        #[arg(long)]
        matter: Option<String>,
        /// Initials (default: you).
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long, default_value_t = 14)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Mark a task done.
    Done { id: String },
}

#[derive(Subcommand)]
enum DocCommand {
    /// Attach a file to a matter (a file of the same name becomes its next version).
    Add {
        #[arg(long)]
        matter: String,
        file: PathBuf,
        /// The name to keep it under (default: the file's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// A matter's documents.
    List {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a document out (recorded as a download in the audit trail).
    Export {
        id: String,
        #[arg(long)]
        version: Option<u64>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add a bank account (cashiers, partners and admins).
    Add {
        /// client or office.
        #[arg(long)]
        kind: String,
        /// A client account's name holds the firm's name and the word "client".
        #[arg(long)]
        name: String,
        #[arg(long)]
        sort_code: String,
        #[arg(long)]
        number: String,
        /// Opening balance, e.g. 1250.00.
        #[arg(long, default_value = "")]
        opening: String,
        /// YYYY-MM-DD of the opening balance (default: today).
        #[arg(long, default_value = "")]
        opened_on: String,
        /// A client account's opening balance by matter, e.g. M00042=120.00 (repeat).
        #[arg(long)]
        brought_forward: Vec<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

/// Where money moved, shared by receipts and payments.
#[derive(clap::Args)]
struct MoneyArgs {
    #[arg(long)]
    matter: String,
    /// The bank account's name (a unique part of it will do) or id.
    #[arg(long)]
    account: String,
    /// Pounds and pence, e.g. 1250.00.
    #[arg(long)]
    amount: String,
    /// YYYY-MM-DD (default: today).
    #[arg(long, default_value = "")]
    date: String,
    #[arg(long)]
    reference: String,
    /// bank_transfer (default), cheque, cash or card.
    #[arg(long, default_value = "")]
    method: String,
    /// Initials of a second person who authorised it.
    #[arg(long, default_value = "")]
    authorised_by: String,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum MoneyCommand {
    /// Money received on a matter.
    Receive {
        #[command(flatten)]
        args: MoneyArgs,
        /// Who paid it.
        #[arg(long)]
        from: String,
    },
    /// Money paid out on a matter (refused if it would overdraw the client ledger).
    Pay {
        #[command(flatten)]
        args: MoneyArgs,
        /// Who was paid.
        #[arg(long)]
        to: String,
    },
    /// Client money moved to another matter's ledger (--to-matter, --reason, --authorised-by)
    /// or to office account against a bill (--bill).
    Transfer {
        #[command(flatten)]
        args: MoneyArgs,
        #[arg(long, default_value = "")]
        to_matter: String,
        /// The receiving account (default: the same client account, or the only office account).
        #[arg(long, default_value = "")]
        to_account: String,
        /// The bill or written notification of costs a transfer to office is made against.
        #[arg(long, default_value = "")]
        bill: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// The amount above which a client-account payment needs a second authoriser
    /// (partners and admins); "" removes it.
    Threshold { amount: String },
    /// Record a residual balance paid to charity (after posting the payment).
    Residual {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        tracing_steps: String,
        #[arg(long)]
        charity: String,
        #[arg(long)]
        charity_number: String,
        /// Required over £500.
        #[arg(long, default_value = "")]
        sra_authority: String,
    },
    /// Reverse a posting (the only way to correct one).
    Reverse {
        posting: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        date: String,
        #[arg(long)]
        json: bool,
    },
    /// A matter's client ledger: client and office sides with running balances.
    Ledger {
        matter: String,
        #[arg(long)]
        json: bool,
    },
    /// A bank account's cash book (default: the last 90 days).
    Cashbook {
        #[arg(long)]
        account: String,
        #[arg(long, default_value = "")]
        from: String,
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// The list of client balances: every matter's client money in each client account.
    Balances {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum StatementCommand {
    /// Import an OFX (1.x or 2.x) or CSV statement. A CSV's layout is given once per
    /// account (columns counted from 0) and remembered.
    Import {
        #[arg(long)]
        account: String,
        file: PathBuf,
        /// CSV: the date column.
        #[arg(long)]
        date_column: Option<usize>,
        /// CSV: dmy (25/11/2026, the default) or ymd (2026-11-25).
        #[arg(long, default_value = "dmy")]
        date_format: String,
        /// CSV: one signed amount column...
        #[arg(long)]
        amount_column: Option<usize>,
        /// ...or paid in and paid out columns.
        #[arg(long)]
        paid_in_column: Option<usize>,
        #[arg(long)]
        paid_out_column: Option<usize>,
        #[arg(long)]
        description_column: Option<usize>,
        #[arg(long)]
        reference_column: Option<usize>,
        #[arg(long)]
        balance_column: Option<usize>,
        /// CSV: the file has no header row.
        #[arg(long)]
        no_header: bool,
        #[arg(long, default_value = ",")]
        delimiter: char,
    },
    /// An account's statement lines and what each is matched to.
    Lines {
        #[arg(long)]
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Match a statement line (its key) to a cash book entry (a posting id).
    Match {
        #[arg(long)]
        account: String,
        #[arg(long)]
        line: String,
        #[arg(long)]
        posting: String,
    },
    /// Undo a statement line's match.
    Unmatch {
        #[arg(long)]
        account: String,
        #[arg(long)]
        line: String,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The accountant's report data for an accounting period, with the exemption test.
    Accountants {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// Dormant balances, unpresented payments, residual balances, the breach log.
    Registers {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BillCommand {
    /// What billing the matter now would bill (nothing is kept).
    Draft {
        matter: String,
        #[arg(long)]
        json: bool,
    },
    /// Bill the matter's unbilled time, expenses and disbursements.
    Create {
        matter: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long, default_value = "")]
        date: String,
        /// A written notification of costs rather than a bill.
        #[arg(long)]
        notification: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record the date a bill was delivered to the client.
    Deliver {
        bill: String,
        #[arg(long, default_value = "")]
        on: String,
    },
    /// A credit note: the whole bill, or --fees of its professional charges (net).
    Credit {
        bill: String,
        #[arg(long, default_value = "")]
        fees: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        date: String,
    },
    /// The central register of bills, notifications and credit notes.
    List {
        #[arg(long, default_value = "")]
        from: String,
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        json: bool,
        /// Write the register as CSV to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// One bill with its lines.
    Show {
        bill: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a bill as a printable PDF.
    Pdf {
        bill: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person to the firm (admins and partners).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        initials: String,
        #[arg(long, default_value = "fee_earner")]
        role: String,
        /// Hourly rate, e.g. 180.00.
        #[arg(long, default_value = "")]
        rate: String,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyringCommand {
    /// Remove this store's key from the keyring; the recovery passphrase will be needed to open.
    Forget,
}

/// The passphrase from `SATCHEL_PASSPHRASE`, else from standard input (hidden when typed).
fn passphrase(prompt: &str, confirm: bool) -> Result<String> {
    if let Ok(p) = std::env::var("SATCHEL_PASSPHRASE") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(format!("{prompt}: "))?;
        if confirm && rpassword::prompt_password("Repeat it: ")? != p {
            bail!("the two passphrases differ; nothing was changed");
        }
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("no passphrase given: set SATCHEL_PASSPHRASE or send it on standard input");
    }
    Ok(p)
}

fn open(dir: &std::path::Path, vault: &dyn KeyVault) -> Result<Satchel> {
    match Satchel::open(dir, vault, Unlock::Keyring) {
        Ok(s) => Ok(s),
        Err(e)
            if e.kind() == ErrorKind::Locked
                && satchel_app::presence(dir) == satchel_app::Presence::Present =>
        {
            if std::env::var_os("SATCHEL_PASSPHRASE").is_none() {
                eprintln!("{e}");
            }
            let p = passphrase("Recovery passphrase", false)?;
            Satchel::open(dir, vault, Unlock::Passphrase(&p)).map_err(explain)
        }
        Err(e) => Err(explain(e)),
    }
}

/// How far a long job (a backup, a restore) got, in MB, on a terminal only.
struct Progress {
    what: &'static str,
    shown: bool,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        use std::io::IsTerminal;
        Progress {
            what,
            shown: std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, done: u64, of: u64) {
        if self.shown && of > 0 {
            eprint!(
                "\r{} {} of {} MB   ",
                self.what,
                done / 1_000_000,
                of / 1_000_000
            );
        }
    }

    fn done(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

fn explain(e: AppError) -> anyhow::Error {
    anyhow!(e.to_string())
}

fn run(cli: Cli) -> Result<ExitCode> {
    let dir = cli
        .data_dir
        .or_else(paths::default_data_dir)
        .context("no data folder: pass --data-dir or set SATCHEL_DATA_DIR")?;
    let vault = vault::from_env();
    match cli.command {
        Command::Init {
            firm,
            user,
            initials,
            role,
        } => {
            let p = passphrase("Choose a recovery passphrase (12+ characters)", true)?;
            let s = Satchel::init(
                &dir,
                vault.as_ref(),
                &Setup {
                    firm_name: &firm,
                    user_name: &user,
                    initials: &initials,
                    role: &role,
                    passphrase: &p,
                },
            )
            .map_err(explain)?;
            println!(
                "Satchel is set up for {} in {}",
                s.session().firm_name,
                dir.display()
            );
            if !s.session().keyring_ok {
                eprintln!(
                    "warning: the key could not be stored in the {}; you will need the recovery passphrase each time",
                    vault.describe()
                );
            }
        }
        Command::Matter { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                MatterCommand::Add {
                    client,
                    client_id,
                    description,
                    opened,
                    conflict_check,
                    conflict_decision,
                    conflict_reason,
                    area,
                    fee_earner,
                    supervisor,
                } => {
                    let m = s
                        .create_matter(&NewMatterRequest {
                            client_name: client,
                            client_id,
                            description,
                            opened,
                            conflict_check_id: conflict_check,
                            conflict_decision,
                            conflict_reason,
                            practice_area: area,
                            fee_earner,
                            supervisor,
                        })
                        .map_err(explain)?;
                    println!("{}\t{}\t{}", m.number, m.client_name, m.description);
                }
                MatterCommand::Terms {
                    matter,
                    rate,
                    estimate,
                } => {
                    let w = s
                        .set_matter_terms(&MatterTermsRequest {
                            matter,
                            rate,
                            estimate,
                        })
                        .map_err(explain)?;
                    println!(
                        "{}: estimate {}; work in progress {}.",
                        w.matter_number,
                        w.estimate.as_deref().unwrap_or("none"),
                        w.value
                    );
                    if let Some(warning) = w.warning {
                        eprintln!("warning: {warning}");
                    }
                }
                MatterCommand::Party {
                    matter,
                    contact,
                    role,
                } => {
                    s.add_party(&AddPartyRequest {
                        matter: matter.clone(),
                        contact_id: contact,
                        role: role.clone(),
                    })
                    .map_err(explain)?;
                    println!("Added as {role} on {matter}.");
                }
                MatterCommand::List { status, json } => {
                    let mut list = s.list_matters().map_err(explain)?;
                    let mut empty = "No matters yet.".to_owned();
                    if let Some(st) = status {
                        let st = satchel_app::domain::matter::MatterStatus::parse(&st)?;
                        list.retain(|m| m.status == st.as_str());
                        empty = format!("No {} matters.", st.as_str());
                    }
                    print_list(json, &list, &empty, print_matter)?;
                }
                MatterCommand::Status { matter, status, on } => {
                    let m = s
                        .set_matter_status(&MatterStatusRequest { matter, status, on })
                        .map_err(explain)?;
                    print_matter(&m);
                }
                MatterCommand::Details {
                    matter,
                    area,
                    fee_earner,
                    supervisor,
                } => {
                    let m = s
                        .set_matter_details(&MatterDetailsRequest {
                            matter,
                            practice_area: area,
                            fee_earner,
                            supervisor,
                        })
                        .map_err(explain)?;
                    print_matter(&m);
                }
            }
        }
        Command::Contact { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                ContactCommand::Add {
                    kind,
                    name,
                    email,
                    phone,
                    address,
                    postcode,
                    date_of_birth,
                    company_number,
                } => {
                    let c = s
                        .create_contact(&NewContactRequest {
                            kind,
                            name,
                            email,
                            phone,
                            address,
                            postcode,
                            date_of_birth,
                            company_number,
                        })
                        .map_err(explain)?;
                    println!("{}\t{}\t{}", c.id, c.kind, c.name);
                }
                ContactCommand::List { filter, json } => {
                    let list = s.list_contacts(filter.as_deref()).map_err(explain)?;
                    print_list(json, &list, "No contacts.", |c| {
                        println!(
                            "{}\t{}\t{}\t{}\t{} matter(s)",
                            c.id,
                            c.kind,
                            c.name,
                            c.email.as_deref().unwrap_or_default(),
                            c.matters
                        );
                    })?;
                }
                ContactCommand::Import { file, json } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("read {}", file.display()))?;
                    let r = s.import_vcards(&text).map_err(explain)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r)?);
                    } else {
                        println!(
                            "Imported {} contacts; skipped {} duplicates.",
                            r.imported, r.skipped_duplicates
                        );
                    }
                }
                ContactCommand::Export { out } => {
                    let text = s.export_vcards().map_err(explain)?;
                    match out {
                        Some(out) => {
                            std::fs::write(&out, text)
                                .with_context(|| format!("write {}", out.display()))?;
                            println!("Wrote {}.", out.display());
                        }
                        None => print!("{text}"),
                    }
                }
            }
        }
        Command::Conflict {
            command: ConflictCommand::Check { names, json },
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let report = s
                .conflict_check(&ConflictQuery { names })
                .map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "Checked {} against {} parties: {} possible conflict(s).",
                    report.names.join(", "),
                    report.parties_checked,
                    report.hits.len()
                );
                for h in &report.hits {
                    println!(
                        "{}\t{}\t{}\t{} {}\t(for '{}')",
                        h.matter_number.as_deref().unwrap_or("(no matter)"),
                        h.role.as_deref().unwrap_or("-"),
                        h.party_name,
                        h.match_kind,
                        h.score,
                        h.query
                    );
                }
            }
        }
        Command::Time { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                TimeCommand::Add {
                    matter,
                    duration,
                    activity,
                    description,
                    date,
                    non_billable,
                } => {
                    let e = s
                        .record_time(&NewTimeRequest {
                            matter,
                            duration,
                            date,
                            activity,
                            description,
                            billable: !non_billable,
                        })
                        .map_err(explain)?;
                    print_entry(&e);
                }
                TimeCommand::List { matter, json } => {
                    let list = s.list_time(&matter).map_err(explain)?;
                    print_list(
                        json,
                        &list,
                        &format!("No time recorded on {matter}."),
                        print_entry,
                    )?;
                }
            }
        }
        Command::Timer { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                TimerCommand::Start {
                    matter,
                    activity,
                    description,
                } => {
                    let t = s
                        .start_timer(&StartTimerRequest {
                            matter,
                            activity,
                            description,
                        })
                        .map_err(explain)?;
                    println!("Timer started on {} at {}.", t.matter_number, t.started);
                }
                TimerCommand::Stop => print_entry(&s.stop_timer().map_err(explain)?),
                TimerCommand::Status => match s.timer().map_err(explain)? {
                    Some(t) => println!(
                        "Running on {} for {} min ({}: {}).",
                        t.matter_number,
                        t.elapsed_seconds / 60,
                        t.activity,
                        t.description
                    ),
                    None => println!("No timer is running."),
                },
                TimerCommand::Discard => {
                    let had = s.discard_timer().map_err(explain)?;
                    println!(
                        "{}",
                        if had {
                            "Timer discarded."
                        } else {
                            "No timer was running."
                        }
                    );
                }
            }
        }
        Command::Expense { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            let print = |x: &satchel_api::Expense| {
                println!(
                    "{}\t{}\t{}\t{} + VAT {}\t{}\t{}",
                    x.matter_number, x.date, x.kind, x.net, x.vat, x.description, x.id
                )
            };
            match command {
                ExpenseCommand::Add {
                    matter,
                    kind,
                    amount,
                    description,
                    date,
                } => print(
                    &s.record_expense(&NewExpenseRequest {
                        matter,
                        kind,
                        amount,
                        description,
                        date,
                    })
                    .map_err(explain)?,
                ),
                ExpenseCommand::List { matter, json } => {
                    let list = s.list_expenses(&matter).map_err(explain)?;
                    print_list(
                        json,
                        &list,
                        &format!("No expenses or disbursements on {matter}."),
                        print,
                    )?;
                }
            }
        }
        Command::Note { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                NoteCommand::Add {
                    matter,
                    kind,
                    title,
                    body,
                } => {
                    let body = match body {
                        Some(b) => b,
                        None => std::io::read_to_string(std::io::stdin())
                            .context("read the note from standard input")?,
                    };
                    let n = s
                        .add_note(&NewNoteRequest {
                            matter,
                            kind,
                            title,
                            body,
                        })
                        .map_err(explain)?;
                    println!("Note {} added to {}.", n.id, n.matter_number);
                }
                NoteCommand::List { matter, json } => {
                    let list = s.list_notes(&matter).map_err(explain)?;
                    print_list(json, &list, &format!("No notes on {matter}."), |n| {
                        println!(
                            "── {} · {} · {} · {}\n{}\n",
                            n.written, n.author, n.kind, n.title, n.body
                        );
                    })?;
                }
            }
        }
        Command::Gdpr { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            gdpr::run(&mut s, command)?;
        }
        Command::Keydate { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                KeydateCommand::Add {
                    matter,
                    kind,
                    date,
                    title,
                    remind_days,
                } => {
                    let k = s
                        .add_key_date(&NewKeyDateRequest {
                            matter,
                            kind,
                            date,
                            title,
                            reminder_days: remind_days,
                        })
                        .map_err(explain)?;
                    println!(
                        "{} {} on {}: reminder due {} ({} days before).",
                        k.matter_number, k.kind, k.date, k.reminder_on, k.reminder_days
                    );
                }
                KeydateCommand::Upcoming { days, json } => {
                    let list = s.upcoming(days).map_err(explain)?;
                    print_list(
                        json,
                        &list,
                        &format!("Nothing in the next {days} days."),
                        |k| {
                            println!(
                                "{}\tin {} days\t{}\t{}\t{}\treminder {}",
                                k.date,
                                k.days_until,
                                k.matter_number,
                                k.kind,
                                k.title,
                                k.reminder_on
                            );
                        },
                    )?;
                }
                KeydateCommand::Ics { matter, user, out } => {
                    let ics = match user {
                        Some(u) => s.user_ics(&u),
                        None => s.key_dates_ics(matter.as_deref()),
                    }
                    .map_err(explain)?;
                    std::fs::write(&out, ics)
                        .with_context(|| format!("write {}", out.display()))?;
                    println!("Wrote {}.", out.display());
                }
            }
        }
        Command::Task { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                TaskCommand::Add {
                    matter,
                    title,
                    due,
                    assignee,
                } => {
                    let t = s
                        .add_task(&NewTaskRequest {
                            matter,
                            title,
                            assignee,
                            due,
                        })
                        .map_err(explain)?;
                    print_task(&t);
                }
                TaskCommand::List {
                    matter,
                    assignee,
                    days,
                    json,
                } => {
                    let list = s
                        .list_tasks(&TaskQuery {
                            matter,
                            assignee,
                            days: Some(days),
                        })
                        .map_err(explain)?;
                    print_list(json, &list, "No tasks.", print_task)?;
                }
                TaskCommand::Done { id } => {
                    let t = s.complete_task(&id).map_err(explain)?;
                    print_task(&t);
                }
            }
        }
        Command::Doc { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                DocCommand::Add { matter, file, name } => {
                    let name = match name {
                        Some(n) => n,
                        None => file
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .context("give --name: the path has no file name")?,
                    };
                    let size = std::fs::metadata(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?
                        .len();
                    satchel_app::domain::document::check_size(&name, size)?;
                    let bytes = std::fs::read(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let d = s.add_document(&matter, &name, &bytes).map_err(explain)?;
                    println!(
                        "{}\t{}\tversion {}\t{}",
                        d.id,
                        d.name,
                        d.version,
                        satchel_app::domain::document::human_size(d.size)
                    );
                }
                DocCommand::List { matter, json } => {
                    let list = s.list_documents(&matter).map_err(explain)?;
                    print_list(json, &list, "No documents.", |d| {
                        println!(
                            "{}\t{}\tversion {}\t{}\t{}\t{}",
                            d.id,
                            d.name,
                            d.version,
                            satchel_app::domain::document::human_size(d.size),
                            d.added_by,
                            d.added_at
                        );
                    })?;
                }
                DocCommand::Export { id, version, out } => {
                    if out.exists() {
                        bail!("{} already exists; nothing was written", out.display());
                    }
                    let d = s.export_document(&id, version).map_err(explain)?;
                    std::fs::write(&out, &d.bytes)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    println!(
                        "Wrote {} version {} to {}.",
                        d.name,
                        d.version,
                        out.display()
                    );
                }
            }
        }
        Command::Search { text, json } => {
            let s = open(&dir, vault.as_ref())?;
            let hits = s.search(&text).map_err(explain)?;
            print_list(json, &hits, "Nothing found.", |h| {
                println!(
                    "{}\t{}\t{}\t{}",
                    h.kind,
                    h.matter_number.as_deref().unwrap_or("-"),
                    h.title,
                    h.snippet
                );
            })?;
        }
        Command::Account { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                AccountCommand::Add {
                    kind,
                    name,
                    sort_code,
                    number,
                    opening,
                    opened_on,
                    brought_forward,
                } => {
                    let a = s
                        .add_bank_account(&satchel_api::NewBankAccountRequest {
                            kind,
                            name,
                            sort_code,
                            account_number: number,
                            opening_balance: opening,
                            opened_on,
                            brought_forward,
                        })
                        .map_err(explain)?;
                    print_account(&a);
                }
                AccountCommand::List { json } => {
                    let list = s.list_bank_accounts().map_err(explain)?;
                    print_list(json, &list, "No bank accounts yet.", print_account)?;
                }
            }
        }
        Command::Statement { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            statement(&mut s, command)?;
        }
        Command::Reconcile {
            account,
            date,
            statement_balance,
            explain: lines,
            sign,
            history,
            json,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            if history {
                let list = s.reconciliations(&account).map_err(explain)?;
                print_list(json, &list, "No signed reconciliations yet.", |r| {
                    println!(
                        "{}\tdifference {}\tsigned by {} at {}",
                        r.date,
                        Money::from_pence(r.difference),
                        r.signed_by.as_deref().unwrap_or("-"),
                        r.signed_at.as_deref().unwrap_or("-")
                    );
                })?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut explanations = Vec::new();
            for l in lines {
                let (text, amount) = l
                    .rsplit_once('=')
                    .ok_or_else(|| anyhow!("--explain '{l}' must look like \"text=-5.00\""))?;
                explanations.push(satchel_api::ExplanationInput {
                    text: text.into(),
                    amount: amount.into(),
                });
            }
            let r = s
                .reconcile(&satchel_api::ReconcileRequest {
                    account,
                    date,
                    statement_balance,
                    explanations,
                    sign,
                })
                .map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("{} at {}", r.account_name, r.date);
                for (label, value) in &r.shown {
                    println!("  {label:<42}{value:>16}");
                }
                for d in &r.debit_balances {
                    println!(
                        "  Debit balance: {} {} {}",
                        d.matter_number, d.client_name, d.balance
                    );
                }
                for i in &r.unrecorded_bank_entries {
                    println!(
                        "  On the statement, not in the cash book: {} {} {}",
                        i.date, i.reference, i.amount
                    );
                }
                for e in &r.explanations {
                    println!("  Explained: {} {}", e.text, e.amount);
                }
                match (&r.signed_by, &r.signed_at) {
                    (Some(by), Some(at)) => println!("Signed by {by} at {at}."),
                    _ => println!("Not signed."),
                }
            }
        }
        Command::Bill { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            bill(&mut s, command)?;
        }
        Command::Breach {
            description,
            matter,
            date,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let b = s
                .add_breach(&satchel_api::NewBreachRequest {
                    date,
                    matter,
                    description,
                })
                .map_err(explain)?;
            println!(
                "{}\t{}\t{}",
                b.date,
                b.matter_number.unwrap_or_default(),
                b.description
            );
        }
        Command::Report { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                ReportCommand::Accountants {
                    from,
                    to,
                    json,
                    csv,
                    pdf,
                } => {
                    if let Some(path) = csv {
                        let text = s.accountants_report_csv(&from, &to).map_err(explain)?;
                        std::fs::write(&path, text)
                            .with_context(|| format!("could not write {}", path.display()))?;
                        println!("Wrote {}.", path.display());
                    }
                    if let Some(path) = pdf {
                        let bytes = s.accountants_report_pdf(&from, &to).map_err(explain)?;
                        std::fs::write(&path, bytes)
                            .with_context(|| format!("could not write {}", path.display()))?;
                        println!("Wrote {}.", path.display());
                    }
                    let r = s.accountants_report(&from, &to).map_err(explain)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r)?);
                    } else {
                        println!(
                            "{}: accountant's report data, {} to {}",
                            r.firm_name, r.from, r.to
                        );
                        println!("{}", r.exemption);
                        for x in &r.reconciliations {
                            println!(
                                "  {}\t{}\tledgers {}\tdifference {}\tsigned {} {}",
                                x.date,
                                x.account_name,
                                x.client_ledger_total,
                                x.difference,
                                x.signed_by,
                                x.signed_at
                            );
                        }
                        for g in &r.gaps {
                            println!("  GAP: {g}");
                        }
                        for b in &r.breaches {
                            println!("  BREACH {}: {}", b.date, b.description);
                        }
                    }
                }
                ReportCommand::Registers { json } => {
                    let r = s.registers().map_err(explain)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r)?);
                    } else {
                        println!(
                            "Client balances untouched for 90 days or more: {}",
                            r.dormant.len()
                        );
                        for b in &r.dormant {
                            println!(
                                "  {}\t{}\t{}\tlast {}",
                                b.matter_number, b.client_name, b.balance, b.last_movement
                            );
                        }
                        println!(
                            "Payments unpresented for six months or more: {}",
                            r.unpresented.len()
                        );
                        for u in &r.unpresented {
                            println!(
                                "  {}\t{}\t{}\t{}",
                                u.date, u.matter_number, u.reference, u.amount
                            );
                        }
                        println!(
                            "Closed matters still holding client money: {}",
                            r.residual_candidates.len()
                        );
                        for (b, note) in &r.residual_candidates {
                            println!(
                                "  {}\t{}\t{}\t{note}",
                                b.matter_number, b.client_name, b.balance
                            );
                        }
                        println!("Residual balances paid to charity: {}", r.residuals.len());
                        for x in &r.residuals {
                            println!(
                                "  {}\t{}\t{}\t{} ({})",
                                x.date, x.matter_number, x.amount, x.charity, x.charity_number
                            );
                        }
                        println!("Breach log: {}", r.breaches.len());
                        for b in &r.breaches {
                            println!(
                                "  {}\t{}\t{}{}",
                                b.date,
                                b.matter_number.as_deref().unwrap_or("-"),
                                b.description,
                                if b.automatic {
                                    " (found by Satchel)"
                                } else {
                                    ""
                                }
                            );
                        }
                    }
                }
            }
        }
        Command::Money { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            money(&mut s, command)?;
        }
        Command::User { command } => {
            let mut s = open(&dir, vault.as_ref())?;
            match command {
                UserCommand::Add {
                    name,
                    initials,
                    role,
                    rate,
                } => {
                    let u = s
                        .add_user(&name, &initials, &role, &rate)
                        .map_err(explain)?;
                    println!("{}\t{}\t{}", u.initials, u.name, u.role);
                }
                UserCommand::List { json } => {
                    let list = s.list_users().map_err(explain)?;
                    print_list(json, &list, "No users.", |u| {
                        println!("{}\t{}\t{}", u.initials, u.name, u.role);
                    })?;
                }
            }
        }
        Command::Unit { minutes } => {
            let mut s = open(&dir, vault.as_ref())?;
            let unit = match minutes {
                Some(m) => s.set_unit_minutes(m).map_err(explain)?,
                None => s.unit_minutes().map_err(explain)?,
            };
            println!("Time is recorded in {unit}-minute units.");
        }
        Command::Rate { amount } => {
            let mut s = open(&dir, vault.as_ref())?;
            let rate = match amount {
                Some(a) => s.set_my_rate(&a).map_err(explain)?,
                None => s.my_rate().map_err(explain)?,
            };
            println!("Your rate: {rate} an hour.");
        }
        Command::Wip { matter: None, json } => {
            let s = open(&dir, vault.as_ref())?;
            let list = s.wip_by_fee_earner().map_err(explain)?;
            print_list(json, &list, "No time recorded yet.", |w| {
                println!(
                    "{}\t{}\t{} matters\t{} entries\t{} billable min\t{}",
                    w.initials, w.name, w.matters, w.entries, w.billable_minutes, w.value
                );
            })?;
        }
        Command::Wip {
            matter: Some(matter),
            json,
        } => {
            let s = open(&dir, vault.as_ref())?;
            let w = s.wip(&matter).map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&w)?);
            } else {
                println!(
                    "{}: {} entries; billable {} min ({} units) worth {}; non-billable {} min.",
                    w.matter_number,
                    w.entries,
                    w.billable_minutes,
                    w.billable_units,
                    w.value,
                    w.non_billable_minutes
                );
                println!(
                    "Unbilled disbursements {}; expenses {} (net of VAT).",
                    w.disbursements, w.expenses
                );
                if let Some(warning) = &w.warning {
                    println!("Warning: {warning}");
                }
            }
        }
        Command::Enrol {
            server,
            fingerprint,
            code,
            name,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let name = name.unwrap_or_default();
            let settings = s
                .enrol_device(vault.as_ref(), &server, &fingerprint, &code, &name)
                .map_err(explain)?;
            println!(
                "enrolled with {} as device {}",
                settings.address, settings.device_id
            );
        }
        Command::Join {
            server,
            fingerprint,
            code,
            name,
        } => {
            let name = name.unwrap_or_default();
            let p = passphrase("Choose a recovery passphrase (12+ characters)", true)?;
            let s = Satchel::join(
                &dir,
                vault.as_ref(),
                &satchel_app::Join {
                    address: &server,
                    fingerprint: &fingerprint,
                    code: &code,
                    device_name: &name,
                    passphrase: &p,
                },
                Default::default(),
            )
            .map_err(explain)?;
            let who = s.session();
            println!(
                "joined {} as {} ({}) in {}; `satchel sync` fetches the firm's work",
                who.firm_name,
                who.user_name,
                who.initials,
                dir.display()
            );
        }
        Command::Sync => {
            use std::io::IsTerminal;
            let mut s = open(&dir, vault.as_ref())?;
            // A first sync can bring a whole firm: how far it got, on a terminal.
            let shown = std::io::stderr().is_terminal();
            let tell = |what: &str, done: u64, of: u64| {
                if shown && of > 0 {
                    eprint!("\r{what} {done} of {of} documents   ");
                }
            };
            let job = s.sync_job(vault.as_ref()).map_err(explain)?;
            let got = job.run(&|done, of| tell("in step with the server:", done, of));
            let r = s
                .finish_sync_with(vault.as_ref(), job, got, &|done, of| {
                    tell("merged here:", done, of);
                    true
                })
                .map_err(explain);
            if shown {
                eprintln!();
            }
            let r = r?;
            println!(
                "synced with the server: {} documents sent, {} arrived, {} changed here, {} not shared with you",
                r.documents, r.arrived, r.changed_here, r.not_shared
            );
            if let Some(why) = &r.audit_refused {
                eprintln!("the server did not take this device's audit trail: {why}");
            }
            if r.erasures_told > 0 {
                println!(
                    "the server destroyed {} documents erased here",
                    r.erasures_told
                );
            }
            if r.erased_here > 0 {
                println!(
                    "{} documents erased elsewhere were dropped here",
                    r.erased_here
                );
            }
            if let Some(why) = &r.erase_refused {
                eprintln!("the server did not take this device's erasures: {why}");
            }
        }
        Command::Verify => {
            let mut s = open(&dir, vault.as_ref())?;
            let r = s.verify().map_err(explain)?;
            for p in &r.integrity_problems {
                println!("database: {p}");
            }
            for p in &r.document_problems {
                println!("documents: {p}");
            }
            for b in &r.chain_breaks {
                println!("audit: {b}");
            }
            if !r.is_ok() {
                eprintln!("verify FAILED");
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "ok: database intact, {} documents load, {} audit events chain correctly",
                r.documents, r.audit_events
            );
        }
        Command::AccessLog {
            user,
            matter,
            from,
            to,
            csv,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let q = satchel_api::AccessLogQuery {
                user,
                matter,
                from,
                to,
            };
            if csv {
                print!("{}", s.access_log_csv(&q).map_err(explain)?);
            } else {
                let events = s.access_log(&q).map_err(explain)?;
                if events.is_empty() {
                    println!("no events match");
                }
                for e in events {
                    println!("{}\t{}\t{}\t{}", e.at, e.initials, e.action, e.subject);
                }
            }
        }
        Command::Backup { folder } => {
            let mut s = open(&dir, vault.as_ref())?;
            let bar = Progress::new("backing up");
            let b = s
                .backup(folder.as_deref(), "manual", &|n, of| bar.show(n, of))
                .map_err(explain)?;
            bar.done();
            println!(
                "backed up and verified: {} ({} MB, {} matters, {} audit events)",
                b.path.display(),
                b.manifest.bytes / 1_000_000,
                b.manifest.counts.get("matters").copied().unwrap_or(0),
                b.manifest.counts.get("audit_events").copied().unwrap_or(0)
            );
        }
        Command::Backups { folder, json } => {
            let list = match folder {
                Some(f) => satchel_app::backup::list(&f).map_err(explain)?,
                None => open(&dir, vault.as_ref())?.backups().map_err(explain)?,
            };
            if json {
                let manifests: Vec<_> = list
                    .iter()
                    .map(|b| serde_json::json!({ "path": b.path, "manifest": b.manifest }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&manifests)?);
            } else if list.is_empty() {
                println!("no backups yet");
            } else {
                for b in &list {
                    println!(
                        "{}  {:<14} {:>8} MB  {}",
                        b.manifest.created_at,
                        b.manifest.reason,
                        b.manifest.bytes / 1_000_000,
                        b.path.display()
                    );
                }
            }
        }
        Command::Restore { from } => {
            let bar = Progress::new("restoring");
            let restored = if satchel_app::presence(&dir) == satchel_app::Presence::Present {
                match satchel_app::backup::restore(
                    &dir,
                    vault.as_ref(),
                    Unlock::Keyring,
                    &from,
                    &|n, of| bar.show(n, of),
                ) {
                    Err(e) if e.kind() == ErrorKind::Locked => {
                        eprintln!("{e}");
                        let p = passphrase("Recovery passphrase", false)?;
                        satchel_app::backup::restore(
                            &dir,
                            vault.as_ref(),
                            Unlock::Passphrase(&p),
                            &from,
                            &|n, of| bar.show(n, of),
                        )
                    }
                    other => other,
                }
            } else {
                let p = passphrase("Recovery passphrase of the backup", false)?;
                satchel_app::backup::restore(
                    &dir,
                    vault.as_ref(),
                    Unlock::Passphrase(&p),
                    &from,
                    &|n, of| bar.show(n, of),
                )
            }
            .map_err(explain)?;
            bar.done();
            println!(
                "restored the backup of {} ({})",
                restored.from.created_at, restored.from.reason
            );
            if let Some(safety) = restored.safety {
                println!("the store as it was is kept in {}", safety.display());
            }
        }
        Command::ExportArchive { folder } => {
            let mut s = open(&dir, vault.as_ref())?;
            let bar = Progress::new("exporting");
            let file = s
                .export_archive(&folder, &|n, of| bar.show(n, of))
                .map_err(explain)?;
            bar.done();
            println!(
                "exported {} — it opens on a new machine with the recovery passphrase (satchel restore)",
                file.display()
            );
        }
        Command::Status { json } => {
            let s = open(&dir, vault.as_ref())?;
            let st = s.status().map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&st)?);
            } else {
                println!("Firm:          {}", st.firm_name);
                println!("User:          {}", st.user_name);
                println!("Device:        {}", st.device_id);
                println!("Data folder:   {}", st.data_dir);
                println!("Matters:       {}", st.matters);
                println!("Audit events:  {}", st.audit_events);
                println!("Store size:    {} bytes", st.store_bytes);
                println!("Schema:        v{}", st.schema_version);
                println!(
                    "Numbers left:  {}",
                    if st.number_blocks.is_empty() {
                        "none: this device needs a block of matter numbers from the firm server"
                            .to_owned()
                    } else {
                        st.number_blocks.join(", ")
                    }
                );
                println!("Time unit:     {} minutes", st.unit_minutes);
                println!("Keyring:       {}", st.keyring);
                for due in &st.reconciliation_due {
                    println!("WARNING: {}", due.message);
                }
            }
            if !st.reconciliation_due.is_empty() {
                eprintln!(
                    "error: {} client account(s) overdue for reconciliation",
                    st.reconciliation_due.len()
                );
                return Ok(ExitCode::from(3));
            }
        }
        Command::Key {
            command: KeyCommand::Rotate,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let p = passphrase("Recovery passphrase", false)?;
            s.rotate_key(vault.as_ref(), &p).map_err(explain)?;
            println!(
                "The store is encrypted under a new key, sealed with the recovery passphrase{}.",
                if s.session().keyring_ok {
                    " and kept in the keyring"
                } else {
                    ""
                }
            );
        }
        Command::Key {
            command: KeyCommand::Passphrase,
        } => {
            let mut s = open(&dir, vault.as_ref())?;
            let old = passphrase("Current recovery passphrase", false)?;
            let new = match std::env::var("SATCHEL_NEW_PASSPHRASE") {
                Ok(p) => p,
                Err(_) => {
                    if !std::io::stdin().is_terminal() {
                        bail!(
                            "set SATCHEL_NEW_PASSPHRASE to the new passphrase; nothing was changed"
                        );
                    }
                    let p = rpassword::prompt_password("New recovery passphrase: ")?;
                    if rpassword::prompt_password("Repeat it: ")? != p {
                        bail!("the two passphrases differ; nothing was changed");
                    }
                    p
                }
            };
            s.change_passphrase(&old, &new).map_err(explain)?;
            println!(
                "The recovery passphrase is changed. Backups made before keep the passphrase they were made with."
            );
        }
        Command::Keyring {
            command: KeyringCommand::Forget,
        } => {
            let env = satchel_app::envelope_install_id(&dir).map_err(explain)?;
            let removed = vault.forget(&env).map_err(|e| anyhow!(e.to_string()))?;
            println!(
                "{}",
                if removed {
                    "The key was removed from the keyring; the recovery passphrase is now needed to open."
                } else {
                    "The keyring held no key for this store."
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A list as JSON, or a line per item, or a sentence when there is none.
fn print_list<T: serde::Serialize>(
    json: bool,
    list: &[T],
    empty: &str,
    line: impl Fn(&T),
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(list)?);
    } else if list.is_empty() {
        println!("{empty}");
    } else {
        list.iter().for_each(line);
    }
    Ok(())
}

fn print_matter(m: &satchel_api::Matter) {
    println!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        m.number,
        m.opened,
        m.status,
        m.fee_earner,
        m.supervisor.as_deref().unwrap_or("-"),
        m.practice_area,
        m.client_name,
        m.description
    );
}

fn statement(s: &mut Satchel, command: StatementCommand) -> anyhow::Result<()> {
    match command {
        StatementCommand::Import {
            account,
            file,
            date_column,
            date_format,
            amount_column,
            paid_in_column,
            paid_out_column,
            description_column,
            reference_column,
            balance_column,
            no_header,
            delimiter,
        } => {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let mapping = match (date_column, description_column) {
                (Some(date_column), Some(description_column)) => {
                    let amount = match (amount_column, paid_in_column, paid_out_column) {
                        (Some(column), None, None) => {
                            satchel_statement::AmountColumns::Signed { column }
                        }
                        (None, Some(paid_in), Some(paid_out)) => {
                            satchel_statement::AmountColumns::InOut { paid_in, paid_out }
                        }
                        _ => bail!(
                            "give --amount-column, or both --paid-in-column and --paid-out-column"
                        ),
                    };
                    Some(satchel_statement::CsvMapping {
                        has_header: !no_header,
                        delimiter,
                        date_column,
                        date_format: match date_format.as_str() {
                            "dmy" => satchel_statement::DateFormat::DayMonthYear,
                            "ymd" => satchel_statement::DateFormat::YearMonthDay,
                            other => bail!("--date-format '{other}': use dmy or ymd"),
                        },
                        amount,
                        description_column,
                        reference_column,
                        balance_column,
                    })
                }
                (None, None) => None,
                _ => bail!("a CSV layout needs both --date-column and --description-column"),
            };
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let r = s
                .import_statement(&account, &name, &bytes, mapping.as_ref())
                .map_err(explain)?;
            println!(
                "{}: {} lines read, {} added, {} already imported, {} matched{}.",
                r.file_name,
                r.lines_read,
                r.added,
                r.duplicates,
                r.matched,
                match (&r.closing_date, &r.closing_balance) {
                    (Some(d), Some(b)) => format!("; closing balance {b} at {d}"),
                    _ => String::new(),
                }
            );
        }
        StatementCommand::Lines { account, json } => {
            let list = s.statement_lines(&account).map_err(explain)?;
            print_list(json, &list, "No statement lines yet.", |l| {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    l.key,
                    l.date,
                    l.amount,
                    l.description,
                    l.reference,
                    if l.matched_to.is_empty() {
                        "unmatched"
                    } else {
                        &l.matched_to
                    }
                );
            })?;
        }
        StatementCommand::Match {
            account,
            line,
            posting,
        } => {
            let l = s
                .match_line(&satchel_api::MatchRequest {
                    account,
                    line_key: line,
                    posting_id: posting,
                })
                .map_err(explain)?;
            println!("{} matched to {}.", l.key, l.matched_to);
        }
        StatementCommand::Unmatch { account, line } => {
            let l = s
                .match_line(&satchel_api::MatchRequest {
                    account,
                    line_key: line,
                    posting_id: String::new(),
                })
                .map_err(explain)?;
            println!("{} unmatched.", l.key);
        }
    }
    Ok(())
}

fn print_bill(b: &satchel_api::Bill) {
    println!(
        "{}\t{}\t{}\t{}\t{}\ttotal {}\tunpaid {}\t{}",
        if b.number.is_empty() {
            "(draft)"
        } else {
            &b.number
        },
        if b.kind.is_empty() { "bill" } else { &b.kind },
        b.date,
        b.matter_number,
        b.client_name,
        b.total,
        b.unpaid,
        b.delivered_on
            .as_deref()
            .map_or("not delivered".to_owned(), |d| format!("delivered {d}"))
    );
}

fn print_bill_lines(b: &satchel_api::Bill) {
    for l in &b.lines {
        println!(
            "  {}\t{}\t{}\tnet {}\tVAT {}",
            l.date, l.kind, l.description, l.net, l.vat
        );
    }
}

fn bill(s: &mut Satchel, command: BillCommand) -> anyhow::Result<()> {
    let one = |b: &satchel_api::Bill, json: bool| -> anyhow::Result<()> {
        if json {
            println!("{}", serde_json::to_string_pretty(b)?);
        } else {
            print_bill(b);
            print_bill_lines(b);
        }
        Ok(())
    };
    match command {
        BillCommand::Draft { matter, json } => {
            let b = s
                .draft_bill(&satchel_api::NewBillRequest {
                    matter,
                    ..Default::default()
                })
                .map_err(explain)?;
            one(&b, json)?;
        }
        BillCommand::Create {
            matter,
            date,
            notification,
            json,
        } => {
            let b = s
                .create_bill(&satchel_api::NewBillRequest {
                    matter,
                    date,
                    kind: if notification { "notification" } else { "bill" }.into(),
                })
                .map_err(explain)?;
            one(&b, json)?;
        }
        BillCommand::Deliver { bill, on } => {
            print_bill(&s.deliver_bill(&bill, &on).map_err(explain)?);
        }
        BillCommand::Credit {
            bill,
            fees,
            reason,
            date,
        } => {
            let b = s
                .credit_bill(&satchel_api::CreditRequest {
                    bill,
                    fees,
                    reason,
                    date,
                })
                .map_err(explain)?;
            one(&b, false)?;
        }
        BillCommand::List {
            from,
            to,
            json,
            csv,
        } => {
            if let Some(path) = csv {
                let text = s.bill_register_csv(&from, &to).map_err(explain)?;
                std::fs::write(&path, text)
                    .with_context(|| format!("could not write {}", path.display()))?;
                println!("Wrote the register to {}.", path.display());
            } else {
                let list = s.list_bills(&from, &to).map_err(explain)?;
                print_list(json, &list, "No bills yet.", print_bill)?;
            }
        }
        BillCommand::Show { bill, json } => {
            let b = s.bill(&bill).map_err(explain)?;
            one(&b, json)?;
        }
        BillCommand::Pdf { bill, out } => {
            let bytes = s.bill_pdf(&bill).map_err(explain)?;
            std::fs::write(&out, bytes)
                .with_context(|| format!("could not write {}", out.display()))?;
            println!("Wrote {} to {}.", bill.to_uppercase(), out.display());
        }
    }
    Ok(())
}

fn posting_request(kind: &str, a: MoneyArgs, party: String) -> (satchel_api::PostingRequest, bool) {
    (
        satchel_api::PostingRequest {
            kind: kind.into(),
            matter: a.matter,
            account: a.account,
            amount: a.amount,
            date: a.date,
            method: a.method,
            reference: a.reference,
            party,
            authorised_by: a.authorised_by,
            ..Default::default()
        },
        a.json,
    )
}

fn money(s: &mut Satchel, command: MoneyCommand) -> anyhow::Result<()> {
    let (req, json) = match command {
        MoneyCommand::Receive { args, from } => posting_request("receipt", args, from),
        MoneyCommand::Pay { args, to } => posting_request("payment", args, to),
        MoneyCommand::Transfer {
            args,
            to_matter,
            to_account,
            bill,
            reason,
        } => {
            let (req, json) = posting_request("transfer", args, String::new());
            (
                satchel_api::PostingRequest {
                    to_matter,
                    to_account,
                    bill,
                    reason,
                    ..req
                },
                json,
            )
        }
        MoneyCommand::Threshold { amount } => {
            match s.set_second_authoriser_above(&amount).map_err(explain)? {
                Some(p) => println!(
                    "Client-account payments over {} now need a second authoriser.",
                    Money::from_pence(p)
                ),
                None => println!("No payment needs a second authoriser by its size."),
            }
            return Ok(());
        }
        MoneyCommand::Residual {
            matter,
            amount,
            tracing_steps,
            charity,
            charity_number,
            sra_authority,
        } => {
            let r = s
                .record_residual(&satchel_api::ResidualRequest {
                    matter,
                    amount,
                    tracing_steps,
                    charity,
                    charity_number,
                    sra_authority,
                    date: String::new(),
                })
                .map_err(explain)?;
            println!(
                "{}\t{}\t{}\tto {} ({})",
                r.date, r.matter_number, r.amount, r.charity, r.charity_number
            );
            return Ok(());
        }
        MoneyCommand::Reverse {
            posting,
            reason,
            date,
            json,
        } => {
            let original = s.posting(&posting).map_err(explain)?;
            (
                satchel_api::PostingRequest {
                    kind: "reversal".into(),
                    matter: original.matter_number,
                    reverses: posting,
                    reason,
                    date,
                    ..Default::default()
                },
                json,
            )
        }
        MoneyCommand::Ledger { matter, json } => {
            let l = s.client_ledger(&matter).map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&l)?);
                return Ok(());
            }
            println!("{} {}", l.matter_number, l.client_name);
            println!(
                "date\twhat\treference\tclient\tclient balance\toffice\toffice balance\tstate\tposting"
            );
            for x in &l.lines {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    x.date,
                    x.what,
                    x.reference,
                    Money::from_pence(x.client_pence),
                    Money::from_pence(x.client_balance_pence),
                    Money::from_pence(x.office_pence),
                    Money::from_pence(x.office_balance_pence),
                    x.state,
                    x.posting_id
                );
            }
            println!(
                "Client money held {} (available {}); office side {}.",
                Money::from_pence(l.client_balance_pence),
                Money::from_pence(l.available_pence),
                Money::from_pence(l.office_balance_pence)
            );
            return Ok(());
        }
        MoneyCommand::Cashbook {
            account,
            from,
            to,
            json,
        } => {
            let c = s.cash_book(&account, &from, &to).map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
                return Ok(());
            }
            println!(
                "{} ({}) {} to {}",
                c.account.name, c.account.kind, c.from, c.to
            );
            println!(
                "Brought forward {}",
                Money::from_pence(c.brought_forward_pence)
            );
            for x in &c.lines {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    x.date,
                    x.matter_number,
                    x.what,
                    x.reference,
                    Money::from_pence(x.amount_pence),
                    Money::from_pence(x.balance_pence),
                    x.state
                );
            }
            println!("Balance {}", Money::from_pence(c.balance_pence));
            return Ok(());
        }
        MoneyCommand::Balances { json } => {
            let list = s.client_balances().map_err(explain)?;
            print_list(json, &list, "No client money held.", |b| {
                println!(
                    "{}\t{}\t{}\t{}\tavailable {}\tlast {}",
                    b.account_name,
                    b.matter_number,
                    b.client_name,
                    Money::from_pence(b.balance_pence),
                    Money::from_pence(b.available_pence),
                    b.last_movement
                );
            })?;
            return Ok(());
        }
    };
    let p = s.record_posting(&req).map_err(explain)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            p.id, p.matter_number, p.date, p.kind, p.amount, p.account_name, p.state
        );
    }
    Ok(())
}

fn print_account(a: &satchel_api::BankAccount) {
    println!(
        "{}\t{}\t{} {}\topening {} on {}",
        a.kind, a.name, a.sort_code, a.account_number, a.opening_balance, a.opened_on
    );
}

fn print_task(t: &satchel_api::Task) {
    println!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        t.id,
        t.matter_number,
        t.due,
        t.assignee,
        t.done_on
            .as_deref()
            .map_or("open".to_owned(), |d| format!("done {d}")),
        t.title
    );
}

fn print_entry(e: &TimeEntry) {
    println!(
        "{}\t{}\t{}\t{} min\t{} units\t{}\t{}\t{}\t{}",
        e.matter_number,
        e.date,
        e.fee_earner,
        e.minutes,
        e.units,
        if e.billable {
            e.value.as_str()
        } else {
            "non-billable"
        },
        e.activity,
        e.description,
        e.id
    );
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
