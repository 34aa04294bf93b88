//! `rewardsync demo`: a sandbox in-process that knows the sample employees and talents,
//! the legacy export of `samples/` imported with its mapping into a fresh ledger (with
//! latency and faults, so retries show; referrers by e-mail and candidates by mobile looked
//! up first), then imported again to show that nothing is looked up or sent twice. Needs no
//! credentials, files or network.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::import::print_plan;
use rewardsync::commands::import::{self, ImportOptions};
use rewardsync::feishu::{Client, ClientOptions, Secret, Target};
use rewardsync::read::mapping::{InputOptions, MapFile};
use rewardsync::report::exit::Exit;
use rewardsync::report::summary::{Outcome, Summary};
use rewardsync::run::Session;
use rewardsync::run::engine::RetryPolicy;
use rewardsync::run::progress::ProgressMode;
use rewardsync_sandbox::{self as sandbox, SandboxConfig, SandboxState, TalentPool, TalentSource};

/// `rewardsync demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
}

/// The legacy export the demo imports (written by `examples/gen_legacy_samples.rs`), built
/// into the binary so the demo runs from anywhere.
const WORKBOOK: &[u8] = include_bytes!("../../samples/legacy-rewards.xlsx");
/// Its mapping file.
const MAPPING: &str = include_str!("../../samples/legacy-mapping.toml");
/// The talents the sandbox's talent lookup knows: the export's candidates by mobile.
const TALENTS: &[u8] = include_bytes!("../../samples/talents.csv");
/// The rows of the export that are wrong on purpose (`validate` names each): they stay
/// unsent, and the demo still succeeds.
const INVALID_ON_PURPOSE: u64 = 7;

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
    let talents = TalentPool::from_reader(TALENTS)
        .context("the built-in samples/talents.csv")?
        .with_source(TalentSource::File("samples/talents.csv".into()));
    let config = SandboxConfig {
        latency: Duration::from_millis(150),
        jitter: Duration::from_millis(100),
        fail_rate: 0.05,
        drop_rate: 0.03,
        seed: 7,
        // Exactly the sample employees and talents, as a real tenant knows its own.
        strict_directory: true,
        talents,
        strict_talents: true,
        ..SandboxConfig::default()
    };
    let employees = config.directory.employees().len();
    let talent_count = config.talents.talents().len();
    let sandbox = runtime.block_on(sandbox::start(config))?;
    let scratch = Scratch::new()?;
    let file = scratch.0.join("legacy-rewards.xlsx");
    let ledger = scratch.0.join("rewardsync.db");
    std::fs::write(&file, WORKBOOK)
        .with_context(|| format!("{}: cannot write the sample", file.display()))?;
    let map = MapFile::parse("samples/legacy-mapping.toml".to_owned(), MAPPING)
        .context("the built-in samples/legacy-mapping.toml")?;
    let client = Client::new(
        Target::new(&sandbox.base_url(), sandbox.app_id())?,
        Secret::new(sandbox.app_secret().to_owned()),
        ClientOptions::default(),
    )?;
    let stop = rewardsync::run::stop::listen(&runtime);
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
    // Run from the scratch directory, so places read `legacy-rewards.xlsx[奖励明细]:7` as
    // they would for a user's own file, not a temporary directory's full path.
    std::env::set_current_dir(&scratch.0)
        .with_context(|| format!("{}: cannot work in it", scratch.0.display()))?;
    let options = ImportOptions {
        files: vec![std::path::PathBuf::from("legacy-rewards.xlsx")],
        input: InputOptions {
            map: Some(map),
            ..InputOptions::default()
        },
        ledger: ledger.clone(),
        user_id_type: Default::default(),
        rules: import::Rules::default(),
        include_resigned: false,
        refresh_people: false,
        errors: None,
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "rewardsync demo: a sandbox at {} that knows the {employees} employees of samples/employees.csv and the {talent_count} talents of samples/talents.csv,\n\
         answering with 150 ± 100 ms latency, 5 % server errors and 3 % dropped connections.\n\
         The legacy export samples/legacy-rewards.xlsx (sheet 奖励明细: a title row, Chinese headers, the export's own labels,\n\
         human times, referrers by e-mail, candidates by mobile; {INVALID_ON_PURPOSE} of its 40 rows wrong on purpose) goes into a fresh\n\
         ledger at {}, read with samples/legacy-mapping.toml",
        sandbox.base_url(),
        ledger.display()
    )?;
    let mut exit = Exit::Success;
    let mut received = 0;
    for (pass, title) in [
        (
            1,
            "import: the people looked up by e-mail and mobile, then the rewards sent",
        ),
        (
            2,
            "the same import again (resume: no one looked up again, nothing resent)",
        ),
    ] {
        writeln!(out, "\n== {pass}. {title} ==")?;
        out.flush()?;
        let summary = import::run(&session, &options, &mut |plan| {
            let _ = print_plan(&mut io::stdout().lock(), plan);
        })?;
        rewardsync::report::summary::print(&mut out, &mut io::stderr().lock(), &summary)?;
        // Counted by the sandbox, not by rewardsync: what reached the other end.
        let now = business_requests(&sandbox.summary());
        writeln!(
            out,
            "  the sandbox received {} requests in this run",
            now - received
        )?;
        received = now;
        exit = demo_exit(&summary);
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
        "\nnext: the README's \"Importing a legacy export\" walks through the same file step by step (map suggest, validate --explain,\n\
         import --dry-run) against `rewardsync sandbox`; then its quick start for a real tenant"
    )?;
    drop(out);
    session
        .runtime
        .block_on(sandbox.shutdown())
        .context("stopping the sandbox")?;
    Ok(exit)
}

/// The business requests the sandbox has received (answered, or carried out and dropped),
/// token requests aside.
fn business_requests(state: &SandboxState) -> u64 {
    let business = |endpoint: &String| !endpoint.contains("tenant_access_token");
    let answered: u64 = state
        .requests
        .iter()
        .filter(|(endpoint, _)| business(endpoint))
        .flat_map(|(_, by_status)| by_status.values())
        .sum();
    let dropped: u64 = state
        .dropped
        .iter()
        .filter(|(endpoint, _)| business(endpoint))
        .map(|(_, n)| n)
        .sum();
    answered + dropped
}

/// The demo's exit: 0 when the import left nothing to do but the rows that are wrong in
/// the export on purpose; otherwise the import's own exit code.
fn demo_exit(summary: &Summary) -> Exit {
    let exit = summary.exit();
    let invalid = summary.get(Outcome::Invalid);
    if exit == Exit::Incomplete && invalid == INVALID_ON_PURPOSE && summary.outstanding() == invalid
    {
        Exit::Success
    } else {
        exit
    }
}
