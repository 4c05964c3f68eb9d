//! The config loader: arbitrary text as `ldnbot.toml`.
#![no_main]

use std::path::Path;

use ldnbot::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = Config::from_toml(&text, Path::new("fuzz/ldnbot.toml")) {
        assert!((0.0..=1.0).contains(&config.answer.threshold));
        assert!(!config.answer.disclaimer.trim().is_empty());
        let _ = format!("{config:?}");
    }
});
