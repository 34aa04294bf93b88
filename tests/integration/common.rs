//! Shared test helpers: a scratch directory per test and the real binary run inside it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The header every hand-written test CSV uses.
pub const HEADER: &str = "external_id,referral_user_id,application_id,talent_id,job_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,reason,create_time,confirm_time,pay_time,onboard_time,conversion_time,create_user_id,confirm_user_id,pay_user_id,comment";

/// A scratch directory, removed when the test ends.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A new empty directory.
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("create a temp dir"),
        }
    }

    /// Writes a file in the directory and returns its path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// The path of a file in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `rewardsync ARGS…` run in the directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("rewardsync").expect("the binary is built");
        cmd.current_dir(self.dir.path()).args(args);
        cmd
    }
}

/// Every row of CSV text, checked (`name` is the file name in messages).
pub fn check_text(name: &str, csv: &str) -> Vec<rewardsync::read::validate::Checked> {
    check_text_with(
        name,
        csv,
        &rewardsync::read::mapping::InputOptions::default(),
    )
}

/// Every row of CSV text read with `options` (a mapping file, a time zone), checked.
pub fn check_text_with(
    name: &str,
    csv: &str,
    options: &rewardsync::read::mapping::InputOptions,
) -> Vec<rewardsync::read::validate::Checked> {
    let reader = rewardsync::read::mapping::RewardFile::from_csv(
        name.into(),
        Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        options,
    )
    .expect("the header is fine");
    check_all(reader)
}

/// Every row of a file, checked.
pub fn check_file(path: &Path) -> Vec<rewardsync::read::validate::Checked> {
    check_all(
        rewardsync::read::mapping::RewardFile::open(
            path,
            &rewardsync::read::mapping::InputOptions::default(),
        )
        .expect("the file opens"),
    )
}

fn check_all(
    mut reader: rewardsync::read::mapping::RewardFile,
) -> Vec<rewardsync::read::validate::Checked> {
    // Row by row, not through `Validator::next`: a time that needs a zone is a row's
    // problem here, not the end of the file.
    let mut validator = rewardsync::read::validate::Validator::for_file(&reader);
    let mut checked = Vec::new();
    let (source, mapping) = reader.split();
    while let Some(row) = source.next_record().expect("readable") {
        checked.push(validator.check(mapping.row(&row)).expect("no spill"));
    }
    checked
}

/// Sends `signal` (`INT`, `TERM`) to a running rewardsync and waits for it to end.
pub fn signal_and_wait(child: std::process::Child, signal: &str) -> std::process::Output {
    let sent = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} failed");
    child.wait_with_output().expect("the process ends")
}

/// A path inside the repository (for `samples/`).
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A sandbox running in the test process, on its own runtime, for the binary to talk to.
pub struct Live {
    pub sandbox: rewardsync_sandbox::Sandbox,
    runtime: tokio::runtime::Runtime,
}

impl Live {
    /// Starts a sandbox on 127.0.0.1:0.
    pub fn start(config: rewardsync_sandbox::SandboxConfig) -> Live {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let sandbox = runtime
            .block_on(rewardsync_sandbox::start(config))
            .expect("the sandbox starts");
        Live { sandbox, runtime }
    }

    /// A sandbox whose reward limit is high enough that tests are quick.
    pub fn fast() -> Live {
        Live::start(Live::fast_config())
    }

    /// The settings of [`Live::fast`], to change some of.
    pub fn fast_config() -> rewardsync_sandbox::SandboxConfig {
        rewardsync_sandbox::SandboxConfig {
            reward_rate: 1000,
            ..Default::default()
        }
    }

    /// `rewardsync ARGS…` in `wrk`, pointed at this sandbox through the environment.
    pub fn command(&self, wrk: &Workdir, args: &[&str]) -> Command {
        let mut cmd = wrk.command(args);
        self.env(&mut cmd);
        cmd
    }

    /// The same, as a std command (for tests that signal the process).
    pub fn std_command(&self, wrk: &Workdir, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rewardsync"));
        cmd.current_dir(wrk.dir.path())
            .args(args)
            .env("FEISHU_BASE_URL", self.sandbox.base_url())
            .env("FEISHU_APP_ID", self.sandbox.app_id())
            .env("FEISHU_APP_SECRET", self.sandbox.app_secret())
            .env_remove("FEISHU_APP_SECRET_FILE")
            .env_remove("REWARDSYNC_LEDGER");
        cmd
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("FEISHU_BASE_URL", self.sandbox.base_url())
            .env("FEISHU_APP_ID", self.sandbox.app_id())
            .env("FEISHU_APP_SECRET", self.sandbox.app_secret())
            .env_remove("FEISHU_APP_SECRET_FILE")
            .env_remove("REWARDSYNC_LEDGER");
    }

    /// `rewardsync import ARGS… --rate 200 --no-progress --json` in `wrk` (ARGS may give
    /// another rate): the exit code and the one JSON object it printed.
    pub fn import_json(&self, wrk: &Workdir, args: &[&str]) -> (i32, serde_json::Value) {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        if !args.contains(&"--rate") {
            all.extend(["--rate", "200"]);
        }
        all.extend(["--no-progress", "--json"]);
        let output = self.command(wrk, &all).output().expect("import runs");
        let summary = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().expect("an exit code"), summary)
    }

    /// The sandbox's state, rewards included.
    pub fn state(&self) -> rewardsync_sandbox::SandboxState {
        self.sandbox.state()
    }

    /// Every request the sandbox answered, over all endpoints and statuses.
    pub fn requests(&self) -> u64 {
        self.sandbox
            .summary()
            .requests
            .values()
            .flat_map(|by_status| by_status.values())
            .sum()
    }

    /// Waits (up to a minute) until `ready` holds for the sandbox's state.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&rewardsync_sandbox::SandboxState) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !ready(&self.sandbox.summary()) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Runs a future on the sandbox's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Workdir {
    /// Writes `rows` generated valid rows to `name`.
    pub fn generated(&self, name: &str, rows: u64, prefix: &str) -> PathBuf {
        let mut text = Vec::new();
        rewardsync_testdata::write_rows(&mut text, rows, prefix).expect("generate");
        self.create(name, text)
    }

    /// The rows `export --status STATUS` writes for the ledger in this directory
    /// (columns: external_id, status, reward_id, attempts, error_code, error_message, …).
    pub fn export(&self, status: &str) -> Vec<csv::StringRecord> {
        let output = self
            .command(&["export", "--status", status])
            .env_remove("REWARDSYNC_LEDGER")
            .output()
            .expect("export runs");
        assert!(output.status.success(), "export failed: {output:?}");
        csv::Reader::from_reader(output.stdout.as_slice())
            .records()
            .map(|r| r.expect("export writes CSV"))
            .collect()
    }

    /// `status --json` of the ledger in this directory.
    pub fn status(&self) -> serde_json::Value {
        let output = self
            .command(&["status", "--json"])
            .env_remove("REWARDSYNC_LEDGER")
            .output()
            .expect("status runs");
        assert!(output.status.success(), "status failed: {output:?}");
        serde_json::from_slice(&output.stdout).expect("status prints JSON")
    }
}
