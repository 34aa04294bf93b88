//! `rewardsync sandbox`: serve the local stand-in until Ctrl-C, after printing its
//! settings and a block of `export` lines to paste into another shell.

use std::time::Duration;

use anyhow::Context;

use crate::cli::SandboxArgs;
use rewardsync::exit::Exit;
use rewardsync::sandbox::{self, Directory, Endpoint, Sandbox, SandboxConfig};

/// Runs the sandbox in the foreground.
pub fn run(args: SandboxArgs) -> anyhow::Result<Exit> {
    let config = config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let sandbox = sandbox::start(config.clone())
            .await
            .context("cannot start the sandbox")?;
        print_settings(&sandbox, &config);
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        eprintln!("rewardsync: stopping the sandbox");
        sandbox.shutdown().await.context("stopping the sandbox")?;
        Ok(Exit::Success)
    })
}

/// The library configuration for what the user typed.
fn config(args: &SandboxArgs) -> anyhow::Result<SandboxConfig> {
    let directory = match &args.directory {
        Some(path) => Directory::from_path(path)?,
        None => Directory::sample(),
    };
    Ok(SandboxConfig {
        listen: args.listen,
        app_id: args.app_id.clone(),
        app_secret: args.app_secret.clone(),
        token_ttl: Duration::from_secs(args.token_ttl),
        reward_rate: args.reward_rate,
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        fail_rate: args.fail_rate,
        drop_rate: args.drop_rate,
        deny_permission: args.deny_permission,
        seed: args.seed,
        directory,
        ..SandboxConfig::default()
    })
}

fn print_settings(sandbox: &Sandbox, config: &SandboxConfig) {
    let base = sandbox.base_url();
    println!("rewardsync sandbox listening on {base}");
    if !sandbox.addr().ip().is_loopback() {
        println!("  warning: not a loopback address; other machines can reach it");
    }
    println!("  employees:     {}", config.directory.employees().len());
    println!("  token ttl:     {} s", config.token_ttl.as_secs());
    for endpoint in Endpoint::ALL {
        let limit = match endpoint.quota(config.reward_rate) {
            Some(q) if q.per.as_secs() == 1 => format!("{}/s", q.max),
            Some(q) if q.per.as_secs() == 60 => format!("{}/min", q.max),
            Some(q) => format!("{}/{}s", q.max, q.per.as_secs()),
            None => "none".to_owned(),
        };
        println!("  limit {:<9} {}", limit, endpoint.key());
    }
    println!(
        "  faults:        latency {} ms, jitter {} ms, fail rate {}, drop rate {}, deny permission {}, seed {}",
        config.latency.as_millis(),
        config.jitter.as_millis(),
        config.fail_rate,
        config.drop_rate,
        config.deny_permission,
        config.seed
    );
    println!("  state:         curl -s {base}/sandbox/state?rewards=false");
    println!();
    println!("# paste into the shell that runs rewardsync:");
    println!("export FEISHU_BASE_URL={base}");
    println!("export FEISHU_APP_ID={}", sandbox.app_id());
    println!("export FEISHU_APP_SECRET={}", sandbox.app_secret());
    println!();
    println!("Ctrl-C to stop (the state is in memory and goes with it).");
}
