//! Parsing: the generated LR(1) parser (`grammar/query.lalrpop`), and errors rendered with
//! line:column, the source line, a caret under the offending text and what was expected.

use super::ast::*;
use lalrpop_util::ParseError;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, missing_docs, unused)]
    grammar,
    "/query.rs"
);

/// An error located in the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The offending bytes.
    pub span: Span,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl QueryError {
    /// A new error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> QueryError {
        QueryError {
            span,
            message: message.into(),
        }
    }

    /// Renders the error for `src` (named `origin`, e.g. a file name or `query`):
    /// `origin:LINE:COL: error: MESSAGE`, the source line and a caret line.
    pub fn render(&self, origin: &str, src: &str) -> String {
        let (line, col, text) = line_col(src, self.span.0);
        let width = src[self.span.0.min(src.len())..self.span.1.min(src.len()).max(self.span.0)]
            .lines()
            .next()
            .map(|s| s.chars().count())
            .unwrap_or(0)
            .max(1);
        let gutter = format!("{line}");
        format!(
            "{origin}:{line}:{col}: error: {}\n {gutter} | {text}\n {} | {}{}\n",
            self.message,
            " ".repeat(gutter.len()),
            " ".repeat(col - 1),
            "^".repeat(width)
        )
    }
}

/// 1-based line and column (in characters) of byte `pos`, and the text of that line.
pub fn line_col(src: &str, pos: usize) -> (usize, usize, &str) {
    let pos = pos.min(src.len());
    let start = src[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = src[pos..].find('\n').map(|i| pos + i).unwrap_or(src.len());
    let line = src[..start].matches('\n').count() + 1;
    let col = src[start..pos].chars().count() + 1;
    (line, col, src[start..end].trim_end_matches('\r'))
}

/// A readable name for a token of the grammar as lalrpop lists it.
fn token_name(t: &str) -> String {
    if t == "WORD" || t.contains("A-Za-z0-9") {
        "a word (name, ARN, action, number or variable)".into()
    } else if t == "STRING" || t.starts_with("r#\"\\\"") {
        "a quoted string".into()
    } else {
        format!("`{}`", t.trim_matches('"'))
    }
}

fn expected_list(expected: &[String]) -> String {
    let mut names: Vec<String> = expected.iter().map(|t| token_name(t)).collect();
    names.dedup();
    match names.len() {
        0 => "nothing more".into(),
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("one of {} or {last}", names.join(", "))
        }
    }
}

/// Parses a whole query text (one or more statements, optionally separated by `;`).
pub fn parse(src: &str) -> Result<Vec<Stmt>, QueryError> {
    let stmts = grammar::ProgramParser::new()
        .parse(src)
        .map_err(|e| convert(src, e))?;
    for s in &stmts {
        check(s)?;
    }
    Ok(stmts)
}

/// True when `src` is a prefix of a statement that more lines could complete (the REPL then
/// asks for a continuation line): the parser ran out of input.
pub fn is_incomplete(src: &str) -> bool {
    matches!(
        grammar::ProgramParser::new().parse(src),
        Err(ParseError::UnrecognizedEof { .. })
    )
}

fn convert<T: std::fmt::Display>(src: &str, e: ParseError<usize, T, &str>) -> QueryError {
    match e {
        ParseError::InvalidToken { location } => {
            let c = src[location..].chars().next().unwrap_or(' ');
            QueryError::new(
                (location, location + c.len_utf8()),
                format!("unexpected character `{c}`: words are names, ARNs, actions or numbers; quote other text with \"...\""),
            )
        }
        ParseError::UnrecognizedEof { location, expected } => QueryError::new(
            (location, location),
            format!(
                "the query ends too early: expected {}",
                expected_list(&expected)
            ),
        ),
        ParseError::UnrecognizedToken {
            token: (l, t, r),
            expected,
        } => {
            let mut m = format!(
                "unexpected `{}`: expected {}",
                &src[l..r],
                expected_list(&expected)
            );
            let _ = t;
            if expected.iter().any(|x| x == "\".\"") && !expected.iter().any(|x| x == "\":-\"")
            {
                m.push_str(" (a Datalog query or rule ends with `.`)");
            }
            QueryError::new((l, r), m)
        }
        ParseError::ExtraToken { token: (l, _, r) } => {
            QueryError::new((l, r), format!("unexpected `{}` after the end", &src[l..r]))
        }
        ParseError::User { error } => QueryError::new((0, 0), error.to_string()),
    }
}

/// Checks what the grammar cannot: numbers where numbers are due, safe Datalog rules.
fn check(s: &Stmt) -> Result<(), QueryError> {
    match s {
        Stmt::Assert(a) => {
            if let AssertKind::Count(_, n) = &a.kind {
                if n.text.parse::<u64>().is_err() {
                    return Err(QueryError::new(
                        n.span,
                        format!("`{}` is not a count: expected a whole number such as 3", n.text),
                    ));
                }
            }
            check(&a.checked.stmt)
        }
        Stmt::Rule(r) => super::check_rule(r),
        Stmt::Query(q) => super::check_body(&q.body, &[]),
        Stmt::Readable(_) => Ok(()),
    }
}
