//! A run's summary as text: counts by outcome in the command's words, the reasons behind
//! them grouped (Feishu's code and message, the rule broken, the fault met) with the first
//! places, what was written, and how the run ended — each piece of advice said once, and
//! "run the same command again" only where that helps.

use std::io::{self, Write};

use crate::report::summary::{End, Group, Outcome, Summary};
use crate::text::{counted, counted_as};

/// What each outcome listed with its reasons means for the user, after its count.
fn meaning(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Failed => "refused by Feishu",
        Outcome::FailedEarlier => {
            "refused in an earlier run; not resent (fix the cause, then pass --retry-failed)"
        }
        Outcome::Invalid => "not sent; fix them in the file (every run checks them again)",
        Outcome::Unresolved => "not sent; Feishu knows no such person (looked up again next run)",
        Outcome::Conflict => {
            "changed since they were imported; Feishu keeps the body it got first, so the change is not sent (--replace-changed imports it as a new revision and deletes the earlier reward)"
        }
        Outcome::InDoubt => {
            "their requests may have reached Feishu; the next run settles them (a resend is idempotent)"
        }
        Outcome::Pending => "not sent; the next run sends them",
        Outcome::Skipped => {
            "not rewards (totals, notes, rows the mapping's [skip] leaves out); nothing to do"
        }
        Outcome::FixedElsewhere => {
            "invalid in this file, but already imported from a corrected copy; nothing to fix here"
        }
        Outcome::Done | Outcome::Replaced | Outcome::AlreadyDone => "",
    }
}

/// Prints the summary on `out`; the error that ended the run (and what to fix) on `err`.
pub fn print(out: &mut impl Write, err: &mut impl Write, summary: &Summary) -> io::Result<()> {
    let words = summary.words;
    let mut head = summary.command.clone();
    if let Some(subject) = summary.subject.as_ref().or(summary.file.as_ref()) {
        head.push(' ');
        head.push_str(subject);
    }
    if let Some(target) = &summary.target {
        head.push_str(&format!(" -> {target}"));
    }
    if let Some(run) = summary.run_id {
        head.push_str(&format!(", run {run}"));
    }
    if summary.dry_run {
        head.push_str(" (dry run: nothing sent, nothing written)");
    }
    writeln!(out, "{head}")?;

    let mut parts = vec![format!(
        "{} {}",
        summary.get(Outcome::Done),
        words.label(Outcome::Done)
    )];
    for outcome in Outcome::ALL.into_iter().skip(1) {
        let n = summary.get(outcome);
        if n > 0 {
            parts.push(format!("{n} {}", words.label(outcome)));
        }
    }
    writeln!(
        out,
        "  {}: {}",
        counted(summary.items, words.noun),
        parts.join(", ")
    )?;
    if summary.warnings > 0 {
        writeln!(
            out,
            "  {} (sent anyway; `rewardsync validate` lists them)",
            counted(summary.warnings, "warning")
        )?;
    }
    if summary.sent > 0 {
        let seconds = summary.sending.as_secs_f64();
        let lookups = match summary.lookups {
            0 => String::new(),
            n => format!(" ({})", counted(n, "people lookup")),
        };
        let mut line = format!(
            "  sent {}{lookups} in {seconds:.1} s",
            counted(summary.sent, "request")
        );
        if let Some(rate) = summary.rate() {
            line.push_str(&format!(", {rate:.1} {}/s", words.done.0));
        }
        if summary.retried + summary.rate_limited > 0 {
            line.push_str(&format!(
                " ({}, {})",
                counted_as(summary.retried, "retry", "retries"),
                counted(summary.rate_limited, "rate-limit wait")
            ));
        }
        writeln!(out, "{line}")?;
    }

    if summary.retired > 0 {
        writeln!(
            out,
            "  deleted {} replaced by revisions (Feishu holds each revision)",
            counted(summary.retired, "earlier reward")
        )?;
    }
    // The outstanding, then the skipped rows and those fixed elsewhere: listed with their
    // places so that neither goes unseen.
    for outcome in Outcome::ALL
        .into_iter()
        .filter(|o| o.is_outstanding() || matches!(o, Outcome::Skipped | Outcome::FixedElsewhere))
    {
        let n = summary.get(outcome);
        if n == 0 {
            continue;
        }
        writeln!(
            out,
            "  {}: {}: {}",
            words.label(outcome),
            counted(n, words.noun),
            meaning(outcome)
        )?;
        for group in summary.reasons.of(outcome) {
            writeln!(out, "    {}", describe(group, outcome))?;
        }
    }
    for (at, why) in &summary.skipped_parts {
        writeln!(out, "  sheet skipped: {at}: {why}")?;
    }
    for warning in &summary.hidden_rows {
        writeln!(out, "  warning: {}: {}", warning.at, warning.message)?;
    }
    if let Some(written) = &summary.written {
        writeln!(
            out,
            "  wrote {} to {}",
            counted(written.rows, "row"),
            written.path
        )?;
    }
    writeln!(out, "  took {:.1} s", summary.elapsed.as_secs_f64())?;

    let left = summary.get(Outcome::InDoubt) + summary.get(Outcome::Pending);
    match &summary.end {
        End::Fatal { .. } | End::BadInput { .. } | End::LocalFailure { .. } => {
            print_end(err, summary)?
        }
        End::Completed if left > 0 => writeln!(
            out,
            "next: run the same command again to settle and send the {} left",
            counted(left, words.noun)
        )?,
        End::Completed => {}
        End::Interrupted(signal) => writeln!(
            out,
            "stopped by {signal}: the requests in flight were finished and recorded; run the same command again to carry on"
        )?,
    }
    Ok(())
}

/// Prints the error that ended a run, and what to do, once, on `err` (nothing for a run
/// that completed or was stopped by a signal).
pub fn print_end(err: &mut impl Write, summary: &Summary) -> io::Result<()> {
    match &summary.end {
        End::Completed | End::Interrupted(_) => {}
        End::Fatal { message, advice } => {
            writeln!(err, "rewardsync: stopped: {message}")?;
            if let Some(advice) = advice {
                writeln!(err, "rewardsync: to fix: {advice}")?;
            }
        }
        End::BadInput { message } => {
            writeln!(err, "rewardsync: {message}")?;
            writeln!(err, "rewardsync: nothing was sent")?;
        }
        End::LocalFailure { message } => {
            writeln!(err, "rewardsync: stopped: {message}")?;
            writeln!(
                err,
                "rewardsync: the ledger holds every outcome recorded before the failure; once it is fixed, run the same command again"
            )?;
        }
    }
    Ok(())
}

/// One group: its reason, how many, and where the first ones are.
fn describe(group: &Group, outcome: Outcome) -> String {
    let reason = match outcome {
        Outcome::Failed | Outcome::FailedEarlier if group.key.parse::<i64>().is_ok() => {
            format!("code {}: {}", group.key, group.message)
        }
        _ => group.message.clone(),
    };
    let mut line = format!("{reason} ({})", group.count);
    if !group.at.is_empty() {
        line.push_str(" — ");
        line.push_str(&group.at.join(", "));
        if group.count > group.at.len() as u64 {
            line.push_str(", …");
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::exit::Signal;

    use crate::report::summary::TEST_WORDS as WORDS;

    fn printed(summary: &Summary) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        print(&mut out, &mut err, summary).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn failures_are_grouped_by_code_with_the_message_and_first_lines() {
        let mut summary = Summary::new("import", WORDS);
        summary.items = 10;
        summary.count(Outcome::Done, 3);
        summary.count(Outcome::Failed, 7);
        for line in 2..8 {
            summary.reasons.add(
                Outcome::Failed,
                "1002002",
                "invalid field referral_user_id",
                Some(crate::report::summary::Place::line(line)),
            );
        }
        summary.reasons.add(
            Outcome::Failed,
            "1002551",
            "user not found",
            Some(crate::report::summary::Place::line(9)),
        );
        let (out, err) = printed(&summary);
        assert!(
            out.contains("  10 rows: 3 imported now, 7 failed\n"),
            "{out}"
        );
        assert!(
            out.contains("    code 1002002: invalid field referral_user_id (6) — line 2, line 3, line 4, line 5, line 6, …\n"),
            "{out}"
        );
        assert!(
            out.contains("    code 1002551: user not found (1) — line 9\n"),
            "{out}"
        );
        assert!(err.is_empty());
    }

    #[test]
    fn a_fatal_stop_gives_its_advice_once_and_no_rerun_hint() {
        let mut summary = Summary::new("import", WORDS);
        summary.count(Outcome::Pending, 5);
        summary.end_with(End::Fatal {
            message: "code 99991672: Access denied".into(),
            advice: Some("grant hire:external_referral_reward".into()),
        });
        let (out, err) = printed(&summary);
        assert!(!out.contains("run the same command again"), "{out}");
        assert_eq!(
            err,
            "rewardsync: stopped: code 99991672: Access denied\nrewardsync: to fix: grant hire:external_referral_reward\n"
        );
    }

    #[test]
    fn a_signal_is_named_and_a_short_run_shows_no_rate() {
        let mut summary = Summary::new("import", WORDS);
        summary.count(Outcome::Done, 1);
        summary.sent = 1;
        summary.sending = std::time::Duration::from_millis(3);
        summary.end_with(End::Interrupted(Signal::Terminate));
        let (out, _) = printed(&summary);
        assert!(out.contains("  sent 1 request in 0.0 s\n"), "{out}");
        assert!(out.contains("stopped by SIGTERM"), "{out}");
    }
}
