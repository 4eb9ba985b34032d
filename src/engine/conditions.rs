//! Three-valued evaluation of conditions (C1–C14).
