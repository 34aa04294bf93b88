//! External referral rewards: the import endpoint (validated with the crate's own
//! `RewardBody` rules, idempotent by `external_id`), the delete endpoint, and the running
//! per-referrer totals that the account assets report.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, State};
use rust_decimal::Decimal;
use serde::Serialize;

use super::AppState;
use super::params::{self, QueryMap};
use super::reply::Reply;
use crate::reward::{BONUS_CASH, BONUS_POINTS, RewardBody, STAGE_CONFIRMED, STAGE_PAID};

/// One stored reward.
#[derive(Debug, Clone)]
struct Stored {
    body: RewardBody,
    employee: usize,
}

/// Points and cash per currency, summed exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sum {
    /// Points.
    pub points: i64,
    /// Cash by currency code.
    pub cash: BTreeMap<String, Decimal>,
}

impl Sum {
    fn add(&mut self, body: &RewardBody, sign: i64) {
        match body.bonus.bonus_type {
            BONUS_POINTS => {
                let points = body.bonus.point_bonus.unwrap_or(0);
                self.points = self.points.saturating_add(sign * points);
            }
            BONUS_CASH => {
                if let Some(cash) = &body.bonus.cash {
                    let entry = self.cash.entry(cash.currency_type.clone()).or_default();
                    *entry += Decimal::from(sign) * cash.amount.value();
                    if entry.is_zero() {
                        self.cash.remove(&cash.currency_type);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A referrer's confirmed (stage 2) and paid (stage 3) rewards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Stage 2 rewards.
    pub confirmed: Sum,
    /// Stage 3 rewards.
    pub paid: Sum,
}

impl Totals {
    fn add(&mut self, body: &RewardBody, sign: i64) {
        match body.stage {
            STAGE_CONFIRMED => self.confirmed.add(body, sign),
            STAGE_PAID => self.paid.add(body, sign),
            _ => {}
        }
    }
}

/// A stored reward as the inspection report shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RewardRecord {
    /// The id the import answered with.
    pub id: String,
    /// The idempotency key.
    pub external_id: String,
    /// How many times this external_id has been received (the first import included).
    pub received: u64,
    /// The referrer's `user_id` in the directory.
    pub referrer_user_id: String,
    /// The body as first received.
    pub body: RewardBody,
}

/// The rewards, by id and by external_id.
#[derive(Debug, Clone, Default)]
pub struct RewardStore {
    by_id: BTreeMap<u64, Stored>,
    by_external: HashMap<String, u64>,
    received: HashMap<String, u64>,
    totals: HashMap<usize, Totals>,
    receipts: u64,
    deleted: u64,
}

impl RewardStore {
    /// Stores a reward unless its external_id is already stored; either way counts the
    /// receipt and returns the reward's id.
    pub fn import(
        &mut self,
        body: RewardBody,
        employee: usize,
        new_id: impl FnOnce() -> u64,
    ) -> u64 {
        self.receipts += 1;
        *self.received.entry(body.external_id.clone()).or_default() += 1;
        if let Some(&id) = self.by_external.get(&body.external_id) {
            return id;
        }
        let id = new_id();
        self.totals.entry(employee).or_default().add(&body, 1);
        self.by_external.insert(body.external_id.clone(), id);
        self.by_id.insert(id, Stored { body, employee });
        id
    }

    /// Removes a reward; false when no reward has that id.
    pub fn delete(&mut self, id: u64) -> bool {
        let Some(stored) = self.by_id.remove(&id) else {
            return false;
        };
        self.by_external.remove(&stored.body.external_id);
        if let Some(totals) = self.totals.get_mut(&stored.employee) {
            totals.add(&stored.body, -1);
        }
        self.deleted += 1;
        true
    }

    /// A referrer's totals.
    pub fn totals(&self, employee: usize) -> Totals {
        self.totals.get(&employee).cloned().unwrap_or_default()
    }

    /// Rewards stored now.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no reward is stored.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Valid import requests received, repeats included.
    pub fn receipts(&self) -> u64 {
        self.receipts
    }

    /// Rewards deleted.
    pub fn deleted(&self) -> u64 {
        self.deleted
    }

    /// Every stored reward, oldest first, each with its referrer's directory index (the
    /// record's `referrer_user_id` is left for the caller to fill in).
    pub fn records(&self) -> Vec<(RewardRecord, usize)> {
        self.by_id
            .iter()
            .map(|(id, s)| {
                let record = RewardRecord {
                    id: id.to_string(),
                    external_id: s.body.external_id.clone(),
                    received: self.received.get(&s.body.external_id).copied().unwrap_or(0),
                    referrer_user_id: String::new(),
                    body: s.body.clone(),
                };
                (record, s.employee)
            })
            .collect()
    }
}

#[derive(Serialize)]
struct Created {
    id: String,
}

/// `POST /open-apis/hire/v1/external_referral_rewards?user_id_type=…`
pub async fn import(
    State(state): State<AppState>,
    query: QueryMap,
    body: Bytes,
) -> Result<Reply, Reply> {
    let query = params::query(query)?;
    let kind = params::user_id_type(&query)?;
    let body: RewardBody = params::json_body(&body)?;
    let problems = body.check();
    if !problems.is_empty() {
        let msg = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Reply::param(format!("invalid field {msg}")));
    }
    // Known, or made up on first sight; refused when malformed or (strict directory) unknown.
    let employee = state
        .people(|p| p.by_id("referral_user_id", kind, &body.referral_user_id))
        .map_err(|refusal| refusal.reply())?;
    let id = state.rewards(|store| store.import(body, employee, || state.new_id()));
    Ok(Reply::success("success", Created { id: id.to_string() }))
}

/// `DELETE /open-apis/hire/v1/external_referral_rewards/:id`
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<Reply, Reply> {
    let not_found = || {
        Reply::param(format!(
            "invalid field id: no external referral reward has id {id:?}"
        ))
    };
    let number: u64 = id.parse().map_err(|_| not_found())?;
    if state.rewards(|store| store.delete(number)) {
        Ok(Reply::success("success", serde_json::Map::new()))
    } else {
        Err(not_found())
    }
}
