mod cli;
mod discord;
mod doctor;
mod engine;
mod fake_discord_smoke;
mod hardening;
mod originality;
mod privacy;
mod props;
mod reload;
mod review;
mod serve_binary;
mod service;
#[path = "../support/mod.rs"]
mod support;
mod teach;
mod triage_bot;
