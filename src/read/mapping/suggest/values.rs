//! What an export's own enum values probably stand for: 入职奖 is an onboard reward,
//! 已打款 a paid one, 待审核 one pending confirmation. Each guess says why; a value that
//! looks like no value of the field (or like one Feishu has none for, 已驳回) is left for
//! the user to decide.

use super::headers::Confidence;
use super::words::{Text, Words};
use crate::read::forms::EnumField;
use crate::reward::EnumValue;

/// What a value of an enum column probably is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ValueGuess {
    /// The field's value `number`.
    Value {
        number: i64,
        confidence: Confidence,
        because: String,
    },
    /// Something the field has no value for (a rejected reward has no stage).
    NoValue { because: String },
}

/// Words that point at one value of a field (None: at something it has no value for).
struct ValueClue {
    words: Words,
    value: Option<i64>,
    confidence: Confidence,
}

const fn value(
    words: &'static [&'static str],
    means: &'static str,
    value: Option<i64>,
    confidence: Confidence,
) -> ValueClue {
    ValueClue {
        words: Words { words, means },
        value,
        confidence,
    }
}

use Confidence::{Guess, Likely};

/// rule_type, first match wins.
const RULE_TYPE: &[ValueClue] = &[
    value(
        &[
            "入职",
            "到岗",
            "报到",
            "onboard",
            "onboarding",
            "hire",
            "hired",
            "hiring",
        ],
        "onboarding",
        Some(1),
        Likely,
    ),
    value(
        &["转正", "conversion"],
        "conversion after probation, usually rewarded as onboarding",
        Some(1),
        Guess,
    ),
    value(
        &[
            "面试",
            "到面",
            "初试",
            "复试",
            "终面",
            "笔试",
            "简历",
            "筛选",
            "interview",
            "resume",
            "screening",
            "offer",
        ],
        "a step of the hiring process",
        Some(2),
        Likely,
    ),
    value(
        &["活动", "campaign", "event", "promotion"],
        "a campaign",
        Some(3),
        Likely,
    ),
    value(
        &["开源", "open source", "opensource"],
        "open source",
        Some(4),
        Likely,
    ),
    value(
        &["其它", "其他", "others", "misc"],
        "something else",
        Some(5),
        Likely,
    ),
];

/// bonus_type, first match wins.
const BONUS_TYPE: &[ValueClue] = &[
    value(&["积分", "point", "points"], "points", Some(1), Likely),
    value(
        &[
            "现金",
            "奖金",
            "红包",
            "人民币",
            "元",
            "money",
            "cash",
            "rmb",
            "bonus",
        ],
        "cash",
        Some(2),
        Likely,
    ),
];

/// stage, first match wins: the negatives before the words they contain (未确认 before
/// 确认, 待发放 before 发放).
const STAGE: &[ValueClue] = &[
    value(
        &[
            "驳回",
            "拒绝",
            "未通过",
            "不通过",
            "取消",
            "作废",
            "撤销",
            "撤回",
            "失效",
            "rejected",
            "reject",
            "cancelled",
            "canceled",
            "void",
        ],
        "a rejected or cancelled reward",
        None,
        Likely,
    ),
    value(
        &[
            "待发放",
            "待打款",
            "待支付",
            "待付款",
            "未发放",
            "未打款",
            "未支付",
            "未付款",
            "unpaid",
        ],
        "confirmed but not paid yet",
        Some(2),
        Likely,
    ),
    value(
        &[
            "待",
            "审核中",
            "审批中",
            "处理中",
            "未审核",
            "未确认",
            "申请中",
            "pending",
            "review",
            "reviewing",
            "submitted",
        ],
        "waiting for confirmation",
        Some(1),
        Likely,
    ),
    value(
        &[
            "已打款",
            "已支付",
            "已发放",
            "已付款",
            "已付",
            "已到账",
            "已结算",
            "打款",
            "支付",
            "发放",
            "付款",
            "到账",
            "结算",
            "paid",
            "settled",
            "payed",
        ],
        "paid",
        Some(3),
        Likely,
    ),
    value(
        &[
            "已确认",
            "已审核",
            "审核通过",
            "已通过",
            "通过",
            "已批准",
            "批准",
            "确认",
            "审核",
            "approved",
            "confirmed",
            "accepted",
        ],
        "confirmed",
        Some(2),
        Likely,
    ),
    value(
        &["已完成", "完成", "completed", "done", "finished"],
        "finished, which usually means paid",
        Some(3),
        Guess,
    ),
];

fn clues(field: EnumField) -> &'static [ValueClue] {
    match field {
        EnumField::RuleType => RULE_TYPE,
        EnumField::BonusType => BONUS_TYPE,
        EnumField::Stage => STAGE,
    }
}

/// What `text`, a value of an enum column that is none of the field's labels, probably is.
pub(super) fn guess(field: EnumField, text: &str) -> Option<ValueGuess> {
    let words = Text::new(text);
    clues(field).iter().find_map(|clue| {
        let word = words.find(&clue.words)?;
        let meaning = clue.words.means;
        Some(match clue.value {
            Some(number) => ValueGuess::Value {
                number,
                confidence: clue.confidence,
                because: format!("{word} means {meaning}: {}", named(field, number)),
            },
            None => ValueGuess::NoValue {
                because: format!("{word} means {meaning}, which has no {}", field.name()),
            },
        })
    })
}

/// A value with its names: `3 paid (已发放)`.
pub(super) fn named(field: EnumField, number: i64) -> String {
    field
        .values()
        .iter()
        .find(|(n, _, _)| *n == number)
        .map_or_else(|| number.to_string(), describe)
}

/// Every value of the field with its names: `1 onboard (入职奖励), 2 process (过程奖励), …`.
pub(super) fn choices(field: EnumField) -> String {
    field
        .values()
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe((number, english, chinese): &EnumValue) -> String {
    format!("{number} {english} ({chinese})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(field: EnumField, text: &str) -> Option<i64> {
        match guess(field, text)? {
            ValueGuess::Value { number, .. } => Some(number),
            ValueGuess::NoValue { .. } => None,
        }
    }

    #[test]
    fn usual_values_find_their_numbers() {
        let cases = [
            (EnumField::RuleType, "入职奖", 1),
            (EnumField::RuleType, "面试奖", 2),
            (EnumField::RuleType, "到面奖", 2),
            (EnumField::RuleType, "春季活动", 3),
            (EnumField::RuleType, "Interview bonus", 2),
            (EnumField::Stage, "已打款", 3),
            (EnumField::Stage, "已支付", 3),
            (EnumField::Stage, "待审核", 1),
            (EnumField::Stage, "未确认", 1),
            (EnumField::Stage, "待发放", 2),
            (EnumField::Stage, "审核通过", 2),
            (EnumField::Stage, "Approved", 2),
            (EnumField::BonusType, "现金奖励", 2),
            (EnumField::BonusType, "积分奖励", 1),
        ];
        for (field, text, expected) in cases {
            assert_eq!(number(field, text), Some(expected), "{text}");
        }
    }

    #[test]
    fn rejected_and_unknown_values_are_left_to_the_user() {
        assert!(matches!(
            guess(EnumField::Stage, "已驳回"),
            Some(ValueGuess::NoValue { .. })
        ));
        assert_eq!(guess(EnumField::RuleType, "奇怪值"), None);
        assert_eq!(
            guess(EnumField::Stage, "已打款"),
            Some(ValueGuess::Value {
                number: 3,
                confidence: Likely,
                because: "已打款 means paid: 3 paid (已发放)".into()
            })
        );
    }
}
