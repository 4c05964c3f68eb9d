//! A deterministic scale corpus: a knowledge directory of N passages in the
//! project's Markdown format, drawn from the LDN/RA article's vocabulary and a
//! small built-in English word list.
//!
//! Shared by `examples/gen_corpus.rs` and `benches/scale.rs` (included with
//! `#[path]`). No crates beyond std: a xorshift PRNG makes the output a pure
//! function of (passages, seed).
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// The bundled article, whose words are the corpus's domain vocabulary.
const ARTICLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/knowledge/ldn-rheumatoid-arthritis.md"
));

/// The bundled vocabulary, copied next to the generated articles.
pub const SYNONYMS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/knowledge/synonyms.toml"
));

/// Common English words (and some health-forum words) to mix with the article's.
const WORDS: &[&str] = &[
    "about",
    "above",
    "account",
    "across",
    "action",
    "activity",
    "actually",
    "added",
    "advice",
    "afternoon",
    "again",
    "against",
    "age",
    "ago",
    "ahead",
    "allow",
    "almost",
    "alone",
    "along",
    "already",
    "also",
    "always",
    "amount",
    "animal",
    "another",
    "answer",
    "anyone",
    "apple",
    "area",
    "around",
    "arrive",
    "article",
    "aside",
    "ask",
    "autumn",
    "average",
    "avoid",
    "away",
    "baby",
    "back",
    "bad",
    "bag",
    "balance",
    "ball",
    "bank",
    "base",
    "basket",
    "bath",
    "bear",
    "beat",
    "bed",
    "before",
    "began",
    "begin",
    "behind",
    "believe",
    "below",
    "best",
    "better",
    "between",
    "bicycle",
    "big",
    "bird",
    "bit",
    "black",
    "blood",
    "blue",
    "board",
    "boat",
    "body",
    "bone",
    "book",
    "both",
    "bottle",
    "bottom",
    "box",
    "brain",
    "bread",
    "break",
    "breakfast",
    "bridge",
    "bright",
    "bring",
    "brother",
    "brown",
    "build",
    "busy",
    "buy",
    "cake",
    "call",
    "calm",
    "came",
    "camp",
    "car",
    "card",
    "care",
    "carry",
    "case",
    "cat",
    "catch",
    "cause",
    "center",
    "certain",
    "chair",
    "chance",
    "change",
    "cheap",
    "check",
    "child",
    "choose",
    "circle",
    "city",
    "class",
    "clean",
    "clear",
    "climb",
    "clock",
    "close",
    "cloud",
    "coast",
    "coat",
    "coffee",
    "cold",
    "color",
    "come",
    "common",
    "company",
    "compare",
    "complete",
    "cook",
    "cool",
    "copy",
    "corner",
    "correct",
    "cost",
    "count",
    "country",
    "course",
    "cover",
    "cream",
    "cross",
    "crowd",
    "cup",
    "cut",
    "daily",
    "dance",
    "dark",
    "day",
    "dear",
    "deep",
    "degree",
    "describe",
    "desk",
    "detail",
    "diet",
    "different",
    "dinner",
    "direct",
    "dog",
    "door",
    "down",
    "draw",
    "dream",
    "dress",
    "drink",
    "drive",
    "drop",
    "dry",
    "during",
    "early",
    "earth",
    "east",
    "easy",
    "eat",
    "edge",
    "egg",
    "eight",
    "energy",
    "engine",
    "enjoy",
    "enough",
    "evening",
    "event",
    "every",
    "exact",
    "example",
    "exercise",
    "eye",
    "face",
    "fact",
    "fall",
    "family",
    "far",
    "farm",
    "fast",
    "father",
    "fatigue",
    "feel",
    "feet",
    "few",
    "field",
    "figure",
    "fill",
    "final",
    "find",
    "fine",
    "finger",
    "finish",
    "fire",
    "first",
    "fish",
    "flat",
    "floor",
    "flower",
    "fly",
    "follow",
    "food",
    "foot",
    "forest",
    "forget",
    "form",
    "forward",
    "found",
    "four",
    "free",
    "fresh",
    "friend",
    "front",
    "fruit",
    "full",
    "game",
    "garden",
    "gentle",
    "gift",
    "girl",
    "give",
    "glass",
    "gluten",
    "gold",
    "good",
    "grass",
    "great",
    "green",
    "ground",
    "group",
    "grow",
    "guess",
    "habit",
    "hair",
    "half",
    "hand",
    "happy",
    "hard",
    "head",
    "hear",
    "heart",
    "heat",
    "heavy",
    "help",
    "high",
    "hill",
    "history",
    "hold",
    "hole",
    "home",
    "hope",
    "horse",
    "hot",
    "hour",
    "house",
    "hundred",
    "hurt",
    "ice",
    "idea",
    "inch",
    "insurance",
    "island",
    "joint",
    "journal",
    "juice",
    "jump",
    "keep",
    "key",
    "kind",
    "kitchen",
    "knee",
    "knew",
    "lake",
    "land",
    "large",
    "last",
    "late",
    "laugh",
    "lead",
    "learn",
    "leave",
    "left",
    "letter",
    "level",
    "lift",
    "light",
    "line",
    "list",
    "listen",
    "little",
    "live",
    "long",
    "look",
    "lost",
    "loud",
    "love",
    "low",
    "lunch",
    "machine",
    "main",
    "map",
    "mark",
    "market",
    "matter",
    "meal",
    "measure",
    "meet",
    "memory",
    "middle",
    "mile",
    "milk",
    "mind",
    "minute",
    "mirror",
    "money",
    "month",
    "moon",
    "morning",
    "mother",
    "mountain",
    "move",
    "music",
    "name",
    "near",
    "neck",
    "need",
    "never",
    "new",
    "next",
    "night",
    "noise",
    "north",
    "note",
    "number",
    "ocean",
    "office",
    "often",
    "old",
    "open",
    "orange",
    "order",
    "other",
    "outside",
    "page",
    "pain",
    "paint",
    "paper",
    "park",
    "part",
    "party",
    "pass",
    "past",
    "path",
    "pattern",
    "pay",
    "peace",
    "pharmacy",
    "phone",
    "picture",
    "piece",
    "place",
    "plan",
    "plant",
    "play",
    "pocket",
    "point",
    "pool",
    "poor",
    "post",
    "pound",
    "power",
    "prescription",
    "present",
    "press",
    "price",
    "print",
    "problem",
    "pull",
    "push",
    "quiet",
    "rain",
    "reach",
    "read",
    "ready",
    "real",
    "record",
    "red",
    "rest",
    "rice",
    "rich",
    "ride",
    "right",
    "ring",
    "river",
    "road",
    "rock",
    "roll",
    "room",
    "root",
    "rope",
    "round",
    "row",
    "rule",
    "run",
    "safe",
    "salt",
    "same",
    "sand",
    "save",
    "school",
    "sea",
    "season",
    "seat",
    "second",
    "seed",
    "sell",
    "send",
    "sense",
    "seven",
    "shape",
    "share",
    "sheet",
    "ship",
    "shirt",
    "shoe",
    "shop",
    "short",
    "shoulder",
    "show",
    "side",
    "sign",
    "silver",
    "simple",
    "sing",
    "sister",
    "sit",
    "six",
    "size",
    "skin",
    "sky",
    "sleep",
    "slow",
    "small",
    "smell",
    "smile",
    "snow",
    "soft",
    "soil",
    "song",
    "soon",
    "sound",
    "soup",
    "south",
    "space",
    "speak",
    "speed",
    "spend",
    "spring",
    "square",
    "stairs",
    "stand",
    "star",
    "start",
    "station",
    "stay",
    "step",
    "stick",
    "stone",
    "stop",
    "store",
    "storm",
    "story",
    "street",
    "strong",
    "sugar",
    "summer",
    "sun",
    "supper",
    "swim",
    "table",
    "tail",
    "take",
    "talk",
    "tall",
    "tea",
    "teach",
    "team",
    "tell",
    "ten",
    "test",
    "thick",
    "thin",
    "thing",
    "think",
    "three",
    "throw",
    "ticket",
    "tie",
    "time",
    "tired",
    "today",
    "together",
    "tomorrow",
    "tool",
    "top",
    "touch",
    "tour",
    "town",
    "track",
    "train",
    "travel",
    "tree",
    "trip",
    "true",
    "turn",
    "twelve",
    "two",
    "under",
    "unit",
    "until",
    "use",
    "usual",
    "valley",
    "value",
    "village",
    "visit",
    "voice",
    "wait",
    "walk",
    "wall",
    "warm",
    "wash",
    "watch",
    "water",
    "wave",
    "way",
    "weather",
    "week",
    "weight",
    "west",
    "wet",
    "wheel",
    "white",
    "whole",
    "wide",
    "wife",
    "wild",
    "wind",
    "window",
    "winter",
    "wish",
    "woman",
    "wood",
    "word",
    "work",
    "world",
    "write",
    "wrist",
    "yard",
    "year",
    "yellow",
    "young",
    "zinc",
];

/// Phrases from the community's vocabulary, so synonyms and multi-word concepts get exercised.
const PHRASES: &[&str] = &[
    "low dose naltrexone",
    "rheumatoid arthritis",
    "side effects",
    "vivid dreams",
    "immune system",
    "healthcare provider",
    "opioid receptors",
    "liver function",
    "morning stiffness",
    "joint pain",
    "flare up",
    "blood tests",
    "compounding pharmacy",
    "treatment plan",
    "anti-inflammatory drugs",
    "4.5 mg",
    "1.5 milligrams",
];

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub passages: usize,
    pub bytes: usize,
}

/// xorshift64*: tiny, fast, deterministic; good enough for text.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds start far apart and 0 is allowed.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An index skewed towards the start (roughly Zipf-like), so some words are common.
    pub fn skewed(&mut self, len: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * len as f64) as usize).min(len - 1)
    }
}

/// The article's words, lowercased, in order of first appearance, without the short ones.
pub fn article_words() -> Vec<String> {
    let body = ARTICLE.rsplit("+++").next().unwrap_or(ARTICLE);
    let mut seen = HashSet::new();
    body.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Makes sentences, headings and titles from the vocabulary.
pub struct TextGen {
    rng: Rng,
    domain: Vec<String>,
}

impl TextGen {
    pub fn new(seed: u64) -> TextGen {
        TextGen {
            rng: Rng::new(seed),
            domain: article_words(),
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    pub fn word(&mut self) -> String {
        match self.rng.next_u64() % 100 {
            0..=44 => self.domain[self.rng.skewed(self.domain.len())].clone(),
            45..=94 => WORDS[self.rng.skewed(WORDS.len())].to_string(),
            _ => PHRASES[self.rng.range(0, PHRASES.len() - 1)].to_string(),
        }
    }

    pub fn words(&mut self, lo: usize, hi: usize) -> Vec<String> {
        let n = self.rng.range(lo, hi);
        (0..n).map(|_| self.word()).collect()
    }

    pub fn sentence(&mut self) -> String {
        let mut words = self.words(6, 22);
        capitalise(&mut words[0]);
        if words.len() > 8 && self.rng.chance(30) {
            let at = self.rng.range(3, words.len() - 3);
            words[at].push(',');
        }
        let end = match self.rng.next_u64() % 10 {
            0 => "?",
            1 => "!",
            _ => ".",
        };
        words.join(" ") + end
    }

    pub fn paragraph(&mut self) -> String {
        let n = self.rng.range(2, 6);
        (0..n)
            .map(|_| self.sentence())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A heading in title case; `taken` (slugs) keeps it unique within its article.
    pub fn heading(&mut self, taken: &mut HashSet<String>) -> String {
        loop {
            let mut words = self.words(2, 6);
            for w in &mut words {
                capitalise(w);
            }
            let mut title = words.join(" ");
            if self.rng.chance(15) {
                title = format!("What is {title}?");
            }
            if taken.insert(slug(&title)) {
                return title;
            }
        }
    }
}

fn capitalise(word: &mut String) {
    if let Some(first) = word.chars().next() {
        let upper: String = first.to_uppercase().collect();
        word.replace_range(..first.len_utf8(), &upper);
    }
}

/// The same slug rule as the knowledge parser, for uniqueness only.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// One article of exactly `passages` passages (at least 1).
pub fn article(gen: &mut TextGen, index: usize, passages: usize) -> String {
    let mut taken = HashSet::new();
    let mut md = String::new();
    let title = gen.heading(&mut taken);
    let _ = writeln!(md, "+++");
    let _ = writeln!(md, "title = \"{title}\"");
    let _ = writeln!(md, "source = \"generated scale corpus, article {index}\"");
    let tags = gen.words(1, 3);
    let tags: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
    let _ = writeln!(md, "tags = [{}]", tags.join(", "));
    let _ = writeln!(md, "+++\n");
    let _ = writeln!(md, "# {title}\n");
    // The overview: one passage.
    let _ = writeln!(md, "{}\n", gen.paragraph());
    let mut left = passages - 1;
    while left > 0 {
        let heading = gen.heading(&mut taken);
        let _ = writeln!(md, "## {heading}\n");
        let list = left >= 2 && gen.rng().chance(35);
        if list {
            // A bold-title list: one passage per item, plus the optional intro paragraph.
            let intro = left >= 3 && gen.rng().chance(50);
            if intro {
                let _ = writeln!(md, "{}\n", gen.paragraph());
                left -= 1;
            }
            let items = gen.rng().range(2, 5).min(left);
            let mut item_titles = HashSet::new();
            for n in 1..=items {
                let item = gen.heading(&mut item_titles);
                let _ = writeln!(md, "{n}. **{item}:** {}", gen.paragraph());
            }
            md.push('\n');
            left -= items;
        } else {
            // A plain section: one passage of one to three paragraphs.
            let paragraphs = gen.rng().range(1, 3);
            for _ in 0..paragraphs {
                let _ = writeln!(md, "{}\n", gen.paragraph());
            }
            left -= 1;
        }
    }
    md
}

/// Writes `passages` passages over files of 20–50 passages each, plus `synonyms.toml`, into `out`.
pub fn generate(out: &Path, passages: usize, seed: u64) -> io::Result<Stats> {
    fs::create_dir_all(out)?;
    let mut gen = TextGen::new(seed);
    let mut stats = Stats::default();
    let mut left = passages;
    while left > 0 {
        let mut size = gen.rng().range(20, 50).min(left);
        // Do not leave a runt file of fewer than 20 passages at the end.
        if left - size < 20 {
            size = if left <= 50 { left } else { left - 20 };
        }
        let md = article(&mut gen, stats.files, size);
        fs::write(out.join(format!("article-{:05}.md", stats.files)), &md)?;
        stats.files += 1;
        stats.passages += size;
        stats.bytes += md.len();
        left -= size;
    }
    fs::write(out.join("synonyms.toml"), SYNONYMS)?;
    stats.bytes += SYNONYMS.len();
    Ok(stats)
}

/// Questions members might ask, by kind, for answer benchmarks.
pub const SHORT: &[&str] = &[
    "LDN side effects?",
    "what is LDN",
    "dose?",
    "vivid dreams",
    "RA and LDN",
    "insomnia",
    "liver",
    "how does it work",
];

pub const CHATTY: &[&str] = &[
    "hey everyone, newbie here! my rheumy mentioned low dose naltrexone for my RA and I was wondering what side effects people have had with it, thanks in advance",
    "So I've had rheumatoid arthritis for about six years now and methotrexate isn't doing much anymore; is there any actual research showing LDN helps with joint pain and morning stiffness?",
    "hi all, quick question lol: my GP has never heard of LDN, how do I talk to my doctor about trying it without sounding like I read it on the internet?",
    "I started 1.5 mg last week and the dreams are wild, like really vivid, does that settle down after a while or should I take it in the morning instead?",
    "what exactly is the mechanism here, I thought naltrexone was an opioid blocker for addiction, how would that help an autoimmune disease like RA??",
    "tbh I'm a bit scared of the liver stuff, my bloods were fine but is there a risk of liver damage on low dose naltrexone long term?",
];

pub const TYPOS: &[&str] = &[
    "waht are teh side efects of naltrexon",
    "is ldn saef for rhumatoid arthritis",
    "how dose low dose naltrexone wrok",
    "vivd dreems from ldn",
    "reserch on ldn for ra",
    "can i tkae ldn with my dmards",
    "insomina on naltrexone",
    "shoud i tell my rheumatologst",
];

pub const OFF_TOPIC: &[&str] = &[
    "How do I bake sourdough bread?",
    "what's the best pizza place in town",
    "Can someone recommend a good laptop for gaming?",
    "who won the football last night",
    "How do I reset my router password?",
    "Is it going to rain tomorrow in Paris?",
    "recommend me a sci-fi novel please",
    "what time does the pharmacy open on sundays",
];

/// The question mix, each with its kind, in a fixed interleaved order.
pub fn question_mix() -> Vec<(&'static str, &'static str)> {
    let kinds: [(&str, &[&str]); 4] = [
        ("short", SHORT),
        ("chatty", CHATTY),
        ("typo", TYPOS),
        ("off-topic", OFF_TOPIC),
    ];
    let longest = kinds.iter().map(|(_, q)| q.len()).max().unwrap_or(0);
    let mut mix = Vec::new();
    for i in 0..longest {
        for (kind, questions) in kinds {
            if let Some(q) = questions.get(i) {
                mix.push((kind, *q));
            }
        }
    }
    mix
}
