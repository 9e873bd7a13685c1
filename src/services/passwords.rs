//! Checking a new password against the policy, on a blocking thread: the strength
//! estimate is CPU work (up to a few hundred milliseconds for a hostile 64 characters),
//! so it shares the bounded pool of the password hashes instead of stalling page views.
use secrecy::{ExposeSecret, SecretString};

use crate::domain::{NewPassword, PasswordRejection, PersonalDetails};
use crate::state::AppState;

/// The policy's verdict on a password typed twice by the person `personal` describes.
pub async fn check_new(
    state: &AppState,
    password: &str,
    confirmation: &str,
    personal: PersonalDetails,
) -> anyhow::Result<Result<NewPassword, PasswordRejection>> {
    let password = SecretString::from(password.to_owned());
    let confirmation = SecretString::from(confirmation.to_owned());
    Ok(state
        .hasher
        .run(move || {
            NewPassword::parse(
                password.expose_secret(),
                confirmation.expose_secret(),
                &personal,
            )
        })
        .await?)
}
