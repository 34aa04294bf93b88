//! Pacing as the server measures it (SPEC §5): every attempt takes a throttle slot (a
//! resend after a refused token too), nothing delays a request after its slot (the token
//! is fetched before), and a run started right after another does not start with a 429.
//! The sandbox counts a strict sliding one-second window of arrivals.

use std::time::Duration;

use rewardsync_sandbox::SandboxConfig;

use crate::common::{Live, Workdir};

const REWARDS: &str = "POST /open-apis/hire/v1/external_referral_rewards";

/// 429s the sandbox answered to reward imports, and the most it accepted in any second.
fn pacing(live: &Live) -> (u64, usize) {
    let state = live.sandbox.summary();
    (
        state.throttled.get(REWARDS).copied().unwrap_or(0),
        state.peak_per_second.get(REWARDS).copied().unwrap_or(0),
    )
}

#[test]
fn every_attempt_takes_a_slot_across_token_refreshes_and_refused_tokens() {
    // Tokens live 3 s (refreshed every 1.5 s), and twice every token is revoked mid-run,
    // so some requests are refused and resent with a fresh one.
    let live = Live::start(SandboxConfig {
        token_ttl: Duration::from_secs(3),
        // Several requests in flight when the tokens are revoked: each is refused and resent.
        latency: Duration::from_millis(400),
        jitter: Duration::from_millis(100),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 40, "PACE");
    let child = live
        .std_command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    live.wait_for("12 rewards", |s| s.reward_count >= 12);
    live.sandbox.expire_tokens();
    live.wait_for("25 rewards", |s| s.reward_count >= 25);
    live.sandbox.expire_tokens();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let state = live.sandbox.summary();
    assert_eq!(state.reward_count, 40);
    assert!(
        state.tokens_issued >= 3,
        "tokens were refreshed: {}",
        state.tokens_issued
    );
    let (throttled, peak) = pacing(&live);
    assert_eq!(throttled, 0, "no request arrived inside another's second");
    assert!(
        peak <= 10,
        "at most --rate arrivals in any sliding second: {peak}"
    );
}

#[test]
fn a_run_started_right_after_another_waits_out_the_rest_of_its_second() {
    let live = Live::start(SandboxConfig::default());
    let wrk = Workdir::new();
    let first = wrk.generated("first.csv", 12, "FIRST");
    let second = wrk.generated("second.csv", 12, "SECOND");
    for file in [&first, &second] {
        live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
            .assert()
            .code(0);
    }
    let (throttled, peak) = pacing(&live);
    assert_eq!(
        throttled, 0,
        "the second run began inside the first one's last second"
    );
    assert!(peak <= 10, "{peak}");
    assert_eq!(live.sandbox.summary().reward_count, 24);
}
