//! Conflict checks: does a party we are about to act for or against share a name with a
//! party the firm already knows?
//!
//! A name is reduced once to a [`NameKey`] (which can be stored as a string beside the party
//! and read back without normalising again), and a query key is compared with every stored
//! key by [`compare`]. A conflict check must not miss a real match, so the rules lean towards
//! reporting a plausible match for a person to dismiss; [`MatchKind`] and [`Match::score`]
//! say how strong each one is.
//!
//! # Normalisation ([`NameKey::new`])
//!
//! 1. Apostrophes (`'`, `’`, `‘`, `ʼ`, `` ` ``, `´`, `′`) are removed, joining the letters
//!    either side: "O'Brien" and "OBrien" are the same name.
//! 2. Compatibility decomposition (NFKD), then combining marks are dropped and letters are
//!    lower-cased: "Zoë Ó Briain" is "zoe o briain". Letters that do not decompose are
//!    spelled out: ß→ss, æ→ae, œ→oe, þ→th, ø→o, ł→l, đ/ð→d, ı→i, ħ→h.
//! 3. `&` is the word "and". Every other character that is not a letter or digit (spaces,
//!    full stops, commas, hyphens, brackets…) separates words: "Smith-Jones" is
//!    "smith jones" and "J.A. Smith" is "j a smith".
//! 4. Legal forms are canonicalised: limited→ltd, incorporated→inc, corporation→corp,
//!    company→co; "public limited company"→plc, "limited liability partnership"→llp,
//!    "limited liability company"→llc, "limited partnership"→lp; the dotted "P.L.C.",
//!    "L.L.P." and "L.L.C." (three single letters after a word) become plc, llp and llc.
//!    So "Smith & Co." and "Smith and Company" are both "smith and co".
//! 5. A name with a legal form ([`LEGAL_FORMS`]) or an organisation word (holdings, group,
//!    trust, partners, bank…) is an organisation. In a person's name, honorifics
//!    ([`HONORIFICS`]: mr, mrs, ms, miss, dr, sir, prof, rev…) are dropped wherever they
//!    stand except as the last word (so "John Lord" keeps his surname, and "Mr" alone stays
//!    "mr"), with a "the" just before one ("The Rt Hon"); a trailing "esq" after another
//!    word is dropped too. Organisations keep them all ("Dr Martens plc").
//! 6. The words keep their order. The legal forms and "and"/"the" are *weak* words: they
//!    take part in [`MatchKind::Exact`] and [`MatchKind::Reordered`], but the looser rules
//!    look only at the other, *core* words.
//!
//! A name with no words left (empty, blank, punctuation only) gives an empty key, which
//! matches nothing, not even another empty key.
//!
//! # Matching ([`compare`])
//!
//! The rules are tried strongest first and the first that holds is the answer:
//!
//! | kind | rule | score |
//! | --- | --- | --- |
//! | [`Exact`](MatchKind::Exact) | same words in the same order | 100 |
//! | [`Exact`](MatchKind::Exact) | same letters in the same order, only the spacing differs ("O Brien" / "O'Brien", "SmithJones" / "Smith-Jones") | 98 |
//! | [`Reordered`](MatchKind::Reordered) | same words, another order ("Smith John" / "John Smith") | 95 |
//! | [`Initials`](MatchKind::Initials) | partial: see below | 50–89 |
//! | [`Fuzzy`](MatchKind::Fuzzy) | typos: see below | 50–89 |
//!
//! **Initials (partial).** Compare the core words. At least one word of two or more letters
//! must be in both names (the anchor: no fuzziness here, so "J Smith" never reaches "Jane
//! Smythe-Brown"). A single letter in one name stands for a word with that first letter in
//! the other ("J" for "John"). Words left over after that may remain in one name only:
//! omitted middle names ("J. A. Smith" / "John Smith"), a single-word query ("Smith" /
//! "John Andrew Smith"), or a name without its legal form ("Acme" / "Acme Ltd"). Words left
//! over in both names ("John Smith" / "Jane Smith") mean different parties. Score: 90, less
//! 5 for each initial standing for a word, 5 for each word left over and 5 when the weak words
//! differ, at least 50.
//!
//! **Fuzzy.** Compare the core words with Damerau–Levenshtein distance (optimal string
//! alignment, from `strsim`). A word of *n* letters may differ by [`allowed_edits`]: none up
//! to 3 letters, 1 for 4–7, 2 from 8 (counting the longer word).
//! - With the same number of core words: each word pairs with its own word of the other name
//!   (in any order) that starts with the same letter and is within the allowed edits ("Jon
//!   Smyth" / "John Smith", "Acme Holdings Limited" / "Acme Holding Ltd"; but not "John
//!   Smith" / "Joan Smart", nor "Acme Ltd" / "Apex Ltd").
//! - With a different number of core words: the core words run together ("obrian" /
//!   "obrien") start with the same letter and are within [`allowed_joined_edits`]: none up
//!   to 3 letters, 1 for 4–11, 2 from 12. Stricter than word by word, because this rule is
//!   for words split or joined differently, and two edits across a short re-split name reach
//!   unrelated people ("John Smith" / "John A. Mcth").
//!
//! Score: 100 × (1 − edits ÷ letters in the longer name), at most 89, at least 50.
//!
//! Word order, initials and typos do not combine: "J Smyth" does not match "John Smith".
//!
//! # Stored keys
//!
//! [`NameKey::as_stored`] is the normalised words separated by single spaces ("john smith",
//! "acme holdings ltd"): compact, readable, and what [`NameKey::from_stored`] reads back
//! without redoing the Unicode work. It is a projection of the party's name: when these
//! rules change, stored keys must be rebuilt from the names.
//!
//! # Cost
//!
//! Each key carries fingerprints (hashes of its words as a bag, a bit set of its anchor words,
//! the first letters of its core words, a letter set) so that `compare` rejects almost every
//! candidate with a few integer comparisons and without allocating; only candidates that
//! pass those get string comparisons, and only plausible typos reach `strsim`.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Canonical legal forms. A name containing one is an organisation; in matching they are
/// weak words.
pub const LEGAL_FORMS: &[&str] = &["ltd", "plc", "llp", "llc", "lp", "inc", "corp", "co"];

/// Words, besides the legal forms, that take part only in the exact and reordered rules.
const OTHER_WEAK: &[&str] = &["and", "the"];

/// Words that make a name an organisation's even without a legal form.
const ORGANISATION_WORDS: &[&str] = &[
    "holdings",
    "group",
    "trust",
    "trustees",
    "partners",
    "partnership",
    "associates",
    "council",
    "bank",
    "society",
    "association",
    "foundation",
    "charity",
    "university",
    "college",
    "school",
    "club",
    "church",
    "services",
    "solutions",
    "properties",
    "estates",
    "enterprises",
    "industries",
    "international",
    "investments",
    "developments",
    "solicitors",
];

/// Honorifics dropped from a person's name (after normalisation, so "Dr." is "dr").
pub const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "master",
    "dr",
    "doctor",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "revd",
    "reverend",
    "rt",
    "hon",
    "cllr",
    "capt",
    "col",
];

/// Multi-word legal forms, matched on words already canonicalised one by one.
const PHRASES: &[(&[&str], &str)] = &[
    (&["public", "ltd", "co"], "plc"),
    (&["ltd", "liability", "partnership"], "llp"),
    (&["ltd", "liability", "co"], "llc"),
    (&["ltd", "partnership"], "lp"),
];

/// Dotted legal forms, after the dots have split them into single letters.
const DOTTED: &[(&[&str], &str)] = &[
    (&["p", "l", "c"], "plc"),
    (&["l", "l", "p"], "llp"),
    (&["l", "l", "c"], "llc"),
];

/// How strongly two names match. Declared strongest first, so sorting ascending puts the
/// strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same name once case, accents, punctuation and spacing are ignored.
    Exact,
    /// The same words in another order.
    Reordered,
    /// Some words stand as initials or are omitted in one of the names (this includes a
    /// single-word query found among the words of a longer name).
    Initials,
    /// Spelt differently, within a few typing slips.
    Fuzzy,
}

impl MatchKind {
    /// The name used in reports and JSON (the same as its serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Reordered => "reordered",
            MatchKind::Initials => "initials",
            MatchKind::Fuzzy => "fuzzy",
        }
    }
}

/// How a query matched one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Match {
    pub kind: MatchKind,
    /// 0..=100; higher is stronger. Ranks matches of one kind; across kinds the kind comes
    /// first (every Exact scores more than any Reordered, which scores more than any other).
    pub score: u8,
}

/// One word of a key: where it is in the key's text and what is known about it.
#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    chars: usize,
    first: char,
    hash: u64,
    mask: u64,
    weak: bool,
}

/// A party's name reduced for comparison (see the module's documentation for the rules).
///
/// Equal keys are equal names under [`MatchKind::Exact`] with score 100.
#[derive(Clone)]
pub struct NameKey {
    /// The words in the name's order, separated by one space: the stored form.
    text: Box<str>,
    tokens: Box<[Token]>,
    organisation: bool,
    /// Sum of every word's hash: equal for the same words in any order.
    bag: u64,
    /// Hash of the text without its spaces.
    joined: u64,
    /// Characters in the text without its spaces.
    joined_chars: usize,
    /// Sum of the weak words' hashes.
    weak_bag: u64,
    /// One bit per core word of two characters or more.
    anchors: u64,
    core_count: usize,
    /// Sum of the hashes of the core words' first characters.
    core_initials: u64,
    /// The core words run together.
    core_joined: Box<str>,
    core_chars: usize,
    core_mask: u64,
    core_first: Option<char>,
}

impl NameKey {
    /// Normalise a name as a person types it.
    pub fn new(name: &str) -> NameKey {
        let folded = fold(name);
        let words: Vec<&str> = folded.split_whitespace().map(canonical_word).collect();
        let words = join_phrases(&words);
        let organisation = words.iter().any(|w| is_organisation_word(w));
        let last = words.len().saturating_sub(1);
        let dropped = |i: usize, w: &str| {
            let honorific = HONORIFICS.contains(&w) && i != last;
            let esquire = w == "esq" && i == last && i > 0;
            let the_title = w == "the"
                && words
                    .get(i + 1)
                    .is_some_and(|next| HONORIFICS.contains(next) && i + 1 != last);
            !organisation && (honorific || esquire || the_title)
        };
        let kept = words.iter().enumerate().filter(|(i, w)| !dropped(*i, w));
        NameKey::from_words(kept.map(|(_, w)| *w))
    }

    /// The compact form to store beside the party: the normalised words separated by single
    /// spaces. Empty for an empty key.
    pub fn as_stored(&self) -> String {
        self.text.to_string()
    }

    /// Read back a key written by [`NameKey::as_stored`], without normalising again:
    /// `NameKey::from_stored(&k.as_stored()) == k`. Text that is not in the stored form
    /// (capitals, punctuation, doubled spaces…) is normalised as a name instead.
    pub fn from_stored(stored: &str) -> NameKey {
        if is_stored_form(stored) {
            NameKey::from_words(stored.split(' ').filter(|w| !w.is_empty()))
        } else {
            NameKey::new(stored)
        }
    }

    /// True when no words were left: the key matches nothing.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// True when the name has a legal form or an organisation word.
    pub fn is_organisation(&self) -> bool {
        self.organisation
    }

    fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> NameKey {
        let mut text = String::new();
        let mut tokens = Vec::new();
        let mut core_joined = String::new();
        let mut joined = std::hash::DefaultHasher::new();
        let (mut bag, mut weak_bag, mut anchors, mut core_initials, mut core_mask) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        let mut organisation = false;
        for word in words {
            if !text.is_empty() {
                text.push(' ');
            }
            let start = text.len();
            text.push_str(word);
            let hash = hash_str(word);
            let mut first = ' ';
            let mut chars = 0;
            let mut mask = 0;
            for (i, c) in word.chars().enumerate() {
                if i == 0 {
                    first = c;
                }
                chars += 1;
                mask |= char_bit(c);
            }
            std::hash::Hasher::write(&mut joined, word.as_bytes());
            let weak = LEGAL_FORMS.contains(&word) || OTHER_WEAK.contains(&word);
            organisation |= is_organisation_word(word);
            bag = bag.wrapping_add(hash);
            if weak {
                weak_bag = weak_bag.wrapping_add(hash);
            } else {
                core_joined.push_str(word);
                core_initials = core_initials.wrapping_add(hash_char(first));
                core_mask |= mask;
                if chars >= 2 {
                    anchors |= 1 << (hash >> 58);
                }
            }
            tokens.push(Token {
                start,
                end: text.len(),
                chars,
                first,
                hash,
                mask,
                weak,
            });
        }
        let core_count = tokens.iter().filter(|t| !t.weak).count();
        NameKey {
            joined: std::hash::Hasher::finish(&joined),
            joined_chars: tokens.iter().map(|t| t.chars).sum(),
            core_chars: core_joined.chars().count(),
            core_first: core_joined.chars().next(),
            core_joined: core_joined.into_boxed_str(),
            text: text.into_boxed_str(),
            tokens: tokens.into_boxed_slice(),
            organisation,
            bag,
            weak_bag,
            anchors,
            core_count,
            core_initials,
            core_mask,
        }
    }

    fn word(&self, t: &Token) -> &str {
        self.text.get(t.start..t.end).unwrap_or_default()
    }
}

impl PartialEq for NameKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for NameKey {}

impl std::hash::Hash for NameKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NameKey")
            .field("text", &self.text)
            .field("organisation", &self.organisation)
            .finish()
    }
}

/// How `query` matches `candidate`, or `None` when they are not a plausible match. See the
/// module's documentation for the rules.
pub fn compare(query: &NameKey, candidate: &NameKey) -> Option<Match> {
    let (q, c) = (query, candidate);
    if q.is_empty() || c.is_empty() {
        return None;
    }
    if q.joined == c.joined && q.joined_chars == c.joined_chars && same_letters(q, c) {
        let score = if q.text == c.text { 100 } else { 98 };
        return Some(Match::new(MatchKind::Exact, score));
    }
    if q.bag == c.bag && q.tokens.len() == c.tokens.len() && same_words(q, c) {
        return Some(Match::new(MatchKind::Reordered, 95));
    }
    if q.anchors & c.anchors != 0
        && let Some(score) = partial(q, c)
    {
        return Some(Match::new(MatchKind::Initials, score));
    }
    if q.core_count == c.core_count {
        if q.core_initials == c.core_initials
            && let Some(edits) = fuzzy_words(q, c)
        {
            return Some(Match::new(MatchKind::Fuzzy, fuzzy_score(q, c, edits)));
        }
    } else if let Some(edits) = fuzzy_joined(q, c) {
        return Some(Match::new(MatchKind::Fuzzy, fuzzy_score(q, c, edits)));
    }
    None
}

/// Typing slips allowed between two words (or run-together names) whose longer has
/// `letters` letters: 0 up to 3, 1 for 4 to 7, 2 from 8.
pub fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Typing slips allowed between two names' core words run together, when they have
/// different numbers of words and the longer has `letters` letters: 0 up to 3, 1 for 4 to
/// 11, 2 from 12.
pub fn allowed_joined_edits(letters: usize) -> usize {
    match letters {
        0..=3 => 0,
        4..=11 => 1,
        _ => 2,
    }
}

impl Match {
    fn new(kind: MatchKind, score: u8) -> Match {
        Match { kind, score }
    }
}

/// The most words the partial and fuzzy rules consider (they track words in a `u64`). Longer
/// names still match by the exact and reordered rules.
const MAX_WORDS: usize = 64;

fn bit(i: usize) -> u64 {
    1u64 << i
}

/// The same characters in the same order, ignoring the spaces between words.
fn same_letters(q: &NameKey, c: &NameKey) -> bool {
    q.text
        .chars()
        .filter(|ch| *ch != ' ')
        .eq(c.text.chars().filter(|ch| *ch != ' '))
}

/// The same words, as a bag.
fn same_words(q: &NameKey, c: &NameKey) -> bool {
    if q.tokens.len() > MAX_WORDS {
        let mut a: Vec<&str> = q.tokens.iter().map(|t| q.word(t)).collect();
        let mut b: Vec<&str> = c.tokens.iter().map(|t| c.word(t)).collect();
        a.sort_unstable();
        b.sort_unstable();
        return a == b;
    }
    let mut used = 0u64;
    q.tokens.iter().all(|a| {
        let found = c
            .tokens
            .iter()
            .enumerate()
            .find(|(j, b)| used & bit(*j) == 0 && a.hash == b.hash && q.word(a) == c.word(b));
        match found {
            Some((j, _)) => {
                used |= bit(j);
                true
            }
            None => false,
        }
    })
}

/// The partial rule; the score when it holds.
fn partial(q: &NameKey, c: &NameKey) -> Option<u8> {
    if q.tokens.len() > MAX_WORDS || c.tokens.len() > MAX_WORDS {
        return None;
    }
    let (mut used_q, mut used_c) = (0u64, 0u64);
    // Anchors: equal core words of two or more characters.
    let mut anchors = 0;
    for (i, a) in q.tokens.iter().enumerate() {
        if a.weak || a.chars < 2 {
            continue;
        }
        if let Some(j) = find(c, used_c, |b| a.hash == b.hash && q.word(a) == c.word(b)) {
            used_q |= bit(i);
            used_c |= bit(j);
            anchors += 1;
        }
    }
    if anchors == 0 {
        return None;
    }
    // The same initial in both names.
    for (i, a) in q.tokens.iter().enumerate() {
        if a.weak || a.chars != 1 || used_q & bit(i) != 0 {
            continue;
        }
        if let Some(j) = find(c, used_c, |b| b.chars == 1 && b.first == a.first) {
            used_q |= bit(i);
            used_c |= bit(j);
        }
    }
    // An initial standing for a word, either way round.
    let initials = expand_initials(q, c, &mut used_q, &mut used_c).saturating_add(expand_initials(
        c,
        q,
        &mut used_c,
        &mut used_q,
    ));
    let left = |k: &NameKey, used: u64| {
        k.tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| !t.weak && used & bit(*i) == 0)
            .count()
    };
    let (left_q, left_c) = (left(q, used_q), left(c, used_c));
    if left_q > 0 && left_c > 0 {
        return None;
    }
    let left = u8::try_from(left_q + left_c).unwrap_or(u8::MAX);
    let weak = u8::from(q.weak_bag != c.weak_bag);
    let penalty = initials
        .saturating_add(left)
        .saturating_add(weak)
        .saturating_mul(5);
    Some(90u8.saturating_sub(penalty).clamp(50, 89))
}

/// Pair each unused initial of `k` with an unused word of `other` (two characters or more)
/// that starts with it; how many were paired. Only a letter is an initial: "1" does not
/// stand for "10" ("Flat 1" is not "Flat 10").
fn expand_initials(k: &NameKey, other: &NameKey, used_k: &mut u64, used_o: &mut u64) -> u8 {
    let mut paired = 0u8;
    for (i, a) in k.tokens.iter().enumerate() {
        if a.weak || a.chars != 1 || !a.first.is_alphabetic() || *used_k & bit(i) != 0 {
            continue;
        }
        if let Some(j) = find(other, *used_o, |b| b.chars > 1 && b.first == a.first) {
            *used_k |= bit(i);
            *used_o |= bit(j);
            paired = paired.saturating_add(1);
        }
    }
    paired
}

/// The first core word of `k` not in `used` that `pred` accepts.
fn find(k: &NameKey, used: u64, pred: impl Fn(&Token) -> bool) -> Option<usize> {
    k.tokens
        .iter()
        .enumerate()
        .find(|(j, t)| !t.weak && used & bit(*j) == 0 && pred(t))
        .map(|(j, _)| j)
}

/// Word-by-word typos, same number of core words; the total edits when it holds.
fn fuzzy_words(q: &NameKey, c: &NameKey) -> Option<usize> {
    if q.core_count == 0 || q.tokens.len() > MAX_WORDS || c.tokens.len() > MAX_WORDS {
        return None;
    }
    let (mut used_q, mut used_c) = (0u64, 0u64);
    for (i, a) in q.tokens.iter().enumerate() {
        if a.weak {
            continue;
        }
        if let Some(j) = find(c, used_c, |b| a.hash == b.hash && q.word(a) == c.word(b)) {
            used_q |= bit(i);
            used_c |= bit(j);
        }
    }
    let mut edits = 0;
    for (i, a) in q.tokens.iter().enumerate() {
        if a.weak || used_q & bit(i) != 0 {
            continue;
        }
        let mut best: Option<(usize, usize)> = None;
        for (j, b) in c.tokens.iter().enumerate() {
            if b.weak || used_c & bit(j) != 0 || b.first != a.first {
                continue;
            }
            let allowed = allowed_edits(a.chars.max(b.chars));
            if a.chars.abs_diff(b.chars) > allowed
                || ((a.mask ^ b.mask).count_ones() as usize) > 2 * allowed
            {
                continue;
            }
            let d = strsim::osa_distance(q.word(a), c.word(b));
            if d <= allowed && best.is_none_or(|(_, e)| d < e) {
                best = Some((j, d));
            }
        }
        let (j, d) = best?;
        used_c |= bit(j);
        edits += d;
    }
    Some(edits)
}

/// Typos in the core words run together, different numbers of core words; the edits when
/// it holds.
fn fuzzy_joined(q: &NameKey, c: &NameKey) -> Option<usize> {
    if q.core_first.is_none() || q.core_first != c.core_first {
        return None;
    }
    let allowed = allowed_joined_edits(q.core_chars.max(c.core_chars));
    if q.core_chars.abs_diff(c.core_chars) > allowed
        || ((q.core_mask ^ c.core_mask).count_ones() as usize) > 2 * allowed
    {
        return None;
    }
    if q.core_joined == c.core_joined {
        return Some(0);
    }
    let d = strsim::osa_distance(&q.core_joined, &c.core_joined);
    (d <= allowed).then_some(d)
}

fn fuzzy_score(q: &NameKey, c: &NameKey, edits: usize) -> u8 {
    let letters = q.core_chars.max(c.core_chars).max(1);
    let lost = (100 * edits).div_ceil(letters);
    let score = 100usize.saturating_sub(lost).clamp(50, 89);
    u8::try_from(score).unwrap_or(50)
}

/// Steps 1–3 of normalisation: the name as lower-case words separated by spaces.
fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for d in name.chars().filter(|c| !is_apostrophe(*c)).nfkd() {
        if is_combining_mark(d) || is_apostrophe(d) {
            continue;
        }
        if d == '&' {
            out.push_str(" and ");
            continue;
        }
        for l in d.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'þ' => out.push_str("th"),
                'ø' => out.push('o'),
                'ł' => out.push('l'),
                'đ' | 'ð' => out.push('d'),
                'ı' => out.push('i'),
                'ħ' => out.push('h'),
                l if is_combining_mark(l) => {}
                l if l.is_alphanumeric() => out.push(l),
                _ => out.push(' '),
            }
        }
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{2032}' | '\u{FF07}'
    )
}

fn canonical_word(word: &str) -> &str {
    match word {
        "limited" => "ltd",
        "incorporated" => "inc",
        "corporation" => "corp",
        "company" => "co",
        other => other,
    }
}

fn is_single_letter(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some() && chars.next().is_none()
}

/// Step 4's multi-word and dotted legal forms.
fn join_phrases<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while let Some(rest) = words.get(i..).filter(|r| !r.is_empty()) {
        let phrase = PHRASES
            .iter()
            .find(|(p, _)| rest.starts_with(p))
            .or_else(|| {
                let after_word = i > 0 && words.get(i - 1).is_some_and(|w| !is_single_letter(w));
                DOTTED.iter().find(|(p, _)| {
                    after_word
                        && rest.starts_with(p)
                        && rest.get(p.len()).is_none_or(|w| !is_single_letter(w))
                })
            });
        match phrase {
            Some((p, form)) => {
                out.push(*form);
                i += p.len();
            }
            None => {
                out.extend(rest.first());
                i += 1;
            }
        }
    }
    out
}

fn is_organisation_word(word: &str) -> bool {
    LEGAL_FORMS.contains(&word) || ORGANISATION_WORDS.contains(&word)
}

/// Whether `s` is already in the stored form: single-space-separated words of lower-case
/// letters and digits.
fn is_stored_form(s: &str) -> bool {
    !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.chars().all(|c| {
            c == ' ' || (c.is_alphanumeric() && !c.is_uppercase() && !is_combining_mark(c))
        })
}

/// A 64-bit hash of a word, for quick rejection. std's SipHash with fixed keys: the same on
/// every run and machine (the hashes are never stored, only the text is).
fn hash_char(c: char) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    c.hash(&mut h);
    h.finish()
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A bit for a character in a 64-bit letter set: a–z and 0–9 have their own, the rest share.
fn char_bit(c: char) -> u64 {
    let n = u32::from(c);
    let b = match c {
        'a'..='z' => n - u32::from('a'),
        '0'..='9' => 26 + n - u32::from('0'),
        _ => 36 + n % 28,
    };
    1u64 << b
}

/// What the fee earner decided after a conflict check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The check found nothing.
    NoConflict,
    /// The check found names, and each was reviewed and is not a conflict.
    Cleared,
    /// There is a conflict the firm may act despite (e.g. informed consent of both clients).
    Consent,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::NoConflict => "no_conflict",
            Decision::Cleared => "cleared",
            Decision::Consent => "consent",
        }
    }

    pub fn parse(text: &str) -> Result<Decision, crate::Invalid> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "no_conflict" | "none" => Ok(Decision::NoConflict),
            "cleared" | "not_a_conflict" => Ok(Decision::Cleared),
            "consent" => Ok(Decision::Consent),
            _ => Err(crate::Invalid::new(
                "conflict_decision",
                format!("must be no_conflict, cleared or consent ('{text}' is not)"),
            )),
        }
    }
}

/// The shortest reason accepted for clearing or consenting to possible conflicts.
pub const MIN_REASON_CHARS: usize = 10;

/// Check a decision against the check's result: with no hits the decision is
/// [`Decision::NoConflict`]; with hits, a person must decide, and say why.
pub fn decide(
    hits: usize,
    decision: Option<Decision>,
    reason: &str,
) -> Result<Decision, crate::Invalid> {
    let reason = reason.trim();
    match (hits, decision) {
        (0, None | Some(Decision::NoConflict)) => Ok(Decision::NoConflict),
        (0, Some(d)) => Ok(d),
        (n, None | Some(Decision::NoConflict)) => Err(crate::Invalid::new(
            "conflict_decision",
            format!(
                "is needed: the conflict check found {n} possible conflict(s); review them and record whether each is cleared or consented to"
            ),
        )),
        (_, Some(_)) if reason.chars().count() < MIN_REASON_CHARS => Err(crate::Invalid::new(
            "conflict_reason",
            format!(
                "must say why ({} characters at least) when the check found possible conflicts",
                MIN_REASON_CHARS
            ),
        )),
        (_, Some(d)) => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_kind_names_agree_with_serde() {
        for k in [
            MatchKind::Exact,
            MatchKind::Reordered,
            MatchKind::Initials,
            MatchKind::Fuzzy,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn digits_are_not_initials() {
        assert_eq!(kind("Client 1", "Client 10"), None);
        assert_eq!(kind("Flat 1 Ltd", "Flat 12 Ltd"), None);
        assert_eq!(kind("J Smith", "John Smith"), Some(MatchKind::Initials));
    }

    #[test]
    fn decisions_follow_the_hits() {
        assert_eq!(decide(0, None, ""), Ok(Decision::NoConflict));
        assert_eq!(decide(2, None, "").unwrap_err().field, "conflict_decision");
        assert_eq!(
            decide(2, Some(Decision::NoConflict), "").unwrap_err().field,
            "conflict_decision"
        );
        assert_eq!(
            decide(2, Some(Decision::Cleared), "short")
                .unwrap_err()
                .field,
            "conflict_reason"
        );
        assert_eq!(
            decide(
                2,
                Some(Decision::Cleared),
                "Different person: other date of birth"
            ),
            Ok(Decision::Cleared)
        );
        assert_eq!(Decision::parse("Not a conflict"), Ok(Decision::Cleared));
        assert!(Decision::parse("maybe").is_err());
    }

    fn m(a: &str, b: &str) -> Option<Match> {
        let (ka, kb) = (NameKey::new(a), NameKey::new(b));
        let ab = compare(&ka, &kb);
        let ba = compare(&kb, &ka);
        assert_eq!(
            ab.map(|x| x.kind),
            ba.map(|x| x.kind),
            "{a:?} / {b:?} differ by direction"
        );
        ab
    }

    fn kind(a: &str, b: &str) -> Option<MatchKind> {
        m(a, b).map(|x| x.kind)
    }

    fn key(name: &str) -> String {
        NameKey::new(name).as_stored()
    }

    use MatchKind::*;

    #[test]
    fn case_is_ignored() {
        assert_eq!(key("JOHN SMITH"), "john smith");
        assert_eq!(m("JOHN SMITH", "john smith"), Some(Match::new(Exact, 100)));
        assert_eq!(kind("McDONALD", "Mcdonald"), Some(Exact));
    }

    #[test]
    fn diacritics_are_removed() {
        assert_eq!(key("Zoë Ó Briain"), "zoe o briain");
        assert_eq!(
            m("Zoë Ó Briain", "Zoe O Briain"),
            Some(Match::new(Exact, 100))
        );
        assert_eq!(key("José Müller-Lüdenscheidt"), "jose muller ludenscheidt");
        assert_eq!(key("Łukasz Øvergård Straße"), "lukasz overgard strasse");
        assert_eq!(key("Ægir Þórsson"), "aegir thorsson");
        assert_eq!(
            kind("Siobhán Ní Bhriain", "Siobhan Ni Bhriain"),
            Some(Exact)
        );
        // Compatibility forms too: full-width letters, ligatures.
        assert_eq!(key("ＡＣＭＥ Ltd"), "acme ltd");
        assert_eq!(key("Ruﬁn"), "rufin");
    }

    #[test]
    fn apostrophes_join_and_other_punctuation_separates() {
        assert_eq!(key("O'Brien"), "obrien");
        assert_eq!(key("O’Brien"), "obrien");
        assert_eq!(key("O´Brien"), "obrien");
        assert_eq!(m("O'Brien", "OBrien"), Some(Match::new(Exact, 100)));
        // Spacing alone differs: still the same letters in the same order.
        assert_eq!(m("O'Brien", "O Brien"), Some(Match::new(Exact, 98)));
        assert_eq!(m("OBrien", "O Brien"), Some(Match::new(Exact, 98)));
        assert_eq!(kind("Patrick O'Brien", "Patrick O Brien"), Some(Exact));
        assert_eq!(kind("D'Souza", "D Souza"), Some(Exact));
        assert_eq!(key("Smith-Jones"), "smith jones");
        assert_eq!(
            m("Smith-Jones", "Smith Jones"),
            Some(Match::new(Exact, 100))
        );
        assert_eq!(kind("Smith-Jones", "SmithJones"), Some(Exact));
        assert_eq!(key("J.A. Smith"), "j a smith");
        assert_eq!(key("Smith, John (deceased)"), "smith john deceased");
        // A typo as well as a space: fuzzy on the run-together words.
        assert_eq!(kind("O'Brian", "O Brien"), Some(Fuzzy));
    }

    #[test]
    fn organisation_suffixes_are_canonical() {
        assert_eq!(key("Acme Limited"), "acme ltd");
        assert_eq!(key("Acme Ltd."), "acme ltd");
        assert_eq!(key("ACME LTD"), "acme ltd");
        assert_eq!(kind("Acme Limited", "Acme Ltd."), Some(Exact));
        assert_eq!(key("Tesco Public Limited Company"), "tesco plc");
        assert_eq!(key("Tesco P.L.C."), "tesco plc");
        assert_eq!(
            kind("Tesco PLC", "Tesco Public Limited Company"),
            Some(Exact)
        );
        assert_eq!(
            key("Hogan Lovells International L.L.P."),
            "hogan lovells international llp"
        );
        assert_eq!(
            kind(
                "Smith Partners Limited Liability Partnership",
                "Smith Partners LLP"
            ),
            Some(Exact)
        );
        assert_eq!(
            kind("Widget Limited Liability Company", "Widget L.L.C."),
            Some(Exact)
        );
        assert_eq!(kind("Widget Incorporated", "Widget Inc."), Some(Exact));
        assert_eq!(kind("Widget Corporation", "Widget Corp"), Some(Exact));
        assert_eq!(key("Marks & Spencer plc"), "marks and spencer plc");
        assert_eq!(
            kind("Marks & Spencer plc", "Marks and Spencer PLC"),
            Some(Exact)
        );
        assert_eq!(key("Smith & Co."), "smith and co");
        assert_eq!(kind("Smith & Co", "Smith and Company"), Some(Exact));
        assert!(NameKey::new("Smith & Co").is_organisation());
        assert!(NameKey::new("Acme Holdings").is_organisation());
        assert!(!NameKey::new("John Smith").is_organisation());
        // A different or missing legal form is still the same business, a little weaker.
        assert_eq!(m("Acme Ltd", "Acme plc"), Some(Match::new(Initials, 85)));
        assert_eq!(m("Acme", "Acme Limited"), Some(Match::new(Initials, 85)));
        assert_eq!(kind("Smith and Jones", "Smith Jones"), Some(Initials));
        // Legal forms alone never make two businesses match.
        assert_eq!(kind("Smith Ltd", "Jones Ltd"), None);
        // Dotted initials in a person's name are not a legal form.
        assert_eq!(key("P. L. C. Smith"), "p l c smith");
    }

    #[test]
    fn honorifics_are_dropped_from_people() {
        assert_eq!(key("Mr John Smith"), "john smith");
        assert_eq!(key("Mrs. Jane Smith"), "jane smith");
        assert_eq!(key("Prof Sir John Smith"), "john smith");
        assert_eq!(key("The Rev. Dr. Jane Doe"), "jane doe");
        assert_eq!(key("The Rt Hon Jane Doe"), "jane doe");
        assert_eq!(key("The Ritz Hotel"), "the ritz hotel");
        assert_eq!(key("Ms Anne Lee"), "anne lee");
        assert_eq!(key("Miss A Lee"), "a lee");
        assert_eq!(key("John Smith Esq."), "john smith");
        assert_eq!(
            m("Dr John Smith", "John Smith"),
            Some(Match::new(Exact, 100))
        );
        assert_eq!(kind("Mr & Mrs Smith", "Mr and Mrs Smith"), Some(Exact));
        assert_eq!(kind("Mr & Mrs Smith", "Smith"), Some(Initials));
        // The last word is a surname, not a title.
        assert_eq!(key("John Lord"), "john lord");
        assert_eq!(kind("John Lord", "John Smith"), None);
        // Organisations keep them.
        assert_eq!(key("Dr Martens plc"), "dr martens plc");
        assert_eq!(key("Miss Selfridge Ltd"), "miss selfridge ltd");
    }

    #[test]
    fn word_order_is_reordered() {
        assert_eq!(
            m("Smith John", "John Smith"),
            Some(Match::new(Reordered, 95))
        );
        assert_eq!(kind("Smith, John", "John Smith"), Some(Reordered));
        assert_eq!(
            kind("SMITH, John Andrew", "John Andrew Smith"),
            Some(Reordered)
        );
        assert_eq!(
            kind("Jones & Smith Ltd", "Smith and Jones Limited"),
            Some(Reordered)
        );
    }

    #[test]
    fn initials_stand_for_names() {
        assert_eq!(m("J Smith", "John Smith"), Some(Match::new(Initials, 85)));
        assert_eq!(
            m("J. A. Smith", "John Andrew Smith"),
            Some(Match::new(Initials, 80))
        );
        assert_eq!(
            m("J. A. Smith", "John Smith"),
            Some(Match::new(Initials, 80))
        );
        assert_eq!(kind("Smith J", "John Smith"), Some(Initials));
        assert_eq!(kind("John A Smith", "John Andrew Smith"), Some(Initials));
        assert_eq!(kind("J Smith", "Jane Smith"), Some(Initials));
        // A middle name omitted.
        assert_eq!(kind("John Smith", "John Andrew Smith"), Some(Initials));
        // No fuzziness with initials, and no initial for an unrelated name.
        assert_eq!(kind("J Smith", "Jane Smythe-Brown"), None);
        assert_eq!(kind("J Smyth", "John Smith"), None);
        assert_eq!(kind("A Smith", "John Smith"), None);
        assert_eq!(kind("J A Smith", "John B Smith"), None);
        assert_eq!(kind("J Smith", "K Smith"), None);
        // Different first names with one surname in common are different people.
        assert_eq!(kind("John Smith", "Jane Smith"), None);
        assert_eq!(kind("John Smith", "Peter Smith"), None);
    }

    #[test]
    fn a_single_word_query_finds_names_containing_it() {
        assert_eq!(m("Smith", "Smith"), Some(Match::new(Exact, 100)));
        assert_eq!(m("Smith", "John Smith"), Some(Match::new(Initials, 85)));
        assert_eq!(
            m("Smith", "John Andrew Smith"),
            Some(Match::new(Initials, 80))
        );
        assert_eq!(kind("Smith", "Jane Smith-Brown"), Some(Initials));
        assert_eq!(kind("Smith", "Smith & Sons Ltd"), Some(Initials));
        assert_eq!(kind("smith", "SMITH, Mr John"), Some(Initials));
        assert_eq!(kind("Smith", "Smithson"), None);
        assert_eq!(kind("Smith", "Jane Smythe-Brown"), None);
        // A typo in a single word is still fuzzy.
        assert_eq!(kind("Smith", "Smyth"), Some(Fuzzy));
    }

    #[test]
    fn typos_are_fuzzy() {
        let jon = m("Jon Smyth", "John Smith");
        assert_eq!(jon.map(|x| x.kind), Some(Fuzzy));
        assert!(jon.is_some_and(|x| (70..=89).contains(&x.score)), "{jon:?}");
        assert_eq!(
            kind("Acme Holdings Limited", "Acme Holding Ltd"),
            Some(Fuzzy)
        );
        assert_eq!(kind("Jonathon Smith", "Jonathan Smith"), Some(Fuzzy));
        assert_eq!(kind("Catherine Jones", "Katherine Jones"), None);
        assert_eq!(
            kind("Sainsbury's Supermarkets Ltd", "Sainsbury Supermarkets Ltd"),
            Some(Fuzzy)
        );
        assert_eq!(kind("Smyth John", "John Smith"), Some(Fuzzy));
        assert_eq!(kind("Jhon Smith", "John Smith"), Some(Fuzzy));
        assert_eq!(kind("Ann Lee", "Anne Lee"), Some(Fuzzy));
        assert_eq!(kind("Mohammed Khan", "Muhammad Khan"), Some(Fuzzy));
        assert_eq!(kind("MacDonald", "McDonald"), Some(Fuzzy));
        // Split or joined differently, and a slip as well.
        assert_eq!(kind("Macdonald", "Mc Donald"), Some(Fuzzy));
        assert_eq!(kind("Anne-Marie O'Neill", "Annmarie ONeil"), Some(Fuzzy));
        assert_eq!(kind("Van der Berg", "Vanderberg"), Some(Exact));
    }

    #[test]
    fn clearly_different_names_do_not_match() {
        assert_eq!(kind("John Smith", "Joan Smart"), None);
        assert_eq!(kind("Acme Ltd", "Apex Ltd"), None);
        assert_eq!(kind("Tom Jones", "Tim Jones"), None);
        assert_eq!(kind("Christopher Robinson", "Christopher Robertson"), None);
        assert_eq!(kind("John Smith", "Jane Smart"), None);
        assert_eq!(kind("Acme Holdings Ltd", "Apex Holdings Ltd"), None);
        assert_eq!(kind("Bank of England", "Bank of Scotland"), None);
        assert_eq!(kind("Smith", "Jones"), None);
        assert_eq!(kind("John Smith", "John A. Mcth"), None);
        assert_eq!(kind("Ben Lee", "Ben Leo"), None);
        assert_eq!(kind("Co Ltd", "Acme Co Ltd"), None);
    }

    #[test]
    fn empty_names_match_nothing() {
        for name in ["", "   ", "--- ...", "'", "’’", "()", "\t\n"] {
            let k = NameKey::new(name);
            assert!(k.is_empty(), "{name:?}");
            assert_eq!(k.as_stored(), "", "{name:?}");
            for other in ["", "   ", "John Smith", "Smith", "and", "-"] {
                assert_eq!(
                    compare(&k, &NameKey::new(other)),
                    None,
                    "{name:?}/{other:?}"
                );
                assert_eq!(
                    compare(&NameKey::new(other), &k),
                    None,
                    "{other:?}/{name:?}"
                );
            }
        }
        // A title alone is a word (the last word is never taken for a title).
        assert_eq!(key("Mr"), "mr");
        assert_eq!(kind("Mr", "Mr John Smith"), None);
    }

    #[test]
    fn stored_keys_round_trip() {
        for name in [
            "Zoë Ó Briain",
            "Mr John Smith",
            "O'Brien",
            "Marks & Spencer plc",
            "Dr Martens plc",
            "Tesco P.L.C.",
            "李小龍",
            "Владимир Иванов",
            "",
            "J. A. Smith",
            "3M Company",
        ] {
            let k = NameKey::new(name);
            let back = NameKey::from_stored(&k.as_stored());
            assert_eq!(back, k, "{name:?}");
            assert_eq!(back.is_organisation(), k.is_organisation(), "{name:?}");
            assert_eq!(back.as_stored(), k.as_stored());
            // The same behaviour, not only the same text.
            let probe = NameKey::new("Smith");
            assert_eq!(compare(&back, &probe), compare(&k, &probe), "{name:?}");
            assert_eq!(
                compare(&back, &k).map(|x| x.kind),
                (!k.is_empty()).then_some(Exact)
            );
        }
        // Text not in the stored form is normalised.
        assert_eq!(
            NameKey::from_stored("Mr John SMITH").as_stored(),
            "john smith"
        );
    }

    #[test]
    fn match_kinds_order_and_serialise() {
        assert!(Exact < Reordered && Reordered < Initials && Initials < Fuzzy);
        let json = serde_json::to_string(&Match::new(Reordered, 95)).unwrap();
        assert_eq!(json, r#"{"kind":"reordered","score":95}"#);
        let back: Match = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Match::new(Reordered, 95));
    }

    /// Deterministic pseudo-random numbers for the synthetic data (no dependency, no clock).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    fn synthetic_names(count: usize) -> Vec<String> {
        const FIRST: &[&str] = &[
            "John", "Jane", "Mary", "Peter", "Paul", "Sarah", "David", "Emma", "James", "Olivia",
            "Mohammed", "Aisha", "Zoë", "Siobhán", "Liam", "Chloe", "Thomas", "Priya", "Wei",
            "Fatima", "George", "Amelia", "Oliver", "Isla", "Harry", "Grace", "Jack", "Lily",
        ];
        const SYLLABLES: &[&str] = &[
            "smi", "th", "jo", "nes", "wil", "li", "ams", "bro", "wn", "tay", "lor", "da", "vi",
            "es", "ev", "ans", "tho", "mas", "rob", "in", "son", "wr", "ight", "ka", "ur", "pa",
            "tel", "kh", "an", "o", "brien", "mc", "don", "ald", "ber", "g", "ley", "ham",
        ];
        const ORG: &[&str] = &[
            "Holdings",
            "Properties",
            "Trading",
            "Services",
            "Consulting",
            "Group",
            "Estates",
            "Logistics",
            "Foods",
            "Motors",
        ];
        const FORMS: &[&str] = &["Ltd", "Limited", "plc", "LLP", "& Co", "Inc"];
        let mut rng = Lcg(42);
        let surname = |rng: &mut Lcg| {
            let parts = 2 + rng.next(2);
            let mut s = String::new();
            for _ in 0..parts {
                s.push_str(SYLLABLES[rng.next(SYLLABLES.len())]);
            }
            let mut cs = s.chars();
            cs.next()
                .map(|c| c.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        };
        (0..count)
            .map(|i| match i % 10 {
                0..=6 => {
                    let first = FIRST[rng.next(FIRST.len())];
                    let middle = if rng.next(3) == 0 { "A. " } else { "" };
                    format!("{first} {middle}{}", surname(&mut rng))
                }
                7 => format!("Mr {} {}", FIRST[rng.next(FIRST.len())], surname(&mut rng)),
                _ => format!(
                    "{} {} {}",
                    surname(&mut rng),
                    ORG[rng.next(ORG.len())],
                    FORMS[rng.next(FORMS.len())]
                ),
            })
            .collect()
    }

    #[test]
    fn conflict_scan_of_100_000_keys() {
        let mut names = synthetic_names(100_000);
        names[77_777] = "Jon Smyth".to_owned();
        names[88_888] = "Acme Holding Ltd".to_owned();
        // Keys as the app would hold them: read back from their stored form.
        let keys: Vec<NameKey> = names
            .iter()
            .map(|n| NameKey::from_stored(&NameKey::new(n).as_stored()))
            .collect();
        for query in [
            "John Smith",
            "Acme Holdings Limited",
            "Smith",
            "J Smith",
            "Zoe O'Brien",
        ] {
            let q = NameKey::new(query);
            let started = std::time::Instant::now(); // Timing only, for the report below.
            let mut hits: Vec<(usize, Match)> = keys
                .iter()
                .enumerate()
                .filter_map(|(i, k)| compare(&q, k).map(|m| (i, m)))
                .collect();
            let elapsed = started.elapsed();
            hits.sort_by_key(|(_, m)| (m.kind, std::cmp::Reverse(m.score)));
            println!(
                "conflict scan: {query:?} against {} keys: {} matches in {elapsed:?}",
                keys.len(),
                hits.len()
            );
            for (i, hit) in hits.iter().take(5) {
                println!("    {:?} {} {}", hit.kind, hit.score, names[*i]);
            }
            if query == "John Smith" {
                assert!(hits.iter().any(|(i, _)| *i == 77_777));
            }
            if query == "Acme Holdings Limited" {
                assert!(hits.iter().any(|(i, _)| *i == 88_888));
            }
        }
    }
}
