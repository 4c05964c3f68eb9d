//! `ldnbot doctor`, the binary, against the fake Discord after the real bot
//! registered its commands there: all green with the right setup, and one
//! failing line with a fix, and exit 1, for each thing set up wrong.

use std::path::Path;

use crate::discord::start;
use crate::service::write_config;
use crate::support::fake_discord::{READ_ONLY_CHANNEL_ID, REJECTED_TOKEN};
use crate::support::*;

const TOKEN: &str = "fake-token";

struct Doctor {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Doctor {
    fn failures(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|line| line.starts_with("FAIL"))
            .collect()
    }
}

async fn doctor(dir: &Path, fake: &FakeDiscord, discord: &str, token: &str) -> Doctor {
    let config = write_config(dir, fake, discord, "");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config)
        .arg("doctor")
        .env("DISCORD_TOKEN", token)
        .env("RUST_LOG", "off")
        .output()
        .await
        .unwrap();
    let doctor = Doctor {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for printed in [&doctor.stdout, &doctor.stderr] {
        assert!(
            !printed.contains(token),
            "the token was printed:\n{printed}"
        );
    }
    doctor
}

fn setup(guilds: &str, alert: u64, moderator: u64) -> String {
    format!(
        "guild_ids = [{guilds}]\nalert_channel_id = {alert}\nmoderator_roles = [{moderator}]\nadmin_roles = [{ADMIN_ROLE_ID}]"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_the_right_setup_and_names_each_wrong_one_with_a_fix() {
    // The real bot registers its commands in the fake guild.
    let bot = start(|_| {}).await;
    let fake = &bot.fake;
    let dir = tempfile::tempdir().unwrap();
    let good = setup(&GUILD_ID.to_string(), CHANNEL_ID, MOD_ROLE_ID);

    let green = doctor(dir.path(), fake, &good, TOKEN).await;
    assert_eq!(green.code, Some(0), "{}{}", green.stdout, green.stderr);
    assert!(green.failures().is_empty(), "{}", green.stdout);
    for check in [
        "ok    token",
        "ok    application",
        &format!("ok    guild {GUILD_ID}"),
        &format!("ok    commands in guild {GUILD_ID}"),
        &format!("ok    permissions in guild {GUILD_ID}"),
        &format!("ok    alert channel {CHANNEL_ID}"),
        &format!("ok    moderator role {MOD_ROLE_ID}"),
        &format!("ok    admin role {ADMIN_ROLE_ID}"),
    ] {
        assert!(
            green.stdout.contains(check),
            "{check:?} in\n{}",
            green.stdout
        );
    }

    let stranger = 800_000_000_000_000_999u64;
    let unknown_role = 800_000_000_000_000_998u64;
    let cases = [
        (good.clone(), REJECTED_TOKEN, "token", "Reset Token"),
        (
            setup(&format!("{GUILD_ID}, {stranger}"), CHANNEL_ID, MOD_ROLE_ID),
            TOKEN,
            &*format!("guild {stranger}"),
            "invite the bot",
        ),
        (
            setup(&GUILD_ID.to_string(), READ_ONLY_CHANNEL_ID, MOD_ROLE_ID),
            TOKEN,
            &*format!("alert channel {READ_ONLY_CHANNEL_ID}"),
            "Send Messages",
        ),
        (
            setup(&GUILD_ID.to_string(), CHANNEL_ID, unknown_role),
            TOKEN,
            &*format!("moderator role {unknown_role}"),
            "discord.moderator_roles",
        ),
    ];
    for (discord, token, what, says) in cases {
        let result = doctor(dir.path(), fake, &discord, token).await;
        assert_eq!(
            result.code,
            Some(1),
            "{what}: {}{}",
            result.stdout,
            result.stderr
        );
        let failures = result.failures();
        assert_eq!(failures.len(), 1, "{what}: {}", result.stdout);
        let line = failures[0];
        assert!(
            line.starts_with(&format!("FAIL  {what}:"))
                && line.contains("fix:")
                && line.contains(says),
            "{what}: {line}"
        );
    }

    // A config error is exit 2.
    std::fs::write(dir.path().join("bad.toml"), "[discord]\nguild_idz = []\n").unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(dir.path().join("bad.toml"))
        .arg("doctor")
        .env("DISCORD_TOKEN", TOKEN)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    bot.stop().await;
}
