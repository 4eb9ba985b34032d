//! The Datalog core: conjunctive queries with variables, `_`, constants and comparisons,
//! stratified negation (`not`) and user rules with recursion, evaluated bottom-up
//! (semi-naive) per stratum. Base relations are not materialized: they are fetched on demand
//! with the arguments bound so far ([`BaseRelations`]), so a body is evaluated literal by
//! literal, each time choosing a literal whose inputs are bound, and an atom that would have
//! to enumerate an unbounded space is reported with the arguments to bind.

use super::ast::*;
use super::parse::QueryError;
use rustc_hash::{FxHashMap, FxHashSet};

/// A tuple of a relation.
pub type Tuple = Vec<String>;

/// Why a base relation cannot answer for a binding pattern, or a bad argument.
#[derive(Debug, Clone)]
pub struct FetchError {
    /// The argument at fault (index), if one is.
    pub arg: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The relations supplied by the engine: documented, with fixed arities, fetched with some
/// arguments bound.
pub trait BaseRelations {
    /// `(name, columns, meaning)` of every base relation.
    fn describe(&self) -> Vec<(&'static str, &'static [&'static str], &'static str)>;
    /// Whether `name` can be fetched when the arguments marked `true` are bound; the error
    /// says which to bind.
    fn check_binding(&self, name: &str, bound: &[bool]) -> Result<(), FetchError>;
    /// The tuples of `name` agreeing with the bound arguments (`Some`). Bound positions of the
    /// result repeat the values given.
    fn fetch(&mut self, name: &str, args: &[Option<String>]) -> Result<Vec<Tuple>, FetchError>;
}

/// Variables of a term list, in order.
fn vars_of<'a>(terms: impl Iterator<Item = &'a Term>, out: &mut Vec<String>) {
    for t in terms {
        if let Term::Var(w) = t {
            if !out.contains(&w.text) {
                out.push(w.text.clone());
            }
        }
    }
}

fn literal_terms(l: &Literal) -> Vec<&Term> {
    match l {
        Literal::Pos(a) | Literal::Neg(a) => a.args.iter().collect(),
        Literal::Cmp(a, _, b, _) => vec![a, b],
    }
}

/// The variables a body binds: those of positive atoms, and `X = constant`/`X = Y` chains.
fn bound_by(body: &[Literal]) -> Vec<String> {
    let mut bound = Vec::new();
    for l in body {
        if let Literal::Pos(a) = l {
            vars_of(a.args.iter(), &mut bound);
        }
    }
    loop {
        let mut changed = false;
        for l in body {
            if let Literal::Cmp(a, CmpOp::Eq, b, _) = l {
                for (x, y) in [(a, b), (b, a)] {
                    if let Term::Var(v) = x {
                        let other_bound = match y {
                            Term::Const(_) => true,
                            Term::Var(w) => bound.contains(&w.text),
                            Term::Wild(_) => false,
                        };
                        if other_bound && !bound.contains(&v.text) {
                            bound.push(v.text.clone());
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            return bound;
        }
    }
}

/// Safety of a query body: every variable of a negation or comparison must be bound by a
/// positive atom (or an equality with something bound); `_` may not be compared.
pub fn check_body(body: &[Literal], head_vars: &[&Word]) -> Result<(), QueryError> {
    let bound = bound_by(body);
    for l in body {
        if let Literal::Cmp(a, _, b, _) = l {
            for t in [a, b] {
                if let Term::Wild(s) = t {
                    return Err(QueryError::new(
                        *s,
                        "`_` cannot be compared: use a named variable",
                    ));
                }
            }
        }
        if matches!(l, Literal::Neg(_) | Literal::Cmp(..)) {
            for t in literal_terms(l) {
                if let Term::Var(w) = t {
                    if !bound.contains(&w.text) {
                        return Err(QueryError::new(
                            w.span,
                            format!(
                                "variable {} must also occur in a positive atom of the body (negations and comparisons only test values)",
                                w.text
                            ),
                        ));
                    }
                }
            }
        }
    }
    for w in head_vars {
        if !bound.contains(&w.text) {
            return Err(QueryError::new(
                w.span,
                format!(
                    "variable {} of the head does not occur in a positive atom of the body",
                    w.text
                ),
            ));
        }
    }
    Ok(())
}

/// Safety of a rule: head variables bound by the body, no `_` in the head, facts are ground.
pub fn check_rule(r: &Rule) -> Result<(), QueryError> {
    let mut head_vars = Vec::new();
    for t in &r.head.args {
        match t {
            Term::Wild(s) => {
                return Err(QueryError::new(
                    *s,
                    "`_` cannot appear in the head of a rule: name the variable",
                ))
            }
            Term::Var(w) => head_vars.push(w),
            Term::Const(_) => {}
        }
    }
    check_body(&r.body, &head_vars)
}

/// The program: user rules grouped by head relation.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Rules in the order given.
    pub rules: Vec<Rule>,
}

type Row = FxHashMap<String, String>;
type Relations = FxHashMap<String, FxHashSet<Tuple>>;

/// The result of a query: column names (its named variables) and sorted distinct rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Program {
    /// Adds a rule after checking its relation against the base relations (name clash,
    /// arity) and the rules given so far (arity).
    pub fn add(&mut self, r: Rule, base: &dyn BaseRelations) -> Result<(), QueryError> {
        if base
            .describe()
            .iter()
            .any(|(n, _, _)| *n == r.head.name.text)
        {
            return Err(QueryError::new(
                r.head.name.span,
                format!(
                    "`{}` is a built-in relation; choose another name for the rule",
                    r.head.name.text
                ),
            ));
        }
        if let Some(other) = self
            .rules
            .iter()
            .find(|o| o.head.name.text == r.head.name.text)
        {
            if other.head.args.len() != r.head.args.len() {
                return Err(QueryError::new(
                    r.head.span,
                    format!(
                        "`{}` was defined with {} argument(s), here it has {}",
                        r.head.name.text,
                        other.head.args.len(),
                        r.head.args.len()
                    ),
                ));
            }
        }
        self.rules.push(r);
        Ok(())
    }

    /// Names and arities of the user relations.
    pub fn user_relations(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = self
            .rules
            .iter()
            .map(|r| (r.head.name.text.clone(), r.head.args.len()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Checks every atom of `body` names a known relation with the right arity; a typo gets
    /// the closest known name.
    fn check_atoms(&self, body: &[Literal], base: &dyn BaseRelations) -> Result<(), QueryError> {
        let mut known: Vec<(String, usize)> = base
            .describe()
            .iter()
            .map(|(n, c, _)| (n.to_string(), c.len()))
            .collect();
        known.extend(self.user_relations());
        for l in body {
            let a = match l {
                Literal::Pos(a) | Literal::Neg(a) => a,
                Literal::Cmp(..) => continue,
            };
            match known.iter().find(|(n, _)| *n == a.name.text) {
                Some((_, arity)) if *arity != a.args.len() => {
                    return Err(QueryError::new(
                        a.span,
                        format!(
                            "`{}` takes {} argument(s), not {}{}",
                            a.name.text,
                            arity,
                            a.args.len(),
                            base.describe()
                                .iter()
                                .find(|(n, _, _)| *n == a.name.text)
                                .map(|(n, c, _)| format!(": {n}({})", c.join(", ")))
                                .unwrap_or_default()
                        ),
                    ))
                }
                Some(_) => {}
                None => {
                    let best = known
                        .iter()
                        .map(|(n, _)| (crate::engine::edit_distance(&a.name.text, n), n))
                        .min();
                    let hint = match best {
                        Some((d, n)) if d <= 2.max(a.name.text.len() / 3) => {
                            format!(" (did you mean `{n}`?)")
                        }
                        _ => String::new(),
                    };
                    return Err(QueryError::new(
                        a.name.span,
                        format!(
                            "unknown relation `{}`{hint}; `:relations` lists them",
                            a.name.text
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Strata of the user relations: a relation's stratum is above those it negates.
    fn strata(&self) -> Result<Vec<Vec<usize>>, QueryError> {
        let names: Vec<String> = self.user_relations().into_iter().map(|(n, _)| n).collect();
        let idx = |n: &str| names.iter().position(|x| x == n);
        let mut level = vec![0usize; names.len()];
        let limit = names.len() + 1;
        loop {
            let mut changed = false;
            for r in &self.rules {
                let h = idx(&r.head.name.text).unwrap_or(0);
                for l in &r.body {
                    let (a, neg) = match l {
                        Literal::Pos(a) => (a, false),
                        Literal::Neg(a) => (a, true),
                        Literal::Cmp(..) => continue,
                    };
                    if let Some(p) = idx(&a.name.text) {
                        let need = level[p] + usize::from(neg);
                        if level[h] < need {
                            level[h] = need;
                            changed = true;
                            if need > limit {
                                return Err(QueryError::new(
                                    a.span,
                                    format!(
                                        "`{}` depends on its own negation through `not {}`: negation must be stratified (no recursion through `not`)",
                                        r.head.name.text, a.name.text
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let top = level.iter().copied().max().unwrap_or(0);
        let mut strata: Vec<Vec<usize>> = vec![Vec::new(); top + 1];
        for (ri, r) in self.rules.iter().enumerate() {
            let h = idx(&r.head.name.text).unwrap_or(0);
            strata[level[h]].push(ri);
        }
        Ok(strata)
    }

    /// Answers `?- body.`: columns are the named variables (not starting with `_`) in order of
    /// first appearance.
    pub fn query(
        &self,
        body: &[Literal],
        base: &mut dyn BaseRelations,
    ) -> Result<Table, QueryError> {
        self.check_atoms(body, base)?;
        for r in &self.rules {
            self.check_atoms(&r.body, base)?;
        }
        // Only the rules the query depends on are evaluated.
        let needed = self.needed(body);
        let idb = self.fixpoint(base, &needed)?;
        let mut columns = Vec::new();
        for l in body {
            vars_of(literal_terms(l).into_iter(), &mut columns);
        }
        columns.retain(|c| !c.starts_with('_'));
        let rows = eval_body(body, &idb, None, base)?;
        let mut out: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| columns.iter().map(|c| r[c].clone()).collect())
            .collect();
        out.sort();
        out.dedup();
        Ok(Table { columns, rows: out })
    }

    fn needed(&self, body: &[Literal]) -> FxHashSet<String> {
        let mut need: FxHashSet<String> = FxHashSet::default();
        let mut stack: Vec<String> = body
            .iter()
            .filter_map(|l| match l {
                Literal::Pos(a) | Literal::Neg(a) => Some(a.name.text.clone()),
                Literal::Cmp(..) => None,
            })
            .collect();
        while let Some(n) = stack.pop() {
            if !need.insert(n.clone()) {
                continue;
            }
            for r in self.rules.iter().filter(|r| r.head.name.text == n) {
                for l in &r.body {
                    if let Literal::Pos(a) | Literal::Neg(a) = l {
                        stack.push(a.name.text.clone());
                    }
                }
            }
        }
        need
    }

    /// Semi-naive bottom-up evaluation, stratum by stratum.
    fn fixpoint(
        &self,
        base: &mut dyn BaseRelations,
        needed: &FxHashSet<String>,
    ) -> Result<Relations, QueryError> {
        let mut full: Relations = FxHashMap::default();
        for (n, _) in self.user_relations() {
            full.insert(n, FxHashSet::default());
        }
        for stratum in self.strata()? {
            let rules: Vec<&Rule> = stratum
                .iter()
                .map(|&i| &self.rules[i])
                .filter(|r| needed.contains(&r.head.name.text))
                .collect();
            let heads: FxHashSet<&str> = rules.iter().map(|r| r.head.name.text.as_str()).collect();
            let mut delta: Relations = FxHashMap::default();
            for r in &rules {
                for t in eval_rule(r, &full, None, base)? {
                    if !full[&r.head.name.text].contains(&t) {
                        delta.entry(r.head.name.text.clone()).or_default().insert(t);
                    }
                }
            }
            while delta.values().any(|d| !d.is_empty()) {
                for (n, d) in &delta {
                    full.entry(n.clone()).or_default().extend(d.iter().cloned());
                }
                let mut next: Relations = FxHashMap::default();
                for r in &rules {
                    for (j, l) in r.body.iter().enumerate() {
                        let Literal::Pos(a) = l else { continue };
                        if !heads.contains(a.name.text.as_str()) {
                            continue;
                        }
                        let Some(d) = delta.get(&a.name.text) else {
                            continue;
                        };
                        if d.is_empty() {
                            continue;
                        }
                        for t in eval_rule(r, &full, Some((j, d)), base)? {
                            if !full[&r.head.name.text].contains(&t) {
                                next.entry(r.head.name.text.clone()).or_default().insert(t);
                            }
                        }
                    }
                }
                delta = next;
            }
        }
        Ok(full)
    }
}

fn eval_rule(
    r: &Rule,
    idb: &Relations,
    delta: Option<(usize, &FxHashSet<Tuple>)>,
    base: &mut dyn BaseRelations,
) -> Result<Vec<Tuple>, QueryError> {
    let rows = eval_body(&r.body, idb, delta, base)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            r.head
                .args
                .iter()
                .map(|t| match t {
                    Term::Var(w) => row.get(&w.text).cloned().unwrap_or_default(),
                    Term::Const(w) => w.text.clone(),
                    Term::Wild(_) => String::new(),
                })
                .collect()
        })
        .collect())
}

fn value<'a>(t: &'a Term, row: &'a Row) -> Option<&'a str> {
    match t {
        Term::Const(w) => Some(&w.text),
        Term::Var(w) => row.get(&w.text).map(String::as_str),
        Term::Wild(_) => None,
    }
}

fn is_bound(t: &Term, bound: &FxHashSet<String>) -> bool {
    match t {
        Term::Const(_) => true,
        Term::Var(w) => bound.contains(&w.text),
        Term::Wild(_) => false,
    }
}

/// Evaluates a conjunction, one literal at a time: first tests whose values are all bound,
/// then the next atom (in written order) whose required arguments are bound.
fn eval_body(
    body: &[Literal],
    idb: &Relations,
    delta: Option<(usize, &FxHashSet<Tuple>)>,
    base: &mut dyn BaseRelations,
) -> Result<Vec<Row>, QueryError> {
    let mut rows: Vec<Row> = vec![Row::default()];
    let mut bound: FxHashSet<String> = FxHashSet::default();
    let mut left: Vec<usize> = (0..body.len()).collect();
    while !left.is_empty() {
        if rows.is_empty() {
            return Ok(rows);
        }
        let pick = left.iter().position(|&i| match &body[i] {
            Literal::Cmp(a, op, b, _) => {
                (is_bound(a, &bound) && is_bound(b, &bound))
                    || (*op == CmpOp::Eq && (is_bound(a, &bound) || is_bound(b, &bound)))
            }
            Literal::Neg(a) => a
                .args
                .iter()
                .all(|t| matches!(t, Term::Wild(_)) || is_bound(t, &bound)),
            Literal::Pos(_) => false,
        });
        let pick = match pick {
            Some(p) => p,
            None => {
                let mut first_err: Option<QueryError> = None;
                let mut found = None;
                for (k, &i) in left.iter().enumerate() {
                    let Literal::Pos(a) = &body[i] else { continue };
                    if idb.contains_key(&a.name.text) {
                        found = Some(k);
                        break;
                    }
                    let mask: Vec<bool> = a.args.iter().map(|t| is_bound(t, &bound)).collect();
                    match base.check_binding(&a.name.text, &mask) {
                        Ok(()) => {
                            found = Some(k);
                            break;
                        }
                        Err(e) => {
                            if first_err.is_none() {
                                let span = e.arg.map(|j| a.args[j].span()).unwrap_or(a.span);
                                first_err = Some(QueryError::new(span, e.message));
                            }
                        }
                    }
                }
                match found {
                    Some(k) => k,
                    None => {
                        return Err(first_err.unwrap_or_else(|| {
                            QueryError::new(
                                (0, 0),
                                "no literal of the body can be evaluated with the variables bound so far",
                            )
                        }))
                    }
                }
            }
        };
        let i = left.remove(pick);
        match &body[i] {
            Literal::Cmp(a, op, b, _) => {
                if let (Term::Var(v), false) = (a, is_bound(a, &bound)) {
                    for r in &mut rows {
                        let val = value(b, r).unwrap_or_default().to_string();
                        r.insert(v.text.clone(), val);
                    }
                    bound.insert(v.text.clone());
                } else if let (Term::Var(v), false) = (b, is_bound(b, &bound)) {
                    for r in &mut rows {
                        let val = value(a, r).unwrap_or_default().to_string();
                        r.insert(v.text.clone(), val);
                    }
                    bound.insert(v.text.clone());
                } else {
                    rows.retain(|r| op.test(value(a, r).unwrap_or(""), value(b, r).unwrap_or("")));
                }
            }
            Literal::Neg(a) => {
                let mut keep = Vec::with_capacity(rows.len());
                for r in rows {
                    let args: Vec<Option<String>> = a
                        .args
                        .iter()
                        .map(|t| value(t, &r).map(str::to_string))
                        .collect();
                    let any = !lookup(a, &args, idb, None, base)?.is_empty();
                    if !any {
                        keep.push(r);
                    }
                }
                rows = keep;
            }
            Literal::Pos(a) => {
                let d = delta.and_then(|(j, d)| (j == i).then_some(d));
                let mut next = Vec::new();
                for r in &rows {
                    let args: Vec<Option<String>> = a
                        .args
                        .iter()
                        .map(|t| value(t, r).map(str::to_string))
                        .collect();
                    'tuples: for t in lookup(a, &args, idb, d, base)? {
                        let mut nr = r.clone();
                        for (k, term) in a.args.iter().enumerate() {
                            if let Term::Var(w) = term {
                                match nr.get(&w.text) {
                                    Some(v) if *v != t[k] => continue 'tuples,
                                    Some(_) => {}
                                    None => {
                                        nr.insert(w.text.clone(), t[k].clone());
                                    }
                                }
                            }
                        }
                        next.push(nr);
                    }
                }
                for t in &a.args {
                    if let Term::Var(w) = t {
                        bound.insert(w.text.clone());
                    }
                }
                rows = next;
            }
        }
    }
    Ok(rows)
}

/// Tuples of an atom's relation agreeing with the bound arguments.
fn lookup(
    a: &Atom,
    args: &[Option<String>],
    idb: &Relations,
    delta: Option<&FxHashSet<Tuple>>,
    base: &mut dyn BaseRelations,
) -> Result<Vec<Tuple>, QueryError> {
    if let Some(rel) = delta.or_else(|| idb.get(&a.name.text)) {
        return Ok(rel
            .iter()
            .filter(|t| {
                args.iter()
                    .zip(t.iter())
                    .all(|(x, y)| x.as_ref().is_none_or(|x| x == y))
            })
            .cloned()
            .collect());
    }
    base.fetch(&a.name.text, args).map_err(|e| {
        let span = e.arg.map(|j| a.args[j].span()).unwrap_or(a.span);
        QueryError::new(span, e.message)
    })
}
