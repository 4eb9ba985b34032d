//! The query-language parser (`grammar/query.lalrpop`): any text is parsed into statements or
//! refused with an error whose span lies in the text and whose rendering (line, column, caret)
//! works; never a panic. Parsed rules also go through the Datalog safety checks.
#![no_main]

use iamdl::query::ast::Stmt;
use iamdl::query::parse::{is_incomplete, parse, parse_all};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(stmts) => {
            for s in &stmts {
                if let Stmt::Rule(r) = s {
                    let _ = iamdl::query::check_rule(r);
                }
            }
        }
        Err(e) => {
            assert!(
                e.span.0 <= e.span.1 && e.span.1 <= text.len(),
                "span in the text"
            );
            assert!(!e.message.is_empty());
            let shown = e.render("fuzz.q", text);
            assert!(shown.starts_with("fuzz.q:"));
        }
    }
    // Error recovery: every error of every bad statement lies in the text and renders.
    for e in parse_all(text).errors {
        assert!(e.span.0 <= e.span.1 && e.span.1 <= text.len(), "span in the text");
        assert!(e.render("fuzz.q", text).starts_with("fuzz.q:"));
    }
    let _ = is_incomplete(text);
});
