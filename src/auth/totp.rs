//! TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) with replay protection.
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use time::OffsetDateTime;

pub const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
/// Codes one step early or late still count, for clocks that drift a little.
const ALLOWED_DRIFT_STEPS: i64 = 1;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA1 seeds.
const SECRET_BYTES: usize = 20;

pub fn generate_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The seed as people type it into an app: base32 in groups of four.
pub fn secret_for_display(secret: &[u8]) -> String {
    BASE32_NOPAD
        .encode(secret)
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` URI that authenticator apps read from the QR code.
pub fn provisioning_uri(secret: &[u8], account_email: &str, issuer: &str) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account_email),
        BASE32_NOPAD.encode(secret),
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn step_at(instant: OffsetDateTime) -> i64 {
    instant.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The code an authenticator shows during `step`.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let mut mac = match <Hmac<Sha1> as Mac>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226 §5.3).
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// Why a TOTP code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpRejection {
    /// Not six digits.
    Malformed,
    /// No step near now produces this code.
    Wrong,
    /// The code is right but its step was already used.
    Replayed,
}

/// Checks `input` at `now`. On success returns the step it matched, which the
/// caller must store so the same code (or an older one) is never accepted again.
pub fn verify(
    secret: &[u8],
    input: &str,
    now: OffsetDateTime,
    last_used_step: Option<i64>,
) -> Result<i64, TotpRejection> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpRejection::Malformed);
    }
    let current = step_at(now);
    let matched = (current - ALLOWED_DRIFT_STEPS..=current + ALLOWED_DRIFT_STEPS).find(|step| {
        let expected = code_at_step(secret, *step);
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
    });
    match matched {
        None => Err(TotpRejection::Wrong),
        Some(step) if last_used_step.is_some_and(|last| step <= last) => {
            Err(TotpRejection::Replayed)
        }
        Some(step) => Ok(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", 8 digits there;
    /// the last 6 digits are what a 6-digit authenticator shows.
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let seed = b"12345678901234567890";
        for (unix, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at_step(seed, unix / STEP_SECONDS), eight_digits[2..]);
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_then_is_a_replay() {
        let secret = generate_secret();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let code = code_at_step(&secret, step_at(now));
        let step = verify(&secret, &code, now, None);
        assert_eq!(step, Ok(step_at(now)));
        assert_eq!(
            verify(&secret, &code, now, step.ok()),
            Err(TotpRejection::Replayed)
        );
    }

    #[test]
    fn codes_from_far_away_steps_and_garbage_are_refused() {
        let secret = generate_secret();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let old = code_at_step(&secret, step_at(now) - 3);
        assert_eq!(verify(&secret, &old, now, None), Err(TotpRejection::Wrong));
        assert_eq!(
            verify(&secret, "12a456", now, None),
            Err(TotpRejection::Malformed)
        );
        assert_eq!(
            verify(&secret, "1234567", now, None),
            Err(TotpRejection::Malformed)
        );
    }

    #[test]
    fn the_uri_carries_the_base32_seed() {
        let uri = provisioning_uri(b"12345678901234567890", "ana@etf.bg.ac.rs", "AMRES TCS");
        assert!(uri.starts_with(
            "otpauth://totp/AMRES%20TCS:ana@etf.bg.ac.rs?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ));
    }
}
