//! The option groups several commands share, each defined once: how to read a rewards file
//! ([`InputArgs`]), which tenant ([`TargetArgs`]), where the ledger is ([`LedgerArgs`]), how
//! fast to send ([`PaceArgs`]), where a run's summary is posted ([`NotifyArgs`]), and the
//! values some of their flags take. Parsing only checks shapes; it never opens files or
//! sockets.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How to read a rewards file: shared by every command that reads one (SPEC §3's input
/// options). Each overrides the mapping file's `[source]`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// The rewards file: a CSV, or a workbook (.xlsx, .xlsm, .xls, .ods), told apart by
    /// its content. A header row names the columns, in any order. Several files (a shell
    /// glob) are read as one, in the order given: each must have the first one's header.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,

    /// A mapping file (TOML) for an export whose columns or values the built-in names and
    /// labels do not cover; `rewardsync map suggest FILE` writes one.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,

    /// The sheet of a workbook: its name, or its position from 1 counting every tab
    /// (default: the first visible worksheet). Give it several times to read several
    /// sheets, or '*' for every visible sheet with the first one's header (a summary
    /// sheet is left out, and listed).
    #[arg(long, value_name = "NAME|N|'*'")]
    pub sheet: Vec<String>,

    /// The row holding the column names (default 1; rows above it, such as a title, are
    /// kept out).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,

    /// The CSV delimiter: one character, or `tab` (default: the one that makes the header
    /// name the most known columns, among , ; tab |).
    #[arg(long, value_name = "C", value_parser = delimiter)]
    pub delimiter: Option<u8>,

    /// The time zone of times written without an offset, an IANA name such as
    /// Asia/Shanghai.
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,

    /// Text encoding of a CSV: utf-8 (BOM or not; the default), gbk (GB18030, Excel on
    /// Chinese Windows), or auto (UTF-8 unless the start of the file only makes sense as
    /// GBK).
    #[arg(long, value_enum, value_name = "E")]
    pub encoding: Option<EncodingArg>,

    /// Skip columns rewardsync does not know instead of refusing the file.
    #[arg(long)]
    pub ignore_unknown_columns: bool,
}

/// Parses `--delimiter`.
pub fn delimiter(text: &str) -> Result<u8, String> {
    rewardsync::read::mapping::file::parse_delimiter(text)
}

/// `--encoding` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8, with or without a byte-order mark.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows writes.
    #[value(name = "gbk", alias = "gb18030", alias = "gb2312")]
    Gbk,
    /// UTF-8 if the start of the file is valid UTF-8, else GBK.
    Auto,
}

impl From<EncodingArg> for rewardsync::read::source::EncodingChoice {
    fn from(arg: EncodingArg) -> Self {
        match arg {
            EncodingArg::Utf8 => Self::Utf8,
            EncodingArg::Gbk => Self::Gbk,
            EncodingArg::Auto => Self::Auto,
        }
    }
}

/// `--user-id-type` values: what the user ids of a file (or an answer) are.
// The names are Feishu's own.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UserIdTypeArg {
    /// The user's id within this app (`ou_…`).
    #[value(name = "open_id")]
    OpenId,
    /// The user's id across one developer's apps (`on_…`).
    #[value(name = "union_id")]
    UnionId,
    /// The user's id within the tenant.
    #[value(name = "user_id")]
    UserId,
}

impl From<UserIdTypeArg> for rewardsync::feishu::UserIdType {
    fn from(arg: UserIdTypeArg) -> Self {
        match arg {
            UserIdTypeArg::OpenId => Self::OpenId,
            UserIdTypeArg::UnionId => Self::UnionId,
            UserIdTypeArg::UserId => Self::UserId,
        }
    }
}

impl From<UserIdTypeArg> for rewardsync::read::forms::UserIds {
    fn from(arg: UserIdTypeArg) -> Self {
        match arg {
            UserIdTypeArg::OpenId => Self::OpenId,
            UserIdTypeArg::UnionId => Self::UnionId,
            UserIdTypeArg::UserId => Self::UserId,
        }
    }
}

/// Which tenant to talk to. The app secret is never a command-line value: it comes from
/// `FEISHU_APP_SECRET`, or from the file named by `FEISHU_APP_SECRET_FILE` (mode 0600, 0640,
/// 0440 or 0400: no other user may read it).
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// API base URL: https://open.feishu.cn (Feishu), https://open.larksuite.com (Lark), or a
    /// sandbox's http://127.0.0.1:PORT (plain http is refused for anything but loopback).
    #[arg(
        long,
        env = "FEISHU_BASE_URL",
        default_value = "https://open.feishu.cn",
        value_name = "URL"
    )]
    pub base_url: String,

    /// The self-built app's id (cli_…). Its secret comes only from FEISHU_APP_SECRET or
    /// FEISHU_APP_SECRET_FILE, a file no other user can read: 0600 or 0400, or 0640/0440 for
    /// a group (Kubernetes: defaultMode 0440 with an fsGroup).
    #[arg(long, env = "FEISHU_APP_ID", hide_env_values = true, value_name = "ID")]
    pub app_id: Option<String>,
}

/// Where the ledger is.
#[derive(Debug, Clone, Args)]
pub struct LedgerArgs {
    /// The ledger (SQLite) that records every row sent; one per target tenant.
    #[arg(
        long,
        env = "REWARDSYNC_LEDGER",
        default_value = "rewardsync.db",
        value_name = "PATH"
    )]
    pub ledger: PathBuf,
}

/// How fast a command that sends goes: shared by `import` and `rollback`.
#[derive(Debug, Clone, Args)]
pub struct PaceArgs {
    /// Requests per second (the documented limit is 10; rewardsync paces 1.5 % under it).
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,

    /// Requests in flight at once; 20 keeps 10/s with up to 2 s of server latency.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub concurrency: usize,

    /// Retries of a transient fault (timeout, dropped connection, 5xx) before a row is left
    /// for the next run; a row whose request may have arrived stays in doubt (`sending`, or
    /// `deleting` for a rollback's delete).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
}

impl PaceArgs {
    /// The pace these flags ask for, with the command's own `--no-progress`.
    pub fn pace(&self, no_progress: bool) -> super::Pace {
        super::Pace {
            rate: Some(self.rate),
            concurrency: self.concurrency,
            retries: self.retries,
            no_progress,
        }
    }
}

/// Where the run's summary is posted (SPEC §7): a Feishu custom bot webhook.
#[derive(Debug, Clone, Default, Args)]
pub struct NotifyArgs {
    /// Post the run's summary to this Feishu custom bot webhook at the end (a card: target,
    /// file, run, counts, exit code, duration, top reasons). The address holds the bot's
    /// token: prefer REWARDSYNC_NOTIFY_URL or REWARDSYNC_NOTIFY_URL_FILE (a private file),
    /// since a command line is visible to other users. Signed with REWARDSYNC_NOTIFY_SECRET
    /// (or REWARDSYNC_NOTIFY_SECRET_FILE). A failed notification is a warning only.
    #[arg(long, value_name = "URL")]
    pub notify: Option<String>,
}
