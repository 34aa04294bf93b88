#!/usr/bin/env python3
"""Drives a running `rewardsync sandbox` with Feishu's official Python SDK (lark-oapi), to
show the sandbox is faithful enough for real clients: token without Content-Type, the same
paths, JSON shapes and codes. Not part of CI (it needs a package from PyPI).

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
from lark_oapi.api.hire.v1.model import BonusAmount, Cash, ExternalReward

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
nobody = client.hire.v1.referral_account.create(
    CreateReferralAccountRequest.builder()
    .request_body(CreateReferralAccountRequestBody.builder().email("nobody@example.com").build())
    .build()
)
check("unknown employee 1002551", nobody.code == 1002551, f"{nobody.code} {nobody.msg}")

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

sys.exit(1 if failures else 0)
