//! The language switch in every page's header. The choice is a cookie, so
//! switching costs a visitor without a session no server-side state.
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use crate::auth::csrf::CsrfForm;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    back: Option<String>,
}

pub async fn switch(CsrfForm(form): CsrfForm<LangForm>) -> Result<impl IntoResponse, AppError> {
    let lang = Lang::from_code(&form.lang).ok_or(AppError::BadForm)?;
    Ok((
        [(header::SET_COOKIE, crate::web::page::choose_lang(lang))],
        Redirect::to(safe_back_path(form.back.as_deref())),
    ))
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
