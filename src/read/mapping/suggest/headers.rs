//! Close matches of header names that are neither a field's name nor a documented label:
//! the words legacy exports use (奖励编号, 推荐人, 发放日期, Reward No, Paid At), each
//! combination of words standing for one field with a confidence.
//!
//! A clue needs every one of its word groups (推荐人 + ID: the referrer's id) and none of
//! its exclusions (推荐人邮箱 is the referrer's e-mail, not an id). Of the clues a header
//! meets, the surest wins, and among equally sure ones the first in [`CLUES`]: the table
//! lists the more specific clues first.

use super::words::{Text, Words};
use crate::read::field::Field;

/// How sure a guess is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// One word points at it; another reading is quite possible.
    Guess,
    /// The words say it, in the usual way of exports.
    Likely,
    /// The words say exactly it (推荐人 + ID), or the data agrees with the header.
    Sure,
}

impl Confidence {
    /// The word the suggested file says it with.
    pub fn word(self) -> &'static str {
        match self {
            Confidence::Guess => "a guess",
            Confidence::Likely => "likely",
            Confidence::Sure => "sure",
        }
    }

    /// One step surer (sure stays sure).
    pub fn up(self) -> Confidence {
        match self {
            Confidence::Guess => Confidence::Likely,
            _ => Confidence::Sure,
        }
    }

    /// One step less sure; None below a guess.
    pub fn down(self) -> Option<Confidence> {
        match self {
            Confidence::Sure => Some(Confidence::Likely),
            Confidence::Likely => Some(Confidence::Guess),
            Confidence::Guess => None,
        }
    }
}

/// A header matched to a field by its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseMatch {
    /// The field.
    pub field: Field,
    /// How sure.
    pub confidence: Confidence,
    /// Why, in words: `推荐人 is the referrer, ID is an id`.
    pub because: String,
}

const ID: Words = Words {
    words: &[
        "编号", "单号", "号码", "编码", "代码", "号", "id", "no", "number", "num", "code", "key",
    ],
    means: "an id",
};
const REFERRER: Words = Words {
    words: &[
        "推荐人",
        "内推人",
        "推荐者",
        "内推者",
        "推荐员工",
        "内推员工",
        "referrer",
        "referral",
        "referred by",
    ],
    means: "the referrer",
};
/// 被推荐人 is the one referred (the candidate), though it holds 推荐人.
const REFERRED: Words = Words {
    words: &["被推荐", "被内推"],
    means: "the one referred",
};
const EXTERNAL: Words = Words {
    words: &["外部", "原系统", "旧系统", "external", "legacy"],
    means: "another system's",
};
const REWARD: Words = Words {
    words: &["奖励", "奖金", "记录", "流水", "reward", "bonus", "record"],
    means: "the reward",
};
const APPLICATION: Words = Words {
    words: &["投递", "申请", "application", "apply"],
    means: "an application",
};
/// 申请人 is the applicant (a person), though it holds 申请.
const APPLICANT: Words = Words {
    words: &["申请人"],
    means: "the applicant",
};
const TALENT: Words = Words {
    words: &[
        "人才",
        "候选人",
        "应聘者",
        "被推荐人",
        "被推荐者",
        "被内推人",
        "candidate",
        "talent",
        "referee",
    ],
    means: "the candidate",
};
const JOB: Words = Words {
    words: &["职位", "岗位", "job", "position"],
    means: "a job",
};
const TIME: Words = Words {
    words: &[
        "时间",
        "日期",
        "时刻",
        "date",
        "time",
        "at",
        "datetime",
        "timestamp",
    ],
    means: "a time",
};
const CREATED: Words = Words {
    words: &[
        "产生",
        "创建",
        "生成",
        "申请",
        "提交",
        "录入",
        "推荐",
        "created",
        "create",
        "creation",
        "submitted",
    ],
    means: "when it was created",
};
const CONFIRMED: Words = Words {
    words: &[
        "确认",
        "审核",
        "审批",
        "批准",
        "confirmed",
        "confirm",
        "confirmation",
        "approved",
        "approval",
    ],
    means: "confirmation",
};
const PAID: Words = Words {
    words: &[
        "发放", "支付", "打款", "付款", "到账", "paid", "pay", "payment", "payout",
    ],
    means: "payment",
};
const ONBOARD: Words = Words {
    words: &[
        "入职",
        "到岗",
        "报到",
        "onboard",
        "onboarded",
        "onboarding",
        "hired",
        "hire",
        "joined",
    ],
    means: "onboarding",
};
const CONVERSION: Words = Words {
    words: &["转正", "conversion", "converted", "regularized"],
    means: "conversion (转正)",
};
const CREATOR: Words = Words {
    words: &[
        "创建人",
        "创建者",
        "录入人",
        "提交人",
        "creator",
        "created by",
    ],
    means: "who created it",
};
const CONFIRMER: Words = Words {
    words: &[
        "确认人",
        "审核人",
        "审批人",
        "批准人",
        "confirmer",
        "approver",
        "reviewer",
        "confirmed by",
        "approved by",
    ],
    means: "who confirmed it",
};
const PAYER: Words = Words {
    words: &["发放人", "支付人", "打款人", "付款人", "payer", "paid by"],
    means: "who paid it",
};
const BONUS_WAY: Words = Words {
    words: &[
        "发放方式",
        "发放形式",
        "发放类型",
        "奖励形式",
        "奖励方式",
        "奖金形式",
        "方式",
        "形式",
        "method",
        "payout type",
    ],
    means: "how it is given (points or cash)",
};
const TYPE: Words = Words {
    words: &[
        "类型", "类别", "种类", "规则", "type", "kind", "category", "rule",
    ],
    means: "a kind of reward",
};
const POINTS: Words = Words {
    words: &["积分", "分值", "points", "point", "score"],
    means: "points",
};
const CURRENCY: Words = Words {
    words: &["币种", "货币", "币别", "币", "currency"],
    means: "a currency",
};
const AMOUNT: Words = Words {
    words: &[
        "金额", "奖金", "现金", "数额", "amount", "cash", "money", "sum",
    ],
    means: "an amount of money",
};
const STATUS: Words = Words {
    words: &["状态", "进度", "status", "stage", "state"],
    means: "a status",
};
const REASON: Words = Words {
    words: &["原因", "事由", "理由", "reason", "cause"],
    means: "a reason",
};
const COMMENT: Words = Words {
    words: &[
        "备注",
        "说明",
        "注释",
        "描述",
        "remark",
        "remarks",
        "note",
        "notes",
        "comment",
        "comments",
        "memo",
        "description",
    ],
    means: "a comment",
};
const EMAIL: Words = Words {
    words: &["邮箱", "邮件", "email", "mail"],
    means: "an e-mail",
};
const MOBILE: Words = Words {
    words: &["手机", "电话", "mobile", "phone", "tel"],
    means: "a mobile number",
};
const NAME: Words = Words {
    words: &[
        "姓名",
        "名字",
        "名称",
        "name",
        "title",
        "部门",
        "department",
    ],
    means: "a name",
};

/// Headers that number the rows: never a field, whatever 号 says.
const ROW_NUMBERS: &[&str] = &["序号", "行号", "#", "row", "index", "seq", "sn"];

/// A combination of words that stands for a field.
struct Clue {
    field: Field,
    /// Every group must be found.
    all: &'static [&'static Words],
    /// None of these may be found.
    unless: &'static [&'static Words],
    confidence: Confidence,
}

/// What rules a column out as an id: a person's contact or name is not a Feishu id (an
/// e-mail or mobile has fields of its own, looked up at import).
const NOT_AN_ID: &[&Words] = &[&EMAIL, &MOBILE, &NAME];
const NOT_THE_REFERRER: &[&Words] = &[&EMAIL, &MOBILE, &NAME, &REFERRED];
const NOT_AN_APPLICATION: &[&Words] = &[&EMAIL, &MOBILE, &NAME, &APPLICANT];

const fn clue(
    field: Field,
    all: &'static [&'static Words],
    unless: &'static [&'static Words],
    confidence: Confidence,
) -> Clue {
    Clue {
        field,
        all,
        unless,
        confidence,
    }
}

use Confidence::{Guess, Likely, Sure};

/// Every clue, the more specific first (they win ties).
const CLUES: &[Clue] = &[
    clue(
        Field::ReferralUserEmail,
        &[&REFERRER, &EMAIL],
        &[&REFERRED],
        Sure,
    ),
    clue(
        Field::ReferralUserMobile,
        &[&REFERRER, &MOBILE],
        &[&REFERRED],
        Sure,
    ),
    clue(Field::CreateUserEmail, &[&CREATOR, &EMAIL], &[], Sure),
    clue(Field::CreateUserMobile, &[&CREATOR, &MOBILE], &[], Sure),
    clue(Field::ConfirmUserEmail, &[&CONFIRMER, &EMAIL], &[], Sure),
    clue(Field::ConfirmUserMobile, &[&CONFIRMER, &MOBILE], &[], Sure),
    clue(Field::PayUserEmail, &[&PAYER, &EMAIL], &[], Sure),
    clue(Field::PayUserMobile, &[&PAYER, &MOBILE], &[], Sure),
    clue(Field::TalentEmail, &[&TALENT, &EMAIL], &[], Sure),
    clue(Field::TalentMobile, &[&TALENT, &MOBILE], &[], Sure),
    clue(
        Field::ReferralUserId,
        &[&REFERRER, &ID],
        NOT_THE_REFERRER,
        Sure,
    ),
    clue(Field::CreateUserId, &[&CREATOR, &ID], NOT_AN_ID, Sure),
    clue(Field::ConfirmUserId, &[&CONFIRMER, &ID], NOT_AN_ID, Sure),
    clue(Field::PayUserId, &[&PAYER, &ID], NOT_AN_ID, Sure),
    clue(
        Field::ApplicationId,
        &[&APPLICATION, &ID],
        NOT_AN_APPLICATION,
        Sure,
    ),
    clue(Field::TalentId, &[&TALENT, &ID], NOT_AN_ID, Sure),
    clue(Field::JobId, &[&JOB, &ID], NOT_AN_ID, Sure),
    clue(Field::ExternalId, &[&EXTERNAL, &ID], NOT_AN_ID, Sure),
    clue(Field::ExternalId, &[&REWARD, &ID], NOT_AN_ID, Likely),
    clue(Field::CreateTime, &[&CREATED, &TIME], &[], Likely),
    clue(Field::ConfirmTime, &[&CONFIRMED, &TIME], &[], Likely),
    clue(Field::PayTime, &[&PAID, &TIME], &[], Likely),
    clue(Field::OnboardTime, &[&ONBOARD, &TIME], &[], Likely),
    clue(Field::ConversionTime, &[&CONVERSION, &TIME], &[], Likely),
    clue(Field::CreateUserId, &[&CREATOR], NOT_AN_ID, Likely),
    clue(Field::ConfirmUserId, &[&CONFIRMER], NOT_AN_ID, Likely),
    clue(Field::PayUserId, &[&PAYER], NOT_AN_ID, Likely),
    clue(
        Field::ReferralUserId,
        &[&REFERRER],
        NOT_THE_REFERRER,
        Likely,
    ),
    clue(Field::TalentId, &[&TALENT], NOT_AN_ID, Likely),
    clue(Field::JobId, &[&JOB], NOT_AN_ID, Likely),
    clue(Field::BonusType, &[&BONUS_WAY], &[], Likely),
    clue(Field::RuleType, &[&TYPE], &[], Likely),
    clue(Field::PointBonus, &[&POINTS], &[], Likely),
    clue(Field::CurrencyType, &[&CURRENCY], &[], Likely),
    clue(Field::Amount, &[&AMOUNT], &[], Likely),
    clue(Field::Stage, &[&STATUS], &[], Likely),
    clue(Field::Reason, &[&REASON], &[], Likely),
    clue(Field::Comment, &[&COMMENT], &[], Likely),
    clue(Field::CreateTime, &[&TIME], &[], Guess),
    clue(Field::ExternalId, &[&ID], NOT_AN_ID, Guess),
];

/// What the words of a header say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum HeaderWords {
    /// A close match.
    Match(CloseMatch),
    /// A clue's words are there, but so is a word that rules it out: why, for the
    /// comment of an ignored column.
    RuledOut(String),
    /// The header numbers the rows.
    RowNumber,
    /// Nothing.
    Nothing,
}

/// The field a header's words stand for, when it is no field's name or label.
pub fn close_match(header: &str) -> Option<CloseMatch> {
    match header_words(header) {
        HeaderWords::Match(found) => Some(found),
        _ => None,
    }
}

/// What a header's words say, match or not.
pub(super) fn header_words(header: &str) -> HeaderWords {
    let text = Text::new(header);
    if text.normal().is_empty() {
        return HeaderWords::Nothing;
    }
    if ROW_NUMBERS.contains(&text.normal().trim_end_matches('.')) {
        return HeaderWords::RowNumber;
    }
    let mut best: Option<CloseMatch> = None;
    let mut ruled_out = None;
    for clue in CLUES {
        let Some(found) = clue
            .all
            .iter()
            .map(|words| text.find(words).map(|word| (word, words.means)))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let because = found
            .iter()
            .map(|(word, means)| format!("{word} is {means}"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some((word, means)) = clue
            .unless
            .iter()
            .find_map(|words| text.find(words).map(|word| (word, words.means)))
        {
            ruled_out.get_or_insert_with(|| {
                format!(
                    "{because}, but {word} says {means}, not {}",
                    describe(clue.field)
                )
            });
            continue;
        }
        if best.as_ref().is_none_or(|b| clue.confidence > b.confidence) {
            best = Some(CloseMatch {
                field: clue.field,
                confidence: clue.confidence,
                because,
            });
        }
    }
    match (best, ruled_out) {
        (Some(found), _) => HeaderWords::Match(found),
        (None, Some(why)) => HeaderWords::RuledOut(why),
        (None, None) => HeaderWords::Nothing,
    }
}

/// A field in words, for "… says an e-mail, not the referrer's id".
fn describe(field: Field) -> &'static str {
    match field {
        Field::ReferralUserId => "the referrer's Feishu id (referral_user_id)",
        Field::CreateUserId => "a Feishu user id (create_user_id)",
        Field::ConfirmUserId => "a Feishu user id (confirm_user_id)",
        Field::PayUserId => "a Feishu user id (pay_user_id)",
        Field::ApplicationId => "an application id",
        Field::TalentId => "a talent id",
        Field::JobId => "a job id",
        _ => "an id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(header: &str) -> Option<(Field, Confidence)> {
        close_match(header).map(|m| (m.field, m.confidence))
    }

    #[test]
    fn the_words_of_legacy_exports_find_their_fields() {
        let cases = [
            ("奖励编号", Field::ExternalId, Likely),
            ("外部编号", Field::ExternalId, Sure),
            ("编号", Field::ExternalId, Guess),
            ("Reward No", Field::ExternalId, Likely),
            ("推荐人ID", Field::ReferralUserId, Sure),
            ("推荐人", Field::ReferralUserId, Likely),
            ("内推人工号", Field::ReferralUserId, Sure),
            ("Referrer", Field::ReferralUserId, Likely),
            ("投递编号", Field::ApplicationId, Sure),
            ("候选人", Field::TalentId, Likely),
            ("被推荐人ID", Field::TalentId, Sure),
            ("岗位编码", Field::JobId, Sure),
            ("类型", Field::RuleType, Likely),
            ("发放方式", Field::BonusType, Likely),
            ("奖励金额(元)", Field::Amount, Likely),
            ("Amount", Field::Amount, Likely),
            ("积分值", Field::PointBonus, Likely),
            ("货币", Field::CurrencyType, Likely),
            ("状态", Field::Stage, Likely),
            ("Status", Field::Stage, Likely),
            ("发放日期", Field::PayTime, Likely),
            ("打款时间", Field::PayTime, Likely),
            ("Paid At", Field::PayTime, Likely),
            ("申请时间", Field::CreateTime, Likely),
            ("Created At", Field::CreateTime, Likely),
            ("确认日期", Field::ConfirmTime, Likely),
            ("入职日期", Field::OnboardTime, Likely),
            ("转正日期", Field::ConversionTime, Likely),
            ("日期", Field::CreateTime, Guess),
            ("创建人", Field::CreateUserId, Likely),
            ("审核人ID", Field::ConfirmUserId, Sure),
            ("打款人", Field::PayUserId, Likely),
            ("说明", Field::Comment, Likely),
            ("Notes", Field::Comment, Likely),
            ("事由", Field::Reason, Likely),
        ];
        for (header, field, confidence) in cases {
            assert_eq!(matched(header), Some((field, confidence)), "{header}");
        }
    }

    #[test]
    fn names_and_row_numbers_are_no_ids() {
        for header in ["部门", "序号", "#", "推荐人姓名", "手机号", "职位名称"] {
            assert_eq!(matched(header), None, "{header}");
        }
        assert_eq!(header_words("序号"), HeaderWords::RowNumber);
        let HeaderWords::RuledOut(why) = header_words("推荐人姓名") else {
            panic!("not ruled out");
        };
        assert_eq!(
            why,
            "推荐人 is the referrer, but 姓名 says a name, not the referrer's Feishu id (referral_user_id)"
        );
    }

    #[test]
    fn contacts_are_the_people_columns_looked_up_at_import() {
        for (header, field) in [
            ("推荐人邮箱", Field::ReferralUserEmail),
            ("内推人手机号", Field::ReferralUserMobile),
            ("Referrer Email", Field::ReferralUserEmail),
            ("候选人手机", Field::TalentMobile),
            ("被推荐人邮箱", Field::TalentEmail),
            ("Candidate Phone", Field::TalentMobile),
            ("发放人邮箱", Field::PayUserEmail),
            ("确认人手机号", Field::ConfirmUserMobile),
        ] {
            assert_eq!(matched(header), Some((field, Sure)), "{header}");
        }
    }

    #[test]
    fn the_reason_names_the_words_found() {
        let found = close_match("推荐人ID").unwrap();
        assert_eq!(found.because, "推荐人 is the referrer, ID is an id");
    }
}
