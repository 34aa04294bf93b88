//! Where calls go and as whom: the checked base URL, the app id and the app secret.
//!
//! The checks live here so that a token can never be sent in clear to a remote host and
//! the secret can never be printed, whichever command builds the client.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The environment variable that holds the app secret.
pub const SECRET_ENV: &str = "FEISHU_APP_SECRET";
/// The environment variable that names a file holding the app secret.
pub const SECRET_FILE_ENV: &str = "FEISHU_APP_SECRET_FILE";

/// The largest secret file read (an app secret is 32 characters, a bot's a few dozen).
pub const MAX_SECRET_FILE: u64 = 64 << 10;

/// Why a target or a secret could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The base URL does not parse or has parts a base URL must not have.
    #[error("base URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    /// Plain http to a host that is not this machine.
    #[error(
        "base URL {url:?} uses plain http to {host}, which would send the access token across the network in clear; use https:// (plain http is allowed only to loopback: 127.0.0.0/8, ::1, localhost)"
    )]
    PlainHttp { url: String, host: String },
    /// The app id is empty.
    #[error("the app id is empty; set FEISHU_APP_ID")]
    EmptyAppId,
    /// Neither secret variable is set.
    #[error(
        "no app secret: set {SECRET_ENV}, or {SECRET_FILE_ENV} to a file holding it that no other user can read (mode 0600 or 0400; 0640 or 0440 for a group)"
    )]
    NoSecret,
    /// The secret file could not be read.
    #[error("cannot read the app secret file {}: {source}", path.display())]
    SecretFileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The secret file is not a regular file.
    #[error("the app secret file {} is not a regular file", path.display())]
    SecretFileNotRegular { path: PathBuf },
    /// The secret file can be read by other users, or changed by anyone but its owner.
    #[error(
        "the app secret file {} has mode {mode:04o}: {}; run: {}",
        path.display(),
        exposure(*mode).unwrap_or("it is not private"),
        private_fix(path)
    )]
    SecretFileOpen { path: PathBuf, mode: u32 },
    /// The secret file holds nothing but white space.
    #[error("the app secret file {} is empty", path.display())]
    SecretFileEmpty { path: PathBuf },
}

/// Why a secret file's mode is unsafe, if it is, naming the bit: readable by other users,
/// or writable by anyone but its owner. Group read is allowed (Kubernetes mounts secrets
/// 0440 for a pod's fsGroup, systemd credentials are 0400); execute bits change nothing.
pub fn exposure(mode: u32) -> Option<&'static str> {
    if mode & 0o004 != 0 {
        Some("other users can read it (the 0004 bit)")
    } else if mode & 0o002 != 0 {
        Some("other users can change it (the 0002 bit)")
    } else if mode & 0o020 != 0 {
        Some("its group can change it (the 0020 bit)")
    } else {
        None
    }
}

/// What to do about a secret file [`exposure`] refuses.
pub fn private_fix(path: &Path) -> String {
    format!(
        "chmod 0600 {} (or 0640/0440 if a group must read it; in Kubernetes, set defaultMode: 0440 on the secret's volume)",
        path.display()
    )
}

/// Where calls go and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Scheme, host, port and optional path prefix, without a trailing slash.
    pub base_url: String,
    /// The self-built app's id (`cli_…`).
    pub app_id: String,
}

impl Target {
    /// Parses and checks a base URL: https anywhere, plain http only to loopback.
    pub fn new(base_url: &str, app_id: &str) -> Result<Target, TargetError> {
        let bad = |reason: &str| TargetError::BadUrl {
            url: base_url.to_string(),
            reason: reason.to_string(),
        };
        let url = reqwest::Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
        let host = url.host_str().ok_or_else(|| bad("it has no host"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not carry a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query or fragment"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(TargetError::PlainHttp {
                    url: base_url.to_string(),
                    host: host.to_string(),
                });
            }
            other => return Err(bad(&format!("scheme {other}: is not http or https"))),
        }
        let app_id = app_id.trim();
        if app_id.is_empty() {
            return Err(TargetError::EmptyAppId);
        }
        Ok(Target {
            base_url: url.as_str().trim_end_matches('/').to_string(),
            app_id: app_id.to_string(),
        })
    }

    /// The full URL of an API path (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// True for 127.0.0.0/8, ::1 and localhost: the hosts plain http may reach.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = bare.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
        }
    }
}

/// The app secret: never printed. Debug and Display show `***`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret taken from somewhere trusted.
    pub fn new(s: String) -> Secret {
        Secret(s)
    }

    /// From `FEISHU_APP_SECRET`, or else from the file named by `FEISHU_APP_SECRET_FILE`.
    pub fn from_env() -> Result<Secret, TargetError> {
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// The same rules as [`Secret::from_env`] over any variable lookup (tests need no real
    /// environment, which is process-global).
    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Secret, TargetError> {
        if let Some(value) = lookup(SECRET_ENV).filter(|v| !v.trim().is_empty()) {
            return Ok(Secret(value.trim().to_string()));
        }
        match lookup(SECRET_FILE_ENV).filter(|v| !v.trim().is_empty()) {
            Some(path) => Self::from_file(Path::new(&path)),
            None => Err(TargetError::NoSecret),
        }
    }

    /// Reads a secret file (symlinks followed, as Kubernetes mounts secrets): a regular
    /// file no other user can read and no one but its owner can write (0600, 0400, and the
    /// group-readable 0640 and 0440 are fine), content trimmed.
    pub fn from_file(path: &Path) -> Result<Secret, TargetError> {
        let unreadable = |source| TargetError::SecretFileUnreadable {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(TargetError::SecretFileNotRegular {
                path: path.to_path_buf(),
            });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o7777;
            if exposure(mode).is_some() {
                return Err(TargetError::SecretFileOpen {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        let text =
            crate::text::read_small_file(path, MAX_SECRET_FILE, "secret").map_err(unreadable)?;
        let secret = text.trim();
        if secret.is_empty() {
            return Err(TargetError::SecretFileEmpty {
                path: path.to_path_buf(),
            });
        }
        Ok(Secret(secret.to_string()))
    }

    /// The secret itself, for the token request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_accepted_and_normalised() {
        let t = Target::new("https://open.feishu.cn/", "cli_1").unwrap();
        assert_eq!(t.base_url, "https://open.feishu.cn");
        let t = Target::new("https://Open.LarkSuite.com", "cli_1").unwrap();
        assert_eq!(t.base_url, "https://open.larksuite.com");
        let t = Target::new("https://proxy.example/feishu/", "cli_1").unwrap();
        assert_eq!(
            t.url("/open-apis/x"),
            "https://proxy.example/feishu/open-apis/x"
        );
    }

    #[test]
    fn plain_http_is_accepted_for_loopback_only() {
        for ok in [
            "http://127.0.0.1:8787",
            "http://127.8.9.10/",
            "http://[::1]:8787",
            "http://localhost:8787",
            "http://LOCALHOST",
        ] {
            let t = Target::new(ok, "cli_1").unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!t.base_url.ends_with('/'), "{}", t.base_url);
        }
        for refused in [
            "http://open.feishu.cn",
            "http://10.0.0.1:8787",
            "http://[::2]",
            "http://localhost.example.com",
            "http://128.0.0.1",
        ] {
            let err = Target::new(refused, "cli_1").unwrap_err();
            assert!(
                matches!(err, TargetError::PlainHttp { .. }),
                "{refused}: {err}"
            );
            assert!(err.to_string().contains("in clear"), "{err}");
        }
    }

    #[test]
    fn malformed_base_urls_are_refused() {
        for bad in [
            "open.feishu.cn",
            "ftp://open.feishu.cn",
            "https://u:p@open.feishu.cn",
            "https://open.feishu.cn/?x=1",
            "",
        ] {
            let err = Target::new(bad, "cli_1").unwrap_err();
            assert!(matches!(err, TargetError::BadUrl { .. }), "{bad}: {err}");
        }
        assert!(matches!(
            Target::new("https://open.feishu.cn", " "),
            Err(TargetError::EmptyAppId)
        ));
    }

    #[test]
    fn secret_is_never_shown() {
        let s = Secret::new("s3cr3t-value".into());
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), "s3cr3t-value");
    }

    #[test]
    fn secret_comes_from_the_variable_first() {
        let s = Secret::from_lookup(|name| match name {
            SECRET_ENV => Some(" from-env\n".into()),
            _ => Some("/nonexistent".into()),
        })
        .unwrap();
        assert_eq!(s.expose(), "from-env");
        assert!(matches!(
            Secret::from_lookup(|_| None),
            Err(TargetError::NoSecret)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn secret_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "file-secret\n").unwrap();

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Secret::from_lookup(|name| {
            (name == SECRET_FILE_ENV).then(|| path.display().to_string())
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, TargetError::SecretFileOpen { mode: 0o644, .. }),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "has mode 0644: other users can read it (the 0004 bit); run: chmod 0600 {} (or 0640/0440 if a group must read it; in Kubernetes, set defaultMode: 0440 on the secret's volume)",
                path.display()
            )),
            "{text}"
        );
        assert!(!text.contains("file-secret"), "{text}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = Secret::from_lookup(|name| {
            (name == SECRET_FILE_ENV).then(|| path.display().to_string())
        })
        .unwrap();
        assert_eq!(s.expose(), "file-secret");

        // What Kubernetes (defaultMode 0440 with an fsGroup) and systemd (0400) mount is fine;
        // a file others can read, or anyone but its owner can write, is refused naming the bit.
        for (mode, refusal) in [
            (0o400, None),
            (0o440, None),
            (0o600, None),
            (0o640, None),
            (0o700, None),
            (0o750, None),
            (0o644, Some("other users can read it (the 0004 bit)")),
            (0o604, Some("other users can read it (the 0004 bit)")),
            (0o444, Some("other users can read it (the 0004 bit)")),
            (0o666, Some("other users can read it (the 0004 bit)")),
            (0o602, Some("other users can change it (the 0002 bit)")),
            (0o660, Some("its group can change it (the 0020 bit)")),
            (0o620, Some("its group can change it (the 0020 bit)")),
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match (Secret::from_file(&path), refusal) {
                (Ok(s), None) => assert_eq!(s.expose(), "file-secret", "mode {mode:04o}"),
                (Err(e), Some(why)) => assert_eq!(
                    e.to_string(),
                    format!(
                        "the app secret file {} has mode {mode:04o}: {why}; run: {}",
                        path.display(),
                        private_fix(&path)
                    )
                ),
                (got, want) => panic!("mode {mode:04o}: got {got:?}, want refusal {want:?}"),
            }
        }

        // Mounted as Kubernetes mounts a secret volume: the name is a symlink into ..data/,
        // itself a symlink to a timestamped directory; the target's mode is what counts.
        let stamped = dir.path().join("..2026_11_22_02_17_00.123");
        std::fs::create_dir(&stamped).unwrap();
        let target = stamped.join("app-secret");
        std::fs::write(&target, "mounted-secret\n").unwrap();
        std::os::unix::fs::symlink(&stamped, dir.path().join("..data")).unwrap();
        let mounted = dir.path().join("app-secret");
        std::os::unix::fs::symlink("..data/app-secret", &mounted).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o440)).unwrap();
        assert_eq!(
            Secret::from_file(&mounted).unwrap().expose(),
            "mounted-secret"
        );
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Secret::from_file(&mounted),
            Err(TargetError::SecretFileOpen { mode: 0o644, .. })
        ));

        assert!(matches!(
            Secret::from_file(dir.path()),
            Err(TargetError::SecretFileNotRegular { .. })
        ));
        std::fs::write(dir.path().join("empty"), " \n").unwrap();
        std::fs::set_permissions(
            dir.path().join("empty"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        assert!(matches!(
            Secret::from_file(&dir.path().join("empty")),
            Err(TargetError::SecretFileEmpty { .. })
        ));
    }
}
