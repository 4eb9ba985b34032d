//! The checked domain model of IAM: ARNs, wildcard patterns, policies, conditions, principals
//! and the environment (accounts, organization, resources). Everything here is plain data built
//! by `input/` and read by `engine/`; nothing here knows about files or JSON.

pub mod arn;
pub mod condition;
pub mod env;
pub mod pattern;
pub mod policy;

pub use arn::Arn;
pub use condition::{CondOp, Condition, SetQualifier};
pub use env::*;
pub use policy::*;
