//! The syntax tree of the query language, with byte spans into the source text for errors.

/// A byte range `start..end` in the source text.
pub type Span = (usize, usize);

/// A word of the source (name, ARN, action, number, variable) with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text as written (strings without their quotes, escapes resolved).
    pub text: String,
    /// Where it was written.
    pub span: Span,
    /// True when it was a quoted string.
    pub quoted: bool,
}

/// One statement of a query text.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// A readable question (`who can A on R`, ...), with request context.
    Readable(Readable),
    /// A Datalog query `?- body.`.
    Query(Query),
    /// A Datalog rule `head :- body.` or fact `head.`.
    Rule(Rule),
    /// An assertion for CI gates.
    Assert(Assertion),
}

impl Stmt {
    /// Where the statement was written.
    pub fn span(&self) -> Span {
        match self {
            Stmt::Readable(r) => r.span,
            Stmt::Query(q) => q.span,
            Stmt::Rule(r) => r.span,
            Stmt::Assert(a) => a.span,
        }
    }
}

/// What the generated parser returns for each piece of a text: a statement, a `;`, or a
/// statement that did not parse (lalrpop's error recovery, `!` in the grammar).
#[derive(Debug)]
pub enum Piece<'input> {
    /// A statement that parsed.
    Stmt(Stmt),
    /// A `;` separator.
    Sep(Span),
    /// A syntax error; the parser skipped to where it could go on.
    Error(lalrpop_util::ErrorRecovery<usize, lalrpop_util::lexer::Token<'input>, &'static str>),
}

/// An option of `explain error "TEXT"`: what the message does not say (the flags
/// `--principal`, `--action`, `--resource` of `iamdl explain-error`). Each carries the span
/// of its keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainOption {
    /// `for PRINCIPAL`
    Principal(Span, Word),
    /// `do ACTION`
    Action(Span, Word),
    /// `on RESOURCE`
    Resource(Span, Word),
}

/// An option of `needs P for A on R` (the flags of `iamdl needs`). Each carries the span of
/// its keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedsOption {
    /// `passing ROLE` (`--pass-role`): the role the call passes to the service.
    PassRole(Span, Word),
    /// `reading ARN, ...` (`--data`): objects the passed role must read.
    Data(Span, Vec<Word>),
    /// `from ARN` (`--source-arn`): `aws:SourceArn` of a service principal's call.
    SourceArn(Span, Word),
    /// `encrypted with KEY_ARN` (`--kms-key`): the KMS key of the object.
    KmsKey(Span, Word),
}

/// `with KEY = VALUE, ...`: request context.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    /// The pairs in order (a key given twice is multivalued).
    pub pairs: Vec<(Word, Word)>,
}

/// The readable forms.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// `who can ACTION on RESOURCE`
    WhoCan {
        /// Action.
        action: Word,
        /// Resource ARN or pattern.
        resource: Word,
    },
    /// `who can reach RESOURCE`
    Reach {
        /// Resource ARN.
        resource: Word,
    },
    /// `can P do ACTION on RESOURCE`
    Can {
        /// Principal.
        principal: Word,
        /// Action.
        action: Word,
        /// Resource.
        resource: Word,
    },
    /// `can P pass ROLE to SERVICE`
    CanPass {
        /// Principal.
        principal: Word,
        /// Role.
        role: Word,
        /// Service principal.
        service: Word,
    },
    /// `what can P do on RESOURCE`
    What {
        /// Principal.
        principal: Word,
        /// Resource.
        resource: Word,
    },
    /// `path from P to Q`
    Path {
        /// Start principal.
        from: Word,
        /// Goal principal (a role).
        to: Word,
    },
    /// `why can P do A on R` (`negated = false`) or `why not P do A on R`.
    Why {
        /// True for `why not`.
        negated: bool,
        /// Principal.
        principal: Word,
        /// Action.
        action: Word,
        /// Resource.
        resource: Word,
    },
    /// `explain error "TEXT" [for P] [do A] [on R]`: AccessDenied triage (`iamdl explain-error`).
    ExplainError {
        /// The pasted error message.
        text: Word,
        /// What the message does not say.
        options: Vec<ExplainOption>,
    },
    /// `needs P for A on R [passing ROLE] [reading ARN, ...] [from ARN] [encrypted with KEY]`:
    /// what the call needs (`iamdl needs`).
    Needs {
        /// Principal.
        principal: Word,
        /// Action.
        action: Word,
        /// Resource.
        resource: Word,
        /// The optional clauses.
        options: Vec<NeedsOption>,
    },
}

/// A readable question with its context.
#[derive(Debug, Clone, PartialEq)]
pub struct Readable {
    /// The form.
    pub form: Form,
    /// `with ...` context.
    pub context: Context,
    /// The whole statement.
    pub span: Span,
}

/// A Datalog term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A variable (starts with an upper-case letter, or `_` followed by more).
    Var(Word),
    /// `_`: a fresh variable each time.
    Wild(Span),
    /// A constant: a quoted string, or an unquoted lower-case word or number.
    Const(Word),
}

impl Term {
    /// Where the term was written.
    pub fn span(&self) -> Span {
        match self {
            Term::Var(w) | Term::Const(w) => w.span,
            Term::Wild(s) => *s,
        }
    }
}

/// `name(t1, ..., tn)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    /// Relation name.
    pub name: Word,
    /// Arguments.
    pub args: Vec<Term>,
    /// The whole atom.
    pub span: Span,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Compares two values: numerically when both are numbers, else as strings.
    pub fn test(self, a: &str, b: &str) -> bool {
        let ord = match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            _ => a.cmp(b),
        };
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

/// A body literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A positive atom.
    Pos(Atom),
    /// `not atom` (stratified negation).
    Neg(Atom),
    /// `t1 OP t2`.
    Cmp(Term, CmpOp, Term, Span),
}

/// `?- body.`
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The conjunction.
    pub body: Vec<Literal>,
    /// `with ...` context.
    pub context: Context,
    /// The whole statement.
    pub span: Span,
}

/// `head :- body.` (a fact has an empty body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The head.
    pub head: Atom,
    /// The body.
    pub body: Vec<Literal>,
    /// The whole rule.
    pub span: Span,
}

/// `where COLUMN OP VALUE and ...`: a filter on the rows of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Column name.
    pub column: Word,
    /// Operator.
    pub op: CmpOp,
    /// Value.
    pub value: Word,
}

/// What an assertion checks: a question and an optional row filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The question (a readable form or a Datalog query).
    pub stmt: Box<Stmt>,
    /// `where ...` filters, ANDed.
    pub filters: Vec<Filter>,
}

/// The kinds of assertion.
#[derive(Debug, Clone, PartialEq)]
pub enum AssertKind {
    /// `assert none: Q`: no rows.
    None,
    /// `assert some: Q`: at least one row.
    Some,
    /// `assert count(Q) OP N`.
    Count(CmpOp, Word),
}

/// An assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// The kind.
    pub kind: AssertKind,
    /// What is checked.
    pub checked: Checked,
    /// The whole statement.
    pub span: Span,
}

/// Builds a term from a word: `_` is a wildcard, `X`/`Xyz`/`_x` are variables, anything else
/// (and every quoted string) is a constant.
pub fn term(w: Word) -> Term {
    if w.quoted {
        return Term::Const(w);
    }
    if w.text == "_" {
        return Term::Wild(w.span);
    }
    let mut cs = w.text.chars();
    let first = cs.next().unwrap_or('a');
    let ident = w
        .text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident && (first.is_ascii_uppercase() || first == '_') {
        Term::Var(w)
    } else {
        Term::Const(w)
    }
}

/// Resolves the escapes of a quoted string token (`\"`, `\\`, `\n`, `\t`).
pub fn unquote(s: &str) -> String {
    let inner = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
