//! Response bodies shared by several handlers.

use chrono::{DateTime, Utc};
use domain::Label;
use persistence::users::UserRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A code with its English and Bangla label, for anything a person reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"en": "Auditor", "bn": "নিরীক্ষক"}))]
pub struct LabelView {
    pub en: String,
    pub bn: String,
}

impl From<Label> for LabelView {
    fn from(l: Label) -> Self {
        LabelView { en: l.en.to_owned(), bn: l.bn.to_owned() }
    }
}

/// An account as the API shows it: never the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e5f",
    "username": "rahima.upz400",
    "display_name": "রহিমা খাতুন",
    "kind": "person",
    "kind_label": {"en": "Person", "bn": "ব্যক্তি"},
    "role": "upazila_officer",
    "role_label": {"en": "Upazila officer", "bn": "উপজেলা কর্মকর্তা"},
    "scope": "upazila:400",
    "status": "active",
    "status_label": {"en": "Active", "bn": "সক্রিয়"},
    "version": 1,
    "created_at": "2026-11-23T06:00:00Z",
    "updated_at": "2026-11-23T06:00:00Z"
}))]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// `person` or `service`.
    #[schema(value_type = crate::codes::AccountKindCode)]
    pub kind: String,
    pub kind_label: LabelView,
    #[schema(value_type = crate::codes::RoleCode)]
    pub role: String,
    pub role_label: LabelView,
    /// `national`, `division:ID`, `district:ID`, `upazila:ID`, `facility:UUID` or `partner:UUID`.
    pub scope: String,
    /// `active` or `disabled`.
    #[schema(value_type = crate::codes::UserStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    /// The version, also sent as the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            kind: u.kind.into(),
            kind_label: u.kind.label().into(),
            role: u.role.into(),
            role_label: u.role.label().into(),
            scope: u.scope.into(),
            status: u.status.into(),
            status_label: u.status.label().into(),
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl UserView {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
