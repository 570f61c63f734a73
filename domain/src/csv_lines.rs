//! Line numbers of CSV records as an editor shows them.
//!
//! The position the `csv` crate gives a record is where it started looking for it: before any
//! blank lines it skips, and, in a CRLF file, before the LF that ends the line above. Every
//! record of a CRLF file, and every record after a blank line, would be reported a line early.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

/// The records of a file held in memory (a provider's results, an office's repayments): RFC
/// 4180 as the `csv` crate reads it, fields trimmed (a reason may be quoted with a comma in
/// it), lines ending at LF (a CR before it trimmed), a byte-order mark dropped, a line of only
/// blanks skipped; each record, or its error, with the line it starts on.
pub fn records(text: &str) -> impl Iterator<Item = (usize, Result<csv::StringRecord, csv::Error>)> + '_ {
    let (input, lines) = tracking(text.trim_start_matches('\u{feff}').as_bytes());
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input)
        .into_records()
        .filter(|r| r.as_ref().map_or(true, |r| r.iter().any(|f| !f.is_empty())))
        .map(move |r| {
            let line = lines.line_of(match &r {
                Ok(record) => record.position(),
                Err(e) => e.position(),
            });
            (line, r)
        })
}

/// Wraps what a `csv::Reader` reads, noting where its newlines are and where each line's first
/// character is, so that [`Lines::line_of`] gives a record the line it starts on. A stream is
/// never held: only what the reader has read ahead and not yet given out is kept.
pub fn tracking<R: Read>(inner: R) -> (Tracking<R>, Lines) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    (Tracking { inner, seen: Arc::clone(&seen) }, Lines(seen))
}

pub struct Tracking<R> {
    inner: R,
    seen: Arc<Mutex<Seen>>,
}

/// The lines of a [`Tracking`] stream, asked in the order the records are read.
#[derive(Clone)]
pub struct Lines(Arc<Mutex<Seen>>);

#[derive(Default)]
struct Seen {
    offset: u64,
    line_has_content: bool,
    /// Every newline, by byte offset.
    newlines: VecDeque<u64>,
    /// The first character of each other line.
    contents: VecDeque<u64>,
}

impl<R: Read> Read for Tracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        for &b in buf.iter().take(n) {
            match b {
                b'\n' => {
                    let at = s.offset;
                    s.newlines.push_back(at);
                    s.line_has_content = false;
                }
                b'\r' => {}
                _ if !s.line_has_content => {
                    s.line_has_content = true;
                    let at = s.offset;
                    s.contents.push_back(at);
                }
                _ => {}
            }
            s.offset += 1;
        }
        Ok(n)
    }
}

impl Lines {
    /// The line a record (or a record's error) at `position` starts on.
    pub fn line_of(&self, position: Option<&csv::Position>) -> usize {
        let Some(p) = position else { return 1 };
        let start = p.byte();
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        while s.contents.front().is_some_and(|&at| at < start) {
            s.contents.pop_front();
        }
        while s.newlines.front().is_some_and(|&at| at < start) {
            s.newlines.pop_front();
        }
        // The reader's line, plus the newlines (of blank lines) from where it started looking
        // to the record's first character.
        let first_character = s.contents.front().copied().unwrap_or(u64::MAX);
        p.line() as usize + s.newlines.iter().take_while(|&&at| at < first_character).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the records of `text` read in one piece.
    fn lines(text: &str) -> Vec<usize> {
        let (input, lines) = tracking(text.as_bytes());
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        reader.records().map(|r| lines.line_of(r.unwrap().position())).collect()
    }

    fn streamed(text: &str) -> Vec<usize> {
        // (A reader that hands out a few bytes at a time, as a file read in chunks would.)
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (input, lines) = tracking(Trickle(text.as_bytes()));
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        reader.records().map(|r| lines.line_of(r.unwrap().position())).collect()
    }

    #[test]
    fn blank_lines_count_in_a_stream_too() {
        for text in
            ["a,b\nc,d\n", "a,b\n\nc,d\n\n\ne,f", "a,b\r\n\r\nc,d\r\n", "a,\"b\nc\"\n\nd,e\n", "a,b\n  c,d\n", "\n\na,b\n   \nc"]
        {
            assert_eq!(streamed(text), lines(text), "{text:?}");
        }
        assert_eq!(streamed("\n\na,b\n   \nc"), [3, 4, 5]);
    }

    #[test]
    fn blank_lines_count() {
        assert_eq!(lines("a,b\nc,d\n"), [1, 2]);
        assert_eq!(lines("a,b\n\nc,d\n\n\ne,f"), [1, 3, 6]);
        assert_eq!(lines("a,b\r\n\r\nc,d\r\n"), [1, 3]);
        // CRLF without blank lines (Excel's and Python's CSV): the reader's own position for the
        // second record is still on the first line (its LF not yet read).
        assert_eq!(lines("a,b\r\nc,d\r\n"), [1, 2]);
        // A quoted field across lines: the next record is on the line after it.
        assert_eq!(lines("a,\"b\nc\"\n\nd,e\n"), [1, 4]);
        // Leading blanks on a line are the record's own, not a blank line.
        assert_eq!(lines("a,b\n  c,d\n"), [1, 2]);
    }
}
