//! `accounts assets` and `accounts reconcile`: balances at a glance, and the rewards the
//! ledger imported for each referrer beside the balance Feishu shows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::feishu::{Account, BonusAmount, Family, Request, UserIdType};
use crate::report::summary::{Outcome, Summary, Vocabulary};
use crate::reward::{Amount, RewardBody, STAGE_CONFIRMED, STAGE_PAID};
use crate::run::engine::Attempted;
use crate::run::{Calls, Recorded, Session};
use rust_decimal::Decimal;
use serde::Serialize;

/// Points and cash per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub points: i64,
    /// Written to JSON as numbers, never through a float.
    pub cash: BTreeMap<String, Amount>,
}

impl Balance {
    fn add_cash(&mut self, currency: &str, amount: Decimal) {
        let sum = self
            .cash
            .entry(currency.to_owned())
            .or_insert(Amount::new(Decimal::ZERO));
        *sum = Amount::new(sum.value() + amount);
    }

    fn from_bonus(bonus: Option<&BonusAmount>) -> Balance {
        let mut balance = Balance::default();
        if let Some(bonus) = bonus {
            balance.points = bonus.point_bonus.unwrap_or_default();
            for cash in &bonus.cash_bonus {
                if let (Some(currency), Some(amount)) = (&cash.currency_type, cash.amount) {
                    balance.add_cash(currency, amount);
                }
            }
        }
        balance
    }

    /// "100 points, CNY 100.57, USD 20".
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("{} points", self.points)];
        parts.extend(self.cash.iter().map(|(c, a)| format!("{c} {a}")));
        parts.join(", ")
    }

    /// "CNY 100.57; USD 20" (empty when there is no cash).
    pub fn cash_text(&self) -> String {
        self.cash
            .iter()
            .map(|(c, a)| format!("{c} {a}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One account's balances, as the assets call answers.
#[derive(Debug, Clone, Serialize)]
pub struct AccountAssets {
    pub account_id: String,
    /// 1 enabled, 2 deactivated.
    pub status: Option<i64>,
    pub referrer_id: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub confirmed: Balance,
    pub paid: Balance,
    /// Set when the call failed: code, msg, log id in words.
    pub error: Option<String>,
}

impl AccountAssets {
    fn from_account(account_id: &str, account: &Account) -> AccountAssets {
        let assets = account.assets.as_ref();
        let referrer = account.referrer.as_ref();
        let name = referrer.and_then(|r| r.name.as_ref());
        AccountAssets {
            account_id: account
                .account_id
                .clone()
                .unwrap_or_else(|| account_id.to_owned()),
            status: account.status,
            referrer_id: referrer.and_then(|r| r.id.clone()),
            name_zh: name.and_then(|n| n.zh_cn.clone()),
            name_en: name.and_then(|n| n.en_us.clone()),
            email: referrer.and_then(|r| r.email.clone()),
            mobile: referrer.and_then(|r| r.mobile.clone()),
            confirmed: Balance::from_bonus(assets.and_then(|a| a.confirmed_bonus.as_ref())),
            paid: Balance::from_bonus(assets.and_then(|a| a.paid_bonus.as_ref())),
            error: None,
        }
    }

    fn failed(account_id: &str, error: String) -> AccountAssets {
        AccountAssets {
            account_id: account_id.to_owned(),
            status: None,
            referrer_id: None,
            name_zh: None,
            name_en: None,
            email: None,
            mobile: None,
            confirmed: Balance::default(),
            paid: Balance::default(),
            error: Some(error),
        }
    }
}

/// The words of a read of balances.
pub const WORDS: Vocabulary = Vocabulary {
    noun: "account",
    done: ("read", "read"),
    already_done: ("already_read", "already read"),
    failed: ("failed", "failed"),
    replaced: None,
    skipped: None,
    fixed_elsewhere: None,
};

/// Reads the assets of every id (`accounts assets`, `accounts reconcile`): [`fetch`] on
/// calls of their own. Returns each account, and how the reads ended.
pub fn read(
    session: &Session,
    ids: Vec<String>,
    user_id_type: UserIdType,
) -> (Vec<AccountAssets>, Summary) {
    let mut calls = Calls::new(session, "accounts assets", WORDS);
    let found = fetch(&mut calls, ids, user_id_type);
    (found, calls.finish())
}

/// Fetches the assets of every id, in order, at the documented limit, through `calls`
/// (read-only: nothing is recorded), counting each read in its summary (an account Feishu
/// does not know is `failed`; the summary's end says if a fatal answer or a signal stopped
/// them). Returns each account, in the order of `ids`.
pub fn fetch(
    calls: &mut Calls<'_>,
    ids: Vec<String>,
    user_id_type: UserIdType,
) -> Vec<AccountAssets> {
    let found: Arc<Mutex<Vec<Option<AccountAssets>>>> = Arc::new(Mutex::new(vec![None; ids.len()]));
    calls.summary().items = ids.len() as u64;
    let keep = Arc::clone(&found);
    calls.each(
        Family::AccountAssets,
        ids.iter().cloned().enumerate().collect(),
        Outcome::Pending,
        move |(_, id): &(usize, String)| Request::account_assets(id, user_id_type),
        move |(index, id), tried| {
            let (assets, outcome) = match tried.end {
                Attempted::Done(answer) => (
                    AccountAssets::from_account(&id, &answer.value),
                    Outcome::Done,
                ),
                Attempted::Refused { code, msg, log_id } => (
                    AccountAssets::failed(&id, with_log(format!("code {code}: {msg}"), log_id)),
                    Outcome::Failed,
                ),
                Attempted::Unsettled {
                    error: Some(error), ..
                } => (
                    AccountAssets::failed(&id, with_log(error.message, error.log_id)),
                    Outcome::Pending,
                ),
                Attempted::Unsettled { error: None, .. } => (
                    AccountAssets::failed(&id, "not read: the run stopped first".into()),
                    Outcome::Pending,
                ),
            };
            if let Ok(mut all) = keep.lock() {
                all[index] = Some(assets);
            }
            Recorded::plain(outcome)
        },
    );
    let all = found.lock().map(|all| all.clone()).unwrap_or_default();
    all.into_iter()
        .zip(&ids)
        .map(|(assets, id)| {
            assets.unwrap_or_else(|| {
                AccountAssets::failed(id, "not read: the run stopped first".into())
            })
        })
        .collect()
}

fn with_log(message: String, log_id: Option<String>) -> String {
    match log_id {
        Some(log_id) => format!("{message} (log id {log_id})"),
        None => message,
    }
}

/// Confirmed and paid sums of the rewards the ledger imported, per referrer.
#[derive(Debug, Default)]
pub struct ImportedSums {
    by_referrer: BTreeMap<String, (Balance, Balance)>,
}

impl ImportedSums {
    /// Adds one imported body (stage 2 counts as confirmed, stage 3 as paid).
    pub fn add(&mut self, body: &RewardBody) {
        let (confirmed, paid) = self
            .by_referrer
            .entry(body.referral_user_id.clone())
            .or_default();
        let balance = match body.stage {
            STAGE_CONFIRMED => confirmed,
            STAGE_PAID => paid,
            _ => return,
        };
        if let Some(points) = body
            .bonus
            .point_bonus
            .filter(|_| body.bonus.bonus_type == 1)
        {
            balance.points += points;
        }
        if let Some(cash) = body
            .bonus
            .cash
            .as_ref()
            .filter(|_| body.bonus.bonus_type == 2)
        {
            balance.add_cash(&cash.currency_type, cash.amount.value());
        }
    }

    /// The sums for one referrer id (zero when the ledger imported nothing for them).
    pub fn of(&self, referrer: &str) -> (Balance, Balance) {
        self.by_referrer.get(referrer).cloned().unwrap_or_default()
    }
}

/// One line of `reconcile`.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    pub assets: AccountAssets,
    pub imported_confirmed: Balance,
    pub imported_paid: Balance,
    /// True when the account's balances equal what the ledger imported.
    pub matches: bool,
}

/// Sets each account beside the sums the ledger imported for its referrer.
pub fn reconcile(accounts: Vec<AccountAssets>, sums: &ImportedSums) -> Vec<Reconciled> {
    accounts
        .into_iter()
        .map(|assets| {
            let (confirmed, paid) = assets
                .referrer_id
                .as_deref()
                .map(|id| sums.of(id))
                .unwrap_or_default();
            let matches =
                assets.error.is_none() && assets.confirmed == confirmed && assets.paid == paid;
            Reconciled {
                assets,
                imported_confirmed: confirmed,
                imported_paid: paid,
                matches,
            }
        })
        .collect()
}
