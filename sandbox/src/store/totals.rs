//! A referrer's running totals: confirmed and paid rewards, points and cash per currency,
//! summed exactly, as the account assets report them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::reward_body::{BONUS_CASH, BONUS_POINTS, RewardBody, STAGE_CONFIRMED, STAGE_PAID};

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
    /// Adds `body` (sign 1) or takes it away (sign -1).
    pub fn add(&mut self, body: &RewardBody, sign: i64) {
        match body.stage {
            STAGE_CONFIRMED => self.confirmed.add(body, sign),
            STAGE_PAID => self.paid.add(body, sign),
            _ => {}
        }
    }
}
