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

/// The generated parser, built once: building it compiles the lexer's regular expressions
/// (the fuzzer measured 470 parses/s when each call built its own).
fn parser() -> &'static grammar::ProgramParser {
    static PARSER: std::sync::OnceLock<grammar::ProgramParser> = std::sync::OnceLock::new();
    PARSER.get_or_init(grammar::ProgramParser::new)
}

/// A whole text parsed: the statements that parsed, and every problem.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The statements that parsed and passed the checks, in order.
    pub stmts: Vec<Stmt>,
    /// One error per statement that did not parse or failed a check, in order.
    pub errors: Vec<QueryError>,
}

/// The pieces the generated parser found; the grammar recovers from every syntax error and
/// its lexer takes any character, so this fails only if the parser itself gives up.
fn pieces(src: &str) -> Result<Vec<Piece<'_>>, QueryError> {
    parser().parse(src).map_err(|e| convert(src, e))
}

/// Skips whitespace and `#` comments from `pos` (between statements there is nothing else).
fn skip_trivia(src: &str, mut pos: usize) -> usize {
    loop {
        let rest = &src[pos..];
        let t = rest.trim_start();
        pos += rest.len() - t.len();
        if t.starts_with('#') {
            pos += t.find('\n').unwrap_or(t.len());
        } else {
            return pos;
        }
    }
}

/// At most this many errors are reported for one text (a file that is not a query file at
/// all would otherwise give one per line).
pub const MAX_ERRORS: usize = 50;

/// How many lines a continuation is looked for when deciding whether a line begins a statement.
const WINDOW_LINES: usize = 64;

/// True when a statement begins at `c`, the first token of a line: always when the line is not
/// indented (a statement that is bad from there is one more error to report) unless `strict`;
/// an indented line may continue the bad statement before it, so it begins one only when a
/// statement parses from there (or runs past the window read: too long to tell, taken as one).
fn starts_statement(src: &str, c: usize, strict: bool) -> bool {
    if !strict && (c == 0 || src.as_bytes()[c - 1] == b'\n') {
        return true;
    }
    let mut end = c;
    for _ in 0..WINDOW_LINES {
        match src[end..].find('\n') {
            Some(i) => end += i + 1,
            None => {
                end = src.len();
                break;
            }
        }
    }
    match pieces(&src[c..end]) {
        Ok(ps) => match ps.into_iter().find(|p| !matches!(p, Piece::Sep(_))) {
            Some(Piece::Stmt(_)) | None => true,
            Some(Piece::Error(e)) => {
                end < src.len() && matches!(e.error, ParseError::UnrecognizedEof { .. })
            }
            Some(Piece::Sep(_)) => false,
        },
        Err(_) => false,
    }
}

/// Where parsing resumes after a syntax error at `loc` in the statement that starts at
/// `bad_start`: after the next `;` (`sep`, a sure end), or at the first token of a later line
/// (or of the error's own line, when the error is that token) that begins a statement
/// ([`starts_statement`]), whichever comes first.
fn resume_at(src: &str, loc: usize, bad_start: usize, sep: Option<usize>) -> Option<usize> {
    let limit = sep.unwrap_or(src.len());
    let mut ls = src[..loc.min(src.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    loop {
        let p = skip_trivia(src, ls);
        if p >= limit {
            return sep;
        }
        // The token in error begins a statement only if one parses from it (else it would be
        // reported twice).
        if p >= loc && p > bad_start && starts_statement(src, p, p == loc) {
            return Some(p);
        }
        ls = match src[p..].find('\n') {
            Some(i) => p + i + 1,
            None => return sep,
        };
    }
}

/// The words that begin a readable statement.
const STARTS: &[&str] = &[
    "who", "can", "what", "path", "why", "assert", "explain", "needs",
];

/// When a statement begins with a word that is not a keyword and the parser then wanted the
/// `(` of a Datalog atom, the word was probably a misspelt keyword (`nedds`, `waht`): the
/// closest one, if it is close.
fn misspelt_keyword(src: &str, bad_start: usize, loc: usize) -> Option<&'static str> {
    let first = src[bad_start..]
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()?;
    let first_end = bad_start + first.len();
    if first.is_empty() || loc != skip_trivia(src, first_end) || STARTS.contains(&first) {
        return None;
    }
    let lower = first.to_ascii_lowercase();
    STARTS
        .iter()
        .map(|k| {
            // An abbreviation (`expl`) counts as a close match.
            let d = if lower.len() >= 3 && k.starts_with(&lower) {
                0
            } else {
                crate::engine::edit_distance(&lower, k)
            };
            (d, *k)
        })
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min()
        .map(|(_, k)| k)
}

/// `src` with everything before `pos` blanked out: parsing it resumes at `pos` with every
/// span still a position in `src`.
fn masked(src: &str, pos: usize) -> String {
    let mut m = " ".repeat(pos);
    m.push_str(&src[pos..]);
    m
}

/// Parses a whole text and reports every problem: each statement that does not parse gets
/// its own error (the first one in it; the parser's guesses about the rest of the bad
/// statement are not reported), and parsing resumes after the next `;` or at the next line
/// that begins a statement. Statements that parse are checked ([`check`]) and kept.
pub fn parse_all(src: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut text: Option<String> = None;
    let mut pos = 0;
    loop {
        let t = text.as_deref().unwrap_or(src);
        let ps = match pieces(t) {
            Ok(p) => p,
            Err(e) => {
                out.errors.push(e);
                return out;
            }
        };
        let mut prev_end = pos;
        let mut resume = None;
        let mut it = ps.into_iter();
        while let Some(p) = it.next() {
            match p {
                Piece::Sep(span) => prev_end = span.1,
                Piece::Stmt(s) => {
                    prev_end = s.span().1;
                    match check(&s) {
                        Ok(()) => out.stmts.push(s),
                        Err(e) => out.errors.push(e),
                    }
                }
                Piece::Error(e) => {
                    let mut qe = convert(src, e.error);
                    let loc = qe.span.0;
                    let bad_start = skip_trivia(src, prev_end.min(loc));
                    if let Some(k) = misspelt_keyword(src, bad_start, loc) {
                        qe.message.push_str(&format!(" (did you mean `{k}`?)"));
                    }
                    let (line, _, _) = line_col(src, bad_start);
                    if bad_start < loc && line < line_col(src, loc).0 {
                        qe.message
                            .push_str(&format!(" (in the statement that starts on line {line})"));
                    }
                    out.errors.push(qe);
                    if out.errors.len() >= MAX_ERRORS {
                        let end = (src.len(), src.len());
                        out.errors.push(QueryError::new(
                            end,
                            format!("too many errors: stopped after {MAX_ERRORS}"),
                        ));
                        return out;
                    }
                    let sep = it.find_map(|p| match p {
                        Piece::Sep(s) if s.0 >= loc => Some(s.1),
                        _ => None,
                    });
                    resume = resume_at(src, loc, bad_start, sep);
                    break;
                }
            }
        }
        match resume {
            Some(p) => {
                pos = p;
                text = Some(masked(src, p));
            }
            None => return out,
        }
    }
}

/// Parses a whole query text (one or more statements, optionally separated by `;`); the
/// first problem is the error ([`parse_all`] gives them all).
pub fn parse(src: &str) -> Result<Vec<Stmt>, QueryError> {
    let p = parse_all(src);
    match p.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(p.stmts),
    }
}

/// True when `src` is a prefix of a statement that more lines could complete (the REPL then
/// asks for a continuation line): the parser ran out of input before any other error.
pub fn is_incomplete(src: &str) -> bool {
    match pieces(src) {
        Ok(ps) => {
            ps.iter().find_map(|p| match p {
                Piece::Error(e) => Some(matches!(e.error, ParseError::UnrecognizedEof { .. })),
                _ => None,
            }) == Some(true)
        }
        Err(_) => false,
    }
}

/// True for the grammar's BAD token: one character that starts no token of the language.
fn is_bad_token(t: &str) -> bool {
    let mut cs = t.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) => !(c.is_ascii_alphanumeric() || "_*$(),;.:=<>".contains(c)),
        _ => false,
    }
}

fn convert<T: std::fmt::Display>(src: &str, e: ParseError<usize, T, &str>) -> QueryError {
    match e {
        ParseError::InvalidToken { location } => bad_char(src, location),
        ParseError::UnrecognizedEof { location, expected } => QueryError::new(
            (location, location),
            format!(
                "the query ends too early: expected {}",
                expected_list(&expected)
            ),
        ),
        ParseError::UnrecognizedToken {
            token: (l, _, r),
            expected,
        } => {
            if is_bad_token(&src[l..r]) {
                return bad_char(src, l);
            }
            let mut m = format!(
                "unexpected `{}`: expected {}",
                &src[l..r],
                expected_list(&expected)
            );
            if expected.iter().any(|x| x == "\".\"") && !expected.iter().any(|x| x == "\":-\"") {
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

/// The error for a character that starts no token.
fn bad_char(src: &str, location: usize) -> QueryError {
    let c = src[location..].chars().next().unwrap_or(' ');
    if c == '"' {
        return QueryError::new(
            (location, location + 1),
            "unterminated string: a quoted string ends with `\"` on the same line",
        );
    }
    QueryError::new(
        (location, location + c.len_utf8()),
        format!("unexpected character `{c}`: words are names, ARNs, actions or numbers; quote other text with \"...\""),
    )
}

/// Checks what the grammar cannot: numbers where numbers are due, safe Datalog rules.
fn check(s: &Stmt) -> Result<(), QueryError> {
    match s {
        Stmt::Assert(a) => {
            if let AssertKind::Count(_, n) = &a.kind {
                if n.text.parse::<u64>().is_err() {
                    return Err(QueryError::new(
                        n.span,
                        format!(
                            "`{}` is not a count: expected a whole number such as 3",
                            n.text
                        ),
                    ));
                }
            }
            check(&a.checked.stmt)
        }
        Stmt::Rule(r) => super::check_rule(r),
        Stmt::Query(q) => super::check_body(&q.body, &[]),
        Stmt::Readable(r) => check_options(&r.form),
    }
}

/// `explain error` and `needs` take each option once (`reading` may list several objects).
fn check_options(f: &Form) -> Result<(), QueryError> {
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    let keys: Vec<(&'static str, Span)> = match f {
        Form::ExplainError { options, .. } => options
            .iter()
            .map(|o| match o {
                ExplainOption::Principal(s, _) => ("for", *s),
                ExplainOption::Action(s, _) => ("do", *s),
                ExplainOption::Resource(s, _) => ("on", *s),
            })
            .collect(),
        Form::Needs { options, .. } => options
            .iter()
            .map(|o| match o {
                NeedsOption::PassRole(s, _) => ("passing", *s),
                NeedsOption::Data(s, _) => ("reading", *s),
                NeedsOption::SourceArn(s, _) => ("from", *s),
                NeedsOption::KmsKey(s, _) => ("encrypted with", *s),
            })
            .collect(),
        _ => vec![],
    };
    for (k, s) in keys {
        if seen.iter().any(|(k2, _)| *k2 == k) {
            let hint = if k == "reading" {
                ": list the objects after one `reading`, separated by `,`"
            } else {
                ""
            };
            return Err(QueryError::new(s, format!("`{k}` is given twice{hint}")));
        }
        seen.push((k, s));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Stmt {
        let mut v = parse(src).unwrap_or_else(|e| panic!("{src}: {}", e.render("t", src)));
        assert_eq!(v.len(), 1, "{src}");
        v.remove(0)
    }

    fn form(src: &str) -> Form {
        match one(src) {
            Stmt::Readable(r) => r.form,
            o => panic!("{o:?}"),
        }
    }

    fn err(src: &str) -> String {
        let e = parse(src).expect_err(src);
        e.render("t", src)
    }

    fn texts(ws: &[&Word]) -> Vec<String> {
        ws.iter().map(|w| w.text.clone()).collect()
    }

    #[test]
    fn every_readable_form() {
        let Form::WhoCan { action, resource } =
            form("who can s3:GetObject on arn:aws:s3:::reports/*")
        else {
            panic!()
        };
        assert_eq!(
            texts(&[&action, &resource]),
            ["s3:GetObject", "arn:aws:s3:::reports/*"]
        );
        assert_eq!(action.span, (8, 20));
        let Form::Reach { resource } = form("who can reach arn:aws:s3:::reports") else {
            panic!()
        };
        assert_eq!(resource.text, "arn:aws:s3:::reports");
        let Form::Can {
            principal,
            action,
            resource,
        } = form("can role/lambda-exec do iam:PassRole on role/transcribe-data")
        else {
            panic!()
        };
        assert_eq!(
            texts(&[&principal, &action, &resource]),
            ["role/lambda-exec", "iam:PassRole", "role/transcribe-data"]
        );
        let Form::CanPass {
            principal,
            role,
            service,
        } = form("can role/lambda-exec pass role/transcribe-data to transcribe.amazonaws.com")
        else {
            panic!()
        };
        assert_eq!(
            texts(&[&principal, &role, &service]),
            [
                "role/lambda-exec",
                "role/transcribe-data",
                "transcribe.amazonaws.com"
            ]
        );
        let Form::What {
            principal,
            resource,
        } = form("what can user/alice do on arn:aws:s3:::reports/*")
        else {
            panic!()
        };
        assert_eq!(
            texts(&[&principal, &resource]),
            ["user/alice", "arn:aws:s3:::reports/*"]
        );
        let Form::Path { from, to } = form("path from user/alice to role/OrganizationAdmin") else {
            panic!()
        };
        assert_eq!(
            texts(&[&from, &to]),
            ["user/alice", "role/OrganizationAdmin"]
        );
        let Form::Why {
            negated, resource, ..
        } = form("why can user/alice do s3:GetObject on arn:aws:s3:::reports/q1.csv")
        else {
            panic!()
        };
        assert!(!negated);
        assert_eq!(resource.text, "arn:aws:s3:::reports/q1.csv");
        let Form::Why {
            negated, resource, ..
        } = form("why not role/app-dev-lambdaRole do cloudwatch:GetMetricStatistics on *")
        else {
            panic!()
        };
        assert!(negated);
        assert_eq!(resource.text, "*");
    }

    #[test]
    fn with_context() {
        let Stmt::Readable(r) = one(
            "who can kms:Decrypt on arn:aws:kms:eu-west-1:111111111111:key/abcd with aws:SourceAccount = \"111111111111\", aws:SourceArn = arn:aws:s3:::b",
        ) else {
            panic!()
        };
        let pairs: Vec<(String, String, bool)> = r
            .context
            .pairs
            .iter()
            .map(|(k, v)| (k.text.clone(), v.text.clone(), v.quoted))
            .collect();
        assert_eq!(
            pairs,
            [
                ("aws:SourceAccount".into(), "111111111111".into(), true),
                ("aws:SourceArn".into(), "arn:aws:s3:::b".into(), false)
            ]
        );
    }

    #[test]
    fn datalog_query_rule_fact_negation_comparisons() {
        let Stmt::Query(q) = one(
            "?- allowed(P, \"s3:PutObject\", R), account(P, A), resource_account(R, B), A != B.",
        ) else {
            panic!()
        };
        assert_eq!(q.body.len(), 4);
        let Literal::Pos(a) = &q.body[0] else {
            panic!()
        };
        assert_eq!(a.name.text, "allowed");
        assert!(matches!(&a.args[0], Term::Var(w) if w.text == "P"));
        assert!(matches!(&a.args[1], Term::Const(w) if w.text == "s3:PutObject" && w.quoted));
        assert!(matches!(
            &q.body[3],
            Literal::Cmp(Term::Var(_), CmpOp::Ne, Term::Var(_), _)
        ));
        let Stmt::Rule(r) = one("external_writers(P, R) :- allowed(P, \"s3:PutObject\", R), account(P, A), resource_account(R, B), A != B.") else {
            panic!()
        };
        assert_eq!(r.head.name.text, "external_writers");
        assert_eq!(r.body.len(), 4);
        let Stmt::Query(q) = one("?- external_writers(P, _).") else {
            panic!()
        };
        let Literal::Pos(a) = &q.body[0] else {
            panic!()
        };
        assert!(matches!(a.args[1], Term::Wild(_)));
        let Stmt::Rule(f) = one("trusted(\"111111111111\").") else {
            panic!()
        };
        assert!(f.body.is_empty());
        let Stmt::Rule(n) = one("lonely(R) :- principal(R, role), not assumable(R), R >= \"a\", R < z, R <= z, R > a, R = R.") else {
            panic!()
        };
        assert!(
            matches!(&n.body[0], Literal::Pos(a) if matches!(&a.args[1], Term::Const(w) if w.text == "role" && !w.quoted))
        );
        assert!(matches!(&n.body[1], Literal::Neg(_)));
        let ops: Vec<CmpOp> = n.body[2..]
            .iter()
            .map(|l| match l {
                Literal::Cmp(_, op, _, _) => *op,
                _ => panic!(),
            })
            .collect();
        assert_eq!(ops, [CmpOp::Ge, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Eq]);
        let Stmt::Query(q) =
            one("?- allowed(P, \"kms:Decrypt\", R) with aws:SourceAccount = \"1\".")
        else {
            panic!()
        };
        assert_eq!(q.context.pairs.len(), 1);
    }

    #[test]
    fn assertions() {
        let Stmt::Assert(a) = one("assert none: who can s3:* on arn:aws:s3:::payroll/* where account != \"111111111111\" and kind = role") else {
            panic!()
        };
        assert_eq!(a.kind, AssertKind::None);
        assert_eq!(a.checked.filters.len(), 2);
        assert_eq!(a.checked.filters[0].column.text, "account");
        let Stmt::Assert(a) = one("assert count(who can reach arn:aws:s3:::reports) <= 3") else {
            panic!()
        };
        assert!(matches!(&a.kind, AssertKind::Count(CmpOp::Le, n) if n.text == "3"));
        let Stmt::Assert(a) = one("assert some: ?- principal(P, \"user\").") else {
            panic!()
        };
        assert_eq!(a.kind, AssertKind::Some);
        assert!(matches!(*a.checked.stmt, Stmt::Query(_)));
    }

    #[test]
    fn several_statements_comments_and_separators() {
        let v = parse("# a comment\nwho can s3:GetObject on *; can user/a do s3:GetObject on *\n?- principal(P, _).\n;;").unwrap();
        assert_eq!(v.len(), 3);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn error_unexpected_token_with_caret_and_expected() {
        assert_eq!(
            err("who can s3:GetObject arn:aws:s3:::x"),
            "t:1:22: error: unexpected `arn:aws:s3:::x`: expected `on`\n 1 | who can s3:GetObject arn:aws:s3:::x\n   |                      ^^^^^^^^^^^^^^\n"
        );
        let e = err("can user/a pass");
        assert!(
            e.contains(
                "the query ends too early: expected a word (name, ARN, action, number or variable)"
            ),
            "{e}"
        );
        let e = err("who do");
        assert!(e.contains("unexpected `do`: expected `can`"), "{e}");
        let e = err("frobnicate everything");
        assert!(e.contains("unexpected `everything`: expected `(`"), "{e}");
    }

    #[test]
    fn error_datalog_end_hint() {
        let e = err("?- principal(P, K)\nwho can a:b on *");
        assert!(e.starts_with("t:2:1: error: unexpected `who`: expected one of `,`, `.` or `with` (a Datalog query or rule ends with `.`)"), "{e}");
        let e = err("?- principal(P, K)");
        assert!(
            e.contains("the query ends too early: expected one of `,`, `.` or `with`"),
            "{e}"
        );
    }

    #[test]
    fn error_invalid_character_and_unterminated_string() {
        let e = err("who can s3:GetObject on arn:aws:s3:::a|b");
        assert!(e.contains("t:1:39: error: unexpected character `|`"), "{e}");
        let e = err("?- principal(P, \"user).");
        assert!(e.contains("t:1:17: error: unterminated string: a quoted string ends with `\"` on the same line"), "{e}");
    }

    #[test]
    fn error_count_not_a_number() {
        let e = err("assert count(who can reach *) <= many");
        assert!(
            e.contains("`many` is not a count: expected a whole number such as 3"),
            "{e}"
        );
    }

    #[test]
    fn error_unsafe_rules() {
        let e = err("p(X, Y) :- principal(X, _).");
        assert!(e.contains("t:1:6: error: variable Y of the head does not occur in a positive atom of the body"), "{e}");
        let e = err("p(_) :- principal(X, _).");
        assert!(
            e.contains("`_` cannot appear in the head of a rule: name the variable"),
            "{e}"
        );
        let e = err("?- principal(X, _), not account(X, A).");
        assert!(
            e.contains("variable A must also occur in a positive atom of the body"),
            "{e}"
        );
        let e = err("?- principal(X, _), X != Y.");
        assert!(e.contains("variable Y must also occur"), "{e}");
        let e = err("?- principal(X, _), _ != X.");
        assert!(
            e.contains("`_` cannot be compared: use a named variable"),
            "{e}"
        );
        // An equality with something bound binds.
        assert!(parse("?- principal(X, _), Y = X, Z = \"a\", Z != Y.").is_ok());
    }

    #[test]
    fn incomplete_input_for_multi_line_rules() {
        assert!(is_incomplete("ext(P) :- allowed(P, \"s3:PutObject\", R),"));
        assert!(is_incomplete(
            "ext(P) :- allowed(P, \"s3:PutObject\", R)\n  "
        ));
        assert!(is_incomplete("who can"));
        assert!(!is_incomplete("ext(P) :- allowed(P, \"s3:PutObject\", R)."));
        assert!(!is_incomplete("who can s3:GetObject on *"));
        assert!(!is_incomplete("who who"));
        assert!(!is_incomplete(""));
    }

    /// Each bad statement gets one error at its own position; the good ones are kept.
    #[test]
    fn every_bad_statement_is_reported_once() {
        let src = "who can s3:GetObject on *\n\
who can s3:GetObject arn:aws:s3:::x\n\
?- principal(P, K)\n\
can user/a do s3:GetObject on *\n\
ext(P) :- allowed(P, \"s3:Put;Object\", R),\n   account(P, A) resource_account(R, B).\n\
# a comment; with a `;` and a `.`\n\
what can user/a do | on x; path from user/a to role/b; who do\n\
?- principal(P, \"user).\n\
assert count(who can reach *) <= many\n\
who can reach arn:aws:s3:::b";
        let p = parse_all(src);
        let errs: Vec<String> = p
            .errors
            .iter()
            .map(|e| {
                let (l, c, _) = line_col(src, e.span.0);
                format!("{l}:{c} {}", e.message)
            })
            .collect();
        assert_eq!(
            errs,
            [
                "2:22 unexpected `arn:aws:s3:::x`: expected `on`",
                "4:1 unexpected `can`: expected one of `,`, `.` or `with` (a Datalog query or rule ends with `.`) (in the statement that starts on line 3)",
                "6:18 unexpected `resource_account`: expected one of `,` or `.` (a Datalog query or rule ends with `.`) (in the statement that starts on line 5)",
                "8:20 unexpected character `|`: words are names, ARNs, actions or numbers; quote other text with \"...\"",
                "8:60 unexpected `do`: expected `can`",
                "9:17 unterminated string: a quoted string ends with `\"` on the same line",
                "10:34 `many` is not a count: expected a whole number such as 3",
            ]
        );
        let kinds: Vec<String> = p
            .stmts
            .iter()
            .map(|s| {
                let (l, c, _) = line_col(src, s.span().0);
                format!("{l}:{c}")
            })
            .collect();
        assert_eq!(kinds, ["1:1", "4:1", "8:28", "11:1"]);
    }

    /// A continuation line of a bad rule is not taken for a new statement; a `;` always ends one.
    #[test]
    fn recovery_resumes_only_where_a_statement_begins() {
        let src = "p(X) :- principal(X, _) junk\n  , account(X, A).\nwho can reach *";
        let p = parse_all(src);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.stmts.len(), 1);
        let p = parse_all("who who; nonsense here; who can reach *");
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(p.errors[1].span, (18, 22));
        assert_eq!(p.stmts.len(), 1);
        // Not a query file at all: a bounded number of errors.
        let junk = "{\"a\": [1, 2]}\n".repeat(500);
        let p = parse_all(&junk);
        assert_eq!(p.errors.len(), MAX_ERRORS + 1);
        assert!(p.errors[MAX_ERRORS].message.starts_with("too many errors"));
    }

    #[test]
    fn triage_forms() {
        let Form::ExplainError { text, options } =
            form("explain error \"User: x is not authorized\" for role/r do s3:GetObject on arn:aws:s3:::b/k")
        else {
            panic!()
        };
        assert_eq!(text.text, "User: x is not authorized");
        assert!(
            matches!(&options[..], [ExplainOption::Principal(_, p), ExplainOption::Action(_, a), ExplainOption::Resource(_, r)]
            if p.text == "role/r" && a.text == "s3:GetObject" && r.text == "arn:aws:s3:::b/k")
        );
        let Stmt::Readable(r) = one("needs role/a for transcribe:StartCallAnalyticsJob on *\n passing role/d reading arn:aws:s3:::m/1, arn:aws:s3:::m/2\n from arn:aws:lex:x encrypted with arn:aws:kms:k with aws:SourceAccount = \"1\"") else {
            panic!()
        };
        let Form::Needs {
            principal, options, ..
        } = r.form
        else {
            panic!()
        };
        assert_eq!(principal.text, "role/a");
        assert_eq!(r.context.pairs.len(), 1);
        assert!(
            matches!(&options[..], [NeedsOption::PassRole(_, p), NeedsOption::Data(_, d), NeedsOption::SourceArn(_, s), NeedsOption::KmsKey(ks, k)]
            if p.text == "role/d" && d.len() == 2 && s.text == "arn:aws:lex:x" && k.text == "arn:aws:kms:k" && *ks != (0, 0))
        );
        let Stmt::Assert(a) =
            one("assert none: needs role/a for s3:GetObject on * where status = missing")
        else {
            panic!()
        };
        assert_eq!(a.checked.filters[0].column.text, "status");
        let e = err("explain error it broke");
        assert!(
            e.contains("t:1:15: error: unexpected `it`: expected a quoted string"),
            "{e}"
        );
        let e = err("needs role/a for s3:GetObject on * passing role/b passing role/c");
        assert!(e.contains("t:1:51: error: `passing` is given twice"), "{e}");
        let e = err("needs role/a for s3:GetObject on * reading a reading b");
        assert!(
            e.contains("`reading` is given twice: list the objects after one `reading`"),
            "{e}"
        );
        let e = err("explain error \"x\" for a for b");
        assert!(e.contains("`for` is given twice"), "{e}");
        let e = err("needs role/a s3:GetObject on *");
        assert!(
            e.contains("unexpected `s3:GetObject`: expected `for`"),
            "{e}"
        );
        assert!(is_incomplete("needs role/a for"));
        let e = err("nedds role/a for s3:GetObject on *");
        assert!(
            e.contains("t:1:7: error: unexpected `role/a`: expected `(` (did you mean `needs`?)"),
            "{e}"
        );
        let e = err("Who can s3:GetObject on *");
        assert!(e.contains("(did you mean `who`?)"), "{e}");
        let e = err("frobnicate everything");
        assert!(!e.contains("did you mean"), "{e}");
        let e = err("expl error \"x\"");
        assert!(e.contains("(did you mean `explain`?)"), "{e}");
        assert!(is_incomplete("explain error"));
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncdé f", 8), (2, 5, "cdé f"));
        assert_eq!(line_col("x", 5), (1, 2, "x"));
    }
}
