//! Referral reward accounts: register (by mobile or email, looked up among the people the
//! sandbox knows, who may be made up on first sight), enable, deactivate, and the assets
//! report, whose balances are the referrer's imported stage-2 (confirmed) and stage-3
//! (paid) rewards, so a reconciliation can be rehearsed.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::directory::{Employee, UserIdType};
use super::params::{self, QueryMap};
use super::reply::{Reply, code};
use super::reward_body::Amount;
use super::rewards::{Sum, Totals};

/// Account status 1: enabled.
pub const STATUS_ENABLED: i64 = 1;
/// Account status 2: deactivated.
pub const STATUS_DEACTIVATED: i64 = 2;

/// The accounts, by id and by employee.
#[derive(Debug, Clone, Default)]
pub struct AccountStore {
    by_id: BTreeMap<u64, Account>,
    by_employee: HashMap<usize, u64>,
}

/// One account.
#[derive(Debug, Clone, Copy)]
struct Account {
    employee: usize,
    status: i64,
}

impl AccountStore {
    /// The employee's account, registering one (enabled) if there is none.
    pub fn register(&mut self, employee: usize, new_id: impl FnOnce() -> u64) -> u64 {
        if let Some(&id) = self.by_employee.get(&employee) {
            return id;
        }
        let id = new_id();
        self.by_employee.insert(employee, id);
        self.by_id.insert(
            id,
            Account {
                employee,
                status: STATUS_ENABLED,
            },
        );
        id
    }

    /// Sets an account's status; returns its employee, or `None` for an unknown account.
    pub fn set_status(&mut self, id: u64, status: i64) -> Option<(usize, i64)> {
        let account = self.by_id.get_mut(&id)?;
        account.status = status;
        Some((account.employee, account.status))
    }

    /// An account's employee and status.
    pub fn get(&self, id: u64) -> Option<(usize, i64)> {
        self.by_id.get(&id).map(|a| (a.employee, a.status))
    }

    /// Every account: id, employee, status.
    pub fn all(&self) -> Vec<(u64, usize, i64)> {
        self.by_id
            .iter()
            .map(|(&id, a)| (id, a.employee, a.status))
            .collect()
    }
}

/// `bonus_amount`: points and cash per currency.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BonusAmount {
    /// Points.
    pub point_bonus: i64,
    /// Cash, one entry per currency.
    pub cash_bonus: Vec<CashAmount>,
}

/// One currency's cash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CashAmount {
    /// ISO 4217 code.
    pub currency_type: String,
    /// The exact sum, written as a JSON number.
    pub amount: Amount,
}

impl From<&Sum> for BonusAmount {
    fn from(sum: &Sum) -> Self {
        BonusAmount {
            point_bonus: sum.points,
            cash_bonus: sum
                .cash
                .iter()
                .map(|(currency, amount)| CashAmount {
                    currency_type: currency.clone(),
                    amount: Amount::new(*amount),
                })
                .collect(),
        }
    }
}

/// `assets`: confirmed rewards, and paid ones where the endpoint reports them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Assets {
    /// Stage 2 rewards.
    pub confirmed_bonus: BonusAmount,
    /// Stage 3 rewards (only in `get_account_assets` answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_bonus: Option<BonusAmount>,
}

/// `name`: the referrer's names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct I18nName {
    /// Chinese.
    pub zh_cn: String,
    /// English.
    pub en_us: String,
}

/// `referrer`: who the account belongs to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Referrer {
    /// The referrer's id under the request's `user_id_type`.
    pub id: String,
    /// Names.
    pub name: I18nName,
    /// Email.
    pub email: String,
    /// Mobile number.
    pub mobile: String,
}

/// `data.account`, and one account of the inspection report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountView {
    /// The account id.
    pub account_id: String,
    /// Balances.
    pub assets: Assets,
    /// 1 enabled, 2 deactivated.
    pub status: i64,
    /// The referrer (only in `get_account_assets` answers and the inspection report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<Referrer>,
}

impl AccountView {
    /// The view of an account; `detail` adds `paid_bonus` and `referrer`.
    pub fn new(
        id: u64,
        status: i64,
        totals: &Totals,
        detail: Option<(&Employee, UserIdType)>,
    ) -> AccountView {
        AccountView {
            account_id: id.to_string(),
            assets: Assets {
                confirmed_bonus: BonusAmount::from(&totals.confirmed),
                paid_bonus: detail.map(|_| BonusAmount::from(&totals.paid)),
            },
            status,
            referrer: detail.map(|(e, kind)| Referrer {
                id: e.id(kind).to_owned(),
                name: I18nName {
                    zh_cn: e.name_zh.clone(),
                    en_us: e.name_en.clone(),
                },
                email: e.email.clone(),
                mobile: e.mobile_number.clone(),
            }),
        }
    }
}

#[derive(Serialize)]
struct AccountData {
    account: AccountView,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mobile {
    code: Option<String>,
    number: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    mobile: Option<Mobile>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnableBody {
    referral_account_id: Option<String>,
}

fn not_found(id: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        code::ACCOUNT_NOT_FOUND,
        format!("account not found: no referral account has id {id:?}"),
    )
}

fn account_id(text: &str) -> Result<u64, Reply> {
    text.parse().map_err(|_| not_found(text))
}

fn answer(state: &AppState, id: u64, employee: usize, status: i64) -> Reply {
    let totals = state.rewards(|r| r.totals(employee));
    let account = AccountView::new(id, status, &totals, None);
    Reply::success("SUCCESS", AccountData { account })
}

/// `POST /open-apis/hire/v1/referral_account`
pub async fn register(State(state): State<AppState>, body: Bytes) -> Result<Reply, Reply> {
    let body: RegisterBody = params::json_body(&body)?;
    let email = body
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let mobile = match &body.mobile {
        None => None,
        Some(m) => {
            let number = m.number.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let Some(number) = number else {
                return Err(Reply::param(
                    "invalid field mobile.number: is required when mobile is given",
                ));
            };
            let code = m.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
            Some((code, number))
        }
    };
    if mobile.is_none() && email.is_none() {
        return Err(Reply::param(
            "invalid field mobile: mobile or email is required",
        ));
    }
    // Known, or made up on first sight; refused when malformed, ambiguous or (strict
    // directory) unknown.
    let employee = state
        .people(|p| p.by_contact(mobile, email))
        .map_err(|refusal| refusal.reply())?;
    let id = state.accounts(|a| a.register(employee, || state.new_id()));
    let status = state
        .accounts(|a| a.get(id))
        .map_or(STATUS_ENABLED, |(_, s)| s);
    Ok(answer(&state, id, employee, status))
}

/// `POST /open-apis/hire/v1/referral_account/enable`
pub async fn enable(State(state): State<AppState>, body: Bytes) -> Result<Reply, Reply> {
    let body: EnableBody = params::json_body(&body)?;
    let Some(text) = body.referral_account_id.filter(|t| !t.trim().is_empty()) else {
        return Err(Reply::param(
            "invalid field referral_account_id: is required",
        ));
    };
    let id = account_id(&text)?;
    let (employee, status) = state
        .accounts(|a| a.set_status(id, STATUS_ENABLED))
        .ok_or_else(|| not_found(&text))?;
    Ok(answer(&state, id, employee, status))
}

/// `POST /open-apis/hire/v1/referral_account/:referral_account_id/deactivate`
pub async fn deactivate(
    State(state): State<AppState>,
    Path(text): Path<String>,
) -> Result<Reply, Reply> {
    let id = account_id(&text)?;
    let (employee, status) = state
        .accounts(|a| a.set_status(id, STATUS_DEACTIVATED))
        .ok_or_else(|| not_found(&text))?;
    Ok(answer(&state, id, employee, status))
}

/// `GET /open-apis/hire/v1/referral_account/get_account_assets?referral_account_id=…&user_id_type=…`
pub async fn assets(State(state): State<AppState>, query: QueryMap) -> Result<Reply, Reply> {
    let query = params::query(query)?;
    let kind = params::user_id_type(&query)?;
    let Some(text) = query
        .get("referral_account_id")
        .filter(|t| !t.trim().is_empty())
    else {
        return Err(Reply::param(
            "invalid field referral_account_id: is required",
        ));
    };
    let id = account_id(text)?;
    let (employee, status) = state
        .accounts(|a| a.get(id))
        .ok_or_else(|| not_found(text))?;
    let totals = state.rewards(|r| r.totals(employee));
    let account = state.people(|p| {
        let detail = p.directory().get(employee).map(|e| (e, kind));
        AccountView::new(id, status, &totals, detail)
    });
    Ok(Reply::success("SUCCESS", AccountData { account }))
}
