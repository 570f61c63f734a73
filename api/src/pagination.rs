//! Keyset pagination at the HTTP edge: `limit` (1-200, default 50) and an opaque `cursor`
//! that encodes the last key of the previous page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use persistence::page::{Page, DEFAULT_LIMIT, MAX_LIMIT};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;

/// The page size asked for, checked.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field_coded("limit", "out_of_range", format!("must be between 1 and {MAX_LIMIT}"))),
    }
}

/// A key that can travel in a cursor.
pub trait CursorKey: Sized {
    fn encode_key(&self) -> String;
    fn decode_key(s: &str) -> Option<Self>;
}

impl CursorKey for i32 {
    fn encode_key(&self) -> String {
        self.to_string()
    }
    fn decode_key(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl CursorKey for uuid::Uuid {
    fn encode_key(&self) -> String {
        self.to_string()
    }
    fn decode_key(s: &str) -> Option<Self> {
        uuid::Uuid::parse_str(s).ok()
    }
}

macro_rules! id_cursor_keys {
    ($($id:ty),+) => {$(
        impl CursorKey for $id {
            fn encode_key(&self) -> String {
                self.0.encode_key()
            }
            fn decode_key(s: &str) -> Option<Self> {
                uuid::Uuid::decode_key(s).map(Self)
            }
        }
    )+};
}

id_cursor_keys!(
    domain::id::DocumentId,
    domain::id::CaseId,
    domain::id::PersonId,
    domain::id::FacilityId,
    domain::id::PartnerId,
    domain::id::UserId,
    domain::id::ApplicationId,
    domain::id::BeneficiaryId,
    domain::id::PaymentCycleId,
    domain::id::LoanFundId,
    domain::id::WorkGroupId,
    domain::id::LoanId,
    domain::id::JobId,
    domain::id::FundEntryId,
    domain::id::CaseEventId,
    domain::id::CaseTransferId,
    domain::id::ContactId,
    domain::id::DisabilityRecordId,
    domain::id::DirectoryEntryId,
    domain::id::HospitalPatientId,
    domain::id::InstitutionStayId,
    domain::id::SupervisionId,
    domain::id::VoluntaryOrganisationId,
    domain::id::AuditEventId,
    domain::id::PaymentId,
    domain::id::HouseholdId,
    domain::id::RelationshipId
);

/// A day and an id: lists ordered by a date, newest first, then by id.
impl<K: CursorKey> CursorKey for (chrono::NaiveDate, K) {
    fn encode_key(&self) -> String {
        format!("{}|{}", self.0, self.1.encode_key())
    }
    fn decode_key(s: &str) -> Option<Self> {
        let (day, key) = s.split_once('|')?;
        Some((day.parse().ok()?, K::decode_key(key)?))
    }
}

const CURSOR_PREFIX: &str = "k1:";

pub fn encode_cursor<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", key.encode_key()))
}

/// Decodes a cursor from a previous page; a cursor we did not make is a 400.
pub fn decode_cursor<K: CursorKey>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    let Some(c) = cursor else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(CURSOR_PREFIX).and_then(K::decode_key))
        .map(Some)
        .ok_or(ApiError::BadRequest { code: "invalid_cursor", detail: "the cursor is not one this API issued".into() })
}

/// A page of a list, as every list endpoint returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListPage<T> {
    pub fn from_page<R, K: CursorKey>(page: Page<R, K>, map: impl FnMut(R) -> T) -> Self {
        ListPage { data: page.rows.into_iter().map(map).collect(), next_cursor: page.next.as_ref().map(encode_cursor) }
    }

    /// The same, where building a row's view can fail.
    pub fn try_from_page<R, K: CursorKey, E>(page: Page<R, K>, map: impl FnMut(R) -> Result<T, E>) -> Result<Self, E> {
        let next_cursor = page.next.as_ref().map(encode_cursor);
        Ok(ListPage { data: page.rows.into_iter().map(map).collect::<Result<_, E>>()?, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let c = encode_cursor(&42i32);
        assert_eq!(decode_cursor::<i32>(Some(&c)).unwrap(), Some(42));
        assert!(decode_cursor::<i32>(Some("42")).is_err());
        assert!(decode_cursor::<uuid::Uuid>(Some(&c)).is_err());
        assert_eq!(decode_cursor::<i32>(None).unwrap(), None);
    }

    proptest! {
        /// Whatever a client sends as a cursor (or smuggles inside a well-formed one), the
        /// answer is a key or a 400.
        #[test]
        fn any_cursor_is_a_key_or_a_refusal(
            raw in prop_oneof![
                prop::collection::vec(any::<char>(), 0..60).prop_map(String::from_iter),
                "[A-Za-z0-9_\\-=+/]{0,60}",
            ],
            inner in prop::collection::vec(any::<u8>(), 0..60),
        ) {
            let _ = decode_cursor::<i32>(Some(&raw));
            let _ = decode_cursor::<uuid::Uuid>(Some(&raw));
            let _ = decode_cursor::<domain::id::PersonId>(Some(&raw));
            let mut smuggled = CURSOR_PREFIX.as_bytes().to_vec();
            smuggled.extend(&inner);
            for bytes in [inner, smuggled] {
                let c = URL_SAFE_NO_PAD.encode(bytes);
                let _ = decode_cursor::<i32>(Some(&c));
                let _ = decode_cursor::<uuid::Uuid>(Some(&c));
            }
        }
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
    }
}
