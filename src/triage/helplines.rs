//! Emergency numbers and crisis lines per Discord locale, and the texts sent
//! with them: the urgent notice, and the one safety line added to a caution.
//!
//! Only numbers known to be national and current are built in; a locale that
//! is a language spoken in many countries (es-419, say) has none, and gets the
//! generic notice unless the config sets `[safety.locales."LOCALE"]`.

use serde::Deserialize;

/// Where to get help in one place.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Helpline {
    /// The emergency number, e.g. "999".
    pub emergency: String,
    /// A crisis line, e.g. "Samaritans: call 116 123 (free, 24/7)".
    pub crisis: String,
}

/// (Discord locale, emergency number, crisis line).
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "en-US",
        "911",
        "988 Suicide & Crisis Lifeline: call or text 988",
    ),
    ("en-GB", "999", "Samaritans: call 116 123 (free, 24/7)"),
    (
        "de",
        "112",
        "TelefonSeelsorge: 0800 111 0 111 or 0800 111 0 222 (free, 24/7)",
    ),
    (
        "fr",
        "112 (SAMU: 15)",
        "3114, numéro national de prévention du suicide (24/7)",
    ),
    (
        "es-ES",
        "112",
        "024, Línea de atención a la conducta suicida (24/7)",
    ),
    (
        "nl",
        "112",
        "113 Zelfmoordpreventie: 113 or 0800-0113 (free)",
    ),
    ("it", "112", "Telefono Amico Italia: 02 2327 2327"),
    ("pt-BR", "192 (SAMU)", "CVV: 188 (free, 24/7)"),
    ("da", "112", "Livslinien: 70 201 201"),
    ("sv-SE", "112", "Mind Självmordslinjen: 90101"),
    ("no", "113", "Mental Helse hjelpetelefonen: 116 123"),
    ("fi", "112", "MIELI kriisipuhelin: 09 2525 0111"),
    ("pl", "112", "Telefon zaufania dla dorosłych: 116 123"),
    (
        "cs",
        "155 (or 112)",
        "Linka první psychické pomoci: 116 123",
    ),
    ("hu", "112", "Lelki Elsősegély Telefonszolgálat: 116 123"),
    ("lt", "112", "Vilties linija: 116 123"),
    ("el", "112 (ambulance: 166)", "Suicide help line: 1018"),
    (
        "ro",
        "112",
        "Alianța Română de Prevenție a Suicidului: 0800 801 200",
    ),
    ("uk", "112 (ambulance: 103)", "Lifeline Ukraine: 7333"),
    ("hi", "112", "Tele-MANAS: 14416"),
    ("th", "1669", "Mental health hotline: 1323"),
    ("ja", "119", "いのちの電話: 0570-783-556"),
    ("ko", "119", "자살예방상담전화: 109"),
    ("zh-TW", "119", "安心專線: 1925"),
];

/// The built-in numbers for a Discord locale (e.g. "en-GB"); case-insensitive.
pub fn builtin_helpline(locale: &str) -> Option<Helpline> {
    let locale = locale.trim();
    BUILTIN
        .iter()
        .find(|(l, _, _)| l.eq_ignore_ascii_case(locale))
        .map(|(_, emergency, crisis)| Helpline {
            emergency: (*emergency).to_string(),
            crisis: (*crisis).to_string(),
        })
}

/// The notice sent instead of an answer when a message is urgent.
pub fn urgent_notice(helpline: Option<&Helpline>) -> String {
    match helpline {
        Some(h) => format!(
            "This sounds like it could be an emergency. Please call {} now, or go to the \
             nearest emergency department. If you are thinking about harming yourself or \
             ending your life, please reach out right now: {}. You do not have to face this \
             alone. This bot cannot help in an emergency.",
            h.emergency, h.crisis
        ),
        None => "This sounds like it could be an emergency. Please call your local emergency \
                 number now, or go to the nearest emergency department. If you are thinking \
                 about harming yourself or ending your life, please call a crisis line in your \
                 country right now, or tell someone near you. You do not have to face this \
                 alone. This bot cannot help in an emergency."
            .to_string(),
    }
}

/// The one safety line added to a normal answer for a caution.
pub fn caution_line(helpline: Option<&Helpline>) -> String {
    match helpline {
        Some(h) => format!(
            "If this is happening to you now, call your emergency number ({}).",
            h.emergency
        ),
        None => "If this is happening to you now, call your emergency number.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_fallback() {
        let us = builtin_helpline("en-US").unwrap();
        assert_eq!(us.emergency, "911");
        assert!(us.crisis.contains("988"));
        let gb = builtin_helpline("en-gb").unwrap();
        assert_eq!(gb.emergency, "999");
        assert!(gb.crisis.contains("116 123"));
        assert!(builtin_helpline("es-419").is_none());
        assert!(builtin_helpline("").is_none());
        assert!(urgent_notice(Some(&gb)).contains("999"));
        assert!(urgent_notice(Some(&gb)).contains("116 123"));
        assert!(urgent_notice(None).contains("local emergency number"));
        assert_eq!(
            caution_line(Some(&us)),
            "If this is happening to you now, call your emergency number (911)."
        );
        assert_eq!(
            caution_line(None),
            "If this is happening to you now, call your emergency number."
        );
    }

    #[test]
    fn every_builtin_locale_is_a_discord_locale() {
        const DISCORD: &[&str] = &[
            "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu",
            "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru",
            "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
        ];
        for (l, e, c) in BUILTIN {
            assert!(DISCORD.contains(l), "{l}");
            assert!(!e.is_empty() && !c.is_empty());
        }
    }

    #[test]
    fn config_tables_deserialize() {
        let h: Helpline = toml::from_str("emergency = \"112\"\ncrisis = \"x\"\n").unwrap();
        assert_eq!(h.emergency, "112");
        assert!(
            toml::from_str::<Helpline>("emergency = \"112\"\ncrisis = \"x\"\nextra = 1\n").is_err()
        );
    }
}
