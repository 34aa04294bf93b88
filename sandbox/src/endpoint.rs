//! The catalogue of Feishu endpoints the sandbox serves: route, documented rate limits and
//! required permission, kept together so the router, the limiter and the inspection
//! report all name an endpoint the same way.

use std::time::Duration;

use serde::Serialize;

use super::scope::Scope;

/// One business endpoint (the token endpoint is neither limited nor faulted, so absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Endpoint {
    /// `POST /open-apis/hire/v1/external_referral_rewards`
    RewardImport,
    /// `DELETE /open-apis/hire/v1/external_referral_rewards/:id`
    RewardDelete,
    /// `POST /open-apis/hire/v1/referral_account`
    AccountRegister,
    /// `POST /open-apis/hire/v1/referral_account/enable`
    AccountEnable,
    /// `POST /open-apis/hire/v1/referral_account/:referral_account_id/deactivate`
    AccountDeactivate,
    /// `GET /open-apis/hire/v1/referral_account/get_account_assets`
    AccountAssets,
    /// `POST /open-apis/contact/v3/users/batch_get_id`
    UserLookup,
    /// `POST /open-apis/hire/v1/talents/batch_get_id`
    TalentLookup,
}

/// The token endpoint's route.
pub const TOKEN_ROUTE: &str = "/open-apis/auth/v3/tenant_access_token/internal";

/// A documented rate limit: at most `max` accepted requests in any sliding `per` window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed in the window.
    pub max: u32,
    /// The window's length.
    pub per: Duration,
}

impl Endpoint {
    /// Every business endpoint.
    pub const ALL: [Endpoint; 8] = [
        Endpoint::RewardImport,
        Endpoint::RewardDelete,
        Endpoint::AccountRegister,
        Endpoint::AccountEnable,
        Endpoint::AccountDeactivate,
        Endpoint::AccountAssets,
        Endpoint::UserLookup,
        Endpoint::TalentLookup,
    ];

    /// The axum route (axum 0.8 `{param}` syntax).
    pub fn route(self) -> &'static str {
        match self {
            Endpoint::RewardImport => "/open-apis/hire/v1/external_referral_rewards",
            Endpoint::RewardDelete => "/open-apis/hire/v1/external_referral_rewards/{id}",
            Endpoint::AccountRegister => "/open-apis/hire/v1/referral_account",
            Endpoint::AccountEnable => "/open-apis/hire/v1/referral_account/enable",
            Endpoint::AccountDeactivate => {
                "/open-apis/hire/v1/referral_account/{referral_account_id}/deactivate"
            }
            Endpoint::AccountAssets => "/open-apis/hire/v1/referral_account/get_account_assets",
            Endpoint::UserLookup => "/open-apis/contact/v3/users/batch_get_id",
            Endpoint::TalentLookup => "/open-apis/hire/v1/talents/batch_get_id",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            Endpoint::RewardDelete => "DELETE",
            Endpoint::AccountAssets => "GET",
            _ => "POST",
        }
    }

    /// "METHOD route": the key under which the inspection report counts this endpoint.
    pub fn key(self) -> String {
        format!("{} {}", self.method(), self.route())
    }

    /// The documented limits (`reward_rate` replaces the import's 10/s): every window must
    /// have room for a request to be accepted. Empty when the documentation gives none.
    pub fn quotas(self, reward_rate: u32) -> Vec<Quota> {
        let per_second = |max| Quota {
            max,
            per: Duration::from_secs(1),
        };
        let per_minute = |max| Quota {
            max,
            per: Duration::from_secs(60),
        };
        match self {
            Endpoint::RewardImport => vec![per_second(reward_rate)],
            Endpoint::RewardDelete => Vec::new(),
            Endpoint::AccountEnable | Endpoint::AccountAssets => vec![per_second(10)],
            Endpoint::AccountRegister | Endpoint::AccountDeactivate => vec![per_minute(100)],
            // people-and-more.md §1 and §2: "50 per second and 1000 per minute".
            Endpoint::UserLookup | Endpoint::TalentLookup => {
                vec![per_second(50), per_minute(1000)]
            }
        }
    }

    /// The limits in words, e.g. `50/s + 1000/min`, or `none`.
    pub fn quota_text(self, reward_rate: u32) -> String {
        let quotas = self.quotas(reward_rate);
        if quotas.is_empty() {
            return "none".to_owned();
        }
        quotas
            .iter()
            .map(|q| match q.per.as_secs() {
                1 => format!("{}/s", q.max),
                60 => format!("{}/min", q.max),
                secs => format!("{}/{secs}s", q.max),
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The permission (scope) the app needs, as Feishu names it in a 99991672 message.
    pub fn scope(self) -> Scope {
        match self {
            Endpoint::RewardImport | Endpoint::RewardDelete => Scope::ExternalReferralReward,
            Endpoint::UserLookup => Scope::ContactUserId,
            Endpoint::TalentLookup => Scope::HireTalent,
            _ => Scope::ReferralAccount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_have_two_windows_and_their_own_scopes() {
        assert_eq!(Endpoint::UserLookup.quota_text(10), "50/s + 1000/min");
        assert_eq!(Endpoint::TalentLookup.quotas(10).len(), 2);
        assert_eq!(Endpoint::RewardImport.quota_text(25), "25/s");
        assert_eq!(Endpoint::RewardDelete.quota_text(10), "none");
        assert_eq!(
            Endpoint::UserLookup.scope().name(),
            "contact:user.id:readonly"
        );
        assert_eq!(
            Endpoint::TalentLookup.scope().name(),
            "hire:talent:readonly"
        );
        assert_eq!(
            Endpoint::TalentLookup.key(),
            "POST /open-apis/hire/v1/talents/batch_get_id"
        );
    }
}
