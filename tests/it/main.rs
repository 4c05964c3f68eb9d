mod cli;
mod discord;
mod engine;
mod fake_discord_smoke;
mod props;
mod reload;
mod review;
#[path = "../support/mod.rs"]
mod support;
mod serve_binary;
