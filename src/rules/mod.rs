//! The rule base, as crepe programs, one concern per module: [`decide`] turns the statements
//! matching a request into a decision (E1–E11); [`chain`] closes the assume-role graph (P4).
//! (crepe generates undocumented items, hence the `allow`.)

#[allow(missing_docs)]
pub mod chain;
#[allow(missing_docs)]
pub mod decide;
