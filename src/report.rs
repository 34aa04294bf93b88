//! Reporting.
