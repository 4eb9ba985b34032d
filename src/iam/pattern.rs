//! Wildcard matching.
