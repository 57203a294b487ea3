//! Documents attached to matters: names, sizes and versions. The bytes live in the
//! encrypted store; the matter's record lists each version with its digest.

use crate::Invalid;

/// The largest document version accepted: 50 MiB. Larger files (video evidence, whole
/// disclosure sets) belong in the firm's document system; a link goes in a note.
pub const MAX_DOCUMENT_BYTES: u64 = 50 * 1024 * 1024;

/// Longest document name accepted, in characters.
pub const NAME_MAX: usize = 255;

/// A document's name: a file name without any folder, no control characters.
pub fn file_name(text: &str) -> Result<String, Invalid> {
    let name = crate::required_text("name", text, NAME_MAX)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Invalid::new(
            "name",
            format!("must be a file name without a folder ('{name}' is not)"),
        ));
    }
    Ok(name)
}

/// Refuse a document larger than the limit, saying what the limit is.
pub fn check_size(name: &str, bytes: u64) -> Result<(), Invalid> {
    if bytes == 0 {
        return Err(Invalid::new("file", format!("{name} is empty")));
    }
    if bytes > MAX_DOCUMENT_BYTES {
        return Err(Invalid::new(
            "file",
            format!(
                "{name} is {} — larger than the {} MB limit for a document",
                human_size(bytes),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// Bytes in words: "812 bytes", "14.2 KB", "3.5 MB" (binary multiples, one decimal,
/// integer arithmetic).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let tenths = |unit: u64| (bytes * 10 + unit / 2) / unit;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        let t = tenths(KB);
        format!("{}.{} KB", t / 10, t % 10)
    } else {
        let t = tenths(MB);
        format!("{}.{} MB", t / 10, t % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_file_names() {
        assert_eq!(file_name(" Lease.pdf ").unwrap(), "Lease.pdf");
        assert!(file_name("../etc/passwd").is_err());
        assert!(file_name("a\\b.doc").is_err());
        assert!(file_name("").is_err());
    }

    #[test]
    fn size_limit_is_stated_in_the_refusal() {
        assert!(check_size("a.pdf", MAX_DOCUMENT_BYTES).is_ok());
        let err = check_size("big.mov", MAX_DOCUMENT_BYTES + 1).unwrap_err();
        assert!(err.message.contains("50 MB limit"), "{err}");
        assert!(err.message.contains("50.0 MB"), "{err}");
        assert!(
            check_size("e.txt", 0)
                .unwrap_err()
                .message
                .contains("empty")
        );
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(812), "812 bytes");
        assert_eq!(human_size(14_540), "14.2 KB");
        assert_eq!(human_size(3_670_016), "3.5 MB");
    }
}
