//! The rewards the sandbox holds, compact enough for a rehearsal of millions: each body
//! packed into a few dozen bytes ([`packed`], [`varint`], strings that repeat interned in
//! [`symbols`]) in an append-only [`arena`], found by its key through [`key_index`]
//! ([`reward_store`]), with each referrer's running [`totals`].

mod arena;
mod key_index;
mod packed;
pub(crate) mod reward_store;
mod symbols;
pub(crate) mod totals;
mod varint;
