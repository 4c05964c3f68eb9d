//! What members read, in one place: the fixed sentences of every reply form
//! (terminal, JSON, Discord) and the configured ones ([`Texts`]).
//!
//! Kept together so the voice stays one voice, and so a change of wording is
//! one edit that the tests of every form see.

use crate::answer::Engine;
use crate::triage::{urgent_notice, Helpline};

/// Said when the knowledge base has nothing on a question.
pub const NOT_COVERED: &str = "Sorry, the knowledge base doesn't cover this yet.";

/// Said when nothing was asked.
pub const EMPTY_QUESTION: &str =
    "Please ask a question, for example: \"What are the side effects of LDN?\"";

/// Said when the engine failed on a question (a fault of the index, logged):
/// nothing was decided about the question, so nothing claims it is not covered.
pub const SOMETHING_WENT_WRONG: &str =
    "Sorry, something went wrong on my side and I could not look that up. Please try again in a moment.";

/// Said under an abstention only once the question is safely in the review log.
pub const MODERATORS_WILL_SEE: &str =
    "I've passed your question on: moderators will see it and can add it to the knowledge base.";

/// The title of the urgent notice.
pub const URGENT_TITLE: &str = "This may be an emergency";

/// The title of the reply to an empty question.
pub const EMPTY_TITLE: &str = "What would you like to know?";

/// Said when the context menu is used on a message without text (an image, say).
pub const NO_TEXT_TO_ANSWER: &str = "That message has no text I can answer.";

/// Feedback-button replies.
pub const THANKS: &str = "Thanks — noted.";
pub const THANKS_NOT_SAVED: &str =
    "Thanks — but I couldn't save that just now. Please try again in a little while.";
pub const STALE_BUTTON: &str = "Sorry, this button no longer works. Please ask again.";

/// The texts that come from the config: what every reply must carry.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// The medical disclaimer, on every answer and every "I don't know".
    pub disclaimer: &'a str,
    /// The urgent notice when no helpline is known for the member
    /// (`safety.urgent_reply`): it cannot name a number.
    pub urgent_reply: &'a str,
}

impl<'a> Texts<'a> {
    /// The texts the engine was configured with.
    pub fn of(engine: &'a Engine) -> Texts<'a> {
        Texts {
            disclaimer: engine.disclaimer(),
            urgent_reply: engine.urgent_reply(),
        }
    }

    /// Sent instead of a passage when a message is urgent: the emergency
    /// number and crisis line of `helpline`, else the configured generic notice.
    pub fn urgent_notice(&self, helpline: Option<&Helpline>) -> String {
        match helpline {
            Some(helpline) => urgent_notice(Some(helpline)),
            None => self.urgent_reply.to_string(),
        }
    }
}
