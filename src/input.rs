//! The one CSV reader.
