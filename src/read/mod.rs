//! Reading: a legacy export becomes checked rows. [`source`] reads the file (CSV or
//! workbook, streams included) into records with their place; [`mapping`] says which
//! column is which field ([`field`]); [`forms`] reads the human forms of values (labels,
//! money strings, dates); [`person`] says whom a row names by e-mail or mobile; and
//! [`validate`] checks each row against SPEC §2 and builds its [`crate::reward`] body.
//! [`account_files`] reads the accounts commands' files (people to register, account ids).
//! Nothing here knows the ledger or Feishu.

pub mod source;
pub mod field;
pub mod mapping;
pub mod forms;
pub mod person;
pub mod validate;
pub mod account_files;

use account_files::AccountFileError;
use mapping::MappingError;
use source::SourceError;
use validate::ValidateError;

/// What stops a file from being read as rewards, whichever stage found it: the reader,
/// the mapping of its columns, or the checks of its rows. Each stage defines its own;
/// each is boxed here, so that every result carrying a read's error stays small.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Source(Box<SourceError>),
    #[error(transparent)]
    Mapping(Box<MappingError>),
    #[error(transparent)]
    Validate(Box<ValidateError>),
    #[error(transparent)]
    Accounts(Box<AccountFileError>),
}

impl From<SourceError> for ReadError {
    fn from(e: SourceError) -> Self {
        ReadError::Source(Box::new(e))
    }
}

impl From<MappingError> for ReadError {
    fn from(e: MappingError) -> Self {
        ReadError::Mapping(Box::new(e))
    }
}

impl From<ValidateError> for ReadError {
    fn from(e: ValidateError) -> Self {
        ReadError::Validate(Box::new(e))
    }
}

impl From<AccountFileError> for ReadError {
    fn from(e: AccountFileError) -> Self {
        ReadError::Accounts(Box::new(e))
    }
}

impl ReadError {
    /// True when the machine failed, not the input: a spill or a stream's copy could not
    /// be written (a full disk; exit 4, as for the ledger).
    pub fn is_write_failure(&self) -> bool {
        match self {
            ReadError::Source(e) => e.is_write_failure(),
            ReadError::Mapping(e) => e.is_write_failure(),
            ReadError::Validate(e) => e.is_write_failure(),
            ReadError::Accounts(e) => e.is_write_failure(),
        }
    }
}

/// `From` each stage's error for an error enum with a variant holding a [`ReadError`], so
/// `?` takes a stage's error where the whole read's is wanted: `read_errors_into!(T::V)`.
macro_rules! read_errors_into {
    ($error:ident :: $variant:ident) => {
        impl From<$crate::read::source::SourceError> for $error {
            fn from(e: $crate::read::source::SourceError) -> Self {
                $error::$variant($crate::read::ReadError::from(e))
            }
        }
        impl From<$crate::read::mapping::MappingError> for $error {
            fn from(e: $crate::read::mapping::MappingError) -> Self {
                $error::$variant($crate::read::ReadError::from(e))
            }
        }
        impl From<$crate::read::validate::ValidateError> for $error {
            fn from(e: $crate::read::validate::ValidateError) -> Self {
                $error::$variant($crate::read::ReadError::from(e))
            }
        }
        impl From<$crate::read::account_files::AccountFileError> for $error {
            fn from(e: $crate::read::account_files::AccountFileError) -> Self {
                $error::$variant($crate::read::ReadError::from(e))
            }
        }
    };
}
pub(crate) use read_errors_into;
