mod bot_promises;
mod cli;
mod discord;
mod engine;
mod fake_discord_smoke;
mod logs;
mod originality;
mod props;
mod reload;
mod review;
mod serve_binary;
#[path = "../support/mod.rs"]
mod support;
mod teach;
mod triage_bot;
