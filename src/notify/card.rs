//! The message a run posts: an interactive card (`msg_type: "interactive"`) with the
//! command, the tenant, the file, the run id, the exit code and what it means, the duration,
//! the host, and the run's summary in the very words the terminal shows (counts by outcome,
//! the top reasons with their first places, the errors file written), so nothing is worded
//! twice. Kept under the webhook's 20 KB.

use serde_json::{Value, json};

use crate::report::exit::Exit;
use crate::report::summary::Summary;

/// The most summary text a card carries; the rest is cut (the job's log has it all).
const SUMMARY_CHARS: usize = 12_000;

/// What a card reports: a run's summary, or an error that stopped the command before a run
/// could begin.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The run ended: its summary.
    Ran(&'a Summary),
    /// The command failed before or outside a run (exit 2 or 4): the error.
    Failed(&'a str),
}

/// What `command`'s exit code means, in a few words.
pub fn meaning(command: &str, exit: Exit) -> &'static str {
    match exit {
        Exit::Success => match command {
            "import" => "every row is in Feishu",
            "rollback" => "every reward it covers is deleted",
            "accounts register" => "every row has its account",
            _ => "done",
        },
        Exit::Incomplete => "finished; some rows need attention",
        Exit::Usage => "did not run: usage, configuration or input; nothing sent",
        Exit::Fatal => "stopped: Feishu refused the app (credentials, permission, IP allow-list)",
        Exit::LocalFailure => "stopped: the ledger or an output file could not be written",
        Exit::Interrupted => "stopped by a signal after a clean stop; the next run carries on",
    }
}

/// The header's colour for an exit code.
fn template(exit: Exit) -> &'static str {
    match exit {
        Exit::Success => "green",
        Exit::Incomplete => "orange",
        Exit::Interrupted => "grey",
        Exit::Usage | Exit::Fatal | Exit::LocalFailure => "red",
    }
}

/// The card of `command` ending with `exit`, on `host`.
pub fn card(command: &str, exit: Exit, outcome: Outcome<'_>, host: &str) -> Value {
    let title = format!(
        "rewardsync {command}: exit {} ({})",
        exit.code(),
        meaning(command, exit)
    );
    let mut fields = Vec::new();
    let mut field = |name: &str, value: String| {
        fields.push(json!({
            "is_short": true,
            "text": {"tag": "lark_md", "content": format!("**{name}**\n{value}")}
        }));
    };
    let text = match outcome {
        Outcome::Ran(summary) => {
            if let Some(target) = &summary.target {
                field("Target", target.to_string());
            }
            if let Some(file) = &summary.file {
                field("File", file.clone());
            } else if let Some(subject) = &summary.subject {
                field("Of", subject.clone());
            }
            if let Some(run) = summary.run_id {
                field("Run", format!("#{run}"));
            }
            field("Took", format!("{:.1} s", summary.elapsed.as_secs_f64()));
            summary_text(summary)
        }
        Outcome::Failed(error) => format!("rewardsync: {error}"),
    };
    field(
        "Exit code",
        format!("{} ({})", exit.code(), meaning(command, exit)),
    );
    field("Host", host.to_owned());
    json!({
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": true},
            "header": {
                "title": {"tag": "plain_text", "content": title},
                "template": template(exit)
            },
            "elements": [
                {"tag": "div", "fields": fields},
                {"tag": "hr"},
                {"tag": "div", "text": {"tag": "plain_text", "content": cut(&text)}}
            ]
        }
    })
}

/// The summary as the terminal prints it (and the error that ended the run, if any).
fn summary_text(summary: &Summary) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // Writing to memory cannot fail.
    let _ = crate::report::summary::print(&mut out, &mut err, summary);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push_str(&String::from_utf8_lossy(&err));
    text.trim_end().to_owned()
}

/// `text` cut to [`SUMMARY_CHARS`], saying so.
fn cut(text: &str) -> String {
    if text.chars().count() <= SUMMARY_CHARS {
        return text.to_owned();
    }
    let kept: String = text.chars().take(SUMMARY_CHARS).collect();
    format!("{kept}\n… (cut to fit the bot's 20 KB; the job's log has the whole summary)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_summary_is_cut_to_fit_the_webhook() {
        let long = "x".repeat(50_000);
        let card = card("import", Exit::Usage, Outcome::Failed(&long), "host");
        let bytes = serde_json::to_vec(&card).unwrap().len();
        assert!(bytes < 20 * 1024, "{bytes}");
        assert_eq!(card["card"]["header"]["template"], "red");
    }
}
