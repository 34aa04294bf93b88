//! A person a row names by e-mail or mobile instead of a Feishu id (SPEC §2.3): who they are
//! to the reward ([`Role`]), how the file names them ([`Contact`]), and where their id goes
//! in the body once the resolve phase has looked them up ([`Role::fill`]).

use std::fmt;

use crate::read::field::Field;
use crate::read::forms::Mobile;
use crate::reward::RewardBody;

/// Who a person is to a reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The employee who referred the candidate (`referral_user_id`).
    Referrer,
    /// Who created the reward (`create_user_id`).
    Creator,
    /// Who confirmed it (`confirm_user_id`).
    Confirmer,
    /// Who paid it (`pay_user_id`).
    Payer,
    /// The candidate (`talent_id`).
    Talent,
}

impl Role {
    /// Every role, in the order a row's columns are checked.
    pub const ALL: [Role; 5] = [
        Role::Referrer,
        Role::Talent,
        Role::Creator,
        Role::Confirmer,
        Role::Payer,
    ];

    /// True for employees (looked up in the contact directory), false for the candidate
    /// (looked up in the talent pool).
    pub fn is_employee(self) -> bool {
        self != Role::Talent
    }

    /// The column of the id this person's e-mail or mobile stands in for.
    pub fn id_field(self) -> Field {
        match self {
            Role::Referrer => Field::ReferralUserId,
            Role::Creator => Field::CreateUserId,
            Role::Confirmer => Field::ConfirmUserId,
            Role::Payer => Field::PayUserId,
            Role::Talent => Field::TalentId,
        }
    }

    /// The e-mail column.
    pub fn email_field(self) -> Field {
        match self {
            Role::Referrer => Field::ReferralUserEmail,
            Role::Creator => Field::CreateUserEmail,
            Role::Confirmer => Field::ConfirmUserEmail,
            Role::Payer => Field::PayUserEmail,
            Role::Talent => Field::TalentEmail,
        }
    }

    /// The mobile column.
    pub fn mobile_field(self) -> Field {
        match self {
            Role::Referrer => Field::ReferralUserMobile,
            Role::Creator => Field::CreateUserMobile,
            Role::Confirmer => Field::ConfirmUserMobile,
            Role::Payer => Field::PayUserMobile,
            Role::Talent => Field::TalentMobile,
        }
    }

    /// Puts the resolved id where the body takes it.
    pub fn fill(self, body: &mut RewardBody, id: String) {
        match self {
            Role::Referrer => body.referral_user_id = id,
            Role::Creator => body.create_user_id = Some(id),
            Role::Confirmer => body.confirm_user_id = Some(id),
            Role::Payer => body.pay_user_id = Some(id),
            Role::Talent => body.talent_id = Some(id),
        }
    }
}

/// How a file names a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Contact {
    /// An e-mail address, trimmed, as written.
    Email(String),
    /// A mobile number, normalised.
    Mobile(Mobile),
}

impl Contact {
    /// "e-mail" or "mobile", for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Contact::Email(_) => "e-mail",
            Contact::Mobile(_) => "mobile",
        }
    }

    /// The value as a lookup sends it.
    pub fn lookup_form(&self) -> String {
        match self {
            Contact::Email(email) => email.clone(),
            Contact::Mobile(mobile) => mobile.lookup_form(),
        }
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Email(email) => f.write_str(email),
            Contact::Mobile(mobile) => write!(f, "{mobile}"),
        }
    }
}

/// A person a valid row still needs an id for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Who they are to the reward.
    pub role: Role,
    /// The column that named them (the e-mail or the mobile column).
    pub field: Field,
    /// That column as messages name it: `内推人邮箱 (referral_user_email)`.
    pub column: String,
    /// How it named them.
    pub contact: Contact,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_columns() {
        let mut fields: Vec<Field> = Role::ALL
            .iter()
            .flat_map(|r| [r.id_field(), r.email_field(), r.mobile_field()])
            .collect();
        let count = fields.len();
        fields.sort_by_key(|f| f.index());
        fields.dedup();
        assert_eq!(fields.len(), count);
        for role in Role::ALL {
            let email = role.email_field().name();
            let mobile = role.mobile_field().name();
            let stem = role.id_field().name().trim_end_matches("_id");
            assert_eq!(email, format!("{stem}_email"));
            assert_eq!(mobile, format!("{stem}_mobile"));
        }
    }
}
