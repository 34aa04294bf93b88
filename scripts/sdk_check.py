#!/usr/bin/env python3
"""Drives a running `rewardsync sandbox` with Feishu's official Python SDK (lark-oapi), to
show the sandbox is faithful enough for real clients: token without Content-Type, the same
paths, JSON shapes and codes, the people lookups included (run the sandbox without
--directory and without --talents: the lookups then make up whom they do not know). Not part
of CI (it needs a package from PyPI).

    python3 -m venv .venv && .venv/bin/pip install lark-oapi
    rewardsync sandbox --listen 127.0.0.1:8787 &
    .venv/bin/python scripts/sdk_check.py http://127.0.0.1:8787

Exits 0 when every check passes, and prints one line per check.
"""

import sys

import lark_oapi as lark
from lark_oapi.api.hire.v1 import (
    CreateExternalReferralRewardRequest,
    CreateReferralAccountRequest,
    CreateReferralAccountRequestBody,
    DeactivateReferralAccountRequest,
    DeleteExternalReferralRewardRequest,
    EnableReferralAccountRequest,
    EnableReferralAccountRequestBody,
    GetAccountAssetsReferralAccountRequest,
)
from lark_oapi.api.hire.v1.model import BonusAmount, Cash, ExternalReward, Mobile
from lark_oapi.api.contact.v3 import BatchGetIdUserRequest, BatchGetIdUserRequestBody
from lark_oapi.api.hire.v1 import BatchGetIdTalentRequest, BatchGetIdTalentRequestBody

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8787"
REFERRER = "ou_92de5a850f66e08be93b0f9a48353d42"  # 王芳 in samples/employees.csv
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    failures += 0 if ok else 1


client = (
    lark.Client.builder()
    .app_id("cli_sandbox")
    .app_secret("sandbox_secret")
    .domain(BASE)
    .log_level(lark.LogLevel.WARNING)
    .build()
)


def reward(external_id, amount, stage=2, rule_type=1):
    return (
        CreateExternalReferralRewardRequest.builder()
        .user_id_type("open_id")
        .request_body(
            ExternalReward.builder()
            .referral_user_id(REFERRER)
            .external_id(external_id)
            .application_id("6930815272790114325")
            .rule_type(rule_type)
            .bonus(
                BonusAmount.builder()
                .bonus_type(2)
                .cash(Cash.builder().currency_type("CNY").amount(amount).build())
                .build()
            )
            .stage(stage)
            .build()
        )
        .build()
    )


first = client.hire.v1.external_referral_reward.create(reward("sdk-1", 100.5))
check("create reward", first.success() and first.data.id, f"{first.code} {first.msg}")
again = client.hire.v1.external_referral_reward.create(reward("sdk-1", 100.5))
check("same external_id, same id", again.success() and again.data.id == first.data.id, again.msg)
check("log id header", bool(first.get_log_id()), "no x-tt-logid")
bad = client.hire.v1.external_referral_reward.create(reward("sdk-2", 1, rule_type=9))
check("parameter error 1002002 names the field", bad.code == 1002002 and "rule_type" in bad.msg, f"{bad.code} {bad.msg}")

account = client.hire.v1.referral_account.create(
    CreateReferralAccountRequest.builder()
    .request_body(CreateReferralAccountRequestBody.builder().email("wang.fang@example.com").build())
    .build()
)
check("register account", account.success() and account.data.account.account_id, f"{account.code} {account.msg}")
account_id = account.data.account.account_id if account.success() else "0"
# Without --directory a stranger's e-mail is made up; an e-mail and a mobile of two
# different employees name no one in either mode.
nobody = client.hire.v1.referral_account.create(
    CreateReferralAccountRequest.builder()
    .request_body(
        CreateReferralAccountRequestBody.builder()
        .email("wang.fang@example.com")
        .mobile(Mobile.builder().code("86").number("13910000000").build())
        .build()
    )
    .build()
)
check("no such employee 1002551", nobody.code == 1002551, f"{nobody.code} {nobody.msg}")

assets = client.hire.v1.referral_account.get_account_assets(
    GetAccountAssetsReferralAccountRequest.builder().referral_account_id(account_id).user_id_type("open_id").build()
)
confirmed = assets.data.account.assets.confirmed_bonus if assets.success() else None
cash = {c.currency_type: c.amount for c in (confirmed.cash_bonus or [])} if confirmed else {}
check("assets count the confirmed reward", cash.get("CNY") == 100.5, f"{assets.code} {assets.msg} {cash}")
check("assets name the referrer", assets.success() and assets.data.account.referrer.id == REFERRER, assets.msg)

off = client.hire.v1.referral_account.deactivate(
    DeactivateReferralAccountRequest.builder().referral_account_id(account_id).build()
)
check("deactivate", off.success() and off.data.account.status == 2, f"{off.code} {off.msg}")
on = client.hire.v1.referral_account.enable(
    EnableReferralAccountRequest.builder()
    .request_body(EnableReferralAccountRequestBody.builder().referral_account_id(account_id).build())
    .build()
)
check("enable", on.success() and on.data.account.status == 1, f"{on.code} {on.msg}")
missing = client.hire.v1.referral_account.enable(
    EnableReferralAccountRequest.builder()
    .request_body(EnableReferralAccountRequestBody.builder().referral_account_id("404").build())
    .build()
)
check("unknown account 1002553", missing.code == 1002553, f"{missing.code} {missing.msg}")

deleted = client.hire.v1.external_referral_reward.delete(
    DeleteExternalReferralRewardRequest.builder().external_referral_reward_id(first.data.id if first.success() else "0").build()
)
check("delete reward", deleted.success(), f"{deleted.code} {deleted.msg}")



def users(emails=None, mobiles=None, id_type="open_id"):
    body = BatchGetIdUserRequestBody.builder().include_resigned(False)
    if emails is not None:
        body = body.emails(emails)
    if mobiles is not None:
        body = body.mobiles(mobiles)
    return client.contact.v3.user.batch_get_id(
        BatchGetIdUserRequest.builder().user_id_type(id_type).request_body(body.build()).build()
    )


found = users(emails=["wang.fang@example.com", "Wang.Fang@example.com"], mobiles=["13911234567", "+8613911234567"])
user_list = found.data.user_list if found.success() else []
check("user lookup: one entry per e-mail and per mobile", len(user_list) == 4, f"{found.code} {found.msg}")
check(
    "user lookup: e-mail and mobile find the employee, with status",
    [u.user_id for u in user_list[:3]] == [REFERRER] * 3
    and user_list[0].email == "wang.fang@example.com"
    and user_list[2].mobile == "13911234567"
    and user_list[0].status is not None
    and user_list[0].status.is_activated is True
    and user_list[0].status.is_resigned is False,
    [vars(u) for u in user_list],
)
check(
    "user lookup: +86 in front is not the documented form: no user_id",
    len(user_list) == 4 and not user_list[3].user_id and user_list[3].mobile == "+8613911234567",
    [vars(u) for u in user_list],
)
by_union = users(emails=["wang.fang@example.com"], id_type="union_id")
check(
    "user lookup: union_id",
    by_union.success() and by_union.data.user_list[0].user_id == "on_2756493d14f72d5d0c9dc4f936274b84",
    f"{by_union.code} {by_union.msg}",
)
stranger = users(emails=["sdk.check@legacy.example"])
stranger_id = stranger.data.user_list[0].user_id if stranger.success() else None
again = users(emails=["sdk.check@legacy.example"])
check(
    "user lookup: a stranger is made up once, with the same open_id",
    bool(stranger_id) and stranger_id.startswith("ou_") and again.success() and again.data.user_list[0].user_id == stranger_id,
    f"{stranger.code} {stranger.msg}",
)
too_many = users(emails=[f"p{i}@legacy.example" for i in range(51)])
# BaseResponse keeps `error` as the JSON object it was (its model is not applied).
error = too_many.error if isinstance(too_many.error, dict) else vars(too_many.error or {})
violations = error.get("field_violations") or [{}]
check(
    "user lookup: 51 e-mails is 99992402 naming the field",
    too_many.code == 99992402 and violations[0].get("field") == "emails",
    f"{too_many.code} {too_many.msg}",
)
referred = client.hire.v1.external_referral_reward.create(
    CreateExternalReferralRewardRequest.builder()
    .user_id_type("open_id")
    .request_body(
        ExternalReward.builder()
        .referral_user_id(stranger_id or "ou_missing")
        .external_id("sdk-lookup-1")
        .application_id("6930815272790114325")
        .rule_type(1)
        .bonus(BonusAmount.builder().bonus_type(1).point_bonus(100).build())
        .stage(2)
        .build()
    )
    .build()
)
check("the made-up open_id is accepted as a referrer", referred.success(), f"{referred.code} {referred.msg}")


def talents(body):
    return client.hire.v1.talent.batch_get_id(BatchGetIdTalentRequest.builder().request_body(body).build())


by_mobile = talents(BatchGetIdTalentRequestBody.builder().mobile_number_list(["13600000001"]).build())
talent_list = by_mobile.data.talent_list if by_mobile.success() else []
check(
    "talent lookup by mobile: one talent, mobile_code 86 echoed, no e-mail",
    len(talent_list) == 1
    and talent_list[0].talent_id
    and talent_list[0].mobile_code == "86"
    and talent_list[0].mobile_number == "13600000001"
    and talent_list[0].email is None,
    f"{by_mobile.code} {by_mobile.msg}",
)
same = talents(BatchGetIdTalentRequestBody.builder().mobile_code("86").mobile_number_list(["13600000001"]).build())
check(
    "talent lookup: the same value gives the same talent",
    same.success() and talent_list and [t.talent_id for t in same.data.talent_list] == [talent_list[0].talent_id],
    f"{same.code} {same.msg}",
)
by_mail = talents(BatchGetIdTalentRequestBody.builder().email_list(["cand@legacy.example"]).build())
check(
    "talent lookup by e-mail",
    by_mail.success() and len(by_mail.data.talent_list) == 1 and by_mail.data.talent_list[0].email == "cand@legacy.example",
    f"{by_mail.code} {by_mail.msg}",
)
bad_mobile = talents(BatchGetIdTalentRequestBody.builder().mobile_number_list(["139-0000"]).build())
check("talent lookup: invalid mobile 1002009", bad_mobile.code == 1002009, f"{bad_mobile.code} {bad_mobile.msg}")
too_many = talents(BatchGetIdTalentRequestBody.builder().email_list([f"c{i}@legacy.example" for i in range(51)]).build())
check(
    "talent lookup: 51 e-mails is 1002002 naming the field",
    too_many.code == 1002002 and "email_list" in (too_many.msg or ""),
    f"{too_many.code} {too_many.msg}",
)

sys.exit(1 if failures else 0)
