//! The language switch in every page's header.
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::csrf::CsrfForm;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    back: Option<String>,
}

pub async fn switch(
    session: Session,
    CsrfForm(form): CsrfForm<LangForm>,
) -> Result<Redirect, AppError> {
    let lang = Lang::from_code(&form.lang).ok_or(AppError::BadForm)?;
    crate::web::page::choose_lang(&session, lang).await?;
    Ok(Redirect::to(safe_back_path(form.back.as_deref())))
}

/// Only a local path is followed, so the switch cannot be made into an open redirect.
fn safe_back_path(back: Option<&str>) -> &str {
    match back {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() < 512
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_back_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_back_path(Some("/staff/audit")), "/staff/audit");
        assert_eq!(safe_back_path(Some("//evil.example")), "/");
        assert_eq!(safe_back_path(Some("https://evil.example")), "/");
        assert_eq!(safe_back_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_back_path(None), "/");
    }
}
