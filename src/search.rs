//! Retrieval: passages in a Tantivy index, and questions turned into the
//! concepts they ask about.
//!
//! A question is analyzed into *concepts*: its informative words (question
//! words, function words and chat filler are left out), each with the other
//! forms that should find it — synonyms from `synonyms.toml`, and the corpus
//! word it is a typo of — plus optional concepts from question shapes
//! ("how … work"). Tantivy ranks passages by BM25 over the weightiest concepts;
//! then each candidate's *coverage* says how much of what the question asks
//! about the passage actually contains, which is what the answer decision rests on.

use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::directory::RamDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenizerManager,
};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, Term};

use crate::knowledge::Passage;
use crate::synonyms::Synonyms;

const ANALYZER: &str = "ldn_en";

/// Scratch memory for building the index; it is released once the index is built.
const WRITER_MEMORY_BUDGET: usize = 4_000_000;

/// How strongly each way of matching counts, relative to the word itself.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// A passage heading is a summary of the passage: a match there says more.
    pub title_boost: f32,
    pub section_boost: f32,
    /// A two-way synonym: nearly the word itself, but the word as written wins a tie.
    pub equivalent: f32,
    /// A member's lay word matching the article's term.
    pub lay: f32,
    /// A misspelt word matching the corpus word it is closest to.
    pub fuzzy: f32,
    /// Concepts that most passages share (e.g. "LDN" here) rank with this share of their weight
    /// and are set aside when judging coverage.
    pub topic: f32,
    /// A concept in at least this share of passages is a topic concept.
    pub topic_share: f32,
    /// How much BM25 (as a share of the best hit's) adds to a hit's rank.
    pub rank_bm25: f32,
    /// How much covering the passage heading adds to a hit's rank.
    pub rank_title: f32,
    /// A word the corpus lacks weighs like a word in this share of passages.
    pub unknown_share: f32,
    /// Leave question words, function words and chat filler out of questions.
    pub stop_words: bool,
    /// Correct misspelt words to the closest word of the knowledge base.
    pub typos: bool,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title_boost: 2.0,
            section_boost: 0.5,
            equivalent: 0.9,
            lay: 0.8,
            fuzzy: 0.7,
            topic: 0.3,
            topic_share: 0.5,
            rank_bm25: 0.25,
            rank_title: 0.25,
            unknown_share: 0.25,
            stop_words: true,
            typos: true,
        }
    }
}

/// One thing the question asks about, and every form that finds it.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The words as the member wrote them (after typo correction), for reports.
    pub text: String,
    /// Alternative stem sequences; a passage containing every stem of one alternative covers the concept.
    pub forms: Vec<Form>,
    /// How much this concept counts; rare words count more.
    pub weight: f32,
    /// Shared by most passages: says what the community is about, not which passage.
    pub topic: bool,
    /// Neither the word nor any synonym of it occurs in the knowledge base.
    pub unknown: bool,
    /// Counts for a passage that matches it and is no loss for one that does not:
    /// a question shape is a hint about what is asked, not a word to cover.
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub stems: Vec<String>,
    /// 1 for the word itself and two-way synonyms; lower for lay words and typo fixes.
    pub strength: f32,
}

/// A ranked passage with how well it covers the question.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Index into the passages the index was built from.
    pub passage: usize,
    /// Tantivy's BM25 score over the concept query.
    pub bm25: f32,
    /// Share (0–1) of the question's informative (non-topic) concept weight the passage covers.
    pub coverage: f32,
    /// Share (0–1) of the passage heading's words the question asks about: a
    /// heading that is all about the question marks the passage written for it.
    pub title_coverage: f32,
    /// Whether the passage matches any non-topic concept at all.
    pub matched_informative: bool,
    /// How many of the question's non-topic concepts the passage matches.
    pub matched_concepts: usize,
    /// What hits are ordered by: coverage first, then BM25 and the heading.
    pub rank: f32,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub concepts: Vec<Concept>,
    /// Best first.
    pub hits: Vec<Hit>,
}

impl SearchResult {
    pub fn informative_concepts(&self) -> impl Iterator<Item = &Concept> {
        self.concepts.iter().filter(|c| !c.topic)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// A question word kept for analysis.
struct Word {
    /// As typed, or the corpus word it was corrected to.
    text: String,
    stem: String,
    /// 1, or less for a typo correction.
    strength: f32,
}

/// A rule from the vocabulary, analyzed: `pattern` (stems) also finds `targets`.
#[derive(Debug)]
struct Rule {
    pattern: Vec<String>,
    targets: Vec<Vec<String>>,
    strength: f32,
    /// The phrase with its function words, when the filter dropped some: such a
    /// rule ("not working" → "working") applies only where the whole phrase is
    /// written, or it would fire on every "working".
    whole: Option<Vec<String>>,
}

struct Fields {
    title: Field,
    section: Field,
    body: Field,
    ord: Field,
}

/// The passages' Tantivy index, with what the analysis of questions needs.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// Lowercased, ASCII-folded words; no stemming. Cloned per question (analyzers need `&mut`).
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
    /// Stem → sorted passage indices containing it (any field).
    postings: HashMap<String, Vec<u32>>,
    /// Every word of the corpus and the vocabulary, by length, for typo correction.
    known_words: HashMap<usize, Vec<String>>,
    rules: Vec<Rule>,
    /// Rule indices by the first stem of their pattern, longest pattern first.
    rules_by_first_stem: HashMap<String, Vec<usize>>,
    /// Every stem that appears in some rule's pattern.
    rule_stems: HashSet<String>,
    /// Question shapes: stems in order (question words included) and what they find.
    shapes: Vec<Rule>,
    ignore: HashSet<String>,
    /// Each passage's heading as stems, function words left out.
    titles: Vec<Vec<String>>,
    passage_count: usize,
    weights: Weights,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("passages", &self.passage_count)
            .field("stems", &self.postings.len())
            .field("rules", &self.rules.len())
            .finish()
    }
}

fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Splits digits from letters ("4.5mg" → "4.5 mg") so doses match however they are typed.
fn separate_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous {
            if (p.is_ascii_digit() && c.is_alphabetic())
                || (p.is_alphabetic() && c.is_ascii_digit())
            {
                out.push(' ');
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

impl SearchIndex {
    /// Indexes `passages` in RAM. The writer is dropped before this returns, so its
    /// arena does not stay resident.
    pub fn build(
        passages: &[Passage],
        synonyms: &Synonyms,
        weights: Weights,
    ) -> Result<SearchIndex, IndexError> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            title: schema.add_text_field("title", text.clone()),
            section: schema.add_text_field("section", text.clone()),
            body: schema.add_text_field("body", text),
            ord: schema.add_u64_field("ord", FAST),
        };
        let tokenizers = TokenizerManager::default();
        tokenizers.register(ANALYZER, stem_analyzer());

        let mut words = word_analyzer();
        let mut stemmer = stem_analyzer();
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        let mut known: HashSet<String> = HashSet::new();
        let mut titles = Vec::with_capacity(passages.len());
        let index = {
            // One segment, written on this thread: no indexing threads whose
            // arenas would keep the writer's scratch memory resident, and one
            // segment keeps BM25 statistics exact.
            let mut writer = Index::builder()
                .schema(schema.build())
                .tokenizers(tokenizers)
                .single_segment_index_writer(RamDirectory::create(), WRITER_MEMORY_BUDGET)?;
            for (ord, passage) in passages.iter().enumerate() {
                let parents = &passage.section_path[..passage.section_path.len().saturating_sub(1)];
                let title = separate_numbers(passage.title());
                let section = separate_numbers(&parents.join(" "));
                let body = separate_numbers(&passage.text);
                titles.push(
                    tokens(&mut words, &title)
                        .iter()
                        .filter(|word| !is_stop_word(word))
                        .filter_map(|word| tokens(&mut stemmer, word).pop())
                        .collect(),
                );
                for field_text in [&title, &section, &body] {
                    for stem in tokens(&mut stemmer, field_text) {
                        let docs = postings.entry(stem).or_default();
                        if docs.last() != Some(&(ord as u32)) {
                            docs.push(ord as u32);
                        }
                    }
                    known.extend(tokens(&mut words, field_text));
                }
                writer.add_document(doc!(
                    fields.title => title,
                    fields.section => section,
                    fields.body => body,
                    fields.ord => ord as u64,
                ))?;
            }
            writer.finalize()?
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;

        // Phrases lose their function words, as questions do, so "other treatment"
        // still lines up with a question's "my other treatment".
        let mut rules = Vec::new();
        let mut analyze_phrase = |phrase: &str, known: &mut HashSet<String>| -> Vec<String> {
            let phrase_words = tokens(&mut words, &separate_numbers(phrase));
            known.extend(phrase_words.iter().cloned());
            phrase_words
                .iter()
                .filter(|word| !is_stop_word(word))
                .filter_map(|word| tokens(&mut stemmer, word).pop())
                .collect()
        };
        for group in &synonyms.equivalent {
            let forms: Vec<Vec<String>> = group
                .iter()
                .map(|phrase| analyze_phrase(phrase, &mut known))
                .filter(|stems| !stems.is_empty())
                .collect();
            for (i, pattern) in forms.iter().enumerate() {
                let targets = forms
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, t)| t.clone())
                    .collect();
                rules.push(Rule {
                    pattern: pattern.clone(),
                    targets,
                    strength: weights.equivalent,
                    whole: None,
                });
            }
        }
        for (phrase, targets) in &synonyms.lay {
            let pattern = analyze_phrase(phrase, &mut known);
            let whole = tokens(&mut stem_analyzer(), &separate_numbers(phrase));
            let targets: Vec<Vec<String>> = targets
                .iter()
                .map(|target| analyze_phrase(target, &mut known))
                .filter(|stems| !stems.is_empty())
                .collect();
            if !pattern.is_empty() && !targets.is_empty() {
                rules.push(Rule {
                    whole: (whole.len() > pattern.len()).then_some(whole),
                    pattern,
                    targets,
                    strength: weights.lay,
                });
            }
        }
        // Shapes keep their question words: "how" is the point of "how … work".
        let mut shapes: Vec<Rule> = synonyms
            .shapes
            .iter()
            .map(|(pattern, targets)| Rule {
                pattern: tokens(&mut stem_analyzer(), pattern),
                targets: targets
                    .iter()
                    .map(|target| analyze_phrase(target, &mut known))
                    .filter(|stems| !stems.is_empty())
                    .collect(),
                strength: weights.lay,
                whole: None,
            })
            .filter(|shape| !shape.pattern.is_empty() && !shape.targets.is_empty())
            .collect();
        shapes.sort_by_key(|shape| std::cmp::Reverse(shape.pattern.len()));
        // Longest patterns first, so "side effects" wins over "side".
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.pattern.len()));

        let mut known_words: HashMap<usize, Vec<String>> = HashMap::new();
        for word in known {
            if word.bytes().all(|b| b.is_ascii_alphabetic()) {
                known_words.entry(word.len()).or_default().push(word);
            }
        }
        for bucket in known_words.values_mut() {
            bucket.sort();
        }
        let mut rules_by_first_stem: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            if let Some(first) = rule.pattern.first() {
                rules_by_first_stem
                    .entry(first.clone())
                    .or_default()
                    .push(index);
            }
        }
        let rule_stems = rules
            .iter()
            .flat_map(|rule| rule.pattern.iter().cloned())
            .collect();
        let ignore = synonyms
            .ignore
            .iter()
            .flat_map(|word| tokens(&mut word_analyzer(), word))
            .collect();

        Ok(SearchIndex {
            reader,
            fields,
            words: word_analyzer(),
            stemmer: stem_analyzer(),
            postings,
            known_words,
            rules,
            rules_by_first_stem,
            rule_stems,
            shapes,
            ignore,
            titles,
            passage_count: passages.len(),
            weights,
        })
    }

    /// Finds the passages that best cover `question`, best first, at most `limit`.
    pub fn search(&self, question: &str, limit: usize) -> SearchResult {
        let concepts = self.concepts(question);
        if concepts.is_empty() || self.passage_count == 0 {
            return SearchResult {
                concepts,
                hits: Vec::new(),
            };
        }
        let query = self.query(&concepts);
        let searcher = self.reader.searcher();
        // A small corpus is ranked whole; a large one by its BM25 leaders.
        let depth = limit.max(10);
        let top = searcher
            .search(&query, &TopDocs::with_limit(depth).order_by_score())
            .unwrap_or_default();
        let best_bm25 = top
            .first()
            .map_or(1.0, |(score, _)| score.max(f32::EPSILON));
        let mut hits: Vec<Hit> = top
            .into_iter()
            .filter_map(|(bm25, address)| {
                let ords = searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .u64("ord")
                    .ok()?;
                let passage = ords.first(address.doc_id)? as usize;
                Some(self.hit(passage, bm25, best_bm25, &concepts))
            })
            .collect();
        hits.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.passage.cmp(&b.passage)));
        hits.truncate(limit);
        SearchResult { concepts, hits }
    }

    fn hit(&self, passage: usize, bm25: f32, best_bm25: f32, concepts: &[Concept]) -> Hit {
        let mut total = 0.0;
        let mut covered = 0.0;
        let mut matched_concepts = 0;
        for concept in concepts.iter().filter(|c| !c.topic) {
            let strength = self.match_strength(concept, passage);
            if concept.optional && strength == 0.0 {
                continue;
            }
            total += concept.weight;
            if strength > 0.0 {
                matched_concepts += 1;
                covered += concept.weight * strength;
            }
        }
        let coverage = if total > 0.0 { covered / total } else { 0.0 };
        let title = &self.titles[passage];
        let title_coverage = if title.is_empty() {
            0.0
        } else {
            // The heading is about what was asked: the informative concepts, or the
            // topic itself when that is all the question names.
            let asks_specific = concepts.iter().any(|c| !c.topic);
            let asked = title
                .iter()
                .filter(|stem| {
                    concepts
                        .iter()
                        .filter(|c| !c.topic || !asks_specific)
                        .any(|c| c.forms.iter().any(|f| f.stems.contains(stem)))
                })
                .count();
            asked as f32 / title.len() as f32
        };
        let rank = coverage
            + self.weights.rank_bm25 * (bm25 / best_bm25)
            + self.weights.rank_title * title_coverage;
        Hit {
            passage,
            bm25,
            coverage,
            title_coverage,
            matched_informative: matched_concepts > 0,
            matched_concepts,
            rank,
        }
    }

    /// The strongest form of `concept` that `passage` contains whole, or 0.
    fn match_strength(&self, concept: &Concept, passage: usize) -> f32 {
        concept
            .forms
            .iter()
            .filter(|form| form.stems.iter().all(|stem| self.contains(stem, passage)))
            .map(|form| form.strength)
            .fold(0.0, f32::max)
    }

    fn contains(&self, stem: &str, passage: usize) -> bool {
        self.postings
            .get(stem)
            .is_some_and(|docs| docs.binary_search(&(passage as u32)).is_ok())
    }

    fn query(&self, concepts: &[Concept]) -> BooleanQuery {
        // A long, chatty message would otherwise become a query of dozens of
        // clauses; its weightiest concepts decide the BM25 ranking, and coverage
        // still looks at all of them.
        let mut by_weight: Vec<&Concept> = concepts.iter().collect();
        by_weight.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        by_weight.truncate(MAX_QUERY_CONCEPTS);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for concept in by_weight {
            let concept_boost = if concept.topic {
                self.weights.topic
            } else {
                1.0
            };
            let mut seen = HashSet::new();
            for form in &concept.forms {
                for stem in &form.stems {
                    // A stem no passage has cannot score; skip its term lookups.
                    if !self.postings.contains_key(stem) || !seen.insert(stem.as_str()) {
                        continue;
                    }
                    for (field, field_boost) in [
                        (self.fields.body, 1.0),
                        (self.fields.title, self.weights.title_boost),
                        (self.fields.section, self.weights.section_boost),
                    ] {
                        let term = TermQuery::new(
                            Term::from_field_text(field, stem),
                            IndexRecordOption::WithFreqs,
                        );
                        let boost = concept_boost * form.strength * field_boost;
                        clauses.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(term), boost)),
                        ));
                    }
                }
            }
        }
        BooleanQuery::new(clauses)
    }

    /// Turns a question into the concepts it asks about.
    pub fn concepts(&self, question: &str) -> Vec<Concept> {
        let text = separate_numbers(question);
        let mut words = self.words.clone();
        let mut stemmer = self.stemmer.clone();
        // Every word's stem, function words included, for phrases and shapes.
        let all_stems = tokens(&mut stemmer, &text);
        let applies = |rule: &Rule| {
            rule.whole
                .as_ref()
                .is_none_or(|whole| contains_in_order(&all_stems, whole, whole.len()))
        };
        let mut kept: Vec<Word> = Vec::new();
        // The two analyzers differ only by the stemmer, which keeps every token:
        // the word lists line up one to one.
        for (word, stem) in tokens(&mut words, &text)
            .into_iter()
            .zip(all_stems.iter().cloned())
        {
            if (self.weights.stop_words && is_stop_word(&word)) || self.ignore.contains(&word) {
                continue;
            }
            let known = self.postings.contains_key(&stem) || self.is_rule_word(&stem);
            let fixed = if known || !self.weights.typos {
                None
            } else {
                self.correct(&word)
            };
            match fixed {
                Some(fixed) if is_stop_word(&fixed) => {}
                Some(fixed) => {
                    if let Some(fixed_stem) = tokens(&mut stemmer, &fixed).pop() {
                        kept.push(Word {
                            text: fixed,
                            stem: fixed_stem,
                            strength: self.weights.fuzzy,
                        });
                    }
                }
                None => kept.push(Word {
                    text: word,
                    stem,
                    strength: 1.0,
                }),
            }
        }
        if self.weights.typos {
            self.correct_short_words(&mut kept);
        }

        let mut concepts: Vec<Concept> = Vec::new();
        let mut i = 0;
        while i < kept.len() {
            let stems: Vec<&str> = kept[i..].iter().map(|w| w.stem.as_str()).collect();
            let rule_len = self
                .rules_starting_with(stems[0])
                .find(|rule| {
                    rule.pattern.len() <= stems.len()
                        && rule.pattern.iter().zip(&stems).all(|(p, s)| p == s)
                        && applies(rule)
                })
                .map_or(1, |rule| rule.pattern.len());
            let span = &kept[i..i + rule_len];
            i += rule_len;
            let pattern: Vec<String> = span.iter().map(|w| w.stem.clone()).collect();
            let strength = span.iter().map(|w| w.strength).fold(1.0, f32::min);
            let mut forms = vec![Form {
                stems: pattern.clone(),
                strength,
            }];
            for rule in self
                .rules_starting_with(&pattern[0])
                .filter(|rule| rule.pattern == pattern)
            {
                for target in &rule.targets {
                    if !forms.iter().any(|form| &form.stems == target) {
                        forms.push(Form {
                            stems: target.clone(),
                            strength: strength * rule.strength,
                        });
                    }
                }
            }
            let text = span
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            if concepts.iter().any(|c| c.text == text) {
                continue;
            }
            concepts.push(self.concept(text, forms));
        }
        self.add_shape_concepts(&all_stems, &mut concepts);
        concepts
    }

    /// A question shape found in the question adds a concept for what it asks.
    fn add_shape_concepts(&self, stems: &[String], concepts: &mut Vec<Concept>) {
        let mut matched: Vec<&[String]> = Vec::new();
        // Longest first, so "how … know … work" wins over the "how … work" inside it.
        for shape in &self.shapes {
            if !contains_in_order(stems, &shape.pattern, SHAPE_WINDOW)
                || matched
                    .iter()
                    .any(|longer| contains_in_order(longer, &shape.pattern, longer.len()))
            {
                continue;
            }
            matched.push(&shape.pattern);
            let text = shape.pattern.join(" … ");
            if concepts.iter().any(|c| c.text == text) {
                continue;
            }
            let forms = shape
                .targets
                .iter()
                .map(|target| Form {
                    stems: target.clone(),
                    strength: shape.strength,
                })
                .collect();
            let mut concept = self.concept(text, forms);
            concept.optional = true;
            concepts.push(concept);
        }
    }

    fn concept(&self, text: String, forms: Vec<Form>) -> Concept {
        let n = self.passage_count.max(1) as f32;
        // How many passages hold the concept: the most any one of its forms is in,
        // a close lower bound of their union that costs no set building on a
        // large corpus. "Exact" counts the word itself and full-strength equivalents.
        let mut exact_df = 0;
        let mut any_df = 0;
        for form in &forms {
            let df = self.form_df(form);
            if form.strength >= self.weights.equivalent {
                exact_df = exact_df.max(df);
            }
            any_df = any_df.max(df);
        }
        let unknown = any_df == 0;
        // BM25's idf. A word the corpus lacks is often just chat, so it weighs
        // like a fairly common word rather than the rarest.
        let df = if unknown {
            (self.weights.unknown_share * n).max(1.0)
        } else {
            any_df as f32
        };
        let weight = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        let topic = exact_df as f32 >= self.weights.topic_share * n && n >= 2.0;
        Concept {
            text,
            forms,
            weight,
            topic,
            unknown,
            optional: false,
        }
    }

    /// How many passages contain every stem of `form`.
    fn form_df(&self, form: &Form) -> usize {
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(form.stems.len());
        for stem in &form.stems {
            match self.postings.get(stem) {
                Some(docs) => lists.push(docs),
                None => return 0,
            }
        }
        lists.sort_by_key(|docs| docs.len());
        match lists.split_first() {
            None => 0,
            Some((first, [])) => first.len(),
            Some((first, rest)) => first
                .iter()
                .filter(|doc| rest.iter().all(|docs| docs.binary_search(doc).is_ok()))
                .count(),
        }
    }

    /// Words too short to correct alone ("sid") are corrected when the fix
    /// completes a two-word phrase of the vocabulary with a neighbour ("sid effects").
    fn correct_short_words(&self, kept: &mut [Word]) {
        for i in 0..kept.len() {
            let word = &kept[i];
            let len = word.text.chars().count();
            if !(3..=4).contains(&len)
                || self.postings.contains_key(&word.stem)
                || self.is_rule_word(&word.stem)
            {
                continue;
            }
            let next = kept.get(i + 1).map(|w| w.stem.as_str());
            let previous = i.checked_sub(1).map(|p| kept[p].stem.as_str());
            let fix = self
                .rules
                .iter()
                .find_map(|rule| match rule.pattern.as_slice() {
                    [first, second] if Some(second.as_str()) == next => {
                        bounded_distance(word.text.as_bytes(), first.as_bytes(), 1)
                            .map(|_| first.clone())
                    }
                    [first, second] if Some(first.as_str()) == previous => {
                        bounded_distance(word.text.as_bytes(), second.as_bytes(), 1)
                            .map(|_| second.clone())
                    }
                    _ => None,
                });
            if let Some(fixed) = fix {
                kept[i].text = fixed.clone();
                kept[i].stem = fixed;
                kept[i].strength = self.weights.fuzzy;
            }
        }
    }

    fn is_rule_word(&self, stem: &str) -> bool {
        self.rule_stems.contains(stem)
    }

    fn rules_starting_with<'a>(&'a self, stem: &str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules_by_first_stem
            .get(stem)
            .into_iter()
            .flatten()
            .map(|&index| &self.rules[index])
    }

    /// The known word closest to a misspelt `word`: edit distance 1 from 5
    /// letters, 2 from 8, same first letter; ties go to the alphabetically
    /// first, for stable answers.
    fn correct(&self, word: &str) -> Option<String> {
        if !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let len = word.len();
        let max_distance = match len {
            0..=4 => return None,
            5..=7 => 1,
            _ => 2,
        };
        let mut best: Option<(usize, &String)> = None;
        for candidate_len in len.saturating_sub(max_distance)..=len + max_distance {
            // Like most spelling correctors, trust the first letter: it is rarely
            // the one mistyped, and it spares comparing against most of the vocabulary.
            let candidates = self.known_words.get(&candidate_len).into_iter().flatten();
            for candidate in candidates.filter(|c| c.as_bytes()[0] == word.as_bytes()[0]) {
                let limit = best.map_or(max_distance, |(d, _)| d);
                if let Some(distance) =
                    bounded_distance(word.as_bytes(), candidate.as_bytes(), limit)
                {
                    if best.is_none_or(|(d, w)| distance < d || (distance == d && candidate < w)) {
                        best = Some((distance, candidate));
                    }
                }
            }
        }
        best.map(|(_, word)| word.clone())
    }
}

/// How many of a question's concepts go into the BM25 query.
const MAX_QUERY_CONCEPTS: usize = 8;

/// How many words a question shape may span.
const SHAPE_WINDOW: usize = 8;

/// Whether `pattern` occurs in `words` in order, other words between, within `window` words.
fn contains_in_order(words: &[String], pattern: &[String], window: usize) -> bool {
    let Some(first) = pattern.first() else {
        return false;
    };
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| *w == first)
        .any(|(start, _)| {
            let end = (start + window).min(words.len());
            let mut rest = pattern[1..].iter();
            let mut next = rest.next();
            for word in &words[start + 1..end] {
                match next {
                    Some(wanted) if wanted == word => next = rest.next(),
                    Some(_) => {}
                    None => break,
                }
            }
            next.is_none()
        })
}

/// The longest word compared for typos; longer ones are never corrected.
const MAX_TYPO_WORD: usize = 40;

/// Optimal-string-alignment distance (a swap of neighbours counts 1) between
/// ASCII words, or None above `limit`. Three rolling rows on the stack: this
/// runs for every vocabulary word of a similar length.
fn bounded_distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit || a.len() > MAX_TYPO_WORD || b.len() > MAX_TYPO_WORD {
        return None;
    }
    let mut before = [0usize; MAX_TYPO_WORD + 1];
    let mut previous = [0usize; MAX_TYPO_WORD + 1];
    let mut current = [0usize; MAX_TYPO_WORD + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

/// Words that say how a question is asked, not what about: function words,
/// question words, chat filler, and the pieces contractions split into.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Sorted, for binary search (a unit test checks).
const STOP_WORDS: &[&str] = &[
    "a",
    "able",
    "about",
    "above",
    "across",
    "actually",
    "affect",
    "affected",
    "affecting",
    "affects",
    "after",
    "again",
    "against",
    "ago",
    "ah",
    "all",
    "almost",
    "alot",
    "already",
    "also",
    "although",
    "always",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anymore",
    "anyone",
    "anything",
    "anyway",
    "anyways",
    "are",
    "aren",
    "around",
    "as",
    "at",
    "aw",
    "barely",
    "basically",
    "be",
    "been",
    "before",
    "being",
    "below",
    "between",
    "bit",
    "both",
    "btw",
    "but",
    "by",
    "can",
    "cause",
    "certain",
    "certainly",
    "could",
    "couldn",
    "couple",
    "curious",
    "d",
    "day",
    "days",
    "dear",
    "definitely",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "down",
    "dunno",
    "during",
    "each",
    "eh",
    "either",
    "else",
    "enough",
    "etc",
    "even",
    "ever",
    "every",
    "exactly",
    "explain",
    "few",
    "first",
    "folks",
    "for",
    "friends",
    "from",
    "further",
    "gave",
    "genuinely",
    "get",
    "gets",
    "getting",
    "give",
    "given",
    "gives",
    "go",
    "goes",
    "going",
    "gonna",
    "got",
    "gotta",
    "gotten",
    "guess",
    "guys",
    "had",
    "hadn",
    "haha",
    "hardly",
    "has",
    "hasn",
    "have",
    "haven",
    "having",
    "he",
    "hear",
    "heard",
    "hehe",
    "hello",
    "help",
    "helped",
    "helping",
    "helps",
    "her",
    "here",
    "hers",
    "herself",
    "hey",
    "hi",
    "him",
    "himself",
    "his",
    "hmm",
    "honest",
    "honestly",
    "hope",
    "hoping",
    "how",
    "however",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "itself",
    "just",
    "keep",
    "keeps",
    "kept",
    "kind",
    "kinda",
    "know",
    "knows",
    "lately",
    "lemme",
    "let",
    "like",
    "ll",
    "lol",
    "look",
    "looking",
    "looks",
    "lot",
    "lots",
    "m",
    "made",
    "make",
    "makes",
    "making",
    "maybe",
    "me",
    "mean",
    "meant",
    "mention",
    "mentioned",
    "mentioning",
    "mentions",
    "might",
    "mine",
    "month",
    "months",
    "more",
    "most",
    "mostly",
    "much",
    "must",
    "mustn",
    "my",
    "myself",
    "need",
    "needs",
    "no",
    "nor",
    "not",
    "now",
    "o",
    "of",
    "off",
    "often",
    "oh",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "place",
    "please",
    "pls",
    "plz",
    "pretty",
    "probably",
    "proper",
    "properly",
    "put",
    "quite",
    "rather",
    "re",
    "read",
    "reading",
    "really",
    "recently",
    "s",
    "said",
    "saw",
    "say",
    "says",
    "see",
    "seeing",
    "seem",
    "seems",
    "seen",
    "shan",
    "she",
    "should",
    "shouldn",
    "since",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "sort",
    "sound",
    "sounding",
    "sounds",
    "still",
    "stuff",
    "such",
    "supposed",
    "sure",
    "t",
    "take",
    "taken",
    "takes",
    "taking",
    "tbh",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "thx",
    "to",
    "today",
    "tonight",
    "too",
    "took",
    "totally",
    "u",
    "ugh",
    "uh",
    "um",
    "under",
    "until",
    "up",
    "ur",
    "us",
    "use",
    "used",
    "uses",
    "using",
    "ve",
    "very",
    "via",
    "wanna",
    "want",
    "wanted",
    "wants",
    "was",
    "wasn",
    "way",
    "we",
    "week",
    "weeks",
    "well",
    "were",
    "weren",
    "what",
    "whats",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "without",
    "won",
    "wondering",
    "would",
    "wouldn",
    "wow",
    "y",
    "ya",
    "yall",
    "yay",
    "yeah",
    "year",
    "years",
    "yes",
    "yesterday",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_and_unique() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "keep STOP_WORDS sorted"
        );
    }

    #[test]
    fn distance_counts_swaps_as_one() {
        assert_eq!(bounded_distance(b"rhuematoid", b"rheumatoid", 2), Some(1));
        assert_eq!(bounded_distance(b"naltrexome", b"naltrexone", 1), Some(1));
        assert_eq!(bounded_distance(b"naltrexome", b"arthritis", 1), None);
        assert_eq!(bounded_distance(b"arthritus", b"arthritis", 2), Some(1));
        assert_eq!(bounded_distance(b"kitten", b"sitting", 3), Some(3));
    }

    #[test]
    fn shapes_match_in_order_within_the_window() {
        let words: Vec<String> = "how does low dose naltrexone actually work"
            .split(' ')
            .map(String::from)
            .collect();
        let pattern = vec!["how".to_string(), "work".to_string()];
        assert!(contains_in_order(&words, &pattern, 8));
        assert!(!contains_in_order(&words, &pattern, 3));
        let reversed = vec!["work".to_string(), "how".to_string()];
        assert!(!contains_in_order(&words, &reversed, 8));
    }

    #[test]
    fn numbers_split_from_units() {
        assert_eq!(separate_numbers("4.5mg a day"), "4.5 mg a day");
    }
}
