//! Loading snapshots (AWS CLI output) into the [`crate::iam`] model: serde shapes of each
//! file, policy-document decoding, and the folder walk. Errors name the file and JSON path.

pub mod gaps;
pub mod policy_doc;
pub mod shapes;
pub mod snapshot;

pub use snapshot::{load, LoadFailure, LoadOptions};
