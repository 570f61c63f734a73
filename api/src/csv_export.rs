//! CSV for spreadsheets and providers' systems. The `csv` crate writes it, quoting as RFC
//! 4180 says. An optional byte-order mark makes Excel read Bangla as UTF-8 (without one it
//! shows mojibake). A text cell that a spreadsheet would run as a formula is made inert
//! (OWASP "CSV injection": a facility named `=HYPERLINK(...)` must stay text).

use crate::problem::ApiError;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// One cell: text from people (defused) or a value we produced (numbers, ids, dates).
pub enum Cell<'a> {
    Text(&'a str),
    Value(String),
    Empty,
}

/// A text cell as a spreadsheet may safely open it: one that begins like a formula (`=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, which spreadsheets
/// read as "this is text" and do not show.
pub fn defuse(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Writes a header line and the rows, with a byte-order mark first when `bom`.
pub fn write<'a>(header: &[&str], rows: impl IntoIterator<Item = Vec<Cell<'a>>>, bom: bool) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(BOM);
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(header).map_err(ApiError::internal)?;
    for row in rows {
        let fields = row.iter().map(|c| match c {
            Cell::Text(t) => defuse(t),
            Cell::Value(v) => v.as_str().into(),
            Cell::Empty => "".into(),
        });
        w.write_record(fields.collect::<Vec<_>>().iter().map(|f| f.as_bytes())).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rows: Vec<Vec<Cell<'_>>>, bom: bool) -> String {
        String::from_utf8(write(&["name", "n"], rows, bom).unwrap()).unwrap()
    }

    #[test]
    fn quotes_as_rfc_4180_and_marks_utf8_on_request() {
        let csv = text(vec![vec![Cell::Text("নিরাপদ আবাসন, \"বরিশাল\""), Cell::Value("3".into())]], false);
        assert_eq!(csv, "name,n\r\n\"নিরাপদ আবাসন, \"\"বরিশাল\"\"\",3\r\n");
        let with_bom = text(vec![vec![Cell::Empty, Cell::Value("-4".into())]], true);
        assert!(with_bom.starts_with('\u{feff}'));
        assert_eq!(&with_bom['\u{feff}'.len_utf8()..], "name,n\r\n,-4\r\n", "numbers are not defused");
    }

    #[test]
    fn formulas_in_text_become_text() {
        for f in ["=HYPERLINK(\"http://x\")", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(defuse(f).starts_with('\''), "{f:?}");
        }
        for ok in ["Safe Home", "১২", "a=b", ""] {
            assert_eq!(defuse(ok), ok);
        }
        let csv = text(vec![vec![Cell::Text("=1+1"), Cell::Value("1".into())]], false);
        assert_eq!(csv, "name,n\r\n'=1+1,1\r\n");
    }
}
