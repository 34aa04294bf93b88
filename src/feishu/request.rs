//! The calls rewardsync makes, each built as a [`Request`] before any token is attached:
//! method, path, query, body, the scope it needs, the [`Family`] whose limit it counts
//! against, and how its `data` is read.
//!
//! Building a request is separate from sending it so that the engine can fetch the token,
//! commit "in flight" to the ledger and take a throttle slot *between* the two: nothing but
//! the exchange itself happens after the slot is taken (SPEC §5).

use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::account::Account;
use super::answer::parse_data;
use super::failure::{Failure, Scope};
use super::user_id_type::UserIdType;
use crate::reward::RewardBody;

const REWARDS_PATH: &str = "/open-apis/hire/v1/external_referral_rewards";
const ACCOUNT_PATH: &str = "/open-apis/hire/v1/referral_account";

/// A documented limit: `count` calls per `per` (SPEC §1). How calls are paced under it
/// is the throttle's business.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Calls allowed per window.
    pub count: f64,
    /// The window.
    pub per: std::time::Duration,
}

impl Rate {
    /// `count` per second.
    pub fn per_second(count: f64) -> Rate {
        Rate {
            count,
            per: std::time::Duration::from_secs(1),
        }
    }

    /// `count` per minute.
    pub fn per_minute(count: f64) -> Rate {
        Rate {
            count,
            per: std::time::Duration::from_secs(60),
        }
    }
}

/// An endpoint family: the calls that share one documented limit (SPEC §1, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `POST …/external_referral_rewards`: 10 per second.
    RewardImport,
    /// `DELETE …/external_referral_rewards/:id`: no documented limit; paced like imports.
    RewardDelete,
    /// `POST …/referral_account`: 100 per minute.
    AccountRegister,
    /// `POST …/referral_account/enable`: 10 per second.
    AccountEnable,
    /// `POST …/referral_account/:id/deactivate`: 100 per minute.
    AccountDeactivate,
    /// `GET …/referral_account/get_account_assets`: 10 per second.
    AccountAssets,
    /// `POST /open-apis/contact/v3/users/batch_get_id`: 50 per second and 1000 per minute.
    UserLookup,
    /// `POST /open-apis/hire/v1/talents/batch_get_id`: 50 per second and 1000 per minute.
    TalentLookup,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 8] = [
        Family::RewardImport,
        Family::RewardDelete,
        Family::AccountRegister,
        Family::AccountEnable,
        Family::AccountDeactivate,
        Family::AccountAssets,
        Family::UserLookup,
        Family::TalentLookup,
    ];

    /// The name stored in the ledger's pacing table and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Family::RewardImport => "reward import",
            Family::RewardDelete => "reward delete",
            Family::AccountRegister => "account register",
            Family::AccountEnable => "account enable",
            Family::AccountDeactivate => "account deactivate",
            Family::AccountAssets => "account assets",
            Family::UserLookup => "user lookup",
            Family::TalentLookup => "talent lookup",
        }
    }

    /// The family a stored name stands for.
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The documented limit (the delete, undocumented, is paced like the import).
    pub fn limit(self) -> Rate {
        match self {
            Family::RewardImport
            | Family::RewardDelete
            | Family::AccountEnable
            | Family::AccountAssets => Rate::per_second(10.0),
            Family::AccountRegister | Family::AccountDeactivate => Rate::per_minute(100.0),
            Family::UserLookup | Family::TalentLookup => Rate::per_second(50.0),
        }
    }

    /// The pace the family's calls are sent at: its documented limit, less for the lookups.
    /// Sixteen lookups in flight bunch their arrivals by more than the 1.5 % headroom leaves
    /// at 50/s (15 ms a second): measured, 3 × 429 per 2,000 lookups at 49.3/s, none at
    /// 47.3/s. A lookup 429 costs more than the second it waits: its resend needs a slot of
    /// the minute's window, and may wait for the window to roll over.
    pub fn pace(self) -> Rate {
        match self {
            Family::UserLookup | Family::TalentLookup => Rate::per_second(48.0),
            other => other.limit(),
        }
    }

    /// A second documented quota over a longer window, on top of [`Family::limit`]: the
    /// lookups' 1000 per minute.
    pub fn window(self) -> Option<Rate> {
        match self {
            Family::UserLookup | Family::TalentLookup => Some(Rate::per_minute(1000.0)),
            _ => None,
        }
    }

    /// True for the people lookups.
    pub fn is_lookup(self) -> bool {
        matches!(self, Family::UserLookup | Family::TalentLookup)
    }

    /// True for the families `--rate` sets (the reward calls).
    pub fn follows_rate_flag(self) -> bool {
        matches!(self, Family::RewardImport | Family::RewardDelete)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads a successful answer's `data` into the call's value.
type ReadData<T> = fn(Option<&RawValue>, &Option<String>) -> Result<T, Failure>;

/// One call, ready to send with a token.
pub struct Request<T> {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) scope: Scope,
    pub(crate) family: Family,
    pub(crate) read: ReadData<T>,
}

// By hand: a derive would ask `T: Clone`, and `T` is only what `read` returns.
impl<T> Clone for Request<T> {
    fn clone(&self) -> Self {
        Request {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            body: self.body.clone(),
            scope: self.scope,
            family: self.family,
            read: self.read,
        }
    }
}

impl<T> fmt::Debug for Request<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

/// `data` of a created reward.
#[derive(Deserialize)]
struct CreatedReward {
    id: String,
}

/// `data` of the account calls.
#[derive(Deserialize)]
struct AccountData {
    account: Account,
}

/// The body of an account registration: fields omitted when not given.
#[derive(Serialize)]
struct RegisterBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<Mobile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct Mobile<'a> {
    code: &'a str,
    number: &'a str,
}

impl<T> Request<T> {
    /// The family whose limit this call counts against.
    pub fn family(&self) -> Family {
        self.family
    }
}

impl Request<String> {
    /// Imports one external referral reward; the value is the server's reward id.
    pub fn create_reward(body: &RewardBody, user_id_type: UserIdType) -> Request<String> {
        Request::create_reward_json(body.to_canonical_json(), user_id_type)
    }

    /// [`Request::create_reward`] with the body's canonical JSON as the ledger keeps it:
    /// a resend sends exactly the bytes that may have gone before.
    pub fn create_reward_json(canonical: String, user_id_type: UserIdType) -> Request<String> {
        Request {
            method: Method::POST,
            path: REWARDS_PATH.into(),
            query: vec![("user_id_type", user_id_type.as_str().into())],
            body: Some(canonical.into_bytes()),
            scope: Scope::Reward,
            family: Family::RewardImport,
            read: |data, log_id| {
                parse_data::<CreatedReward>(data, "data.id", log_id).map(|created| created.id)
            },
        }
    }
}

impl Request<()> {
    /// Deletes an imported reward by the server's reward id.
    pub fn delete_reward(reward_id: &str) -> Request<()> {
        Request {
            method: Method::DELETE,
            path: format!("{REWARDS_PATH}/{}", path_segment(reward_id)),
            query: Vec::new(),
            body: None,
            scope: Scope::Reward,
            family: Family::RewardDelete,
            read: |_, _| Ok(()),
        }
    }
}

impl Request<Account> {
    /// Registers a referral reward account by mobile (country code, number) and/or email.
    pub fn register_account(mobile: Option<(&str, &str)>, email: Option<&str>) -> Request<Account> {
        let body = RegisterBody {
            mobile: mobile.map(|(code, number)| Mobile { code, number }),
            email,
        };
        Request::account(
            Method::POST,
            ACCOUNT_PATH.into(),
            Vec::new(),
            Some(json_bytes(&body)),
            Family::AccountRegister,
        )
    }

    /// Enables an account.
    pub fn enable_account(account_id: &str) -> Request<Account> {
        let body = serde_json::json!({ "referral_account_id": account_id });
        Request::account(
            Method::POST,
            format!("{ACCOUNT_PATH}/enable"),
            Vec::new(),
            Some(json_bytes(&body)),
            Family::AccountEnable,
        )
    }

    /// Deactivates an account.
    pub fn deactivate_account(account_id: &str) -> Request<Account> {
        Request::account(
            Method::POST,
            format!("{ACCOUNT_PATH}/{}/deactivate", path_segment(account_id)),
            Vec::new(),
            // An empty object rather than no body: strict JSON readers refuse an empty one.
            Some(b"{}".to_vec()),
            Family::AccountDeactivate,
        )
    }

    /// Reads an account's assets, status and referrer.
    pub fn account_assets(account_id: &str, user_id_type: UserIdType) -> Request<Account> {
        Request::account(
            Method::GET,
            format!("{ACCOUNT_PATH}/get_account_assets"),
            vec![
                ("referral_account_id", account_id.into()),
                ("user_id_type", user_id_type.as_str().into()),
            ],
            None,
            Family::AccountAssets,
        )
    }

    fn account(
        method: Method,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<Vec<u8>>,
        family: Family,
    ) -> Request<Account> {
        Request {
            method,
            path,
            query,
            body,
            scope: Scope::Account,
            family,
            read: |data, log_id| {
                parse_data::<AccountData>(data, "data.account", log_id).map(|data| data.account)
            },
        }
    }
}

/// JSON bytes of a body of strings, numbers and decimals: serialising it cannot fail, but
/// an empty object is sent (and refused by the server, visibly) if it ever did.
pub(crate) fn json_bytes<T: Serialize + ?Sized>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec())
}

/// Percent-encodes an id for use as one path segment.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
