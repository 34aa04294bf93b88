//! The request bodies built from representative rows, compared byte for byte with the JSON
//! Feishu expects, and the canonical hash's stability.

use rewardsync::reward::RewardBody;

use crate::common::check_text;

fn bodies(csv: &str) -> Vec<RewardBody> {
    check_text("b.csv", csv)
        .into_iter()
        .map(|checked| {
            assert!(checked.errors().next().is_none(), "{:?}", checked.problems);
            checked.body.expect("a valid row has a body")
        })
        .collect()
}

#[test]
fn bodies_are_exact_json() {
    let csv = "\
external_id,referral_user_id,application_id,talent_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,reason,create_time,confirm_time,pay_time,pay_user_id,comment
P-1,ou_a,7214000000000000001,,1,,100,,,1,,,,,,
C-100,ou_a,7214000000000000002,,2,2,,CNY,100,2,推荐奖励,1704720275000,1704720275001,,,
C-100.5,ou_a,,7213000000000000003,3,2,,USD,100.5,3,,,,1704720275002,ou_admin,\"已发放, 第二批\"
C-0.07,ou_a,7214000000000000004,,4,2,,CNY,0.07,2,入职｜开源,,,,,
C-max,ou_a,7214000000000000005,,5,2,,CNY,99999999.99,2,,,,,,
C-zeros,ou_a,7214000000000000006,,5,2,,CNY,100.50,2,,,,,,
";
    let got: Vec<String> = bodies(csv)
        .iter()
        .map(RewardBody::to_canonical_json)
        .collect();
    assert_eq!(
        got,
        [
            r#"{"referral_user_id":"ou_a","external_id":"P-1","application_id":"7214000000000000001","rule_type":1,"bonus":{"bonus_type":1,"point_bonus":100},"stage":1}"#,
            r#"{"referral_user_id":"ou_a","external_id":"C-100","application_id":"7214000000000000002","reason":"推荐奖励","rule_type":2,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":100}},"stage":2,"create_time":"1704720275000","confirm_time":"1704720275001"}"#,
            r#"{"referral_user_id":"ou_a","pay_user_id":"ou_admin","external_id":"C-100.5","talent_id":"7213000000000000003","rule_type":3,"bonus":{"bonus_type":2,"cash":{"currency_type":"USD","amount":100.5}},"stage":3,"pay_time":"1704720275002","comment":"已发放, 第二批"}"#,
            r#"{"referral_user_id":"ou_a","external_id":"C-0.07","application_id":"7214000000000000004","reason":"入职｜开源","rule_type":4,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":0.07}},"stage":2}"#,
            r#"{"referral_user_id":"ou_a","external_id":"C-max","application_id":"7214000000000000005","rule_type":5,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":99999999.99}},"stage":2}"#,
            r#"{"referral_user_id":"ou_a","external_id":"C-zeros","application_id":"7214000000000000006","rule_type":5,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":100.5}},"stage":2}"#,
        ]
    );
}

#[test]
fn canonical_hash_ignores_column_order_and_cell_whitespace() {
    let a = bodies(
        "external_id,referral_user_id,application_id,rule_type,point_bonus,stage,reason\nE1,ou_a,app,1,100,2,入职\n",
    );
    let b = bodies(
        "stage,reason,point_bonus , rule_type,application_id,referral_user_id,external_id\n 2 ,入职 ,100,1,app,ou_a,  E1\n",
    );
    assert_eq!(a[0].canonical_hash(), b[0].canonical_hash());
    let c = bodies(
        "external_id,referral_user_id,application_id,rule_type,point_bonus,stage,reason\nE1,ou_a,app,1,101,2,入职\n",
    );
    assert_ne!(a[0].canonical_hash(), c[0].canonical_hash());
}
