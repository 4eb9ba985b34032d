//! The engine: requests, matching of statements against requests, three-valued conditions,
//! and the answers (decision + proof) built from the rule outputs.

pub mod conditions;
