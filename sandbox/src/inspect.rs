//! What happened inside the sandbox, for tests and for users rehearsing a migration:
//! the stored rewards and accounts, who was made up, requests by endpoint (the people
//! lookups included) and status, 429s, dropped
//! connections, and the most requests accepted in any one second. Served at
//! `GET /sandbox/state` and on the handle as a typed struct.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use serde::Serialize;

use super::AppState;
use super::accounts::AccountView;
use super::directory::{Employee, UserIdType};
use super::params::{self, QueryMap};
use super::reply::Reply;
use super::rewards::RewardRecord;

/// Counters the request path updates.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    requests: BTreeMap<String, BTreeMap<String, u64>>,
    dropped: BTreeMap<String, u64>,
    failed: BTreeMap<String, u64>,
    injected_delay: Duration,
}

impl Stats {
    /// Counts one answered request under its endpoint and HTTP status.
    pub fn answered(&mut self, endpoint: String, status: u16) {
        *self
            .requests
            .entry(endpoint)
            .or_default()
            .entry(status.to_string())
            .or_default() += 1;
    }

    /// Counts one connection closed without an answer.
    pub fn dropped(&mut self, endpoint: String) {
        *self.dropped.entry(endpoint).or_default() += 1;
    }

    /// Counts one injected 500.
    pub fn failed(&mut self, endpoint: String) {
        *self.failed.entry(endpoint).or_default() += 1;
    }

    /// Adds injected latency.
    pub fn delayed(&mut self, by: Duration) {
        self.injected_delay = self.injected_delay.saturating_add(by);
    }
}

/// A snapshot of the sandbox.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SandboxState {
    /// Stored rewards, oldest first (absent when asked for counts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewards: Option<Vec<RewardRecord>>,
    /// Rewards stored now.
    pub reward_count: usize,
    /// Valid import requests received, repeats of an external_id included.
    pub reward_receipts: u64,
    /// Rewards deleted.
    pub rewards_deleted: u64,
    /// Every referral account, with its referrer (ids as open_id) and balances.
    pub accounts: Vec<AccountView>,
    /// The employees made up so far, oldest first (absent when asked for counts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_up_employees: Option<Vec<Employee>>,
    /// How many employees were made up (always 0 with a strict directory).
    pub made_up_employee_count: usize,
    /// How many talents were made up by the talent lookup (always 0 with `--talents`).
    pub made_up_talent_count: usize,
    /// Answered requests by endpoint ("METHOD route") and HTTP status.
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// Requests answered 429, by endpoint.
    pub throttled: BTreeMap<String, u64>,
    /// Requests answered with an injected 500 / 1002001, by endpoint.
    pub failed: BTreeMap<String, u64>,
    /// Connections closed without an answer (the drop fault), by endpoint.
    pub dropped: BTreeMap<String, u64>,
    /// The most requests accepted (not 429) in any one-second window, by endpoint.
    pub peak_per_second: BTreeMap<String, usize>,
    /// Distinct tenant access tokens issued.
    pub tokens_issued: u64,
    /// Total latency and jitter injected, in milliseconds.
    pub injected_delay_ms: u64,
    /// The messages the custom bot webhook received, oldest first (tokens cut short).
    pub bot_messages: Vec<super::bot::BotMessage>,
}

/// Takes a snapshot; `with_rewards` false leaves out the (possibly huge) reward and
/// made-up employee lists. Each lock is taken on its own, never one inside another.
pub fn snapshot(state: &AppState, with_rewards: bool) -> SandboxState {
    let (records, reward_count, reward_receipts, rewards_deleted) = state.rewards(|r| {
        let list = with_rewards.then(|| r.records());
        (list, r.len(), r.receipts(), r.deleted())
    });
    let accounts: Vec<_> = state
        .accounts(|a| a.all())
        .into_iter()
        .map(|(id, employee, status)| (id, employee, status, state.rewards(|r| r.totals(employee))))
        .collect();
    let (rewards, accounts, made_up_employees, made_up_employee_count) = state.people(|p| {
        let directory = p.directory();
        let rewards = records.map(|records| {
            records
                .into_iter()
                .map(|(mut record, employee)| {
                    record.referrer_user_id = directory
                        .get(employee)
                        .map(|e| e.user_id.clone())
                        .unwrap_or_default();
                    record
                })
                .collect()
        });
        let accounts = accounts
            .into_iter()
            .map(|(id, employee, status, totals)| {
                let detail = directory.get(employee).map(|e| (e, UserIdType::OpenId));
                AccountView::new(id, status, &totals, detail)
            })
            .collect();
        let made_up = with_rewards.then(|| p.made_up().cloned().collect());
        (rewards, accounts, made_up, p.made_up_count())
    });
    let made_up_talent_count = state.talents(|t| t.made_up_count());
    let stats = state.stats(|s| s.clone());
    let (throttled, peak_per_second) = state.limits(|l| (l.throttled(), l.peaks()));
    SandboxState {
        rewards,
        reward_count,
        reward_receipts,
        rewards_deleted,
        accounts,
        made_up_employees,
        made_up_employee_count,
        made_up_talent_count,
        requests: stats.requests,
        throttled,
        failed: stats.failed,
        dropped: stats.dropped,
        peak_per_second,
        tokens_issued: state.tokens(|t| t.issued()),
        injected_delay_ms: u64::try_from(stats.injected_delay.as_millis()).unwrap_or(u64::MAX),
        bot_messages: state.bots(|b| b.messages().to_vec()),
    }
}

/// `GET /sandbox/state[?rewards=false]`
pub async fn state(State(state): State<AppState>, query: QueryMap) -> Result<Reply, Reply> {
    let query = params::query(query)?;
    let with_rewards = match query.get("rewards").map(String::as_str) {
        None | Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(other) => {
            return Err(Reply::param(format!(
                "invalid field rewards: {other:?}; use true or false"
            )));
        }
    };
    Ok(Reply::success("success", snapshot(&state, with_rewards)))
}
