//! The rule base, as crepe programs.
