//! Header names as legacy exports write them: matched case-insensitively, ignoring spaces,
//! `_` and full-width/half-width differences, to a field's canonical name or to the labels
//! of Feishu's own documentation (SPEC §2.1).

use crate::read::field::{Field, normalize};

/// The documentation's labels of each field, besides its canonical name.
const LABELS: &[(Field, &[&str])] = &[
    (Field::ReferralUserId, &["内推人ID"]),
    (Field::ReferralUserEmail, &["内推人邮箱"]),
    (Field::ReferralUserMobile, &["内推人手机号"]),
    (
        Field::ExternalId,
        &["外部奖励ID", "外部系统奖励ID", "奖励ID"],
    ),
    (Field::ApplicationId, &["投递ID"]),
    (Field::TalentId, &["人才ID"]),
    (Field::TalentEmail, &["候选人邮箱"]),
    (Field::TalentMobile, &["候选人手机号"]),
    (Field::JobId, &["职位ID"]),
    (Field::Reason, &["奖励原因"]),
    (Field::RuleType, &["奖励规则类型", "奖励类型"]),
    (Field::BonusType, &["奖励发放形式", "发放形式"]),
    (Field::PointBonus, &["积分", "积分数量"]),
    (Field::CurrencyType, &["币种"]),
    (Field::Amount, &["金额", "现金金额"]),
    (Field::Stage, &["奖励状态"]),
    (Field::CreateTime, &["奖励产生时间"]),
    (Field::ConfirmTime, &["确认时间"]),
    (Field::PayTime, &["发放时间"]),
    (Field::OnboardTime, &["入职时间"]),
    (Field::ConversionTime, &["转正时间"]),
    (Field::CreateUserId, &["创建人ID"]),
    (Field::ConfirmUserId, &["确认人ID"]),
    (Field::PayUserId, &["发放人ID"]),
    (Field::CreateUserEmail, &["创建人邮箱"]),
    (Field::CreateUserMobile, &["创建人手机号"]),
    (Field::ConfirmUserEmail, &["确认人邮箱"]),
    (Field::ConfirmUserMobile, &["确认人手机号"]),
    (Field::PayUserEmail, &["发放人邮箱"]),
    (Field::PayUserMobile, &["发放人手机号"]),
    (Field::Comment, &["备注", "操作备注"]),
];

/// The field a header name stands for: its canonical name or one of its labels.
pub fn field_of(name: &str) -> Option<Field> {
    let name = normalize(name);
    if name.is_empty() {
        return None;
    }
    Field::ALL
        .into_iter()
        .find(|field| normalize(field.name()) == name)
        .or_else(|| {
            LABELS
                .iter()
                .find(|(_, labels)| labels.iter().any(|label| normalize(label) == name))
                .map(|(field, _)| *field)
        })
}

/// Every name a field is known by: its canonical name, then its labels.
pub fn names_of(field: Field) -> impl Iterator<Item = &'static str> {
    std::iter::once(field.name()).chain(
        LABELS
            .iter()
            .filter(move |(f, _)| *f == field)
            .flat_map(|(_, labels)| labels.iter().copied()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_and_canonical_name_finds_its_field() {
        for field in Field::ALL {
            for name in names_of(field) {
                assert_eq!(field_of(name), Some(field), "{name}");
                assert_eq!(
                    field_of(&format!(" {name} ")),
                    Some(field),
                    "{name} with spaces"
                );
            }
        }
    }

    #[test]
    fn case_spaces_underscores_and_width_do_not_matter() {
        for name in [
            "Referral User ID",
            "REFERRAL_USER_ID",
            "referraluserid",
            "ｒｅｆｅｒｒａｌ＿ｕｓｅｒ＿ｉｄ",
            "内推人ＩＤ",
            "内推人 id",
            "内推人\u{3000}ID",
        ] {
            assert_eq!(field_of(name), Some(Field::ReferralUserId), "{name}");
        }
        assert_eq!(field_of("奖励编号"), None);
        assert_eq!(field_of(""), None);
    }
}
