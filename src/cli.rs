//! What the user typed: the clap definitions of every subcommand and flag (SPEC §3).
//!
//! Parsing only checks shapes; it never opens files or sockets.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Import referral rewards into Feishu Hire (飞书招聘) and manage referral reward accounts.
#[derive(Debug, Parser)]
#[command(name = "rewardsync", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a rewards CSV against every rule, without sending anything.
    Validate(ValidateArgs),
    /// Import a rewards CSV into Feishu Hire: every valid row exactly once, resumable.
    Import(ImportArgs),
    /// Mapping files for legacy exports: `map suggest FILE` writes one.
    #[command(subcommand)]
    Map(MapCommand),
    /// Show the ledger: rows by state, the target it belongs to, the last runs.
    Status(StatusArgs),
    /// Write the ledger's rows as CSV, with reward ids and log ids.
    Export(ExportArgs),
    /// Referral reward accounts: register, enable, deactivate, check balances, reconcile.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Delete the rewards a run imported (or named ones), resumably.
    Rollback(RollbackArgs),
    /// List the ledger's runs: id, command, file, start, end, counts, exit code.
    Runs(RunsArgs),
    /// Import the legacy sample workbook (people by e-mail and mobile) into an in-process
    /// sandbox, twice, to show import and resume.
    Demo(DemoArgs),
    /// Run a local, in-memory stand-in for the Feishu endpoints rewardsync calls.
    Sandbox(SandboxArgs),
    /// Print a shell completion script on stdout (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per subcommand into a directory.
    Man(ManArgs),
}

/// `rewardsync completions SHELL`.
#[derive(Debug, Args)]
#[command(
    after_help = "Install, e.g.:\n  bash: rewardsync completions bash > ~/.local/share/bash-completion/completions/rewardsync\n  zsh:  rewardsync completions zsh > ~/.zfunc/_rewardsync   (with fpath+=~/.zfunc before compinit)\n  fish: rewardsync completions fish > ~/.config/fish/completions/rewardsync.fish"
)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `rewardsync man`.
#[derive(Debug, Args)]
#[command(after_help = "Read it with: man -l <(rewardsync man)")]
pub struct ManArgs {
    /// Write rewardsync.1 and one page per subcommand (rewardsync-import.1, …) into DIR
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// How to read a rewards file: shared by every command that reads one (SPEC §3's input
/// options). Each overrides the mapping file's `[source]`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// The rewards file: a CSV, or a workbook (.xlsx, .xlsm, .xls, .ods), told apart by
    /// its content. A header row names the columns, in any order.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A mapping file (TOML) for an export whose columns or values the built-in names and
    /// labels do not cover; `rewardsync map suggest FILE` writes one.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,

    /// The sheet of a workbook: its name, or its position from 1 counting every tab
    /// (default: the first visible worksheet).
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

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
fn delimiter(text: &str) -> Result<u8, String> {
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

/// `rewardsync validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write every invalid row to OUT.csv: its original columns plus `line` and `errors`.
    /// Fix the rows in that file and validate or import it as it is.
    #[arg(long, value_name = "OUT.csv")]
    pub errors: Option<PathBuf>,

    /// Print one JSON object (counts and per-row errors) on stdout instead of text.
    #[arg(long)]
    pub json: bool,

    /// Show what each converted value of the first N rows (default 5) was read as: labels,
    /// human times, money strings, Excel's wrappers. Check them before importing.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "5")]
    pub explain: Option<usize>,
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

/// `rewardsync import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,

    /// Show the plan and the first bodies it would send; touch neither network nor ledger.
    #[arg(long)]
    pub dry_run: bool,

    /// Requests per second (the documented limit is 10; rewardsync paces 1.5 % under it).
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,

    /// Requests in flight at once; 20 keeps 10/s with up to 2 s of server latency.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub concurrency: usize,

    /// What referral_user_id (and the other user ids) hold.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// After the run, write every invalid and failed row to OUT.csv (original columns,
    /// plus `line` and `errors`), to fix and import again.
    #[arg(long, value_name = "OUT.csv")]
    pub errors: Option<PathBuf>,

    /// Resend rows the server refused in an earlier run.
    #[arg(long)]
    pub retry_failed: bool,

    /// Replace rows changed since they were imported (a reward confirmed, then paid; an
    /// amount corrected): each is imported under the next revision of its external_id
    /// (`ID~r2`, `ID~r3`, …), and the earlier reward is deleted once Feishu holds it.
    /// Without it they are reported as conflicts and not sent.
    #[arg(long)]
    pub replace_changed: bool,

    /// With --replace-changed: refuse the run (exit 2, before anything is sent) when it
    /// would replace more than N rewards, so a broken export cannot rewrite the tenant.
    #[arg(long, default_value_t = rewardsync::commands::import::DEFAULT_MAX_REPLACEMENTS, value_name = "N")]
    pub max_replacements: u64,

    /// Look up resigned employees too (referrers of historic rewards often have left).
    #[arg(long)]
    pub include_resigned: bool,

    /// Look every person of the file up again, whatever the ledger remembers of them.
    #[arg(long)]
    pub refresh_people: bool,

    /// Retries of a transient fault (timeout, dropped connection, 5xx) before a row is left
    /// for the next run; a row whose request may have arrived stays in doubt (`sending`).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,

    /// Print one JSON object (counts by outcome, reasons, elapsed seconds, rate) on stdout.
    #[arg(long)]
    pub json: bool,

    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
}

/// `rewardsync map …`.
#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Print a mapping file (TOML) suggested for a legacy export.
    ///
    /// Each column is matched to a field (saying how sure), unmatched columns are ignored,
    /// a timezone is proposed when times need one, and [values] entries for enum values
    /// that are no documented label. Save it, check it, and run `rewardsync validate FILE
    /// --map mapping.toml --explain`.
    Suggest(SuggestArgs),
}

/// `rewardsync map suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The export: a CSV, or a workbook (.xlsx, .xlsm, .xls, .ods), told apart by its
    /// content.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The sheet of a workbook: its name, or its position from 1 (default: the first).
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

    /// The row holding the column names (default: the row among the first 20 that names
    /// the most columns, so a title above the header is skipped).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,

    /// The CSV delimiter: one character, or `tab` (default: found from the header line).
    #[arg(long, value_name = "C", value_parser = delimiter)]
    pub delimiter: Option<u8>,

    /// Text encoding of a CSV: utf-8, gbk, or auto (the default here: UTF-8 unless the
    /// start of the file only makes sense as GBK; a GBK file gets `encoding = "gbk"`).
    #[arg(long, value_enum, value_name = "E")]
    pub encoding: Option<EncodingArg>,
}

/// `rewardsync runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// How many runs, newest first.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,

    /// Print one JSON array of runs on stdout.
    #[arg(long)]
    pub json: bool,
}

impl Cli {
    /// True when the command was asked for JSON on stdout (errors then come as JSON too).
    pub fn json(&self) -> bool {
        match &self.command {
            Command::Validate(args) => args.json,
            Command::Import(args) => args.json,
            Command::Status(args) => args.json,
            Command::Runs(args) => args.json,
            Command::Rollback(args) => args.json,
            Command::Accounts(AccountsCommand::Assets(args)) => args.json,
            Command::Accounts(AccountsCommand::Reconcile(args)) => args.json,
            _ => false,
        }
    }
}

/// `rewardsync status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// Print one JSON object: a count per state under the state's name, target, last runs.
    #[arg(long)]
    pub json: bool,
}

/// `rewardsync export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// Which rows: a ledger state, or all.
    #[arg(long, value_enum, default_value_t = ExportStatus::All)]
    pub status: ExportStatus,

    /// Write the CSV here instead of stdout.
    #[arg(long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,
}

/// `export --status` values: a ledger state, or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportStatus {
    Pending,
    Sending,
    Imported,
    Failed,
    Invalid,
    Unresolved,
    Conflict,
    Deleting,
    Deleted,
    All,
}

/// `rewardsync accounts …`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Register a reward account for every row of a CSV (email and/or mobile_code +
    /// mobile_number; other columns are carried through), at the documented 100 per minute.
    Register(RegisterArgs),
    /// Enable accounts (10 per second).
    Enable(AccountIdsArgs),
    /// Deactivate accounts (100 per minute).
    Deactivate(AccountIdsArgs),
    /// Balances at a glance: status, referrer, confirmed and paid points and cash.
    Assets(AssetsArgs),
    /// For every registered account, the rewards the ledger imported for its referrer
    /// beside the account's balance.
    Reconcile(ReconcileArgs),
}

/// `accounts register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The CSV of employees to register.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Text encoding of FILE (as for rewards).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8, value_name = "E")]
    pub encoding: EncodingArg,

    /// Write the result here (the input columns plus account_id, status, error_code,
    /// error_message, log_id) instead of stdout.
    #[arg(long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,

    /// Resend rows Feishu refused in an earlier run.
    #[arg(long)]
    pub retry_failed: bool,

    /// No progress output.
    #[arg(long)]
    pub no_progress: bool,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Account ids, given as arguments or in a file (one per line, or a CSV with an
/// `account_id` column such as `accounts register` writes).
#[derive(Debug, Args)]
pub struct AccountIdsArgs {
    /// Account ids.
    #[arg(value_name = "ID", required_unless_present = "file")]
    pub ids: Vec<String>,

    /// Read the account ids from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "ids")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,
}

/// `accounts assets`.
#[derive(Debug, Args)]
pub struct AssetsArgs {
    #[command(flatten)]
    pub ids: AccountIdsArgs,

    /// Which id type the referrer's id is shown as.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// Write CSV here (or JSON, with --json) instead of the table on stdout.
    #[arg(long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// JSON instead of a table or CSV.
    #[arg(long)]
    pub json: bool,
}

/// `accounts reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Which id type `referral_user_id` held when the rewards were imported.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,
}

/// `rewardsync rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Delete the rewards this run imported (`rewardsync status` lists runs).
    #[arg(long, value_name = "RUN_ID", required_unless_present = "external_id")]
    pub run: Option<i64>,

    /// Delete these rewards, by external_id.
    #[arg(long, value_name = "ID", num_args = 1.., conflicts_with = "run")]
    pub external_id: Vec<String>,

    /// Show what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,

    /// Requests per second.
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub concurrency: usize,

    /// Retries of a transient fault before a delete is left for the next rollback.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,

    /// One JSON object on stdout at the end.
    #[arg(long)]
    pub json: bool,

    /// No progress output.
    #[arg(long)]
    pub no_progress: bool,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// `rewardsync demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
}

// --- sandbox: owned by sandbox/ (the rewardsync-sandbox crate) ---

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
        "Employees CSV (user_id, open_id, union_id, name_zh, name_en, email, mobile_code, \
         mobile_number; optionally resigned = true/false): the sandbox then knows exactly these people \
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
