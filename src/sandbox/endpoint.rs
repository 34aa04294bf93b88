//! The catalogue of Feishu endpoints the sandbox serves: route, documented rate limit and
//! required permission, kept together so the router, the limiter and the inspection
//! report all name an endpoint the same way.

use std::time::Duration;

use serde::Serialize;

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
    pub const ALL: [Endpoint; 6] = [
        Endpoint::RewardImport,
        Endpoint::RewardDelete,
        Endpoint::AccountRegister,
        Endpoint::AccountEnable,
        Endpoint::AccountDeactivate,
        Endpoint::AccountAssets,
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

    /// The documented limit (`reward_rate` replaces the import's 10/s); `None` when the
    /// documentation gives none.
    pub fn quota(self, reward_rate: u32) -> Option<Quota> {
        let per_second = |max| Quota {
            max,
            per: Duration::from_secs(1),
        };
        let per_minute = |max| Quota {
            max,
            per: Duration::from_secs(60),
        };
        match self {
            Endpoint::RewardImport => Some(per_second(reward_rate)),
            Endpoint::RewardDelete => None,
            Endpoint::AccountEnable | Endpoint::AccountAssets => Some(per_second(10)),
            Endpoint::AccountRegister | Endpoint::AccountDeactivate => Some(per_minute(100)),
        }
    }

    /// The permission (scope) the app needs, as Feishu names it in a 99991672 message.
    pub fn scope(self) -> &'static str {
        match self {
            Endpoint::RewardImport | Endpoint::RewardDelete => "hire:external_referral_reward",
            _ => "hire:referral_account",
        }
    }
}
