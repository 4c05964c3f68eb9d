//! A member's data: /privacy says what is kept, /forget-me deletes exactly
//! that member's rows after the confirm button (from the file's bytes too),
//! and `ldnbot unanswered forget --user ID` does the same for moderators.

use std::path::Path;

use serde_json::json;

use crate::discord::{start, Running};
use crate::service::write_config;
use crate::support::*;

const FORGETFUL: u64 = 610_000_000_000_000_001;
const STAYING: u64 = 610_000_000_000_000_002;
/// Words no passage has, so each question abstains and is logged; unusual
/// enough to search the database file's bytes for.
const FORGET_ONE: &str = "Where can I buy a quokkaflute for my cat?";
const FORGET_TWO: &str = "Is zebrawaltz music good for knitting?";
const STAY: &str = "Can a marmotbassoon be tuned underwater?";

fn keyed(bot: &Running, user: u64) -> Vec<String> {
    let key = bot.review.user_key(user);
    bot.open_items()
        .into_iter()
        .filter(|item| item.user_key.as_deref() == Some(key.as_str()))
        .map(|item| item.question)
        .collect()
}

/// The review database's bytes, its write-ahead log included.
fn file_bytes(database: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(database).unwrap();
    let mut wal = database.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// The custom ids of the buttons in a reply.
fn buttons(reply: &Recorded) -> Vec<String> {
    reply.message_body()["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|button| button["custom_id"].as_str().map(str::to_string))
        .collect()
}

async fn click(bot: &Running, id: u64, custom_id: &str, member: u64) -> Recorded {
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click(id, custom_id, Member::plain(member)),
        )
        .await;
    bot.callback(id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_deletes_exactly_that_members_rows_and_their_bytes() {
    let bot = start(|_| {}).await;
    bot.ask(6001, FORGET_ONE, Member::plain(FORGETFUL)).await;
    bot.ask(6002, FORGET_TWO, Member::plain(FORGETFUL)).await;
    bot.ask(6003, STAY, Member::plain(STAYING)).await;
    assert_eq!(keyed(&bot, FORGETFUL).len(), 2);
    let database = bot.config.review.database.clone();
    assert!(contains(&file_bytes(&database), "quokkaflute"));

    let confirm = bot
        .slash(6010, "forget-me", json!([]), Member::plain(FORGETFUL))
        .await;
    assert!(confirm.is_ephemeral(), "{:?}", confirm.body);
    let ids = buttons(&confirm);
    let yes = ids
        .iter()
        .find(|id| id.contains(":yes:"))
        .expect("a confirm button");
    let no = ids
        .iter()
        .find(|id| id.contains(":no:"))
        .expect("a cancel button");

    // Nothing happens before the confirmation, on cancel, or on someone else's click.
    assert_eq!(keyed(&bot, FORGETFUL).len(), 2);
    let cancelled = click(&bot, 6011, no, FORGETFUL).await;
    assert!(cancelled.all_text().contains("Nothing was deleted"));
    let stranger = click(&bot, 6012, yes, STAYING).await;
    assert!(
        stranger.all_text().contains("someone else"),
        "{}",
        stranger.all_text()
    );
    assert_eq!(keyed(&bot, FORGETFUL).len(), 2);
    assert_eq!(keyed(&bot, STAYING).len(), 1);

    let done = click(&bot, 6013, yes, FORGETFUL).await;
    assert_eq!(
        done.body["type"], 7,
        "the confirmation is replaced: {:?}",
        done.body
    );
    assert!(
        done.all_text().contains("Deleted 2 questions"),
        "{}",
        done.all_text()
    );
    assert!(keyed(&bot, FORGETFUL).is_empty());
    assert_eq!(keyed(&bot, STAYING), [STAY]);

    let bytes = file_bytes(&database);
    for gone in ["quokkaflute", "zebrawaltz"] {
        assert!(!contains(&bytes, gone), "{gone:?} is still in the file");
    }
    assert!(
        contains(&bytes, "marmotbassoon"),
        "the search finds what stays"
    );

    // A moderator acting on a request, from the command line, while the bot runs.
    let folder = database.parent().unwrap();
    let config = write_config(folder, &bot.fake, "", "");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "forget", "--user", &STAYING.to_string()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("deleted 1 question"), "{stdout}");
    assert!(keyed(&bot, STAYING).is_empty());
    assert!(!contains(&file_bytes(&database), "marmotbassoon"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_says_what_is_kept_for_how_long_and_how_to_delete_it() {
    let bot = start(|config| config.review.retention_days = 90).await;
    let reply = bot
        .slash(6101, "privacy", json!([]), Member::plain(FORGETFUL))
        .await;
    assert!(reply.is_ephemeral());
    let text = reply.all_text();
    for says in [
        "90 days",
        "moderators",
        "/forget-me",
        "instead of your Discord user id",
    ] {
        assert!(text.contains(says), "{says:?} in {text}");
    }
    bot.stop().await;
}
