//! Text a server sends is shown like an input value (SPEC §2.5): a refusal's `msg` and log
//! id in the text summary, the errors file and `--json`, and a webhook's answer on stderr,
//! each with control and escape characters escaped and at most 200 characters. A server
//! here answers every reward and the bot with a `msg` holding ESC, BEL, a C1 control and
//! 100 KB of text.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use crate::common::Workdir;

/// What the server says: an escape sequence that would clear the screen, a bell, a C1
/// control (CSI), then 100 KB.
fn hostile() -> String {
    format!("bad\u{1b}[2J\u{7}\u{9b}31m{}", "x".repeat(100_000))
}

/// The msg as every output shows it: escaped, cut to 200 characters with its `…`.
fn shown() -> String {
    let escaped = r"bad\u{1b}[2J\u{7}\u{9b}31m";
    let room = 199 - escaped.chars().count();
    format!("{escaped}{}…", "x".repeat(room))
}

/// A Feishu that gives a token, refuses every reward with 1002002 and `hostile()` (its log
/// id in the body, with an escape too), and a bot that refuses every message the same
/// way. Returns its base URL.
fn hostile_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let path = request_line.split(' ').nth(1).unwrap_or("");
            let (status, answer) = if path.starts_with("/open-apis/auth/") {
                (
                    "200 OK",
                    serde_json::json!({"code": 0, "msg": "ok", "tenant_access_token": "t-hostile", "expire": 7200}),
                )
            } else if path.starts_with("/open-apis/bot/") {
                (
                    "200 OK",
                    serde_json::json!({"code": 19021, "msg": hostile()}),
                )
            } else {
                (
                    "400 Bad Request",
                    serde_json::json!({"code": 1002002, "msg": hostile(), "error": {"log_id": "L0G\u{1b}]0;owned\u{7}"}}),
                )
            };
            let answer = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    base
}

/// No control character of any kind (C0 but line breaks, DEL, C1) in `text`.
fn assert_no_controls(what: &str, text: &str) {
    let found = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    assert_eq!(found, None, "{what} holds a raw control character");
}

#[test]
fn a_servers_msg_is_escaped_and_cut_in_the_summary_the_errors_file_json_and_stderr() {
    let base = hostile_server();
    let wrk = Workdir::new();
    wrk.generated("in.csv", 2, "HOSTILE");
    let run = |args: &[&str]| {
        let mut all = vec!["import", "in.csv", "--no-progress", "--rate", "100"];
        all.extend_from_slice(args);
        wrk.command(&all)
            .env("FEISHU_BASE_URL", &base)
            .env("FEISHU_APP_ID", "cli_hostile")
            .env("FEISHU_APP_SECRET", "hostile-secret")
            .env_remove("FEISHU_APP_SECRET_FILE")
            .env_remove("REWARDSYNC_LEDGER")
            .output()
            .unwrap()
    };
    let hook = format!("{base}/open-apis/bot/v2/hook/hostile-hook-token");
    let output = run(&["--errors", "fix.csv", "--notify", &hook]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_no_controls("stdout", &stdout);
    assert_no_controls("stderr", &stderr);

    // The text summary: grouped by code, the msg escaped and cut.
    assert!(
        stdout.contains(&format!(
            "    code 1002002: {} (2) — in.csv:2, in.csv:3",
            shown()
        )),
        "{stdout}"
    );
    assert!(stdout.lines().all(|l| l.chars().count() < 300), "{stdout}");
    // The webhook's refusal: a warning on stderr, its msg escaped and cut.
    let warning = stderr
        .lines()
        .find(|l| l.contains("the notification was not delivered"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        warning.contains(&format!("code 19021: {}", shown())),
        "{warning}"
    );
    assert!(warning.chars().count() < 600, "{warning}");

    // The errors file: the same words, and the log id escaped.
    let errors = std::fs::read_to_string(wrk.path("fix.csv")).unwrap();
    assert_no_controls("the errors file", &errors);
    assert!(
        errors.contains(&format!(
            "refused by Feishu: code 1002002: {} (log id L0G\\u{{1b}}]0;owned\\u{{7}})",
            shown()
        )),
        "{errors}"
    );
    assert!(errors.len() < 2_000, "{} bytes", errors.len());

    // --json: JSON escapes by itself, and the text is cut there too.
    let output = run(&["--retry-failed", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.len() < 5_000, "{} bytes", output.stdout.len());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = json.to_string();
    assert!(
        text.contains(&serde_json::to_string(&shown()).unwrap()[1..]),
        "{text}"
    );
    assert!(!text.contains(&"x".repeat(200)), "{text}");
}
