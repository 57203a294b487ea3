//! A deterministic firm: the same size and seed always give the same people, matters and
//! time, the same client and office money, and the same bank statements of the client
//! account, matched to its cash book. `demo` is small enough to click through; `firm10y`
//! is a firm of 50 fee earners after ten years (20,000 matters, 60,000 contacts, 2,000,000
//! time entries, 500,000 postings), for the benchmarks.
//!
//! Records are made in batches of matters (with their contacts) and handed to a sink, so a
//! firm of any size is generated in bounded memory — but for the bank statements, which
//! are one document (the client account's) written last: the lines for it are kept as the
//! matters are made (a few hundred thousand at firm10y, tens of MB).
#![forbid(unsafe_code)]

use jiff::civil::{Date, date};
use satchel_app::docs::{
    ConflictRec, ContactDoc, KeyDateRec, MatterDoc, NoteRec, PartyRec, TaskRec, TimeRec, UserRec,
};
use satchel_app::domain::matter::{MatterNumber, PRACTICE_AREAS};
use satchel_app::domain::time::{self as rules, Activity};
use satchel_app::domain::{Money, keydate};
use satchel_app::{AppError, Batch, docs};

mod money;
mod statements;
pub use money::{Accounts, Mix, bank_accounts};
pub use statements::STATEMENTS_TO;

/// The name generated stores are set up with (a client account's name must contain it).
pub const FIRM_NAME: &str = "Hale & Co Solicitors";

/// How big a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub name: &'static str,
    pub users: usize,
    pub matters: usize,
    pub contacts: usize,
    pub time_entries: usize,
    /// Postings of client and office money, reversals included.
    pub postings: usize,
    pub years: i16,
}

pub const DEMO: Size = Size {
    name: "demo",
    users: 6,
    matters: 60,
    contacts: 180,
    time_entries: 3_000,
    postings: 600,
    years: 2,
};

pub const FIRM10Y: Size = Size {
    name: "firm10y",
    users: 50,
    matters: 20_000,
    contacts: 60_000,
    time_entries: 2_000_000,
    postings: 500_000,
    years: 10,
};

impl Size {
    pub fn parse(text: &str) -> Option<Size> {
        match text {
            "demo" => Some(DEMO),
            "firm10y" => Some(FIRM10Y),
            _ => None,
        }
    }

    /// The first day of the generated years: the first matter opens, and the bank
    /// accounts are opened, on it.
    pub fn first_day(&self) -> Date {
        date(
            LAST_DAY.year() - self.years,
            LAST_DAY.month(),
            LAST_DAY.day(),
        )
    }
}

/// What [`generate`] has made so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Made {
    pub matters: usize,
    pub contacts: usize,
    pub time_entries: usize,
    pub postings: usize,
    pub mix: Mix,
    /// Lines on the client account's bank statements (cash book entries and charges).
    pub statement_lines: usize,
    /// Statements (one a month with anything on it).
    pub statements: usize,
}

/// Generate a firm of `size` from `seed` into a store just set up, whose first user
/// becomes one of the fee earners: the bank accounts first, through the write path as a
/// cashier adds them (the postings name them by the ids the store gives them), then the
/// users, then matters `batch` at a time, one transaction each, then the client account's
/// bank statements, matched. `progress` hears after every batch.
pub fn generate(
    s: &mut satchel_app::Satchel,
    size: Size,
    seed: u64,
    batch: usize,
    mut progress: impl FnMut(&Made),
) -> Result<Made, AppError> {
    let me = s
        .list_users()?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Document("the store has no user yet".into()))?;
    let firm_name = s.status()?.firm_name;
    let mut ids = Vec::new();
    let requests = bank_accounts(seed, &firm_name, size.first_day());
    for account in &requests {
        ids.push(s.add_bank_account(account)?.id);
    }
    let [client, office] = <[String; 2]>::try_from(ids)
        .map_err(|_| AppError::Document("two bank accounts were not added".into()))?;
    let mut firm = Firm::new(
        size,
        seed,
        &me.id,
        &me.initials,
        Accounts { client, office },
    );
    s.load_batch(&firm.users())?;
    let mut made = Made::default();
    while let Some(b) = firm.next_batch(batch.max(1)) {
        made.matters += b.matters.len();
        made.contacts += b.contacts.len();
        made.time_entries += b.matters.iter().map(|m| m.time.len()).sum::<usize>();
        made.postings += b.matters.iter().map(|m| m.postings.len()).sum::<usize>();
        made.mix = firm.mix();
        s.load_batch(&b)?;
        progress(&made);
    }
    let b = firm.statements(&requests[0].sort_code, &requests[0].account_number);
    for bank in &b.banks {
        made.statement_lines += bank.lines.len();
        made.statements += bank.account.imports.len();
    }
    s.load_batch(&b)?;
    progress(&made);
    Ok(made)
}

/// Whether an open store holds a firm of `size` as this generator makes it: its matters,
/// the client and office accounts with money on matters' ledgers, and statement lines on
/// the client account matched to its cash book. A store made before the generator made
/// client money has no bank accounts, one made before it made statements has no
/// statement lines, and one made before statement lines were kept a month to a document
/// has no month documents: none is one. (`cargo xtask bench` makes its store again when this
/// says no: when the generator comes to make something new, say here how to tell a store
/// that lacks it.) It reads every client ledger and statement line, so it takes seconds at
/// firm10y size.
pub fn holds_generated_firm(s: &satchel_app::Satchel, size: Size) -> Result<bool, AppError> {
    let accounts = s.list_bank_accounts()?;
    let Some(client) = accounts.iter().find(|a| a.kind == "client") else {
        return Ok(false);
    };
    if !accounts.iter().any(|a| a.kind == "office")
        || s.status()?.matters != size.matters as u64
        || s.client_balances()?.is_empty()
    {
        return Ok(false);
    }
    // Statement lines kept a month to a document (schema 18), matched.
    Ok(s.document_count(satchel_app::docs::KIND_STATEMENTS)? > 0
        && s.statement_lines(&client.id)?
            .iter()
            .any(|l| l.matched_posting.is_some()))
}

/// The last day of the generated years: fixed, so that a seed means the same data on any
/// day it is run.
pub const LAST_DAY: Date = date(2026, 10, 30);

const FIRST: &[&str] = &[
    "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Jack", "Sophie",
    "Leo", "Ella", "Arthur", "Freya", "Oscar", "Lily", "Charlie", "Evie", "Thomas", "Priya",
    "Mohammed", "Aisha", "Tomasz", "Zoë", "Siobhán", "Chidi", "Mei", "Rhys", "Niamh",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "O'Brien", "Nowak", "Okafor", "Chen", "Hughes", "Edwards",
    "Lewis", "Morgan", "Ahmed", "Begum", "Kowalski", "Murphy", "Price", "Turner",
];
const TRADE: &[&str] = &[
    "Northwind",
    "Albion",
    "Thames",
    "Pennine",
    "Harbour",
    "Oakfield",
    "Kestrel",
    "Meridian",
    "Beacon",
    "Riverside",
    "Cotswold",
    "Highland",
    "Granite",
    "Willow",
    "Sterling",
    "Vale",
];
const TRADE2: &[&str] = &[
    "Traders",
    "Logistics",
    "Builders",
    "Holdings",
    "Foods",
    "Engineering",
    "Developments",
    "Consulting",
    "Retail",
    "Motors",
    "Properties",
    "Textiles",
];
const FORMS: &[&str] = &["Ltd", "Limited", "plc", "LLP", "Ltd"];
const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Lane",
    "Victoria Road",
    "Park Avenue",
    "Queen Street",
    "King's Road",
    "The Green",
    "London Road",
    "Manor Way",
    "Orchard Close",
];
const TOWNS: &[&str] = &[
    "Croydon",
    "Reading",
    "Leeds",
    "Bristol",
    "Norwich",
    "Exeter",
    "Chester",
    "York",
    "Bath",
    "Cardiff",
    "Swansea",
    "Luton",
    "Derby",
    "Oxford",
    "Guildford",
    "Maidstone",
];
const AREAS: &[&str] = &[
    "SW", "NW", "SE", "LS", "BS", "NR", "EX", "CH", "YO", "BA", "CF", "LU",
];
const WORK: &[(&str, &[&str])] = &[
    (
        "conveyancing",
        &[
            "Purchase of {n} {street}",
            "Sale of {n} {street}",
            "Remortgage of {n} {street}",
        ],
    ),
    (
        "dispute resolution",
        &[
            "Claim against {other} for unpaid invoices",
            "Defence of claim by {other}",
        ],
    ),
    (
        "employment",
        &[
            "Settlement agreement with {other}",
            "Unfair dismissal claim against {other}",
        ],
    ),
    (
        "family",
        &["Divorce and financial remedy", "Child arrangements"],
    ),
    (
        "wills and probate",
        &[
            "Will and lasting powers of attorney",
            "Estate of the late {last}",
        ],
    ),
    (
        "commercial",
        &[
            "Supply agreement with {other}",
            "Terms and conditions review",
        ],
    ),
    (
        "personal injury",
        &["Road traffic accident claim", "Accident at work claim"],
    ),
];
const NARRATIVES: &[&str] = &[
    "Attendance on client",
    "Telephone call with client",
    "Letter to other side",
    "Email to client with advice",
    "Drafting",
    "Reviewing documents",
    "Research on limitation",
    "Travel to court",
    "Attending hearing",
    "Considering correspondence",
];

/// A deterministic random source (wyrand, from fastrand) with helpers.
struct Gen(fastrand::Rng);

impl Gen {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.0.usize(..list.len())]
    }
    fn id(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.0.u128(..).to_le_bytes())
            .into_uuid()
            .to_string()
    }
    fn postcode(&mut self) -> String {
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let l = |g: &mut Gen| char::from(letters[g.0.usize(..letters.len())]);
        let area = self.pick(AREAS).to_owned();
        format!(
            "{area}{} {}{}{}",
            self.0.u8(1..20),
            self.0.u8(1..10),
            l(self),
            l(self)
        )
    }
    fn day_between(&mut self, from: Date, to: Date) -> Date {
        let span = (to - from).get_days().max(0);
        from.checked_add(jiff::Span::new().days(self.0.i64(0..=i64::from(span))))
            .unwrap_or(from)
    }
}

/// The firm being generated: who works there, and where the generator is up to.
pub struct Firm {
    size: Size,
    g: Gen,
    /// User ids and their rates; index 0 is the store's own user.
    users: Vec<(String, i64)>,
    /// Each user's initials, in the order of `users`.
    initials: Vec<String>,
    own_initials: String,
    next_matter: usize,
    next_contact: usize,
    time_left: usize,
    /// Money has its own random stream, so that the rest of a seed's firm is what it was
    /// before the generator made postings.
    money: Gen,
    accounts: Accounts,
    postings_left: usize,
    /// Matters generated so far that stay open: where transfers between clients go.
    open_matters: Vec<money::Target>,
    mix: Mix,
    /// The bank statements' own random stream, so that the rest of a seed's firm is what
    /// it was before the generator made statements.
    bank: Gen,
    /// What the bank showed of the client cash book entries made so far.
    bank_lines: Vec<statements::BankLine>,
}

/// Mixed into the seed for the money's random stream.
const MONEY_SALT: u64 = 0x6d6f_6e65_7900_0000; // "money"

impl Firm {
    /// Start a firm of `size` from `seed`. `own_user` is the id (and `own_initials` the
    /// initials) of the user the store was set up with, who becomes one of the fee earners;
    /// `accounts` are the ids of the bank accounts [`bank_accounts`] describes, as the store
    /// added them.
    pub fn new(
        size: Size,
        seed: u64,
        own_user: &str,
        own_initials: &str,
        accounts: Accounts,
    ) -> Firm {
        Firm {
            own_initials: own_initials.to_uppercase(),
            size,
            g: Gen(fastrand::Rng::with_seed(seed)),
            users: vec![(own_user.to_owned(), 25_000)],
            initials: vec![own_initials.to_uppercase()],
            next_matter: 0,
            next_contact: 0,
            time_left: size.time_entries,
            money: Gen(fastrand::Rng::with_seed(seed ^ MONEY_SALT)),
            accounts,
            postings_left: size.postings,
            open_matters: Vec::new(),
            mix: Mix::default(),
            bank: Gen(fastrand::Rng::with_seed(seed ^ statements::BANK_SALT)),
            bank_lines: Vec::new(),
        }
    }

    /// The client account's bank document (in a batch of its own, to load after the
    /// matters): every client cash book entry up to [`STATEMENTS_TO`] on a statement and
    /// matched, and the bank's charges. `sort_code` and `account_number` are the client
    /// account's (the statements name it).
    pub fn statements(&mut self, sort_code: &str, account_number: &str) -> Batch {
        let mut lines = std::mem::take(&mut self.bank_lines);
        lines.extend(statements::charges(&mut self.bank));
        let (doc, _) = statements::bank_doc(
            &mut self.bank,
            &self.accounts.client,
            &statements::BankAccount {
                sort_code,
                number: account_number,
            },
            &self.own_initials,
            lines,
            false,
        );
        Batch {
            banks: vec![doc],
            ..Batch::default()
        }
    }

    /// The postings made so far, by kind.
    pub fn mix(&self) -> Mix {
        self.mix
    }

    /// The firm's other people (the first batch to load).
    pub fn users(&mut self) -> Batch {
        let mut batch = Batch::default();
        let mut taken = std::collections::HashSet::new();
        taken.insert(self.own_initials.clone());
        while self.users.len() < self.size.users {
            let first = self.g.pick(FIRST);
            let last = self.g.pick(LAST);
            let base: String = [first, last]
                .iter()
                .filter_map(|w| w.chars().find(|c| c.is_ascii_alphabetic()))
                .collect::<String>()
                .to_uppercase();
            let initials = (0..26u8)
                .map(|i| {
                    if i == 0 {
                        base.clone()
                    } else {
                        format!("{base}{}", char::from(b'A' + i - 1))
                    }
                })
                .find(|i| !taken.contains(i))
                .unwrap_or_else(|| format!("Z{}", taken.len()));
            taken.insert(initials.clone());
            let role = if self.users.len() % 8 == 1 {
                "partner"
            } else {
                "fee_earner"
            };
            let rate = i64::from(self.g.0.u32(150..=420)) * 100;
            let id = self.g.id();
            self.users.push((id.clone(), rate));
            self.initials.push(initials.clone());
            batch.users.push((
                id,
                UserRec {
                    name: format!("{first} {last}"),
                    initials,
                    role: role.into(),
                    rate_pence: rate,
                },
            ));
        }
        batch
    }

    fn contact(&mut self, organisation: bool) -> ContactDoc {
        let (name, kind) = if organisation {
            (
                format!(
                    "{} {} {}",
                    self.g.pick(TRADE),
                    self.g.pick(TRADE2),
                    self.g.pick(FORMS)
                ),
                "organisation",
            )
        } else {
            (
                format!("{} {}", self.g.pick(FIRST), self.g.pick(LAST)),
                "person",
            )
        };
        let n = self.next_contact;
        self.next_contact += 1;
        let email = format!(
            "{}{n}@example.co.uk",
            name.split_whitespace()
                .next()
                .unwrap_or("contact")
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        );
        ContactDoc {
            kind: docs::KIND_CONTACT.into(),
            schema: 1,
            id: self.g.id(),
            contact_kind: kind.into(),
            name,
            email: Some(email),
            phone: Some(format!("07700 9{:05}", n % 100_000)),
            address: Some(format!(
                "{} {}, {}",
                self.g.0.u16(1..300),
                self.g.pick(STREETS),
                self.g.pick(TOWNS)
            )),
            postcode: Some(self.g.postcode()),
            date_of_birth: (!organisation).then(|| {
                self.g
                    .day_between(date(1940, 1, 1), date(2004, 12, 31))
                    .to_string()
            }),
            company_number: organisation.then(|| format!("{:08}", self.g.0.u32(1..15_000_000))),
        }
    }

    /// The next batch of up to `matters` matters with their contacts, or `None` when the
    /// firm is complete.
    pub fn next_batch(&mut self, matters: usize) -> Option<Batch> {
        if self.next_matter >= self.size.matters {
            return None;
        }
        let mut batch = Batch::default();
        let end = (self.next_matter + matters).min(self.size.matters);
        let first_day = self.size.first_day();
        for i in self.next_matter..end {
            let remaining_matters = self.size.matters - i;
            let remaining_contacts = self.size.contacts.saturating_sub(self.next_contact);
            let per_matter = remaining_contacts.div_ceil(remaining_matters).clamp(1, 6);
            let mut parties = Vec::new();
            for p in 0..per_matter {
                let organisation = self.g.0.u8(..4) == 0;
                let c = self.contact(organisation);
                let role = match p {
                    0 => "client",
                    1 => "other_side",
                    2 => "other_side_solicitor",
                    3 => "witness",
                    4 => "expert",
                    _ => "other",
                };
                parties.push((c.id.clone(), c.name.clone(), role));
                batch.contacts.push(c);
            }
            // Opening dates spread evenly over the years, in number order.
            let span = (LAST_DAY - first_day).get_days();
            let offset = i64::from(span) * i as i64 / self.size.matters as i64;
            let opened = first_day
                .checked_add(jiff::Span::new().days(offset))
                .unwrap_or(first_day);
            let age_days = (LAST_DAY - opened).get_days();
            let (status, closed_on, archived_on) = if age_days > 6 * 365 {
                (
                    "archived",
                    Some(opened.saturating_add(jiff::Span::new().days(400))),
                    Some(LAST_DAY),
                )
            } else if age_days > 2 * 365 && self.g.0.u8(..10) < 8 {
                (
                    "closed",
                    Some(opened.saturating_add(jiff::Span::new().days(500))),
                    None,
                )
            } else {
                ("open", None, None)
            };
            let work_until = closed_on.unwrap_or(LAST_DAY).min(LAST_DAY);
            let (area, templates) = WORK[self.g.0.usize(..WORK.len())];
            let other = parties
                .get(1)
                .map_or("the other side".to_owned(), |p| p.1.clone());
            let description = self
                .g
                .pick(templates)
                .replace("{n}", &self.g.0.u16(1..200).to_string())
                .replace("{street}", self.g.pick(STREETS))
                .replace("{other}", &other)
                .replace("{last}", self.g.pick(LAST));
            let fee_earner = self.g.0.usize(..self.users.len());
            // Partners (every eighth person, from the second) supervise.
            let partners = self.users.len().saturating_sub(2) / 8 + 1;
            let supervisor = (1 + 8 * self.g.0.usize(..partners)).min(self.users.len() - 1);
            // Time: an even share of what is left, varied, so the total is exact.
            let share = self.time_left / remaining_matters;
            let entries = if remaining_matters == 1 {
                self.time_left
            } else {
                let spread = share / 2;
                (share - spread + self.g.0.usize(..=2 * spread)).min(self.time_left)
            };
            self.time_left -= entries;
            let mut time = Vec::with_capacity(entries);
            for _ in 0..entries {
                let who = if self.g.0.u8(..4) == 0 {
                    self.g.0.usize(..self.users.len())
                } else {
                    fee_earner
                };
                let minutes = u32::from(self.g.0.u8(1..=18)) * 5;
                let unit = rules::DEFAULT_UNIT_MINUTES;
                let units = rules::units(minutes, unit);
                let rate = Money::from_pence(self.users[who].1);
                let billable = self.g.0.u8(..10) > 0;
                let value = if billable {
                    rules::value(units * unit, rate).pence()
                } else {
                    0
                };
                let activity = Activity::ALL[self.g.0.usize(..Activity::ALL.len())];
                time.push(TimeRec {
                    id: self.g.id(),
                    user_id: self.users[who].0.clone(),
                    date: self.g.day_between(opened, work_until).to_string(),
                    minutes: u64::from(minutes),
                    unit_minutes: u64::from(unit),
                    units: u64::from(units),
                    billable,
                    activity: activity.as_str().into(),
                    description: self.g.pick(NARRATIVES).into(),
                    rate_pence: rate.pence(),
                    value_pence: value,
                });
            }
            time.sort_by(|a, b| a.date.cmp(&b.date));
            let author = self.users[fee_earner].0.clone();
            let notes = (0..2)
                .map(|k| NoteRec {
                    id: self.g.id(),
                    at: format!("{}T10:{:02}:00Z", self.g.day_between(opened, work_until), k * 15),
                    author_id: author.clone(),
                    kind: if k == 0 { "attendance" } else { "file" }.into(),
                    title: if k == 0 {
                        "Initial meeting with client".into()
                    } else {
                        format!("File review: {area}")
                    },
                    body: format!(
                        "Discussed {} with {}. Client to send documents; we will write to {} this week.",
                        description.to_lowercase(),
                        parties[0].1,
                        other
                    ),
                })
                .collect();
            let kd_date = self
                .g
                .day_between(opened, LAST_DAY.saturating_add(jiff::Span::new().days(120)));
            let key_dates = vec![KeyDateRec {
                id: self.g.id(),
                kind: "deadline".into(),
                date: kd_date.to_string(),
                title: "Deadline for next step".into(),
                reminder_days: 7,
                reminder_on: keydate::reminder_on(kd_date, 7, opened).to_string(),
                created_by: author.clone(),
            }];
            let tasks = if status == "open" {
                vec![TaskRec {
                    id: self.g.id(),
                    title: "Review file and update client".into(),
                    assignee: author.clone(),
                    due: self
                        .g
                        .day_between(
                            LAST_DAY,
                            LAST_DAY.saturating_add(jiff::Span::new().days(60)),
                        )
                        .to_string(),
                    done_on: None,
                    created_by: author.clone(),
                }]
            } else {
                Vec::new()
            };
            let number = MatterNumber::new(u32::try_from(i + 1).unwrap_or(u32::MAX));
            // Money: an even share of what is left, so the total is exact; one matter in
            // ten has none, and one in about three hundred is busy, with ten shares.
            let share = self.postings_left / remaining_matters;
            let count = if remaining_matters == 1 {
                self.postings_left
            } else {
                match self.money.0.u16(..1000) {
                    0..100 => 0,
                    100..103 => share * 10,
                    _ => share / 2 + self.money.0.usize(..=share * 6 / 5),
                }
                .min(self.postings_left)
            };
            self.postings_left -= count;
            // Transfers between clients are authorised by the supervisor, or by someone
            // else when the fee earner has none.
            let authoriser = if supervisor != fee_earner {
                supervisor
            } else if fee_earner != 0 {
                0
            } else {
                1 % self.users.len()
            };
            let postings = money::postings(
                &mut self.money,
                &self.accounts,
                &self.open_matters,
                &money::Matter {
                    number: u64::from(number.get()),
                    client: &parties[0].1,
                    area,
                    opened,
                    until: work_until,
                    closing: status != "open",
                    recorder: &self.initials[fee_earner],
                    authoriser: &self.initials[authoriser],
                    count,
                },
                &mut self.mix,
            );
            statements::bank_lines(
                &mut self.bank,
                &self.accounts,
                number,
                &postings,
                &mut self.bank_lines,
            );
            if status == "open" {
                self.open_matters.push(money::Target {
                    number: u64::from(number.get()),
                    client: parties[0].1.clone(),
                });
            }
            batch.matters.push(MatterDoc {
                kind: docs::KIND_MATTER.into(),
                schema: 1,
                id: self.g.id(),
                number: u64::from(number.get()),
                client_name: parties[0].1.clone(),
                description,
                opened: opened.to_string(),
                status: status.into(),
                opened_by: author.clone(),
                parties: parties
                    .iter()
                    .map(|(id, _, role)| PartyRec {
                        contact_id: id.clone(),
                        role: (*role).into(),
                    })
                    .collect(),
                conflict: Some(ConflictRec {
                    check_id: self.g.id(),
                    checked_at: format!("{opened}T09:00:00Z"),
                    checked_by: author.clone(),
                    names: vec![parties[0].1.clone()],
                    parties_checked: 0,
                    hits: Vec::new(),
                    decision: "no_conflict".into(),
                    reason: String::new(),
                    decided_by: author.clone(),
                }),
                time,
                key_dates,
                notes,
                rate_pence: None,
                estimate_pence: (self.g.0.u8(..3) == 0)
                    .then(|| i64::from(self.g.0.u32(1_000..20_000)) * 100),
                expenses: Vec::new(),
                practice_area: Some(
                    PRACTICE_AREAS
                        .iter()
                        .find(|a| **a == area)
                        .map_or("general", |a| a)
                        .into(),
                ),
                fee_earner: Some(author),
                supervisor: (supervisor != fee_earner).then(|| self.users[supervisor].0.clone()),
                closed_on: closed_on.map(|d| d.to_string()),
                archived_on: archived_on.map(|d| d.to_string()),
                tasks,
                files: Vec::new(),
                postings,
                bills: Vec::new(),
            });
        }
        self.next_matter = end;
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use satchel_app::BankBook;
    use satchel_app::docs::{PostingRec, StatementLineRec};

    const SMALL: Size = Size {
        name: "small",
        users: 10,
        matters: 37,
        contacts: 100,
        time_entries: 1_234,
        postings: 2_345,
        years: 10,
    };

    const CLIENT: &str = "0190a000-0000-7000-8000-000000000001";
    const OFFICE: &str = "0190a000-0000-7000-8000-000000000002";

    fn accounts() -> Accounts {
        Accounts {
            client: CLIENT.into(),
            office: OFFICE.into(),
        }
    }

    fn all_with_mix(seed: u64) -> (Batch, Vec<Batch>, Mix) {
        let mut f = Firm::new(SMALL, seed, "me", "JH", accounts());
        let users = f.users();
        let mut batches = Vec::new();
        while let Some(b) = f.next_batch(10) {
            batches.push(b);
        }
        (users, batches, f.mix())
    }

    fn all(seed: u64) -> (Batch, Vec<Batch>) {
        let (users, batches, _) = all_with_mix(seed);
        (users, batches)
    }

    #[test]
    fn the_same_seed_makes_the_same_firm_and_another_seed_does_not() {
        let (u1, b1) = all(7);
        let (u2, b2) = all(7);
        let (_, b3) = all(8);
        assert_eq!(u1.users, u2.users);
        assert_eq!(b1.len(), b2.len());
        for (a, b) in b1.iter().zip(&b2) {
            assert_eq!(a.matters, b.matters);
            assert_eq!(a.contacts, b.contacts);
        }
        assert_ne!(b1[0].matters, b3[0].matters);
    }

    #[test]
    fn the_firm_has_exactly_the_sizes_asked_for() {
        let (users, batches) = all(1);
        assert_eq!(users.users.len() + 1, SMALL.users);
        let matters: Vec<&MatterDoc> = batches.iter().flat_map(|b| &b.matters).collect();
        assert_eq!(matters.len(), SMALL.matters);
        assert_eq!(
            batches.iter().map(|b| b.contacts.len()).sum::<usize>(),
            SMALL.contacts
        );
        assert_eq!(
            matters.iter().map(|m| m.time.len()).sum::<usize>(),
            SMALL.time_entries
        );
        let numbers: std::collections::BTreeSet<u64> = matters.iter().map(|m| m.number).collect();
        assert_eq!(numbers.len(), SMALL.matters, "numbers are unique");
        for m in &matters {
            for t in &m.time {
                assert!(t.date >= m.opened && t.date.as_str() <= LAST_DAY.to_string().as_str());
                assert_eq!(t.units, u64::from(rules::units(t.minutes as u32, 6)));
            }
            assert!(m.status != "archived" || m.closed_on.is_some());
            assert_ne!(m.supervisor.as_ref(), m.fee_earner.as_ref());
        }
        let initials: std::collections::HashSet<&str> = users
            .users
            .iter()
            .map(|(_, u)| u.initials.as_str())
            .collect();
        assert_eq!(initials.len(), users.users.len(), "initials are unique");
        assert!(!initials.contains("JH"), "and not the store's own user's");
        assert_eq!(
            matters.iter().map(|m| m.postings.len()).sum::<usize>(),
            SMALL.postings
        );
    }

    #[test]
    fn the_posting_mix_adds_up_and_has_every_kind() {
        let (_, batches, mix) = all_with_mix(3);
        assert_eq!(mix.total(), SMALL.postings);
        let count = |kind: &str, account: Option<&str>| {
            batches
                .iter()
                .flat_map(|b| &b.matters)
                .flat_map(|m| &m.postings)
                .filter(|p| p.kind == kind && account.is_none_or(|a| p.account == a))
                .count()
        };
        assert_eq!(count("receipt", Some(CLIENT)), mix.client_receipts);
        assert_eq!(count("receipt", Some(OFFICE)), mix.office_receipts);
        assert_eq!(count("payment", Some(CLIENT)), mix.client_payments);
        assert_eq!(count("client_to_client", None), mix.transfers);
        assert_eq!(count("reversal", None), mix.reversals);
        assert_eq!(count("client_to_office", None), 0, "no bills yet");
        for n in [
            mix.client_receipts,
            mix.client_payments,
            mix.office_receipts,
            mix.transfers,
            mix.reversals,
        ] {
            assert!(n > 0, "{mix}");
        }
    }

    /// Every posting in the order recorded (id order, across the firm): no client ledger
    /// ever below zero, reversals after what they reverse and on its matter, transfers
    /// with a reason and a second person, dates in the matter's life.
    #[test]
    fn postings_keep_the_rules_in_the_order_recorded() {
        for seed in [1, 2, 9] {
            let (users, batches) = all(seed);
            let mut initials: std::collections::HashSet<String> = users
                .users
                .iter()
                .map(|(_, u)| u.initials.clone())
                .collect();
            initials.insert("JH".into());
            let matters: Vec<&MatterDoc> = batches.iter().flat_map(|b| &b.matters).collect();
            let by_number: std::collections::HashMap<u64, &MatterDoc> =
                matters.iter().map(|m| (m.number, *m)).collect();
            let mut all = Vec::new();
            for m in &matters {
                for w in m.postings.windows(2) {
                    assert!(
                        w[0].id < w[1].id,
                        "ids increase in the matter's order: {:?} {:?}",
                        (&w[0].id, &w[0].recorded_at),
                        (&w[1].id, &w[1].recorded_at)
                    );
                    assert!(w[0].recorded_at < w[1].recorded_at);
                    assert!(w[0].date <= w[1].date);
                }
                let until = m.closed_on.clone().unwrap_or(LAST_DAY.to_string());
                for p in &m.postings {
                    assert!(
                        p.date >= m.opened && p.date <= until,
                        "{} on {}",
                        p.date,
                        m.opened
                    );
                    assert!(p.date.as_str() <= LAST_DAY.to_string().as_str());
                    assert!(p.recorded_at.starts_with(&p.date));
                    assert_eq!(uuid::Uuid::parse_str(&p.id).unwrap().get_version_num(), 7);
                    assert!(initials.contains(&p.recorded_by));
                    assert_eq!(p.client, m.client_name);
                    assert!(!p.reference.is_empty());
                    assert_eq!(p.state, "confirmed");
                    all.push((p, m.number));
                }
            }
            all.sort_by(|a, b| a.0.id.cmp(&b.0.id));
            let mut ledger: std::collections::HashMap<u64, i64> = Default::default();
            let mut moved: std::collections::HashMap<&str, Vec<(u64, i64)>> = Default::default();
            let mut reversed = std::collections::HashSet::new();
            for (p, number) in &all {
                let moves: Vec<(u64, i64)> = match p.kind.as_str() {
                    "receipt" | "payment" => {
                        assert!(p.amount_pence > 0);
                        assert!(!p.party.is_empty());
                        let sign = if p.kind == "receipt" { 1 } else { -1 };
                        if p.account == CLIENT {
                            vec![(*number, sign * p.amount_pence)]
                        } else {
                            assert_eq!(p.account, OFFICE);
                            assert_eq!(p.kind, "receipt");
                            vec![]
                        }
                    }
                    "client_to_client" => {
                        let to = p.to_matter.unwrap();
                        assert_ne!(to, *number);
                        let target = by_number[&to];
                        assert_eq!(target.status, "open");
                        assert!(target.opened <= p.date);
                        assert_eq!(p.to_client.as_deref(), Some(target.client_name.as_str()));
                        assert!(!p.reason.as_deref().unwrap_or("").is_empty());
                        let by = p.authorised_by.as_deref().unwrap();
                        assert_ne!(by, p.recorded_by);
                        assert!(initials.contains(by));
                        assert_eq!(p.to_account.as_deref(), Some(CLIENT));
                        vec![(*number, -p.amount_pence), (to, p.amount_pence)]
                    }
                    "reversal" => {
                        let of = p.reverses.as_deref().unwrap();
                        assert!(reversed.insert(of), "reversed once");
                        assert!(!p.reason.as_deref().unwrap_or("").is_empty());
                        let original = all.iter().find(|(o, _)| o.id == of).unwrap();
                        assert!(original.0.id < p.id && original.0.date <= p.date);
                        assert_eq!(original.1, *number, "on the original's matter");
                        assert_ne!(original.0.kind, "reversal");
                        moved[of].iter().map(|(m, d)| (*m, -d)).collect()
                    }
                    other => panic!("a {other}"),
                };
                for (m, d) in &moves {
                    let b = ledger.entry(*m).or_default();
                    *b += d;
                    assert!(*b >= 0, "{m} overdrawn by {} (seed {seed})", p.id);
                }
                moved.insert(&p.id, moves);
            }
            // A closed or archived matter returned its money: only transfers in (to open
            // matters) are left anywhere but on open matters.
            for m in &matters {
                if m.status != "open" {
                    assert_eq!(
                        ledger.get(&m.number).copied().unwrap_or(0),
                        0,
                        "{}",
                        m.number
                    );
                }
            }
        }
    }

    #[test]
    fn the_bank_accounts_are_valid_and_the_same_for_a_seed() {
        use satchel_app::domain::Money;
        use satchel_app::domain::accounts::{AccountId, AccountKind, NewBankAccount};
        let a = bank_accounts(5, FIRM_NAME, DEMO.first_day());
        assert_eq!(a, bank_accounts(5, FIRM_NAME, DEMO.first_day()));
        assert_ne!(a, bank_accounts(6, FIRM_NAME, DEMO.first_day()));
        for (i, r) in a.iter().enumerate() {
            NewBankAccount {
                id: AccountId(uuid::Uuid::from_u128(i as u128)),
                kind: AccountKind::parse(&r.kind).unwrap(),
                name: &r.name,
                sort_code: &r.sort_code,
                account_number: &r.account_number,
                opening_balance: Money::ZERO,
            }
            .validate(FIRM_NAME)
            .unwrap();
        }
        assert_eq!(
            (a[0].kind.as_str(), a[1].kind.as_str()),
            ("client", "office")
        );
        assert_ne!(a[0].account_number, a[1].account_number);
    }

    /// A small firm's client account statements, and each statement's OFX file.
    fn statements_of(seed: u64) -> (Vec<Batch>, BankBook, Vec<(String, String)>) {
        let mut f = Firm::new(SMALL, seed, "me", "JH", accounts());
        f.users();
        let mut batches = Vec::new();
        while let Some(b) = f.next_batch(10) {
            batches.push(b);
        }
        let mut lines = std::mem::take(&mut f.bank_lines);
        lines.extend(statements::charges(&mut f.bank));
        let (doc, files) = statements::bank_doc(
            &mut f.bank,
            CLIENT,
            &statements::BankAccount {
                sort_code: "20-00-00",
                number: "12345678",
            },
            "JH",
            lines,
            true,
        );
        (batches, doc, files)
    }

    #[test]
    fn statements_are_the_same_for_a_seed_and_not_for_another() {
        let (_, d1, f1) = statements_of(7);
        let (_, d2, f2) = statements_of(7);
        let (_, d3, _) = statements_of(8);
        assert_eq!(d1, d2);
        assert_eq!(f1, f2);
        assert_ne!(d1, d3);
        // What `Firm::statements` hands the store, in a batch of its own.
        let mut f = Firm::new(SMALL, 7, "me", "JH", accounts());
        f.users();
        while f.next_batch(10).is_some() {}
        let batch = f.statements("20-00-00", "12345678");
        assert_eq!(batch.banks, vec![d1]);
        assert!(batch.matters.is_empty() && batch.contacts.is_empty() && batch.users.is_empty());
    }

    /// Every client cash book entry up to `STATEMENTS_TO` is on a statement, once, for its
    /// amount, on a banking day no earlier than the entry and at most nine days later, and
    /// matched to it; nothing later is; the three charges are the only lines matched to
    /// nothing.
    #[test]
    fn statements_match_every_client_cash_entry_up_to_the_cut_off() {
        let (batches, doc, _) = statements_of(3);
        let postings: std::collections::HashMap<&str, &PostingRec> = batches
            .iter()
            .flat_map(|b| &b.matters)
            .flat_map(|m| &m.postings)
            .map(|p| (p.id.as_str(), p))
            .collect();
        // Client cash book entries: (posting, date, pence).
        let mut entries = std::collections::BTreeMap::new();
        for p in postings.values() {
            let moved = match p.kind.as_str() {
                "receipt" if p.account == CLIENT => Some(p.amount_pence),
                "payment" if p.account == CLIENT => Some(-p.amount_pence),
                "reversal" => {
                    let o = postings[p.reverses.as_deref().unwrap()];
                    match o.kind.as_str() {
                        "receipt" if o.account == CLIENT => Some(-o.amount_pence),
                        "payment" if o.account == CLIENT => Some(o.amount_pence),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(pence) = moved {
                entries.insert(p.id.as_str(), (p.date.parse::<Date>().unwrap(), pence));
            }
        }
        let due: std::collections::BTreeSet<&str> = entries
            .iter()
            .filter(|(_, (d, _))| *d <= STATEMENTS_TO)
            .map(|(id, _)| *id)
            .collect();
        assert!(
            due.len() > 1000 && due.len() < entries.len(),
            "{}",
            due.len()
        );
        let matched: std::collections::BTreeSet<&str> = doc
            .matches
            .values()
            .map(|m| m.posting_id.as_str())
            .collect();
        assert_eq!(matched, due);
        assert_eq!(doc.matches.len(), due.len(), "one line each");
        let lines: std::collections::HashMap<&str, &StatementLineRec> =
            doc.lines.iter().map(|l| (l.key.as_str(), l)).collect();
        assert_eq!(lines.len(), doc.lines.len(), "keys are unique");
        for (key, m) in &doc.matches {
            let line = lines[key.as_str()];
            let (day, pence) = entries[m.posting_id.as_str()];
            assert_eq!(line.amount_pence, pence);
            let posted: Date = line.date.parse().unwrap();
            assert!(
                posted >= day && (posted - day).get_days() <= 9,
                "{posted} for {day}"
            );
            assert!(
                posted.weekday().to_monday_one_offset() <= 5,
                "{posted} is a weekend"
            );
            assert!(m.auto && m.by == "JH");
        }
        let charges: Vec<&StatementLineRec> = doc
            .lines
            .iter()
            .filter(|l| !doc.matches.contains_key(&l.key))
            .collect();
        assert_eq!(charges.len(), 3);
        for c in charges {
            assert!(c.amount_pence < 0 && c.description.starts_with("BANK CHARGES"));
            assert!(c.date.as_str() <= STATEMENTS_TO.to_string().as_str());
        }
        assert!(
            doc.lines
                .iter()
                .all(|l| l.date.as_str() < LAST_DAY.to_string().as_str())
        );
        assert_eq!(
            LAST_DAY - jiff::Span::new().days(10),
            STATEMENTS_TO,
            "ten days before the last day"
        );
    }

    /// Each statement is what importing its OFX file would hold: the same keys, lines,
    /// dates, amounts, descriptions and references, the file's digest, and its closing
    /// balance — the running total of every line so far.
    #[test]
    fn each_statement_is_what_importing_its_ofx_file_holds() {
        let (_, doc, files) = statements_of(5);
        assert_eq!(files.len(), doc.account.imports.len());
        assert!(
            doc.account.imports.len() > 100,
            "a statement a month for ten years"
        );
        let mut balance = 0;
        for (import, (name, text)) in doc.account.imports.iter().zip(&files) {
            assert_eq!(&import.file_name, name);
            assert_eq!(
                import.sha256,
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))
            );
            let statement = satchel_statement::parse_ofx(text.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(statement.account_id.as_deref(), Some("12345678"));
            assert_eq!(statement.bank_id.as_deref(), Some("200000"));
            let held: Vec<&StatementLineRec> = doc
                .lines
                .iter()
                .filter(|l| l.import_id == import.id)
                .collect();
            let read = satchel_statement::keyed(&statement);
            assert_eq!(read.len(), held.len(), "{name}");
            assert_eq!(import.added, held.len() as u64);
            for ((key, line), rec) in read.iter().zip(&held) {
                assert_eq!(key, &rec.key);
                assert_eq!(line.line as u64, rec.line);
                assert_eq!(line.date.to_string(), rec.date);
                assert_eq!(line.amount.pence(), rec.amount_pence);
                assert_eq!(line.description, rec.description);
                assert_eq!(line.reference, rec.reference);
                balance += rec.amount_pence;
            }
            let (closing_on, closing) = statement.closing_balance.unwrap();
            assert_eq!(Some(closing_on.to_string()), import.closing_date);
            assert_eq!(Some(closing.pence()), import.closing_pence);
            assert_eq!(closing.pence(), balance);
        }
        assert_eq!(
            doc.account.imports.last().unwrap().closing_date.as_deref(),
            Some(LAST_DAY.to_string().as_str()),
            "the last statement closes on the last day"
        );
    }
}
