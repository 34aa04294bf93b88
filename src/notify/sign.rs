//! The custom bot's signature (`api/people-and-more.md` §4): base64 of HMAC-SHA256 with the
//! key `timestamp + "\n" + secret` over an empty message. One function, used by the
//! notification and by the sandbox that checks it.

use base64::Engine;
use hmac::{Hmac, Mac};

/// The `sign` of a message sent at `timestamp` (unix seconds, as text) with `secret`.
pub fn signature(timestamp: &str, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    // HMAC takes a key of any length: new_from_slice cannot fail for it.
    let mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.as_bytes())
        .map(|mac| mac.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(mac)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_feishus_hmac_of_an_empty_message() {
        // Computed independently: Python's hmac.new(b"1599360473\ntest", b"", sha256).
        assert_eq!(
            super::signature("1599360473", "test"),
            "NVcdmaRhTlOqmXksontxmKEP4AYWAMD5VOczwSqarks="
        );
    }
}
