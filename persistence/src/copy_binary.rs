//! Rows in `COPY ... (FORMAT binary)`, written by hand for the bulk paths: the server then
//! parses nothing (a text or CSV COPY of a million rows costs its backend about a second).
//! The layout is PostgreSQL's (`COPY` documentation, "Binary Format"): a header, then each
//! row as a field count and each field as a length (-1 for NULL) and its bytes in the type's
//! binary form, then a trailer.

/// The signature, flags and header-extension length that open every binary COPY.
pub(crate) const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The field count -1 that ends a binary COPY.
pub(crate) const TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// 2000-01-01, the day PostgreSQL counts dates from.
const POSTGRES_EPOCH: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("2000-01-01 is a date"),
};

/// One row being written into `buf`; [`BinaryRow::done`] says whether every field fitted.
pub(crate) struct BinaryRow<'a> {
    buf: &'a mut Vec<u8>,
    too_long: bool,
}

impl<'a> BinaryRow<'a> {
    /// Starts a row of `fields` fields (the caller writes exactly that many).
    pub(crate) fn start(buf: &'a mut Vec<u8>, fields: i16) -> Self {
        buf.extend_from_slice(&fields.to_be_bytes());
        Self { buf, too_long: false }
    }

    /// The row as written, or an error if a field was longer than a field may be (1 GB).
    pub(crate) fn done(&self) -> std::io::Result<()> {
        if self.too_long {
            return Err(std::io::Error::other("a field longer than PostgreSQL takes"));
        }
        Ok(())
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
        self.too_long |= len >= 1 << 30;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    /// `text` (and any type whose binary form is its UTF-8, as `varchar` and text domains).
    pub(crate) fn text(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(s) => self.field(s.as_bytes()),
            None => self.null(),
        }
    }

    pub(crate) fn uuid(&mut self, v: uuid::Uuid) -> &mut Self {
        self.field(v.as_bytes())
    }

    pub(crate) fn int4(&mut self, v: i32) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    pub(crate) fn date(&mut self, v: chrono::NaiveDate) -> &mut Self {
        // (chrono's dates lie within 262,143 years of it: their days fit an i32.)
        let days = (v - POSTGRES_EPOCH).num_days() as i32;
        self.field(&days.to_be_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::{BinaryRow, HEADER, TRAILER};

    #[test]
    fn a_row_is_its_field_count_then_each_field_with_its_length() {
        let mut buf = Vec::new();
        let id = uuid::Uuid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 2).unwrap();
        BinaryRow::start(&mut buf, 5).uuid(id).text(Some("অ")).text(None).int4(-2).date(day).done().unwrap();
        let mut want = vec![0, 5, 0, 0, 0, 16];
        want.extend_from_slice(id.as_bytes());
        want.extend_from_slice(&[0, 0, 0, 3, 0xe0, 0xa6, 0x85]);
        want.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        want.extend_from_slice(&[0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]);
        want.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 1]);
        assert_eq!(buf, want);
        let mut before = Vec::new();
        BinaryRow::start(&mut before, 1).date(chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
        assert_eq!(before, [0, 1, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(HEADER.len(), 19);
        assert_eq!(TRAILER, [0xff, 0xff]);
        let long = "x".repeat(1 << 30);
        assert!(BinaryRow::start(&mut Vec::new(), 1).text(Some(&long)).done().is_err());
    }
}
