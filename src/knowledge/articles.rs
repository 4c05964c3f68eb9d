//! Articles: one Markdown file, parsed into its passages.
//!
//! Members are answered with one passage, not a whole article, so each file is
//! cut where its author cut it: at headings, and at lists of bold-titled items.

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::{KnowledgeError, Passage, OVERVIEW_TITLE};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Option<String>,
    #[allow(dead_code)] // Accepted so admins can record where an article came from.
    source: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Parses one Markdown article into its passages.
pub fn parse_article(path: &Path, text: &str) -> Result<Vec<Passage>, KnowledgeError> {
    let (front, body, body_line) = split_front_matter(path, text)?;
    let file_slug = slug(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default(),
    );
    let blocks = top_level_blocks(body);

    let mut builder = ArticleBuilder {
        path,
        body,
        body_line,
        file_slug,
        article: front.title.clone(),
        tags: front.tags,
        headings: Vec::new(),
        parts: Vec::new(),
        passages: Vec::new(),
    };
    for block in blocks {
        match block {
            Block::Heading {
                level: HeadingLevel::H1,
                title,
            } => {
                builder.flush();
                builder.headings.clear();
                if builder.article.is_none() {
                    builder.article = Some(title);
                }
            }
            Block::Heading { level, title, .. } => {
                builder.flush();
                builder.headings.retain(|(l, _)| *l < level);
                builder.headings.push((level, title));
            }
            Block::List { range, items } => {
                if !items.is_empty() && items.iter().all(|item| item.title.is_some()) {
                    for item in items {
                        builder.push_item(item);
                    }
                } else {
                    builder.parts.push(range);
                }
            }
            Block::Other { range } => builder.parts.push(range),
        }
    }
    builder.flush();

    if builder.passages.is_empty() {
        return Err(KnowledgeError::NoPassages {
            path: path.to_path_buf(),
        });
    }
    Ok(builder.passages)
}

struct ArticleBuilder<'a> {
    path: &'a Path,
    body: &'a str,
    body_line: usize,
    file_slug: String,
    article: Option<String>,
    tags: Vec<String>,
    headings: Vec<(HeadingLevel, String)>,
    /// Source ranges of the blocks under the current heading, not yet a passage.
    parts: Vec<Range<usize>>,
    passages: Vec<Passage>,
}

impl ArticleBuilder<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.body_line + self.body[..offset].matches('\n').count()
    }

    fn section_path(&self) -> Vec<String> {
        if self.headings.is_empty() {
            vec![OVERVIEW_TITLE.to_string()]
        } else {
            self.headings
                .iter()
                .map(|(_, title)| title.clone())
                .collect()
        }
    }

    fn add(&mut self, section_path: Vec<String>, text: String, start: usize) {
        let id = std::iter::once(self.file_slug.clone())
            .chain(section_path.iter().map(|title| slug(title)))
            .collect::<Vec<_>>()
            .join("/");
        let passage = Passage {
            id,
            article: self
                .article
                .clone()
                .unwrap_or_else(|| self.file_slug.clone()),
            section_path,
            text,
            tags: self.tags.clone(),
            file: self.path.to_path_buf(),
            line: self.line_of(start),
        };
        self.passages.push(passage);
    }

    fn flush(&mut self) {
        let parts = std::mem::take(&mut self.parts);
        let text = parts
            .iter()
            .map(|range| self.body[range.clone()].trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        if let (false, Some(first)) = (text.is_empty(), parts.first()) {
            let path = self.section_path();
            self.add(path, text, first.start);
        }
    }

    fn push_item(&mut self, item: ListItem) {
        let mut path = self.section_path();
        if self.headings.is_empty() {
            path.clear();
        }
        path.push(item.title.unwrap_or_default());
        let text = strip_list_marker(self.body[item.range.clone()].trim()).to_string();
        self.add(path, text, item.range.start);
    }
}

/// Splits `+++` TOML front matter from the body; returns the body's first line number.
fn split_front_matter<'t>(
    path: &Path,
    text: &'t str,
) -> Result<(FrontMatter, &'t str, usize), KnowledgeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        return Ok((FrontMatter::default(), text, 1));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let toml_text = &rest[..offset];
            let front: FrontMatter =
                toml::from_str(toml_text).map_err(|err| KnowledgeError::FrontMatter {
                    path: path.to_path_buf(),
                    // The front matter starts on line 2, after the opening `+++`.
                    line: 1 + crate::strings::toml_error_line(toml_text, &err).unwrap_or(1),
                    message: err.message().trim().to_string(),
                })?;
            let body = &rest[offset + line.len()..];
            let body_line = 2 + rest[..offset + line.len()].matches('\n').count();
            return Ok((front, body, body_line));
        }
        offset += line.len();
    }
    Err(KnowledgeError::FrontMatter {
        path: path.to_path_buf(),
        line: 1,
        message: "the opening +++ has no closing +++ line".to_string(),
    })
}

enum Block {
    Heading {
        level: HeadingLevel,
        title: String,
    },
    List {
        range: Range<usize>,
        items: Vec<ListItem>,
    },
    Other {
        range: Range<usize>,
    },
}

struct ListItem {
    range: Range<usize>,
    /// The bold text the item opens with, without a trailing colon.
    title: Option<String>,
}

/// Walks the Markdown events once and keeps the top-level blocks with their source ranges.
fn top_level_blocks(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut list: Option<(Range<usize>, Vec<ListItem>)> = None;
    // Inside a list item: whether its first inline content is still to come, and the bold text so far.
    let mut item_opening = false;
    let mut item_bold: Option<String> = None;

    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                match (&tag, depth) {
                    (Tag::Heading { level, .. }, 0) => heading = Some((*level, String::new())),
                    (Tag::List(_), 0) => list = Some((range.clone(), Vec::new())),
                    (Tag::Item, 1) => {
                        if let Some((_, items)) = list.as_mut() {
                            items.push(ListItem {
                                range: range.clone(),
                                title: None,
                            });
                            item_opening = true;
                        }
                    }
                    (_, 0) => blocks.push(Block::Other { range }),
                    (Tag::Strong, _) if item_opening => item_bold = Some(String::new()),
                    // A loose list wraps each item's text in a paragraph; that is still its opening.
                    (Tag::Paragraph, _) => {}
                    _ => item_opening = false,
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                match tag {
                    TagEnd::Heading(_) if depth == 0 => {
                        if let Some((level, title)) = heading.take() {
                            blocks.push(Block::Heading {
                                level,
                                title: title.trim().to_string(),
                            });
                        }
                    }
                    TagEnd::List(_) if depth == 0 => {
                        if let Some((range, items)) = list.take() {
                            blocks.push(Block::List { range, items });
                        }
                    }
                    TagEnd::Strong => {
                        if let Some(bold) = item_bold.take() {
                            let title = bold.trim().trim_end_matches(':').trim().to_string();
                            if let (false, Some((_, items))) = (title.is_empty(), list.as_mut()) {
                                if let Some(item) = items.last_mut() {
                                    item.title = Some(title);
                                }
                            }
                            item_opening = false;
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&text);
                } else if let Some(bold) = item_bold.as_mut() {
                    bold.push_str(&text);
                } else if !text.trim().is_empty() {
                    item_opening = false;
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push(' ');
                }
            }
            _ if depth == 0 => blocks.push(Block::Other { range }),
            _ => item_opening = false,
        }
    }
    blocks
}

/// `1. text`, `- text` → `text`.
fn strip_list_marker(item: &str) -> &str {
    let rest = item.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = if rest.len() < item.len() {
        rest.strip_prefix(['.', ')']).unwrap_or(rest)
    } else {
        rest.strip_prefix(['-', '*', '+']).unwrap_or(rest)
    };
    rest.trim_start()
}

/// `What is Low Dose Naltrexone (LDN)?` → `what-is-low-dose-naltrexone-ldn`.
pub fn slug(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("untitled");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_list_items_become_passages_under_their_heading() {
        let md = "# Art\n\nIntro text.\n\n## Caveats\n\n1. **First:** one.\n2. **Second:** two.\n\n## End\n\nBye.\n";
        let passages = parse_article(Path::new("a.md"), md).unwrap();
        let sections: Vec<String> = passages.iter().map(Passage::section).collect();
        assert_eq!(
            sections,
            ["Overview", "Caveats › First", "Caveats › Second", "End"]
        );
        assert_eq!(passages[1].text, "**First:** one.");
        assert_eq!(passages[1].id, "a/caveats/first");
        assert_eq!(passages[3].line, 12);
        assert!(passages.iter().all(|p| p.article == "Art"));
    }

    #[test]
    fn plain_lists_stay_in_their_passage() {
        let md = "## Tips\n\nSome tips:\n\n- drink water\n- rest\n";
        let passages = parse_article(Path::new("t.md"), md).unwrap();
        assert_eq!(passages.len(), 1);
        assert!(passages[0].text.contains("- rest"));
    }

    #[test]
    fn front_matter_sets_title_and_reports_its_line() {
        let md = "+++\ntitle = \"T\"\ntags = [\"x\"]\n+++\n## S\n\nText.\n";
        let passages = parse_article(Path::new("f.md"), md).unwrap();
        assert_eq!(passages[0].article, "T");
        assert_eq!(passages[0].line, 7);

        let bad = "+++\ntitle = \"T\"\ncolour = 3\n+++\n## S\n\nText.\n";
        let err = parse_article(Path::new("f.md"), bad)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.md:3:"), "{err}");
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(
            slug("What is Low Dose Naltrexone (LDN)?"),
            "what-is-low-dose-naltrexone-ldn"
        );
        assert_eq!(slug("???"), "untitled");
    }
}
