//! `rewardsync sandbox`: serve the local stand-in until Ctrl-C, after printing its
//! settings and a block of `export` lines to paste into another shell.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use rewardsync::report::exit::Exit;
use rewardsync_sandbox::{
    self as sandbox, Directory, Endpoint, Sandbox, SandboxConfig, ScopeSet, TalentPool,
};

/// `rewardsync sandbox`.
#[derive(Debug, Args)]
#[command(
    after_help = "Besides rewards and referral accounts it answers the people lookups: \
POST /open-apis/contact/v3/users/batch_get_id (users by e-mail or mobile, from the directory; \
resigned ones only with include_resigned) and POST /open-apis/hire/v1/talents/batch_get_id \
(talents by mobile or e-mail, from --talents), each at most 50 values a list, 50/s and \
1000/min; and the custom bot webhook POST /open-apis/bot/v2/hook/TOKEN, for --notify \
(REWARDSYNC_NOTIFY_URL=http://127.0.0.1:8787/open-apis/bot/v2/hook/anything).\n\nWhile it runs: GET /sandbox/state[?rewards=false] shows what it holds; \
GET and POST /sandbox/faults read and change fail_rate, drop_rate, latency_ms, jitter_ms, \
deny_permission and deny_scopes (JSON, any subset); POST /sandbox/expire-tokens expires every token."
)]
pub struct SandboxArgs {
    /// Address to listen on (loopback by default; anything else exposes made-up data).
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,

    /// The app id the sandbox accepts.
    #[arg(long, default_value = "cli_sandbox", value_name = "ID")]
    pub app_id: String,

    /// The app secret the sandbox accepts (made up: the one secret allowed on a command line).
    #[arg(long, default_value = "sandbox_secret", value_name = "SECRET")]
    pub app_secret: String,

    /// Lifetime of a tenant access token, in seconds.
    #[arg(long, default_value_t = 7200, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub token_ttl: u64,

    /// Reward-import limit per sliding second (the documented limit is 10; raise it for benchmarks).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub reward_rate: u32,

    /// Latency added to every business call, in milliseconds (at most 600000).
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = delay_ms)]
    pub latency_ms: u64,

    /// Extra random latency per business call, uniform in 0..=MS milliseconds (at most 600000).
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = delay_ms)]
    pub jitter_ms: u64,

    /// Probability (0 to 1) that a business call answers HTTP 500 / 1002001, storing nothing.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = probability)]
    pub fail_rate: f64,

    /// Probability (0 to 1) that a business call is carried out and then its connection
    /// closed without an answer (the ambiguous case).
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = probability)]
    pub drop_rate: f64,

    /// Answer every business call with 99991672 (the app lacks the permission).
    #[arg(long)]
    pub deny_permission: bool,

    /// Answer the calls that need SCOPE with 99991672 naming it, e.g.
    /// contact:user.id:readonly or hire:talent:readonly (repeatable).
    #[arg(long, value_name = "SCOPE", value_parser = scope)]
    pub deny_scope: Vec<rewardsync_sandbox::Scope>,

    /// Seed of the fault generator: the same seed and calls give the same faults (a change
    /// through POST /sandbox/faults restarts it from the seed).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,

    /// Employees CSV: the sandbox then knows exactly these people (see `directory_help`).
    #[arg(long, value_name = "FILE", help = directory_help())]
    pub directory: Option<PathBuf>,

    /// Talents CSV (talent_id, email, mobile_code, mobile_number; optionally
    /// identification_type, identification_number; the same e-mail or mobile may appear
    /// twice, to rehearse ambiguous candidates): the talent lookup then knows exactly these.
    /// Without it: a talent is made up for each well-formed e-mail, mobile or id number.
    #[arg(long, value_name = "FILE")]
    pub talents: Option<PathBuf>,

    /// The custom bot's signing secret: messages to POST /open-apis/bot/v2/hook/TOKEN must
    /// carry a timestamp and sign made with it (code 19021 otherwise). A made-up secret for
    /// rehearsals; without it signatures are not checked.
    #[arg(long, value_name = "SECRET")]
    pub bot_secret: Option<String>,
}

/// Parses a scope name the sandbox knows.
fn scope(text: &str) -> Result<rewardsync_sandbox::Scope, String> {
    rewardsync_sandbox::Scope::parse(text).ok_or_else(|| rewardsync_sandbox::Scope::unknown(text))
}

/// The `--directory` help, naming the built-in directory's size and a sample e-mail so a
/// user knows whom to name without opening the file.
fn directory_help() -> String {
    let sample = rewardsync_sandbox::Directory::sample();
    let example = sample
        .employees()
        .first()
        .map(|e| format!(", e.g. {}", e.email))
        .unwrap_or_default();
    format!(
        "Employees CSV (user_id, open_id, union_id, name_zh or name, name_en, email, mobile_code, \
         mobile_number, each optional but one to know a person by: ids not given are made up from \
         the e-mail or mobile; optionally resigned = true/false): the sandbox then knows exactly these people \
         and refuses anyone else as Feishu does; the user lookup returns resigned ones only with \
         include_resigned. Without it: the {} built-in sample employees (samples/employees.csv{example}), \
         plus anyone else named by a well-formed id, e-mail or mobile, made up on first sight",
        sample.employees().len()
    )
}

/// Parses a delay in milliseconds, up to the sandbox's ten-minute limit.
fn delay_ms(text: &str) -> Result<u64, String> {
    let ms: u64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of milliseconds"))?;
    let max = rewardsync_sandbox::faults::MAX_DELAY_MS;
    if ms <= max {
        Ok(ms)
    } else {
        Err(format!("{ms} is more than {max} (ten minutes)"))
    }
}

/// Parses a probability from 0 to 1.
fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not between 0 and 1"))
    }
}

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
