//! Keyset pagination. A page is the rows after a cursor in a fixed, unique order; the cursor
//! is the last row's key. Unlike OFFSET it stays fast deep into a list and never skips or
//! repeats a row when others are inserted meanwhile.

/// Largest page a client may ask for.
pub const MAX_LIMIT: i64 = 200;
/// Page size when the client does not say.
pub const DEFAULT_LIMIT: i64 = 50;

/// A page of rows and, when more may follow, the key to continue after.
#[derive(Debug, Clone)]
pub struct Page<T, K> {
    pub rows: Vec<T>,
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells that more follow.
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&key)
        } else {
            None
        };
        Page { rows, next }
    }
}
