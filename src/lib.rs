//! iamdl: Datalog-based reasoning about AWS IAM.
//!
//! Data flows one way: [`input`] reads AWS CLI output into the [`iam`] model, [`engine`]
//! compiles the model and a question into facts, [`rules`] (crepe programs) derive decisions,
//! and the answers carry their proofs for the CLI to render.
#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod engine;
pub mod escalation;
pub mod iac;
pub mod iam;
pub mod input;
pub mod query;
pub mod reference;
pub mod rules;
pub mod triage;
