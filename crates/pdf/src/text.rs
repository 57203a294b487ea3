//! The two embedded faces, shaping (through rustybuzz, which krilla itself uses), measuring
//! and line wrapping.

use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::PdfError;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Regular or bold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One face: the shaper's view of it and krilla's (for embedding and subsetting).
pub(crate) struct Face {
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
    pub(crate) pdf: Font,
}

impl Face {
    fn load(name: &'static str, data: &'static [u8]) -> Result<Self, PdfError> {
        let shaper = rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font(name))?;
        let pdf = Font::new(data.into(), 0).ok_or(PdfError::Font(name))?;
        let units_per_em = shaper.units_per_em() as f32;
        Ok(Self {
            shaper,
            units_per_em,
            pdf,
        })
    }

    /// Shapes one line of left-to-right text. Advances are in ems (multiply by the font size);
    /// each glyph keeps the byte range of the text it stands for, so the PDF's text can be
    /// copied and searched.
    pub(crate) fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let output = rustybuzz::shape(&self.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let upem = self.units_per_em;
        infos
            .iter()
            .zip(positions)
            .enumerate()
            .map(|(i, (info, pos))| {
                let start = info.cluster as usize;
                let end = infos[i + 1..]
                    .iter()
                    .find(|next| next.cluster != info.cluster)
                    .map_or(text.len(), |next| next.cluster as usize);
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    pos.x_advance as f32 / upem,
                    pos.x_offset as f32 / upem,
                    pos.y_offset as f32 / upem,
                    pos.y_advance as f32 / upem,
                    start..end,
                    None,
                )
            })
            .collect()
    }

    /// The width of one line of text at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).iter().map(|g| g.x_advance).sum::<f32>() * size
    }
}

/// The regular and bold faces of DejaVu Sans.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: Face::load("DejaVu Sans", REGULAR)?,
            bold: Face::load("DejaVu Sans Bold", BOLD)?,
        })
    }

    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// Text as it may be drawn on one line: tabs become spaces, other control characters go.
pub(crate) fn clean_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Breaks `text` into lines no wider than `max` points at `size`, between words. A line
/// break in the text (`\n`) is kept. A word wider than a whole line is split between
/// characters. Runs of spaces collapse to one; no word or character is lost.
pub(crate) fn wrap(face: &Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let hard_line = clean_line(hard_line);
        let mut current = String::new();
        for word in hard_line.split_whitespace() {
            if !current.is_empty() {
                let candidate = format!("{current} {word}");
                if face.width(&candidate, size) <= max {
                    current = candidate;
                    continue;
                }
                lines.push(std::mem::take(&mut current));
            }
            if face.width(word, size) <= max {
                current = word.to_owned();
            } else {
                let mut pieces = split_word(face, size, word, max);
                current = pieces.pop().unwrap_or_default();
                lines.extend(pieces);
            }
        }
        lines.push(current);
    }
    lines
}

/// Splits a word too wide for a line into pieces that fit, each at least one character.
fn split_word(face: &Face, size: f32, word: &str, max: f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        piece.push(c);
        if piece.chars().count() > 1 && face.width(&piece, size) > max {
            piece.pop();
            pieces.push(std::mem::replace(&mut piece, c.to_string()));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// `text` shortened with an ellipsis to fit in `max` points, for one-line places (footers).
pub(crate) fn fit(face: &Face, size: f32, text: &str, max: f32) -> String {
    let text = clean_line(text);
    if face.width(&text, size) <= max {
        return text;
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate = format!("{}…", chars.iter().collect::<String>().trim_end());
        if face.width(&candidate, size) <= max {
            return candidate;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().unwrap()
    }

    #[test]
    fn both_faces_load_and_measure() {
        let f = fonts();
        let w = f.face(Weight::Regular).width("£1,234.56", 10.0);
        let b = f.face(Weight::Bold).width("£1,234.56", 10.0);
        assert!(w > 30.0 && w < 80.0, "{w}");
        assert!(b > w, "bold is wider: {b} vs {w}");
        assert_eq!(f.face(Weight::Regular).width("", 10.0), 0.0);
    }

    #[test]
    fn accented_letters_have_glyphs() {
        let f = fonts();
        for glyph in f.face(Weight::Regular).shape("£éłßŁ€") {
            assert_ne!(glyph.glyph_id.to_u32(), 0, "a .notdef glyph");
        }
    }

    #[test]
    fn wrap_keeps_every_word_in_order() {
        let f = fonts();
        let face = f.face(Weight::Regular);
        let text = "Attending on Mr Łukasz Wróbel and Mrs Zoë Müßig-Straße by telephone \
                    to take instructions on the draft   contract, the   searches and the \
                    replies to pre-contract enquiries; perusing the title to 12 Acacia \
                    Avenue and reporting, £1,234.56 paid on account.";
        let expected: Vec<&str> = text.split_whitespace().collect();
        let widest = expected
            .iter()
            .map(|w| face.width(w, 9.0))
            .fold(0.0, f32::max);
        for max in [20.0, 40.0, 80.0, 120.0, 200.0, 400.0, 2000.0] {
            let lines = wrap(face, 9.0, text, max);
            if max >= widest {
                // Every word fits a line, so words are whole, in order, none lost or added.
                let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
                assert_eq!(words, expected, "width {max}");
            }
            // Narrower than a word, words are split, but not a character is lost.
            let chars: String = lines.concat().split_whitespace().collect();
            assert_eq!(chars, expected.concat(), "width {max}");
            for line in &lines {
                assert!(face.width(line, 9.0) <= max, "{line:?} wider than {max}");
                assert_eq!(line.trim(), line, "no leading or trailing spaces");
            }
        }
    }

    #[test]
    fn wrap_splits_an_overlong_word_without_losing_characters() {
        let f = fonts();
        let face = f.face(Weight::Regular);
        let long = "https://example.org/a/very/long/address/that/cannot/fit/on/one/line/at/all";
        let text = format!("See {long} for details");
        let lines = wrap(face, 9.0, &text, 60.0);
        assert!(lines.len() > 3, "{lines:?}");
        let joined: String = lines.concat().split_whitespace().collect();
        let expected: String = text.split_whitespace().collect();
        assert_eq!(joined, expected);
        for line in &lines {
            assert!(face.width(line, 9.0) <= 60.0, "{line:?}");
        }
        // Even a width narrower than one character makes progress, one character a line.
        let tiny = wrap(face, 9.0, "abc", 1.0);
        assert_eq!(tiny, vec!["a", "b", "c"]);
    }

    #[test]
    fn wrap_keeps_line_breaks_and_empty_text() {
        let f = fonts();
        let face = f.face(Weight::Regular);
        assert_eq!(wrap(face, 9.0, "", 100.0), vec![""]);
        assert_eq!(
            wrap(face, 9.0, "Sort code 12-34-56\nAccount 12345678", 400.0),
            vec!["Sort code 12-34-56", "Account 12345678"]
        );
        assert_eq!(wrap(face, 9.0, "a\tb\r", 400.0), vec!["a b"]);
    }

    #[test]
    fn fit_shortens_with_an_ellipsis() {
        let f = fonts();
        let face = f.face(Weight::Regular);
        assert_eq!(fit(face, 8.0, "Short", 100.0), "Short");
        let long = "Accountant's report for the year ended 31 March 2025 — client account";
        let fitted = fit(face, 8.0, long, 100.0);
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(face.width(&fitted, 8.0) <= 100.0);
    }
}
