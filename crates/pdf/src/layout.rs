//! Page layout: a document is first laid out as a list of pages of drawing operations (so
//! that the footer can say "Page 2 of 3"), then written out through krilla.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;

use crate::text::{Fonts, Weight, fit, wrap};
use crate::{Align, PdfError, Table};

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
/// 20 mm left and right.
pub(crate) const MARGIN_X: f32 = 56.69;
/// 18 mm at the top.
pub(crate) const TOP: f32 = 51.0;
/// Body text ends here; the footer sits below.
pub(crate) const BOTTOM: f32 = PAGE_H - 68.0;
pub(crate) const LEFT: f32 = MARGIN_X;
pub(crate) const RIGHT: f32 = PAGE_W - MARGIN_X;
pub(crate) const WIDTH: f32 = RIGHT - LEFT;

/// The footer: a rule, then up to three lines of small text from this baseline.
const FOOTER_RULE: f32 = PAGE_H - 56.0;
const FOOTER_BASELINE: f32 = PAGE_H - 45.0;
const FOOTER_LINES: usize = 3;

/// Line height as a multiple of the font size.
pub(crate) const LEADING: f32 = 1.35;

/// Greys (0 black, 255 white).
pub(crate) const INK: u8 = 0;
pub(crate) const MUTED: u8 = 85;
pub(crate) const FAINT: u8 = 215;
pub(crate) const BAND: u8 = 238;

/// The baseline of a line whose box starts at `top`.
pub(crate) fn baseline(top: f32, size: f32) -> f32 {
    top + size
}

/// The height of `lines` lines at `size`.
pub(crate) fn lines_height(lines: usize, size: f32) -> f32 {
    lines as f32 * size * LEADING
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        grey: u8,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
}

/// Text style: size, weight and grey.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub weight: Weight,
    pub grey: u8,
}

impl Style {
    pub(crate) const fn new(size: f32, weight: Weight, grey: u8) -> Self {
        Self { size, weight, grey }
    }
}

/// The footer drawn on every page: text on the left (wrapped, at most three lines),
/// "Page N of M" on the right.
pub(crate) struct Footer {
    pub lines: Vec<String>,
}

/// A document being laid out.
pub(crate) struct Doc {
    pub fonts: Fonts,
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    pub y: f32,
}

impl Doc {
    pub(crate) fn new() -> Result<Self, PdfError> {
        Ok(Self {
            fonts: Fonts::load()?,
            pages: vec![Vec::new()],
            y: TOP,
        })
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one (or this page is empty of
    /// body text, where nothing is gained by breaking). Returns whether it broke.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > TOP {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub(crate) fn width(&self, text: &str, style: Style) -> f32 {
        self.fonts.face(style.weight).width(text, style.size)
    }

    /// Draws one line of text with its baseline at `y`.
    pub(crate) fn text(&mut self, x: f32, y: f32, style: Style, text: &str) {
        if text.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            y,
            size: style.size,
            weight: style.weight,
            grey: style.grey,
            text: text.to_owned(),
        });
    }

    /// Draws one line of text ending at `right`.
    pub(crate) fn text_right(&mut self, right: f32, y: f32, style: Style, text: &str) {
        let w = self.width(text, style);
        self.text(right - w, y, style, text);
    }

    /// A filled rectangle (rules are thin ones).
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        self.push(Op::Rect { x, y, w, h, grey });
    }

    /// A horizontal rule across `x1..x2` at `y`.
    pub(crate) fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, grey: u8) {
        self.rect(x1, y - thickness / 2.0, x2 - x1, thickness, grey);
    }

    /// Wraps `text` to `width`, without drawing it.
    pub(crate) fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        wrap(self.fonts.face(style.weight), style.size, text, width)
    }

    /// Wraps a table cell. A word wider than the column (a large amount in a narrow column)
    /// is not split if shrinking the cell's text to no less than 70% makes it fit; the
    /// smaller style is returned with the lines.
    fn wrap_cell(&self, text: &str, style: Style, width: f32) -> (Vec<String>, Style) {
        let face = self.fonts.face(style.weight);
        let widest = text
            .split_whitespace()
            .map(|word| face.width(word, style.size))
            .fold(0.0_f32, f32::max);
        let mut style = style;
        if widest > width {
            style.size = (style.size * width / widest * 0.999).max(style.size * 0.7);
        }
        (wrap(face, style.size, text, width), style)
    }

    /// Draws `text` wrapped to `width` from the current position, breaking pages between
    /// lines as needed, and moves below it.
    pub(crate) fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        let line_h = lines_height(1, style.size);
        for line in self.wrap(text, style, width) {
            self.ensure(line_h);
            let y = baseline(self.y, style.size);
            self.text(x, y, style, &line);
            self.y += line_h;
        }
    }

    /// Draws `table` across the full text width, repeating its header on each page it runs on.
    pub(crate) fn table(&mut self, table: &Table, context: &str) -> Result<(), PdfError> {
        TableLayout::new(self, table, context)?.draw(self);
        Ok(())
    }

    /// Every text line and rule within the body area of its page (the footer is drawn later,
    /// below it), and nothing off the page sideways: a problem found, or None.
    #[cfg(test)]
    pub(crate) fn out_of_bounds(&self) -> Option<String> {
        const EPS: f32 = 0.01;
        for (n, page) in self.pages.iter().enumerate() {
            for op in page {
                let (left, top, right, bottom, what) = match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        weight,
                        text,
                        ..
                    } => {
                        let w = self.fonts.face(*weight).width(text, *size);
                        // DejaVu's ascender and descender are under 0.95 and 0.25 em.
                        (*x, y - size * 0.95, x + w, y + size * 0.25, text.as_str())
                    }
                    Op::Rect { x, y, w, h, .. } => (*x, *y, x + w, y + h, "a rule"),
                };
                if left < LEFT - EPS
                    || right > RIGHT + EPS
                    || top < TOP - EPS
                    || bottom > BOTTOM + EPS
                {
                    return Some(format!(
                        "page {}: {what:?} at ({left}, {top})–({right}, {bottom})",
                        n + 1
                    ));
                }
            }
        }
        None
    }

    #[cfg(test)]
    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the pages out as a PDF, with the footer and page numbers on each.
    pub(crate) fn finish(self, title: &str, footer: &Footer) -> Result<Vec<u8>, PdfError> {
        let size = Size::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Layout("the page size"))?;
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .creator("Satchel".to_owned())
                .language("en-GB".to_owned()),
        );
        let total = self.pages.len();
        let small = Style::new(7.5, Weight::Regular, MUTED);
        let face = self.fonts.face(Weight::Regular);
        for (index, ops) in self.pages.iter().enumerate() {
            let mut page = document.start_page_with(PageSettings::new(size));
            let mut surface = page.surface();
            let numbers = format!("Page {} of {}", index + 1, total);
            let numbers_w = face.width(&numbers, small.size);
            let mut footer_ops = vec![Op::Rect {
                x: LEFT,
                y: FOOTER_RULE,
                w: WIDTH,
                h: 0.5,
                grey: FAINT,
            }];
            let footer_w = WIDTH - numbers_w - 24.0;
            let lines = footer
                .lines
                .iter()
                .flat_map(|line| wrap(face, small.size, line, footer_w))
                .take(FOOTER_LINES);
            for (i, line) in lines.enumerate() {
                footer_ops.push(Op::Text {
                    x: LEFT,
                    y: FOOTER_BASELINE + lines_height(i, small.size),
                    size: small.size,
                    weight: small.weight,
                    grey: small.grey,
                    text: fit(face, small.size, &line, footer_w),
                });
            }
            footer_ops.push(Op::Text {
                x: RIGHT - numbers_w,
                y: FOOTER_BASELINE,
                size: small.size,
                weight: small.weight,
                grey: small.grey,
                text: numbers,
            });
            for op in ops.iter().chain(&footer_ops) {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        weight,
                        grey,
                        text,
                    } => {
                        let face = self.fonts.face(*weight);
                        surface.set_fill(Some(fill(*grey)));
                        surface.draw_glyphs(
                            Point::from_xy(*x, *y),
                            &face.shape(text),
                            face.pdf.clone(),
                            text,
                            *size,
                            false,
                        );
                    }
                    Op::Rect { x, y, w, h, grey } => {
                        let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                            continue;
                        };
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_fill(Some(fill(*grey)));
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| match e {
            krilla::error::KrillaError::Font(_, message) => PdfError::Write(message),
            other => PdfError::Write(format!("{other:?}")),
        })
    }
}

fn fill(grey: u8) -> Fill {
    Fill {
        paint: luma::Color::new(grey).into(),
        ..Fill::default()
    }
}

/// Table text sizes and padding.
const CELL: Style = Style::new(8.5, Weight::Regular, INK);
const CELL_BOLD: Style = Style::new(8.5, Weight::Bold, INK);
const HEAD: Style = Style::new(8.0, Weight::Bold, INK);
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.5;

/// A table's column positions and its header, wrapped.
struct TableLayout<'t> {
    table: &'t Table,
    /// Left edge and width of each column.
    cols: Vec<(f32, f32)>,
    header: Vec<(Vec<String>, Style)>,
    header_h: f32,
}

impl<'t> TableLayout<'t> {
    fn new(doc: &Doc, table: &'t Table, context: &str) -> Result<Self, PdfError> {
        let n = table.columns.len();
        let problem = |problem: String| PdfError::Table {
            context: context.to_owned(),
            problem,
        };
        if n == 0 {
            return Err(problem("it has no columns".to_owned()));
        }
        if let Some(i) = table.columns.iter().position(|c| c.weight == 0) {
            return Err(problem(format!(
                "column {} ({:?}) has weight 0; every column needs a width",
                i + 1,
                table.columns[i].header
            )));
        }
        for (i, row) in table.rows.iter().enumerate() {
            if row.len() != n {
                return Err(problem(format!(
                    "row {} has {} but the table has {}",
                    i + 1,
                    count(row.len(), "cell"),
                    count(n, "column")
                )));
            }
        }
        if let Some(footer) = &table.footer
            && footer.len() != n
        {
            return Err(problem(format!(
                "the footer has {} but the table has {}",
                count(footer.len(), "cell"),
                count(n, "column")
            )));
        }
        let total: f32 = table.columns.iter().map(|c| f32::from(c.weight)).sum();
        let mut x = LEFT;
        let cols: Vec<(f32, f32)> = table
            .columns
            .iter()
            .map(|c| {
                let w = WIDTH * f32::from(c.weight) / total;
                let col = (x, w);
                x += w;
                col
            })
            .collect();
        let header: Vec<(Vec<String>, Style)> = table
            .columns
            .iter()
            .zip(&cols)
            .map(|(c, (_, w))| doc.wrap_cell(&c.header, HEAD, inner(*w)))
            .collect();
        let header_lines = header.iter().map(|(l, _)| l.len()).max().unwrap_or(1);
        let header_h = lines_height(header_lines, HEAD.size) + 2.0 * PAD_Y;
        Ok(Self {
            table,
            cols,
            header,
            header_h,
        })
    }

    fn draw_header(&self, doc: &mut Doc) {
        let top = doc.y;
        doc.rect(LEFT, top, WIDTH, self.header_h, BAND);
        for ((column, (lines, style)), (x, w)) in
            self.table.columns.iter().zip(&self.header).zip(&self.cols)
        {
            for (i, line) in lines.iter().enumerate() {
                let y = baseline(top + PAD_Y + lines_height(i, HEAD.size), HEAD.size);
                draw_cell_line(doc, column.align, *x, *w, y, *style, line);
            }
        }
        doc.y += self.header_h;
        doc.rule(LEFT, RIGHT, doc.y, 0.8, MUTED);
    }

    /// Draws one row (or the footer), splitting it across pages if it is taller than what is
    /// left, and repeating the header on each new page.
    fn draw_row(&self, doc: &mut Doc, cells: &[String], style: Style, grey_rule: bool) {
        let wrapped: Vec<(Vec<String>, Style)> = cells
            .iter()
            .zip(&self.cols)
            .map(|(cell, (_, w))| doc.wrap_cell(cell, style, inner(*w)))
            .collect();
        let n = wrapped
            .iter()
            .map(|(l, _)| l.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let line_h = lines_height(1, style.size);
        let whole_h = lines_height(n, style.size) + 2.0 * PAD_Y;
        let fresh_page_room = BOTTOM - TOP - self.header_h;
        let mut start = 0;
        while start < n {
            let room = BOTTOM - doc.y - 2.0 * PAD_Y;
            let fits = (room / line_h).floor().max(0.0) as usize;
            // A row that would fit on a fresh page is not split; a longer one is, but never
            // into a piece with no line on this page.
            let must_break = fits == 0 || (start == 0 && fits < n && whole_h <= fresh_page_room);
            if must_break {
                doc.new_page();
                self.draw_header(doc);
                continue;
            }
            let chunk = fits.min(n - start);
            let top = doc.y;
            if !grey_rule {
                doc.rule(LEFT, RIGHT, top, 0.8, MUTED);
            }
            for ((column, (lines, cell_style)), (x, w)) in
                self.table.columns.iter().zip(&wrapped).zip(&self.cols)
            {
                for (i, line) in lines.iter().enumerate().skip(start).take(chunk) {
                    let y = baseline(
                        top + PAD_Y + lines_height(i - start, style.size),
                        style.size,
                    );
                    draw_cell_line(doc, column.align, *x, *w, y, *cell_style, line);
                }
            }
            doc.y += lines_height(chunk, style.size) + 2.0 * PAD_Y;
            if grey_rule {
                doc.rule(LEFT, RIGHT, doc.y, 0.4, FAINT);
            }
            start += chunk;
        }
    }

    fn draw(&self, doc: &mut Doc) {
        // The header with at least one line of the first row under it.
        doc.ensure(self.header_h + lines_height(1, CELL.size) + 2.0 * PAD_Y);
        self.draw_header(doc);
        if self.table.rows.is_empty() {
            let none = vec![String::new(); self.cols.len()];
            let mut cells = none;
            if let Some(first) = cells.first_mut() {
                "No entries.".clone_into(first);
            }
            self.draw_row(
                doc,
                &cells,
                Style::new(CELL.size, Weight::Regular, MUTED),
                true,
            );
        }
        for row in &self.table.rows {
            self.draw_row(doc, row, CELL, true);
        }
        if let Some(footer) = &self.table.footer {
            self.draw_row(doc, footer, CELL_BOLD, false);
        }
    }
}

/// "1 cell", "3 cells".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The width available for text inside a column.
fn inner(width: f32) -> f32 {
    (width - 2.0 * PAD_X).max(1.0)
}

fn draw_cell_line(doc: &mut Doc, align: Align, x: f32, w: f32, y: f32, style: Style, line: &str) {
    match align {
        Align::Left => doc.text(x + PAD_X, y, style, line),
        Align::Right => doc.text_right(x + w - PAD_X, y, style, line),
    }
}
