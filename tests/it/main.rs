mod fake_discord_smoke;
mod review;
#[path = "../support/mod.rs"]
mod support;
