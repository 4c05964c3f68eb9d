mod cli;
mod discord;
mod engine;
mod fake_discord_smoke;
mod props;
mod reload;
mod review;
mod serve_binary;
#[path = "../support/mod.rs"]
mod support;
mod triage_bot;
mod teach;
