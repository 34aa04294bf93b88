//! `rewardsync sandbox`: serve the local stand-in until Ctrl-C, after printing its
//! settings and a block of `export` lines to paste into another shell.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;

use crate::cli::SandboxArgs;
use rewardsync::report::exit::Exit;
use rewardsync_sandbox::{
    self as sandbox, Directory, Endpoint, Sandbox, SandboxConfig, ScopeSet, TalentPool,
};

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
    let talents = match &args.talents {
        Some(path) => TalentPool::from_path(path)?,
        None => TalentPool::default(),
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
        deny_scopes: ScopeSet::of(args.deny_scope.iter().copied()),
        seed: args.seed,
        directory,
        // A directory given on the command line is the whole tenant: no one is made up.
        strict_directory: args.directory.is_some(),
        talents,
        // Likewise a talents file is the whole talent pool.
        strict_talents: args.talents.is_some(),
        bot_secret: args.bot_secret.clone(),
        ..SandboxConfig::default()
    })
}

/// Who the sandbox knows, in one line.
fn employees(config: &SandboxConfig) -> String {
    let directory = &config.directory;
    let count = directory.employees().len();
    let example = directory
        .employees()
        .first()
        .map(|e| format!(" (e.g. {})", e.email))
        .unwrap_or_default();
    let source = directory.source();
    if config.strict_directory {
        format!("exactly the {count} from {source}{example}; anyone else is refused")
    } else {
        format!(
            "{count} from {source}{example}, and anyone else named by a well-formed id, e-mail or mobile (made up on first sight)"
        )
    }
}

/// Which talents the talent lookup knows, in one line.
fn talents(config: &SandboxConfig) -> String {
    let pool = &config.talents;
    let count = pool.talents().len();
    if config.strict_talents {
        format!(
            "exactly the {count} from {}; any other value is absent from the answer",
            pool.source()
        )
    } else {
        "none given (--talents FILE); a talent is made up for each well-formed e-mail, mobile or id number on first sight".to_owned()
    }
}

/// Prints the settings and the block to paste. A stdout that is gone (`| head`, a test
/// that stopped reading) does not stop the server: the banner is one write whose failure
/// is ignored, where `println!` would panic and take the server down with it.
fn print_settings(sandbox: &Sandbox, config: &SandboxConfig) {
    let _ = std::io::stdout().write_all(settings_text(sandbox, config).as_bytes());
    let _ = std::io::stdout().flush();
}

fn settings_text(sandbox: &Sandbox, config: &SandboxConfig) -> String {
    let base = sandbox.base_url();
    let mut lines = vec![format!("rewardsync sandbox listening on {base}")];
    if !sandbox.addr().ip().is_loopback() {
        lines.push("  warning: not a loopback address; other machines can reach it".to_owned());
    }
    lines.push(format!("  employees:     {}", employees(config)));
    lines.push(format!("  talents:       {}", talents(config)));
    lines.push(format!("  token ttl:     {} s", config.token_ttl.as_secs()));
    for endpoint in Endpoint::ALL {
        let limit = endpoint.quota_text(config.reward_rate);
        lines.push(format!("  limit {:<9} {}", limit, endpoint.key()));
    }
    lines.push(
        "  lookups:       users by e-mail/mobile (contact:user.id:readonly), talents by mobile/e-mail (hire:talent:readonly); at most 50 values a list".to_owned(),
    );
    lines.push(format!(
        "  faults:        latency {} ms, jitter {} ms, fail rate {}, drop rate {}, deny permission {}, deny scopes {}, seed {}",
        config.latency.as_millis(),
        config.jitter.as_millis(),
        config.fail_rate,
        config.drop_rate,
        config.deny_permission,
        config.deny_scopes,
        config.seed
    ));
    lines.push(format!(
        "  bot webhook:   {base}/open-apis/bot/v2/hook/ANY-TOKEN ({}); its messages under bot_messages in the state",
        if config.bot_secret.is_some() {
            "signatures checked with --bot-secret"
        } else {
            "signatures not checked; --bot-secret S checks them"
        }
    ));
    lines.push(format!(
        "  state:         curl -s {base}/sandbox/state?rewards=false"
    ));
    lines.push(format!(
        "  change faults: curl -s -X POST {base}/sandbox/faults -d '{{\"fail_rate\":0.1,\"latency_ms\":200}}'"
    ));
    lines.push(String::new());
    lines.push("# paste into the shell that runs rewardsync:".to_owned());
    lines.push(format!("export FEISHU_BASE_URL={base}"));
    lines.push(format!("export FEISHU_APP_ID={}", sandbox.app_id()));
    lines.push(format!("export FEISHU_APP_SECRET={}", sandbox.app_secret()));
    lines.push(String::new());
    lines.push("Ctrl-C to stop (the state is in memory and goes with it).".to_owned());
    lines.push(String::new());
    lines.join("\n")
}
