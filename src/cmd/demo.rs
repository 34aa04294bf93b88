//! `rewardsync demo`: a sandbox in-process, the sample file imported into a fresh ledger
//! (with latency and faults, so retries show), then imported again to show that nothing
//! is resent. Needs no credentials, files or network.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::import::print_plan;
use crate::cli::DemoArgs;
use rewardsync::engine::RetryPolicy;
use rewardsync::exit::Exit;
use rewardsync::feishu::{Client, ClientOptions, Secret, Target};
use rewardsync::import::{self, ImportOptions};
use rewardsync::mapping::InputOptions;
use rewardsync::progress::ProgressMode;
use rewardsync::run::Session;
use rewardsync::sandbox::{self, SandboxConfig};

/// The sample the demo imports, built into the binary so the demo runs from anywhere.
const SAMPLE: &str = include_str!("../../samples/rewards.csv");

/// A scratch directory for the demo's file and ledger, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("rewardsync-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the demo's directory", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<Exit> {
    let runtime = super::runtime()?;
    let config = SandboxConfig {
        latency: Duration::from_millis(150),
        jitter: Duration::from_millis(100),
        fail_rate: 0.05,
        drop_rate: 0.03,
        seed: 7,
        ..SandboxConfig::default()
    };
    let sandbox = runtime.block_on(sandbox::start(config))?;
    let scratch = Scratch::new()?;
    let file = scratch.0.join("rewards.csv");
    let ledger = scratch.0.join("rewardsync.db");
    std::fs::write(&file, SAMPLE)
        .with_context(|| format!("{}: cannot write the sample", file.display()))?;
    let client = Client::new(
        Target::new(&sandbox.base_url(), sandbox.app_id())?,
        Secret::new(sandbox.app_secret().to_owned()),
        ClientOptions::default(),
    )?;
    let stop = rewardsync::stop::listen(&runtime);
    let session = Session {
        client,
        runtime,
        stop,
        progress: ProgressMode::detect(args.no_progress),
        retry: RetryPolicy {
            backoff_base: Duration::from_millis(200),
            ..RetryPolicy::default()
        },
        concurrency: 20,
        rate: None,
    };
    let options = ImportOptions {
        file,
        input: InputOptions::default(),
        ledger: ledger.clone(),
        user_id_type: Default::default(),
        retry_failed: false,
        include_resigned: false,
        refresh_people: false,
        errors: None,
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "rewardsync demo: a sandbox at {} answering with 150 ± 100 ms latency, 5 % server errors and 3 % dropped connections;\nthe 50 rows of samples/rewards.csv go into a fresh ledger at {}",
        sandbox.base_url(),
        ledger.display()
    )?;
    let mut exit = Exit::Success;
    for (pass, title) in [
        (1, "import"),
        (2, "the same import again (resume: nothing is resent)"),
    ] {
        writeln!(out, "\n== {pass}. {title} ==")?;
        out.flush()?;
        let summary = import::run(&session, &options, &mut |plan| {
            let _ = print_plan(&mut io::stdout().lock(), plan);
        })?;
        rewardsync::report::summary::print(&mut out, &mut io::stderr().lock(), &summary)?;
        exit = summary.exit();
        if exit != Exit::Success && exit != Exit::Incomplete {
            break;
        }
    }
    let state = sandbox.summary();
    writeln!(
        out,
        "\nthe sandbox holds {} rewards after {} receipts: every resend after a dropped connection or a 500 landed on the same reward (external_id is idempotent)",
        state.reward_count, state.reward_receipts
    )?;
    writeln!(
        out,
        "most reward imports accepted in any one second: {}; 429s answered: {}",
        state
            .peak_per_second
            .values()
            .max()
            .copied()
            .unwrap_or_default(),
        state.throttled.values().sum::<u64>()
    )?;
    writeln!(
        out,
        "\nnext: `rewardsync sandbox` to rehearse with your own file, then the README's quick start for a real tenant"
    )?;
    drop(out);
    session
        .runtime
        .block_on(sandbox.shutdown())
        .context("stopping the sandbox")?;
    Ok(exit)
}
