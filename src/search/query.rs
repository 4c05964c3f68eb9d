//! Query: the concepts as a Tantivy BM25 query.
//!
//! BM25 gives the candidate list and a tie-breaker; coverage decides. Each
//! concept's forms become boosted term clauses over body, heading and section,
//! so a heading match, a synonym or a topic word each count as much as they should.

use std::collections::HashSet;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::concepts::Concept;
use super::index::FieldSet;
use super::SearchIndex;

/// How many of a question's concepts go into the BM25 query.
const MAX_QUERY_CONCEPTS: usize = 8;

impl SearchIndex {
    pub(super) fn query(&self, concepts: &[Concept]) -> BooleanQuery {
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
                    // A term of a field no passage has it in cannot score;
                    // skip its lookups (most stems are in no heading).
                    let in_fields = self.postings.fields(stem);
                    if in_fields == FieldSet::default() || !seen.insert(stem.as_str()) {
                        continue;
                    }
                    for (field, field_boost, set) in [
                        (self.fields.body, 1.0, FieldSet::BODY),
                        (self.fields.title, self.weights.title_boost, FieldSet::TITLE),
                        (
                            self.fields.section,
                            self.weights.section_boost,
                            FieldSet::SECTION,
                        ),
                    ] {
                        if !in_fields.contains(set) {
                            continue;
                        }
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
}
