//! The `user_id_type` query parameter as the sandbox reads it: which of an employee's three
//! ids a call's user ids are. Its values and default are the ones the import page
//! (`api/external_referral_rewards-create.md`, 查询参数) documents; the people lookup and
//! the account calls take the same parameter.

use std::fmt;

/// Which of an employee's ids a call names them by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserIdType {
    /// `open_id`, the default: the employee within one app (`ou_…`).
    #[default]
    OpenId,
    /// `union_id`: the employee across one developer's apps (`on_…`).
    UnionId,
    /// `user_id`: the employee within the tenant.
    UserId,
}

impl UserIdType {
    /// The three, in the order the documentation lists them (the directory keys its index
    /// by each in turn).
    pub const ALL: [UserIdType; 3] = [UserIdType::OpenId, UserIdType::UnionId, UserIdType::UserId];

    /// The kind a query value names; `None` for anything but the three documented values,
    /// spelled exactly (Feishu does not fold case here).
    pub fn parse(text: &str) -> Option<UserIdType> {
        match text {
            "open_id" => Some(UserIdType::OpenId),
            "union_id" => Some(UserIdType::UnionId),
            "user_id" => Some(UserIdType::UserId),
            _ => None,
        }
    }

    /// The value as the query carries it.
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

#[cfg(test)]
mod tests {
    use super::UserIdType;

    #[test]
    fn the_documented_values_parse_and_print_back_and_open_id_is_the_default() {
        for kind in UserIdType::ALL {
            assert_eq!(UserIdType::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(UserIdType::default(), UserIdType::OpenId);
        for other in ["", "OPEN_ID", "openid", "employee_id", "open_id "] {
            assert_eq!(UserIdType::parse(other), None, "{other:?}");
        }
    }
}
