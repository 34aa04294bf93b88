//! What the user is told: `validate`'s problems ([`problems`]), the errors file
//! ([`errors_file`]), and a run's plan and summary as text ([`summary`]).

pub mod errors_file;
pub mod exit;
pub mod problems;
pub mod summary;

pub use errors_file::{EncodedWriter, ErrorsFile, ErrorsFileError, Reserved};
pub use problems::{
    FileCounts, JsonReport, ProblemReport, TEXT_PROBLEMS_SHOWN, TextReport, format_problem,
};
