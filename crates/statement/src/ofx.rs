//! OFX bank statements, both dialects.
//!
//! - **OFX 2.x** is XML: a `<?xml ...?>` declaration and an `<?OFX ...?>` processing
//!   instruction, then `<OFX>`. It is read with `quick-xml`.
//! - **OFX 1.x** is SGML: `KEY:VALUE` header lines (`OFXHEADER:100`, `DATA:OFXSGML`, ...),
//!   a blank line, then `<OFX>`, where a leaf element has no end tag:
//!   `<TRNAMT>-12.50` is closed by whatever tag comes next.
//!
//! Both are first read into the same small tree of [`Element`]s (a name, the line it starts
//! on, its text, its children), and one interpreter ([`interpret`]) reads the statement out
//! of that tree, so the two dialects cannot disagree about what a transaction is.
//!
//! **Why a hand-written SGML reader rather than rewriting SGML as XML for quick-xml.** There
//! is no maintained SGML crate, so either way some code here has to decide where the
//! omitted end tags go. Rewriting would also have to escape stray `&` and `<` in text
//! (SGML exports are loose about them) and then map quick-xml's byte offsets in the
//! rewritten text back to lines of the original, which every inserted end tag shifts. The
//! grammar OFX 1.x actually uses is tiny — tags without attributes, text, a handful of
//! entities — so the reader below builds the tree directly, keeping each element's own line
//! number, in about a hundred lines that the tests exercise case by case. Its one rule for
//! omitted end tags: **an element with text is a leaf, closed by the next tag (start or
//! end)**; an element with no text is an aggregate and is closed by its end tag. An element
//! still open when an end tag for one of its ancestors arrives was an empty leaf (as
//! `<MEMO>` with nothing after it): it is closed there, and anything that had been put
//! inside it is given to its parent. Leaves that do carry an end tag (`<TRNAMT>1</TRNAMT>`,
//! as some banks write even in 1.x) read the same.
//!
//! What is read from the tree: the one `STMTRS` (a bank statement; a file holding several
//! accounts' statements is refused, so that lines cannot be filed against the wrong
//! account), its `CURDEF` (only `GBP`), `BANKACCTFROM` (`BANKID`, `ACCTID`), `LEDGERBAL`
//! (`BALAMT`, `DTASOF`), and each `BANKTRANLIST/STMTTRN` (`DTPOSTED`, `TRNAMT`, `FITID`,
//! `NAME` or `PAYEE/NAME`, `MEMO`, `CHECKNUM`, `REFNUM`, and a `CURRENCY` other than GBP is
//! refused). `TRNTYPE` and the rest are read past. A `STMTTRNRS/STATUS` whose `SEVERITY`
//! is `ERROR` is the bank saying the statement failed, and is refused with its message.

use crate::text::{Lines, collapse_whitespace, decode, parse_ofx_amount, quoted};
use crate::{Statement, StatementError, StatementLine};
use jiff::civil::Date;
use quick_xml::events::Event;

/// Read an OFX 1.x (SGML) or 2.x (XML) bank statement.
///
/// The dialect is told by how the file begins: `<?xml` or `<?OFX` is 2.x; `OFXHEADER:`
/// header lines (or a bare `<OFX>`) is 1.x. Everything wrong is refused with its line: see
/// the crate's rules.
pub fn parse_ofx(bytes: &[u8]) -> Result<Statement, StatementError> {
    let text = decode(bytes);
    let lines = Lines::new(&text);
    let Some(start) = text.find(|c: char| !c.is_whitespace()) else {
        return Err(StatementError::new(1, "the file is empty"));
    };
    let rest = text.get(start..).unwrap_or_default();
    let head = rest.get(..5).unwrap_or(rest).to_ascii_lowercase();
    let roots = if head == "<?xml" || head == "<?ofx" {
        xml_tree(&text, start, &lines)?
    } else if rest.starts_with('<') {
        sgml_tree(&text, start, &lines)?
    } else {
        let body = sgml_header(&text, start, &lines)?;
        sgml_tree(&text, body, &lines)?
    };
    interpret(&roots, &lines)
}

/// An element of the document, whichever dialect it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    /// Upper-cased: OFX names are upper case, and a lower-case export reads the same.
    name: String,
    /// The line of its start tag.
    line: usize,
    /// A leaf's text, entities decoded, trimmed. Empty for an aggregate.
    text: String,
    children: Vec<Element>,
}

/// An element still open while a tree is built.
struct Open {
    name: String,
    line: usize,
    text: String,
    children: Vec<Element>,
}

impl Open {
    fn new(name: String, line: usize) -> Self {
        Open {
            name,
            line,
            text: String::new(),
            children: Vec::new(),
        }
    }

    fn close(self) -> Element {
        Element {
            name: self.name,
            line: self.line,
            text: self.text.trim().to_owned(),
            children: self.children,
        }
    }
}

/// How deep elements may nest. A bank statement nests eight or so deep; the limit keeps a
/// hostile file from exhausting the stack of the recursive walks over the tree.
const MAX_DEPTH: usize = 256;

/// Open `element` inside the element now open, unless that nests too deeply.
fn push(stack: &mut Vec<Open>, element: Open) -> Result<(), StatementError> {
    if stack.len() >= MAX_DEPTH {
        return Err(StatementError::new(
            element.line,
            format!("elements are nested more than {MAX_DEPTH} deep: this is not a statement"),
        ));
    }
    stack.push(element);
    Ok(())
}

/// Put a closed element into the element now open, or among the roots.
fn attach(stack: &mut [Open], roots: &mut Vec<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => roots.push(element),
    }
}

/// The error for a file that ends with elements still open: it was cut short.
fn cut_short(stack: &[Open], lines: &Lines) -> StatementError {
    let innermost = stack
        .iter()
        .rev()
        .find(|open| open.text.trim().is_empty())
        .or(stack.last());
    let message = match innermost {
        Some(open) => format!(
            "the file ends inside <{}> (opened on line {}): it looks cut short",
            open.name, open.line
        ),
        None => "the file ends too soon: it looks cut short".to_owned(),
    };
    StatementError::new(lines.last_line(), message)
}

// ---------------------------------------------------------------------------------------
// OFX 1.x: header lines and SGML
// ---------------------------------------------------------------------------------------

/// Read the `KEY:VALUE` header lines from `start`; the offset where the body (`<`) starts.
fn sgml_header(text: &str, start: usize, lines: &Lines) -> Result<usize, StatementError> {
    let mut offset = start;
    let mut seen_ofxheader = false;
    while offset < text.len() {
        let rest = text.get(offset..).unwrap_or_default();
        let line_len = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line_text = rest.get(..line_len).unwrap_or_default().trim();
        let line = lines.line_of(offset);
        if line_text.starts_with('<') {
            let lead = rest.len() - rest.trim_start().len();
            return if seen_ofxheader {
                Ok(offset + lead)
            } else {
                Err(not_ofx(1))
            };
        }
        if !line_text.is_empty() {
            let Some((key, value)) = line_text.split_once(':') else {
                return Err(if seen_ofxheader {
                    StatementError::new(
                        line,
                        format!(
                            "'{}' is not an OFX header line (KEY:VALUE)",
                            quoted(line_text)
                        ),
                    )
                } else {
                    not_ofx(line)
                });
            };
            let key = key.trim().to_ascii_uppercase();
            let value = value.trim();
            if !seen_ofxheader && key != "OFXHEADER" {
                return Err(not_ofx(line));
            }
            seen_ofxheader = true;
            if key == "DATA" && !value.eq_ignore_ascii_case("OFXSGML") {
                return Err(StatementError::new(
                    line,
                    format!(
                        "the header says DATA:{}; an OFX 1.x file holds OFXSGML",
                        quoted(value)
                    ),
                ));
            }
        }
        offset += line_len;
        // Step over the line break (\n, \r\n or \r).
        let after = text.get(offset..).unwrap_or_default();
        offset += if after.starts_with("\r\n") {
            2
        } else {
            usize::from(!after.is_empty())
        };
    }
    Err(StatementError::new(
        lines.last_line(),
        "the file ends after its header: there is no <OFX> element",
    ))
}

fn not_ofx(line: usize) -> StatementError {
    StatementError::new(
        line,
        "this is not an OFX file: it should begin with OFXHEADER:100 or <?xml",
    )
}

/// Build the tree of an SGML body that starts at byte `start` of `text`.
fn sgml_tree(text: &str, start: usize, lines: &Lines) -> Result<Vec<Element>, StatementError> {
    let mut stack: Vec<Open> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();
    let mut i = start;
    while let Some(rest) = text.get(i..).filter(|r| !r.is_empty()) {
        if !rest.starts_with('<') {
            // Text runs to the next tag.
            let len = rest.find('<').unwrap_or(rest.len());
            let raw = rest.get(..len).unwrap_or_default();
            let trimmed = raw.trim();
            if !trimmed.is_empty() {
                let lead = raw.len() - raw.trim_start().len();
                sgml_text(&mut stack, trimmed, lines.line_of(i + lead))?;
            }
            i += len;
            continue;
        }
        let line = lines.line_of(i);
        // Comments, declarations and processing instructions are read past.
        let skip_to = if rest.starts_with("<!--") {
            Some("-->")
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            Some(">")
        } else {
            None
        };
        if let Some(end) = skip_to {
            let Some(p) = rest.find(end) else {
                return Err(StatementError::new(
                    line,
                    "a comment or declaration is never closed: the file looks cut short",
                ));
            };
            i += p + end.len();
            continue;
        }
        let Some(close) = rest.find('>') else {
            return Err(StatementError::new(
                line,
                "a tag is not finished (no '>'): the file looks cut short",
            ));
        };
        let inner = rest.get(1..close).unwrap_or_default();
        let (is_end, name) = match inner.strip_prefix('/') {
            Some(name) => (true, name.trim()),
            None => (false, inner.trim()),
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid_name {
            return Err(StatementError::new(
                line,
                format!("'<{}>' is not an OFX tag", quoted(inner)),
            ));
        }
        let name = name.to_ascii_uppercase();
        if is_end {
            sgml_end(&mut stack, &mut roots, &name, line)?;
        } else {
            // A start tag closes a leaf that has text.
            if stack.last().is_some_and(|top| !top.text.is_empty())
                && let Some(leaf) = stack.pop()
            {
                attach(&mut stack, &mut roots, leaf.close());
            }
            push(&mut stack, Open::new(name, line))?;
        }
        i += close + 1;
    }
    if !stack.is_empty() {
        return Err(cut_short(&stack, lines));
    }
    Ok(roots)
}

/// Text in an SGML body: the text of the element now open.
fn sgml_text(stack: &mut [Open], text: &str, line: usize) -> Result<(), StatementError> {
    let Some(top) = stack.last_mut() else {
        return Err(StatementError::new(
            line,
            format!("text '{}' is outside any element", quoted(text)),
        ));
    };
    if !top.children.is_empty() {
        return Err(StatementError::new(
            line,
            format!(
                "text '{}' is loose inside <{}>, among its elements",
                quoted(text),
                top.name
            ),
        ));
    }
    if !top.text.is_empty() {
        top.text.push(' ');
    }
    top.text.push_str(&decode_entities(text));
    Ok(())
}

/// `</NAME>`: close every element opened since `<NAME>` (each an omitted-end-tag leaf),
/// then `<NAME>` itself.
fn sgml_end(
    stack: &mut Vec<Open>,
    roots: &mut Vec<Element>,
    name: &str,
    line: usize,
) -> Result<(), StatementError> {
    let Some(depth) = stack.iter().rposition(|open| open.name == name) else {
        return Err(StatementError::new(
            line,
            format!("</{name}> closes an element that is not open"),
        ));
    };
    while stack.len() > depth + 1 {
        let Some(open) = stack.pop() else { break };
        let mut leaf = open.close();
        // An element with no text and no end tag was an empty leaf: what was put inside
        // it belongs to its parent.
        let adopted = std::mem::take(&mut leaf.children);
        attach(stack, roots, leaf);
        for child in adopted {
            attach(stack, roots, child);
        }
    }
    if let Some(open) = stack.pop() {
        attach(stack, roots, open.close());
    }
    Ok(())
}

/// Decode `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and numeric references.
/// Anything else with an `&` (SGML exports often write a bare "M&S") is kept as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let decoded = after.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = after.get(..semi)?;
            entity(name).map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = after.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

// ---------------------------------------------------------------------------------------
// OFX 2.x: XML
// ---------------------------------------------------------------------------------------

/// Build the tree of an XML document that starts at byte `start` of `text`.
fn xml_tree(text: &str, start: usize, lines: &Lines) -> Result<Vec<Element>, StatementError> {
    let body = text.get(start..).unwrap_or_default();
    let mut reader = quick_xml::Reader::from_str(body);
    // A bare "M&S" in a payee's name is a common slip in bank exports; keep it as written
    // rather than refuse the whole statement for it.
    reader.config_mut().allow_dangling_amp = true;
    let at = |offset: u64| lines.line_of(start + usize::try_from(offset).unwrap_or(usize::MAX));
    let mut stack: Vec<Open> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            StatementError::new(
                at(reader.error_position()),
                format!("the XML is not well formed: {e}"),
            )
        })?;
        match event {
            Event::Start(tag) => {
                let name = tag.name().as_ref().to_ascii_uppercase();
                push(&mut stack, Open::new(name, at(position)))?;
            }
            Event::Empty(tag) => {
                let name = tag.name().as_ref().to_ascii_uppercase();
                let leaf = Open::new(name, at(position)).close();
                attach(&mut stack, &mut roots, leaf);
            }
            Event::End(_) => {
                // quick-xml has checked that the end tag matches the start tag.
                if let Some(open) = stack.pop() {
                    if !open.children.is_empty() && !open.text.trim().is_empty() {
                        return Err(StatementError::new(
                            open.line,
                            format!(
                                "<{}> mixes text '{}' with elements",
                                open.name,
                                quoted(open.text.trim())
                            ),
                        ));
                    }
                    attach(&mut stack, &mut roots, open.close());
                }
            }
            Event::Text(t) => xml_text(&mut stack, &t.xml10_content(), at(position))?,
            Event::CData(t) => xml_text(&mut stack, &t.xml10_content(), at(position))?,
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                    Err(_) => None,
                };
                let Some(resolved) = resolved else {
                    return Err(StatementError::new(
                        at(position),
                        format!("'&{};' is not a character XML knows", quoted(&r)),
                    ));
                };
                xml_text(&mut stack, &resolved, at(position))?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(cut_short(&stack, lines));
    }
    Ok(roots)
}

fn xml_text(stack: &mut [Open], text: &str, line: usize) -> Result<(), StatementError> {
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(StatementError::new(
            line,
            format!("text '{}' is outside any element", quoted(text.trim())),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The statement in the tree
// ---------------------------------------------------------------------------------------

impl Element {
    /// The one child called `name`, if there is one; two is an error.
    fn child(&self, name: &str) -> Result<Option<&Element>, StatementError> {
        let mut found = self.children.iter().filter(|c| c.name == name);
        let first = found.next();
        if let Some(second) = found.next() {
            return Err(StatementError::new(
                second.line,
                format!("<{}> has a second {name}", self.name),
            ));
        }
        Ok(first)
    }

    /// The value of the leaf child called `name`, with its line, if there is one.
    fn leaf(&self, name: &str) -> Result<Option<(&str, usize)>, StatementError> {
        let Some(child) = self.child(name)? else {
            return Ok(None);
        };
        if let Some(inner) = child.children.first() {
            return Err(StatementError::new(
                inner.line,
                format!("{name} should hold a value, not <{}>", inner.name),
            ));
        }
        Ok(Some((child.text.as_str(), child.line)))
    }

    /// The value of a leaf that must be there and not be empty.
    fn required_leaf(&self, name: &str) -> Result<(&str, usize), StatementError> {
        match self.leaf(name)? {
            None => Err(StatementError::new(
                self.line,
                format!("<{}> has no {name}", self.name),
            )),
            Some(("", line)) => Err(StatementError::new(line, format!("{name} is empty"))),
            Some(found) => Ok(found),
        }
    }

    /// A leaf's value that may be absent or empty.
    fn optional_text(&self, name: &str) -> Result<Option<String>, StatementError> {
        Ok(self
            .leaf(name)?
            .map(|(text, _)| text.trim())
            .filter(|text| !text.is_empty())
            .map(str::to_owned))
    }

    /// Every element called `name` below this one (not this one), in document order.
    fn descendants<'a>(&'a self, name: &str, found: &mut Vec<&'a Element>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.descendants(name, found);
        }
    }
}

fn interpret(roots: &[Element], lines: &Lines) -> Result<Statement, StatementError> {
    let Some(ofx) = roots.iter().find(|e| e.name == "OFX") else {
        let line = roots.first().map_or(lines.last_line(), |e| e.line);
        return Err(StatementError::new(line, "the file has no <OFX> element"));
    };
    let mut responses = Vec::new();
    ofx.descendants("STMTTRNRS", &mut responses);
    for response in responses {
        check_status(response)?;
    }
    let mut statements = Vec::new();
    ofx.descendants("STMTRS", &mut statements);
    let statement = match statements.as_slice() {
        [one] => *one,
        [] => {
            let mut cards = Vec::new();
            ofx.descendants("CCSTMTRS", &mut cards);
            return Err(match cards.first() {
                Some(card) => StatementError::new(
                    card.line,
                    "this is a credit card statement: Satchel reconciles bank accounts, so \
                     export the bank account's statement",
                ),
                None => {
                    StatementError::new(ofx.line, "the file has no bank statement (no <STMTRS>)")
                }
            });
        }
        [_, second, ..] => {
            return Err(StatementError::new(
                second.line,
                format!(
                    "the file holds {} statements; export one account at a time",
                    statements.len()
                ),
            ));
        }
    };
    read_statement(statement)
}

/// A `STMTTRNRS` whose `STATUS` has `SEVERITY` `ERROR` is the bank saying it failed.
fn check_status(response: &Element) -> Result<(), StatementError> {
    let Some(status) = response.child("STATUS")? else {
        return Ok(());
    };
    let severity = status.optional_text("SEVERITY")?.unwrap_or_default();
    if !severity.eq_ignore_ascii_case("ERROR") {
        return Ok(());
    }
    let code = status.optional_text("CODE")?.unwrap_or_default();
    let message = status
        .optional_text("MESSAGE")?
        .map(|m| format!(": {}", collapse_whitespace(&m)))
        .unwrap_or_default();
    Err(StatementError::new(
        status.line,
        format!("the bank reports an error for this statement (code {code}{message})"),
    ))
}

fn read_statement(stmtrs: &Element) -> Result<Statement, StatementError> {
    let (currency, line) = stmtrs.leaf("CURDEF")?.ok_or_else(|| {
        StatementError::new(
            stmtrs.line,
            "the statement does not say its currency (no CURDEF); Satchel reads sterling \
             (GBP) statements only",
        )
    })?;
    check_sterling("CURDEF", currency, line)?;

    let (bank_id, account_id) = match stmtrs.child("BANKACCTFROM")? {
        Some(account) => (
            account.optional_text("BANKID")?,
            account.optional_text("ACCTID")?,
        ),
        None => (None, None),
    };

    let closing_balance = match stmtrs.child("LEDGERBAL")? {
        Some(balance) => {
            let (amount, amount_line) = balance.required_leaf("BALAMT")?;
            let (date, date_line) = balance.required_leaf("DTASOF")?;
            Some((
                ofx_date("DTASOF", date, date_line)?,
                ofx_amount("BALAMT", amount, amount_line)?,
            ))
        }
        None => None,
    };

    let list = stmtrs.child("BANKTRANLIST")?;
    let mut lines = Vec::new();
    if let Some(list) = list {
        for trn in list.children.iter().filter(|c| c.name == "STMTTRN") {
            lines.push(read_transaction(trn)?);
        }
    }
    if lines.is_empty() {
        let line = list.map_or(stmtrs.line, |l| l.line);
        return Err(StatementError::new(
            line,
            "the statement has no transactions (no <STMTTRN>)",
        ));
    }
    Ok(Statement {
        lines,
        closing_balance,
        bank_id,
        account_id,
    })
}

fn read_transaction(trn: &Element) -> Result<StatementLine, StatementError> {
    if let Some(currency) = trn.child("CURRENCY")? {
        let (symbol, line) = currency.required_leaf("CURSYM")?;
        check_sterling("CURRENCY", symbol, line)?;
    }
    let (date, date_line) = trn.required_leaf("DTPOSTED")?;
    let (amount, amount_line) = trn.required_leaf("TRNAMT")?;
    let name = match trn.optional_text("NAME")? {
        Some(name) => Some(name),
        None => match trn.child("PAYEE")? {
            Some(payee) => payee.optional_text("NAME")?,
            None => None,
        },
    };
    let memo = trn.optional_text("MEMO")?;
    let description = match (name, memo) {
        (Some(name), Some(memo)) if memo != name => format!("{name} {memo}"),
        (Some(text), _) | (None, Some(text)) => text,
        (None, None) => String::new(),
    };
    let reference = [trn.optional_text("CHECKNUM")?, trn.optional_text("REFNUM")?]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(StatementLine {
        line: trn.line,
        date: ofx_date("DTPOSTED", date, date_line)?,
        amount: ofx_amount("TRNAMT", amount, amount_line)?,
        fitid: trn.optional_text("FITID")?,
        description: collapse_whitespace(&description),
        reference: collapse_whitespace(&reference),
    })
}

fn check_sterling(field: &str, currency: &str, line: usize) -> Result<(), StatementError> {
    if currency.trim().eq_ignore_ascii_case("GBP") {
        Ok(())
    } else {
        Err(StatementError::new(
            line,
            format!(
                "{field} is '{}': Satchel reads sterling (GBP) statements only",
                quoted(currency.trim())
            ),
        ))
    }
}

fn ofx_amount(field: &str, text: &str, line: usize) -> Result<satchel_core::Money, StatementError> {
    parse_ofx_amount(text).map_err(|problem| {
        StatementError::new(
            line,
            problem.describe(
                field,
                &quoted(text),
                "write it as digits with a '.' before the pence, such as -12.50",
            ),
        )
    })
}

/// An OFX date: `YYYYMMDD`, optionally followed by `HHMMSS` (or `HHMM`), `.XXX` and a time
/// zone `[-5:EST]`. The civil date is taken as written: the time and zone are checked for
/// form and then read past, not converted (a bank posts to the day it says).
fn ofx_date(field: &str, text: &str, line: usize) -> Result<Date, StatementError> {
    let value = text.trim();
    let malformed = || {
        StatementError::new(
            line,
            format!(
                "{field} '{}' is not an OFX date (YYYYMMDD, optionally with a time, such as \
                 20261103 or 20261103120000[0:GMT])",
                quoted(value)
            ),
        )
    };
    let (stamp, zone) = match value.split_once('[') {
        Some((stamp, zone)) => (stamp, Some(zone)),
        None => (value, None),
    };
    if let Some(zone) = zone {
        let inner = zone.strip_suffix(']').ok_or_else(malformed)?;
        let (offset, name) = inner.split_once(':').unwrap_or((inner, ""));
        let offset = offset.strip_prefix(['+', '-']).unwrap_or(offset);
        let (hours, fraction) = offset.split_once('.').unwrap_or((offset, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let good = !hours.is_empty()
            && hours.len() <= 2
            && digits(hours)
            && digits(fraction)
            && name.chars().all(|c| c.is_ascii_alphanumeric());
        if !good {
            return Err(malformed());
        }
    }
    let (clock, fraction) = stamp.split_once('.').unwrap_or((stamp, ""));
    let all_digits = clock.bytes().all(|b| b.is_ascii_digit());
    let fraction_ok = fraction.bytes().all(|b| b.is_ascii_digit())
        && (fraction.is_empty() || (clock.len() == 14 && fraction.len() <= 6));
    if !all_digits || !matches!(clock.len(), 8 | 12 | 14) || !fraction_ok {
        return Err(malformed());
    }
    let number = |range: std::ops::Range<usize>| -> i16 {
        clock
            .get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or(i16::MAX)
    };
    let time_ok = clock.len() == 8
        || (number(8..10) < 24
            && number(10..12) < 60
            && (clock.len() == 12 || number(12..14) < 61));
    if !time_ok {
        return Err(malformed());
    }
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    let month = i8::try_from(month).map_err(|_| not_a_day(field, value, line))?;
    let day = i8::try_from(day).map_err(|_| not_a_day(field, value, line))?;
    Date::new(year, month, day).map_err(|_| not_a_day(field, value, line))
}

fn not_a_day(field: &str, value: &str, line: usize) -> StatementError {
    StatementError::new(
        line,
        format!("{field} '{}' is not a day of the calendar", quoted(value)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sgml(body: &str) -> Result<Vec<Element>, StatementError> {
        let lines = Lines::new(body);
        sgml_tree(body, 0, &lines)
    }

    fn leaf(name: &str, line: usize, text: &str) -> Element {
        Element {
            name: name.to_owned(),
            line,
            text: text.to_owned(),
            children: vec![],
        }
    }

    fn agg(name: &str, line: usize, children: Vec<Element>) -> Element {
        Element {
            name: name.to_owned(),
            line,
            text: String::new(),
            children,
        }
    }

    #[test]
    fn sgml_leaves_close_at_the_next_tag() {
        let tree = sgml("<A>\n<B>one\n<C>two</C>\n<D>\n<E>three\n</D>\n</A>").unwrap();
        assert_eq!(
            tree,
            vec![agg(
                "A",
                1,
                vec![
                    leaf("B", 2, "one"),
                    leaf("C", 3, "two"),
                    agg("D", 4, vec![leaf("E", 5, "three")]),
                ]
            )]
        );
    }

    #[test]
    fn sgml_empty_leaf_gives_what_followed_to_its_parent() {
        // <MEMO> has no text and no end tag: it is an empty leaf, and <NAME> is STMTTRN's.
        let tree = sgml("<STMTTRN><MEMO><NAME>x</STMTTRN>").unwrap();
        assert_eq!(
            tree,
            vec![agg(
                "STMTTRN",
                1,
                vec![leaf("MEMO", 1, ""), leaf("NAME", 1, "x")]
            )]
        );
    }

    #[test]
    fn sgml_names_are_upper_cased_and_entities_decoded() {
        let tree = sgml("<ofx><name>M&amp;S &lt;Ltd&gt; &#163;5 &#xA3;6 B&Q</ofx>").unwrap();
        assert_eq!(
            tree,
            vec![agg("OFX", 1, vec![leaf("NAME", 1, "M&S <Ltd> £5 £6 B&Q")])]
        );
    }

    #[test]
    fn sgml_refuses_what_cannot_be_a_tree() {
        let e = sgml("<A>\n<B>x\n</C>\n</A>").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("</C> closes an element that is not open")
        );

        let e = sgml("<A>\n<B>x\n</A").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("not finished"), "{e}");

        let e = sgml("<A>\n<B>\n<C>x\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("ends inside <B> (opened on line 2)"),
            "{e}"
        );

        let e = sgml("stray\n<A></A>").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("outside any element"));

        let e = sgml("<A>\n<B>x</B>\nloose\n</A>").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("loose inside <A>"));

        let e = sgml("<A>\n< >\n</A>").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("is not an OFX tag"));
    }

    #[test]
    fn nesting_is_limited() {
        let deep = "<A>".repeat(MAX_DEPTH + 1);
        let e = sgml(&deep).unwrap_err();
        assert!(e.message.contains("nested more than 256 deep"), "{e}");
        let xml = format!("<?xml version=\"1.0\"?>{deep}");
        let e = parse_ofx(xml.as_bytes()).unwrap_err();
        assert!(e.message.contains("nested more than 256 deep"), "{e}");
        let fine = format!("{}{}", "<A>".repeat(MAX_DEPTH), "</A>".repeat(MAX_DEPTH));
        assert!(sgml(&fine).is_ok());
    }

    #[test]
    fn dates_take_the_civil_day_as_written() {
        let d = |s: &str| ofx_date("DTPOSTED", s, 1);
        let nov3 = Date::new(2026, 11, 3).unwrap();
        assert_eq!(d("20261103").unwrap(), nov3);
        assert_eq!(d("20261103120000").unwrap(), nov3);
        assert_eq!(d("202611031200").unwrap(), nov3);
        assert_eq!(d("20261103120000[0:GMT]").unwrap(), nov3);
        assert_eq!(d("20261103235959.000[-5:EST]").unwrap(), nov3);
        assert_eq!(d("20261103000000[+5.30:IST]").unwrap(), nov3);
        assert_eq!(d("20261103[-8]").unwrap(), nov3);
        for bad in [
            "2026113",
            "2026-11-03",
            "03/11/2026",
            "20261103120000[",
            "20261103120000[x:GMT]",
            "20261103250000",
            "20261103.000",
            "",
            "２０２６１１０３",
        ] {
            let e = d(bad).unwrap_err();
            assert!(e.message.contains("is not an OFX date"), "{bad}: {e}");
        }
        let e = d("20261332").unwrap_err();
        assert!(e.message.contains("not a day of the calendar"), "{e}");
        assert!(d("20270229").is_err());
        assert!(d("20280229").is_ok());
    }
}
