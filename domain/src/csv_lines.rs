//! Line numbers of CSV records as an editor shows them.
//!
//! The `csv` crate skips blank lines, and the position it gives a record is where it started
//! looking for it: before any blank lines in front of it. A file with a blank line would then
//! have every later line reported one too early.

/// The line `record` starts on in `text` (the bytes the reader was given): the reader's line,
/// plus the blank lines between where it started looking and the record's first character.
pub fn line_of(text: &[u8], position: Option<&csv::Position>) -> usize {
    let Some(p) = position else { return 1 };
    let start = usize::try_from(p.byte()).unwrap_or(usize::MAX).min(text.len());
    let mut line = p.line() as usize;
    for &b in &text[start..] {
        match b {
            b'\n' => line += 1,
            b'\r' | b' ' | b'\t' => {}
            _ => break,
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<usize> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        reader.records().map(|r| line_of(text.as_bytes(), r.unwrap().position())).collect()
    }

    #[test]
    fn blank_lines_count() {
        assert_eq!(lines("a,b\nc,d\n"), [1, 2]);
        assert_eq!(lines("a,b\n\nc,d\n\n\ne,f"), [1, 3, 6]);
        assert_eq!(lines("a,b\r\n\r\nc,d\r\n"), [1, 3]);
        // A quoted field across lines: the next record is on the line after it.
        assert_eq!(lines("a,\"b\nc\"\n\nd,e\n"), [1, 4]);
        // Leading blanks on a line are the record's own, not a blank line.
        assert_eq!(lines("a,b\n  c,d\n"), [1, 2]);
    }
}
