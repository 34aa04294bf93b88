//! Which kind of user id a call's user ids are: the `user_id_type` query parameter.

use std::fmt;

/// Which kind of user id the server reads and writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserIdType {
    /// The user's id within this app (`ou_…`).
    #[default]
    OpenId,
    /// The user's id across one developer's apps (`on_…`).
    UnionId,
    /// The user's id within the tenant.
    UserId,
}

impl UserIdType {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [UserIdType; 3] = [UserIdType::OpenId, UserIdType::UnionId, UserIdType::UserId];

    /// Parses a `user_id_type` query value; `None` for anything but the documented names.
    pub fn parse(text: &str) -> Option<UserIdType> {
        UserIdType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// The query parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            UserIdType::OpenId => "open_id",
            UserIdType::UnionId => "union_id",
            UserIdType::UserId => "user_id",
        }
    }
}

impl fmt::Display for UserIdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
