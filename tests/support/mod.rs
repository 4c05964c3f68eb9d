//! Test support: an in-process fake Discord (REST + gateway) and payload builders.
//!
//! Included from integration tests and benches with `#[path = "../support/mod.rs"] mod support;`
//! (or the equivalent relative path); not every user needs every helper.
#![allow(dead_code, unused_imports)]

pub mod fake_discord;
pub mod faults;
pub mod payloads;

pub use fake_discord::{check_dispatch, FakeConfig, FakeDiscord, FilePart, Recorded};
pub use faults::{Fault, Faults};
pub use payloads::*;
