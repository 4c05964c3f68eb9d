//! The configuration file: `config/ldnbot.toml` by default.
//!
//! Unknown keys are errors, so a typo never silently falls back to a default.
//! Relative paths resolve against the directory of the config file itself, so
//! the bundled config works from any working directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod safety;
mod service;

pub use safety::SafetyConfig;
pub use service::ServerConfig;

/// Where the config is looked for when neither `--config` nor `LDNBOT_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "config/ldnbot.toml";

/// The default medical disclaimer, sent with every answer and every abstention.
pub const DEFAULT_DISCLAIMER: &str =
    "This is general information from an article, not medical advice. \
Please talk to your healthcare provider before starting, stopping or changing any treatment.";

/// The default reply to a message that describes an emergency.
pub const DEFAULT_URGENT_REPLY: &str = "This sounds like it could be an emergency. Please contact your local \
emergency number or go to the nearest emergency department now. If you are thinking about harming yourself, \
call or text a crisis line in your country right away. This bot cannot help with emergencies.";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid config file {path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
    /// A key named by the file (a locale), with the line it is on when found.
    #[error("invalid config file {path}: {}{key}: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    InvalidEntry {
        path: PathBuf,
        line: Option<usize>,
        key: String,
        message: String,
    },
}

/// The whole configuration, as loaded and resolved.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub knowledge: KnowledgeConfig,
    pub answer: AnswerConfig,
    pub safety: SafetyConfig,
    pub discord: DiscordConfig,
    pub review: ReviewConfig,
    pub server: ServerConfig,
    /// The file this was loaded from, if any; relative paths were resolved against its directory.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// The directory of `*.md` knowledge files and `synonyms.toml`.
    pub dir: PathBuf,
    /// Reload automatically when a file in `dir` changes.
    pub watch: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswerConfig {
    /// The least share (0–1) of a question's informative words that the best
    /// passage must cover before the bot answers; below it, the bot abstains.
    pub threshold: f32,
    /// The lower share that suffices when the passage matches two or more
    /// different things the question asks about: chatty questions carry many
    /// words no passage has, and two separate matches are strong evidence.
    pub corroborated_threshold: f32,
    /// How many runner-up passages to report with an answer.
    pub alternatives: usize,
    /// A runner-up scoring at least this share (0–1) of the top score is named
    /// in a "See also" line.
    pub see_also_margin: f32,
    /// Sent with every answer and every abstention.
    pub disclaimer: String,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Guilds to register the commands in (instant); empty registers them globally.
    pub guild_ids: Vec<u64>,
    /// The longest question accepted, in characters.
    pub question_max_len: usize,
    /// At most this many questions per user in `cooldown_seconds`.
    pub cooldown_questions: u32,
    pub cooldown_seconds: u64,
    /// Answer messages that mention the bot.
    pub answer_mentions: bool,
    /// Answer direct messages.
    pub answer_dms: bool,
    /// Make `/ask` replies visible only to the asker unless they choose otherwise.
    pub ephemeral_answers: bool,
    /// Roles whose members may review unanswered questions.
    pub moderator_roles: Vec<u64>,
    /// Roles whose members may reload the knowledge base.
    pub admin_roles: Vec<u64>,
    /// A base URL that every REST call goes to instead of Discord, such as an
    /// HTTP proxy that shares one rate limiter across processes.
    pub api_proxy: Option<String>,
    /// A channel that gets a short, ping-free note when a message looks urgent.
    pub alert_channel_id: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    /// The SQLite file of the review log.
    pub database: PathBuf,
    /// Keep raw Discord user ids; by default only a keyed hash is kept.
    pub store_user_ids: bool,
    /// Rows older than this are deleted at start-up and daily.
    pub retention_days: u32,
    /// Where scheduled online backups go; unset: no scheduled backups.
    pub backup_dir: Option<PathBuf>,
    /// How often a scheduled backup runs.
    pub backup_every_hours: u32,
    /// How many scheduled backups are kept; older ones are deleted.
    pub backup_keep: usize,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("../knowledge"),
            watch: false,
        }
    }
}

impl Default for AnswerConfig {
    fn default() -> Self {
        AnswerConfig {
            threshold: 0.5,
            corroborated_threshold: 0.2,
            alternatives: 3,
            see_also_margin: 0.85,
            disclaimer: DEFAULT_DISCLAIMER.to_string(),
        }
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            guild_ids: Vec::new(),
            question_max_len: 500,
            cooldown_questions: 5,
            cooldown_seconds: 60,
            answer_mentions: true,
            answer_dms: true,
            ephemeral_answers: false,
            moderator_roles: Vec::new(),
            admin_roles: Vec::new(),
            api_proxy: None,
            alert_channel_id: None,
        }
    }
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            database: PathBuf::from("../data/ldnbot.sqlite3"),
            store_user_ids: false,
            retention_days: 180,
            backup_dir: None,
            backup_every_hours: 24,
            backup_keep: 7,
        }
    }
}

/// Hand-written so that whatever is added here later, a URL with credentials
/// in it (`api_proxy`) never reaches a log.
impl fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("guild_ids", &self.guild_ids)
            .field("question_max_len", &self.question_max_len)
            .field("cooldown_questions", &self.cooldown_questions)
            .field("cooldown_seconds", &self.cooldown_seconds)
            .field("answer_mentions", &self.answer_mentions)
            .field("answer_dms", &self.answer_dms)
            .field("ephemeral_answers", &self.ephemeral_answers)
            .field("moderator_roles", &self.moderator_roles)
            .field("admin_roles", &self.admin_roles)
            .field("api_proxy", &self.api_proxy.as_ref().map(|_| "<set>"))
            .field("alert_channel_id", &self.alert_channel_id)
            .finish()
    }
}

impl Config {
    /// Loads and validates a config file, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Parses config text as if it came from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &err),
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        config.knowledge.dir = base.join(&config.knowledge.dir);
        config.review.database = base.join(&config.review.database);
        config.review.backup_dir = config.review.backup_dir.map(|dir| base.join(dir));
        config.source = Some(path.to_path_buf());
        config.validate(path, text)?;
        Ok(config)
    }

    /// Every default, with paths resolved as if the config were at
    /// [`DEFAULT_CONFIG_PATH`]; used when that file does not exist.
    pub fn defaults() -> Config {
        Config::from_toml("", Path::new(DEFAULT_CONFIG_PATH)).unwrap_or_default()
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, message: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            message: message.to_string(),
        };
        if !(0.0..=1.0).contains(&self.answer.threshold) {
            return Err(invalid("answer.threshold", "must be between 0 and 1"));
        }
        if !(0.0..=1.0).contains(&self.answer.corroborated_threshold) {
            return Err(invalid(
                "answer.corroborated_threshold",
                "must be between 0 and 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.answer.see_also_margin) {
            return Err(invalid("answer.see_also_margin", "must be between 0 and 1"));
        }
        if self.answer.disclaimer.trim().is_empty() {
            return Err(invalid(
                "answer.disclaimer",
                "must not be empty: every reply carries it",
            ));
        }
        if self.answer.disclaimer.chars().count() > 1000 {
            return Err(invalid(
                "answer.disclaimer",
                "must be at most 1000 characters to fit in a Discord reply",
            ));
        }
        if self.safety.urgent_reply.trim().is_empty() {
            return Err(invalid("safety.urgent_reply", "must not be empty"));
        }
        self.safety.validate(path, text)?;
        if !(1..=6000).contains(&self.discord.question_max_len) {
            return Err(invalid(
                "discord.question_max_len",
                "must be between 1 and 6000 (Discord's limit for a text option)",
            ));
        }
        if self.discord.cooldown_questions == 0 {
            return Err(invalid("discord.cooldown_questions", "must be at least 1"));
        }
        self.server.validate(path)?;
        service::validate_backups(&self.review, path)?;
        if let Some(url) = &self.discord.api_proxy {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "discord.api_proxy",
                    "must be a URL starting with http:// or https://",
                ));
            }
        }
        Ok(())
    }
}

/// toml's message, with the line it points at when known.
fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().to_string();
    match crate::strings::toml_error_line(text, err) {
        Some(line) => format!("line {line}: {message}"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::safety::is_discord_locale;
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml("[answer]\nthreshhold = 0.3\n", Path::new("x/ldnbot.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("x/ldnbot.toml"), "{err}");
        assert!(err.contains("threshhold"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn relative_paths_resolve_against_the_config_dir() {
        let config = Config::from_toml(
            "[knowledge]\ndir = \"../knowledge\"\n",
            Path::new("/etc/ldnbot/ldnbot.toml"),
        )
        .unwrap();
        assert_eq!(config.knowledge.dir, Path::new("/etc/ldnbot/../knowledge"));
    }

    #[test]
    fn helplines_come_from_the_config_then_the_builtin_table_then_the_default() {
        let config = Config::from_toml(
            "[safety.locales.\"en-GB\"]\nemergency = \"112\"\ncrisis = \"Local line\"\n\
             [safety.default_helpline]\nemergency = \"000\"\ncrisis = \"Lifeline 13 11 14\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let safety = &config.safety;
        assert_eq!(
            safety.helpline(Some("en-gb")).map(|h| h.emergency),
            Some("112".into())
        );
        assert_eq!(
            safety.helpline(Some("en-US")).map(|h| h.emergency),
            Some("911".into())
        );
        assert_eq!(
            safety.helpline(Some("es-419")).map(|h| h.emergency),
            Some("000".into())
        );
        assert_eq!(
            safety.helpline(None).map(|h| h.emergency),
            Some("000".into())
        );
        assert!(Config::defaults().safety.helpline(Some("vi")).is_none());
    }

    #[test]
    fn bad_helplines_name_the_file_line_and_key() {
        let text = "[answer]\nthreshold = 0.5\n\n[safety.locales.\"english\"]\nemergency = \"1\"\ncrisis = \"x\"\n";
        let err = Config::from_toml(text, Path::new("x/ldnbot.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x/ldnbot.toml") && err.contains("line 4"),
            "{err}"
        );
        assert!(err.contains("safety.locales.\"english\""), "{err}");

        let text = "[safety.locales.\"de\"]\ncrisis = \"x\"\nemergency = \" \"\n";
        let err = Config::from_toml(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("safety.locales.\"de\".emergency"),
            "{err}"
        );

        let text = "[safety.locales]\nfr = { emergency = \"112\", crisis = \"\" }\n";
        let err = Config::from_toml(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("crisis"), "{err}");

        let text = "[safety.default_helpline]\nemergency = \"\"\ncrisis = \"x\"\n";
        let err = Config::from_toml(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("default_helpline.emergency"),
            "{err}"
        );

        // An unknown field is toml's error, with its line.
        let text =
            "[safety.locales.\"de\"]\nemergency = \"112\"\ncrisis = \"x\"\nhotline = \"y\"\n";
        let err = Config::from_toml(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4") && err.contains("hotline"), "{err}");

        for good in ["de", "en-GB", "es-419", "zh-TW"] {
            assert!(is_discord_locale(good), "{good}");
        }
        for bad in ["", "e", "eng", "en-", "en_GB", "en-GBR", "1e"] {
            assert!(!is_discord_locale(bad), "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_proxy_url() {
        let config = Config::from_toml(
            "[discord]\napi_proxy = \"http://user:secret@proxy\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("secret"));
    }
}
