//! The IAM action catalog.
