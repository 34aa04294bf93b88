//! What a scheduled job relies on beyond the import itself: secret files as Kubernetes and
//! systemd mount them, shell completions and the man page.

use std::os::unix::fs::PermissionsExt;

use predicates::str::contains;

use crate::common::{Live, Workdir};

/// `import` with the app secret in a file of `mode` instead of the environment.
fn import_with_secret_file(mode: u32) -> std::process::Output {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 2, "SECRET");
    let secret = wrk.create("app-secret", format!("{}\n", live.sandbox.app_secret()));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
    // Mounted as Kubernetes does: a symlink into ..data/.
    let link = wrk.path("mounted-secret");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .env_remove("FEISHU_APP_SECRET")
        .env("FEISHU_APP_SECRET_FILE", &link)
        .output()
        .unwrap()
}

#[test]
fn a_secret_file_mounted_0440_is_read_and_one_others_can_read_is_refused() {
    for mode in [0o440, 0o640, 0o400, 0o600] {
        let output = import_with_secret_file(mode);
        assert_eq!(output.status.code(), Some(0), "mode {mode:04o}: {output:?}");
    }
    let output = import_with_secret_file(0o644);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("has mode 0644, so other users can read it; run: chmod 600")
            && stderr.contains("defaultMode: 0440"),
        "{stderr}"
    );
    assert!(!stderr.contains("sandbox_secret"), "{stderr}");
}

#[test]
fn completions_name_the_subcommands_and_flags() {
    let wrk = Workdir::new();
    let bash = wrk.command(&["completions", "bash"]).output().unwrap();
    let bash = String::from_utf8(bash.stdout).unwrap();
    for word in [
        "import",
        "rollback",
        "--replace-changed",
        "--retry-failed",
        "--max-replacements",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        wrk.command(&["completions", shell])
            .assert()
            .code(0)
            .stdout(contains("import"));
    }
    wrk.command(&["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'tcsh'"));
}

#[test]
fn the_man_page_names_every_subcommand_and_man_dir_writes_one_page_each() {
    let wrk = Workdir::new();
    let page = wrk.command(&["man"]).output().unwrap();
    assert_eq!(page.status.code(), Some(0));
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains(".TH rewardsync 1"), "{page}");
    for sub in [
        "validate",
        "import",
        "map",
        "status",
        "export",
        "accounts",
        "rollback",
        "runs",
        "demo",
        "sandbox",
        "completions",
    ] {
        assert!(page.contains(sub), "the page lacks {sub}");
    }
    wrk.command(&["man", "--dir", "pages"]).assert().code(0);
    let import = std::fs::read_to_string(wrk.path("pages/rewardsync-import.1")).unwrap();
    assert!(import.contains(".TH rewardsync-import 1"), "{import}");
    assert!(import.contains("replace\\-changed"), "{import}");
    assert!(wrk.path("pages/rewardsync-accounts-register.1").exists());
}
