//! One employee as the sandbox knows them: their ids under each `user_id_type`, names,
//! e-mail and mobile. The directory holds them; made-up strangers are ones too.

use serde::{Deserialize, Serialize};

use super::user_id_type::UserIdType;

/// One employee: a row of the directory CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// Tenant-wide user id.
    pub user_id: String,
    /// The app's open id.
    pub open_id: String,
    /// The developer's union id.
    pub union_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Work email.
    pub email: String,
    /// Mobile country code, without `+` (e.g. `86`).
    pub mobile_code: String,
    /// Mobile number.
    pub mobile_number: String,
}

impl Employee {
    /// The employee's id under a `user_id_type`.
    pub fn id(&self, kind: UserIdType) -> &str {
        match kind {
            UserIdType::OpenId => &self.open_id,
            UserIdType::UnionId => &self.union_id,
            UserIdType::UserId => &self.user_id,
        }
    }
}
