//! How text becomes terms: split on anything but letters and digits, lowercase, fold diacritics
//! to ASCII (Łukasz and Lukasz, Győző and Gyozo are the same word), and, for the prefix fields,
//! every leading prefix of each word (an edge n-gram), so that "kowa" finds "Kowalski" with one
//! term lookup instead of a walk over the term dictionary.

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Whole folded words.
pub const FOLDED: &str = "tessera_folded";
/// Leading prefixes of folded words.
pub const FOLDED_PREFIX: &str = "tessera_folded_prefix";

/// The shortest prefix indexed: one-letter prefixes would match a large part of any index and
/// tell the user nothing.
pub const MIN_PREFIX: usize = 2;
/// The longest prefix of a word of letters indexed. Six letters narrow a family name to a few
/// hundred words at most, so a longer typed word is looked up by walking the dictionary of whole
/// words from its first letters instead: indexing every prefix up to 16 letters made the prefix
/// terms most of the index and most of a full rebuild's time.
pub const MAX_PREFIX: usize = 6;
/// The prefixes indexed of a word with digits (ID, Statement of Results and similar numbers).
/// Their first characters are shared by every candidate of a centre or a year, so a short prefix
/// tells no one apart and is not indexed; longer ones are nearly unique, so a typed prefix of
/// more than eight characters is looked up in the dictionary of whole words instead, where it
/// matches few.
pub const MIN_DIGIT_PREFIX: usize = 6;
/// See [`MIN_DIGIT_PREFIX`].
pub const MAX_DIGIT_PREFIX: usize = 8;

/// The lengths of `word`'s (folded) prefixes found through a prefix field: a longer typed word
/// is matched against the dictionary of whole words, a shorter one only as a whole word.
pub fn indexed_prefixes(word: &str) -> std::ops::RangeInclusive<usize> {
    if word.bytes().any(|b| b.is_ascii_digit()) { MIN_DIGIT_PREFIX..=MAX_DIGIT_PREFIX } else { MIN_PREFIX..=MAX_PREFIX }
}

/// The analyzer of whole words.
pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(ExtraFolding)
        .build()
}

/// The analyzer of prefixes (index side only: queries look the typed word up as is).
pub fn folded_prefix() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(ExtraFolding)
        .filter(EdgeNgrams)
        .build()
}

/// Registers the analyzers on an index (tantivy keeps them per open index, not on disk).
pub fn register(index: &Index) {
    index.tokenizers().register(FOLDED, folded());
    index.tokenizers().register(FOLDED_PREFIX, folded_prefix());
}

thread_local! {
    /// Building an analyzer allocates its filter chain: one per thread serves every call.
    static FOLDED_ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(folded());
}

/// The folded words of `text`, as the index sees them.
pub fn words(text: &str) -> Vec<String> {
    FOLDED_ANALYZER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    })
}

/// Folds `text` to one lowercase ASCII key without separators (ID numbers, emails).
pub fn key(text: &str) -> String {
    words(text).concat()
}

/// Letters that ASCII folding leaves alone but people type without their marks.
#[derive(Clone)]
struct ExtraFolding;

impl TokenFilter for ExtraFolding {
    type Tokenizer<T: Tokenizer> = ExtraFoldingFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> ExtraFoldingFilter<T> {
        ExtraFoldingFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
struct ExtraFoldingFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for ExtraFoldingFilter<T> {
    type TokenStream<'a> = ExtraFoldingStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ExtraFoldingStream { inner: self.inner.token_stream(text) }
    }
}

struct ExtraFoldingStream<S> {
    inner: S,
}

impl<S: TokenStream> TokenStream for ExtraFoldingStream<S> {
    fn advance(&mut self) -> bool {
        if !self.inner.advance() {
            return false;
        }
        let t = self.inner.token_mut();
        if !t.text.is_ascii() {
            // ASCII folding maps ł, ő, ű and their kin; what remains (rare scripts, symbols) is
            // dropped to its ASCII letters so a query typed on any keyboard meets the same term.
            let mapped: String = t
                .text
                .chars()
                .map(|c| match c {
                    'ł' | 'Ł' => 'l',
                    'đ' | 'Đ' => 'd',
                    'ø' | 'Ø' => 'o',
                    other => other,
                })
                .collect();
            t.text = mapped;
        }
        true
    }
    fn token(&self) -> &Token {
        self.inner.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

/// Emits the leading prefixes of each word whose lengths [`indexed_prefixes`] names (the whole
/// word too when it is in that range).
#[derive(Clone)]
struct EdgeNgrams;

impl TokenFilter for EdgeNgrams {
    type Tokenizer<T: Tokenizer> = EdgeNgramFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> EdgeNgramFilter<T> {
        EdgeNgramFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
struct EdgeNgramFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for EdgeNgramFilter<T> {
    type TokenStream<'a> = EdgeNgramStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EdgeNgramStream {
            inner: self.inner.token_stream(text),
            word: String::new(),
            ends: Vec::new(),
            next: 0,
            token: Token::default(),
        }
    }
}

struct EdgeNgramStream<S> {
    inner: S,
    /// The current word and the byte ends of its prefixes still to emit.
    word: String,
    ends: Vec<usize>,
    next: usize,
    token: Token,
}

impl<S: TokenStream> TokenStream for EdgeNgramStream<S> {
    fn advance(&mut self) -> bool {
        loop {
            if self.next < self.ends.len() {
                let end = self.ends[self.next];
                self.next += 1;
                self.token.text.clear();
                self.token.text.push_str(&self.word[..end]);
                return true;
            }
            if !self.inner.advance() {
                return false;
            }
            let src = self.inner.token();
            self.word.clear();
            self.word.push_str(&src.text);
            self.token = Token { text: String::new(), ..src.clone() };
            self.ends.clear();
            self.next = 0;
            let lengths = indexed_prefixes(&self.word);
            let boundaries = self.word.char_indices().map(|(i, _)| i).skip(1).chain([self.word.len()]);
            for (n, end) in boundaries.enumerate() {
                let chars = n + 1;
                if chars > *lengths.end() {
                    break;
                }
                if lengths.contains(&chars) {
                    self.ends.push(end);
                }
            }
        }
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(text: &str) -> Vec<String> {
        let mut a = folded_prefix();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    #[test]
    fn diacritics_fold() {
        assert_eq!(words("Łukasz Győző Žižek ŁÓDŹ"), ["lukasz", "gyozo", "zizek", "lodz"]);
        assert_eq!(key("PL078-000123"), "pl078000123");
    }

    #[test]
    fn edge_ngrams() {
        assert_eq!(prefixes("Kós Ab"), ["ko", "kos", "ab"]);
        assert_eq!(prefixes("Kowalski"), ["ko", "kow", "kowa", "kowal", "kowals"]);
        assert_eq!(prefixes("x").len(), 0);
        assert_eq!(prefixes("PL07800012"), ["pl0780", "pl07800", "pl078000"]);
        assert_eq!(prefixes("sor12"), Vec::<String>::new());
    }
}
