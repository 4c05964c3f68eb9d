mod discord;
mod fake_discord_smoke;
mod reload;
mod review;
#[path = "../support/mod.rs"]
mod support;
mod cli;
mod engine;
mod props;
