//! The index: passages written into Tantivy in RAM, and each stem's postings.
//!
//! Tantivy ranks by BM25; coverage and concept weights need to know exactly
//! which passages hold a stem, which is cheaper to keep beside the index than
//! to ask Tantivy for per question.

use rustc_hash::{FxHashMap, FxHashSet};

use tantivy::directory::RamDirectory;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{doc, Index, IndexReader, ReloadPolicy};

use super::analysis::{separate_numbers, stem_analyzer, tokens, word_analyzer, ANALYZER};
use super::stop_words::is_stop_word;
use super::IndexError;
use crate::knowledge::Passage;

/// Scratch memory for building the index; it is released once the index is built.
const WRITER_MEMORY_BUDGET: usize = 4_000_000;

pub(super) struct Fields {
    pub(super) title: Field,
    pub(super) section: Field,
    pub(super) body: Field,
}

/// The name of the fast field that maps a Tantivy document back to its passage.
pub(super) const ORD_FIELD: &str = "ord";

/// Stem → sorted passage indices containing it (any field), and the fields
/// it occurs in.
#[derive(Debug, Default)]
pub(super) struct Postings(FxHashMap<String, Posting>);

#[derive(Debug, Default)]
struct Posting {
    docs: Vec<u32>,
    /// One bit per field, [`FieldSet`].
    fields: FieldSet,
}

/// A set of the passages' fields, one bit each (title, section, body).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct FieldSet(u8);

impl FieldSet {
    pub(super) const TITLE: FieldSet = FieldSet(1);
    pub(super) const SECTION: FieldSet = FieldSet(2);
    pub(super) const BODY: FieldSet = FieldSet(4);

    pub(super) fn contains(self, other: FieldSet) -> bool {
        self.0 & other.0 != 0
    }
}

impl Postings {
    fn add(&mut self, stem: String, passage: u32, field: FieldSet) {
        let posting = self.0.entry(stem).or_default();
        posting.fields.0 |= field.0;
        if posting.docs.last() != Some(&passage) {
            posting.docs.push(passage);
        }
    }

    /// Whether any passage has `stem`.
    pub(super) fn has(&self, stem: &str) -> bool {
        self.0.contains_key(stem)
    }

    /// The fields any passage has `stem` in (none for a stem no passage has):
    /// a query term for any other field could not score.
    pub(super) fn fields(&self, stem: &str) -> FieldSet {
        self.0.get(stem).map_or(FieldSet::default(), |p| p.fields)
    }

    /// Whether `passage` has `stem`.
    pub(super) fn contains(&self, stem: &str, passage: usize) -> bool {
        self.0
            .get(stem)
            .is_some_and(|p| p.docs.binary_search(&(passage as u32)).is_ok())
    }

    /// How many passages contain every one of `stems`.
    pub(super) fn df(&self, stems: &[String]) -> usize {
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(stems.len());
        for stem in stems {
            match self.0.get(stem) {
                Some(posting) => lists.push(&posting.docs),
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

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

/// What writing the passages produced.
pub(super) struct Written {
    pub(super) reader: IndexReader,
    pub(super) fields: Fields,
    pub(super) postings: Postings,
    /// Each passage's heading as stems, function words left out.
    pub(super) titles: Vec<Vec<String>>,
    /// Every word of the passages, unstemmed: what a typo may be corrected to.
    pub(super) known: FxHashSet<String>,
}

/// Indexes `passages` in RAM. The writer is dropped before this returns, so its
/// arena does not stay resident.
pub(super) fn write(passages: &[Passage]) -> Result<Written, IndexError> {
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
    };
    let ord_field = schema.add_u64_field(ORD_FIELD, FAST);
    let tokenizers = TokenizerManager::default();
    tokenizers.register(ANALYZER, stem_analyzer());

    let mut words = word_analyzer();
    let mut stemmer = stem_analyzer();
    let mut postings = Postings::default();
    let mut known: FxHashSet<String> = FxHashSet::default();
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
            for (field_text, field) in [
                (&title, FieldSet::TITLE),
                (&section, FieldSet::SECTION),
                (&body, FieldSet::BODY),
            ] {
                for stem in tokens(&mut stemmer, field_text) {
                    postings.add(stem, ord as u32, field);
                }
                known.extend(tokens(&mut words, field_text));
            }
            writer.add_document(doc!(
                fields.title => title,
                fields.section => section,
                fields.body => body,
                ord_field => ord as u64,
            ))?;
        }
        writer.finalize()?
    };
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok(Written {
        reader,
        fields,
        postings,
        titles,
        known,
    })
}
