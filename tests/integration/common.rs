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

/// A path inside the repository (for `samples/`).
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
