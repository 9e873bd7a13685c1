//! Install guides, one per mail program, step by step in the visitor's language: open to
//! everyone (a person reads them on the device they install on, often without the session
//! that picked the file up), linked from the pickup page and the "issued" mail.
use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use crate::error::AppError;
use crate::web::page::{self, Page, PageContext};

/// One mail program's guide: its address under `/guides/`, and its texts.
#[derive(Debug)]
pub struct Guide {
    pub slug: &'static str,
    pub title_key: &'static str,
    pub intro_key: &'static str,
    pub step_keys: &'static [&'static str],
}

/// Every guide, in the order the lists show them.
pub const GUIDES: [Guide; 5] = [
    Guide {
        slug: "thunderbird",
        title_key: "guides.thunderbird.title",
        intro_key: "guides.thunderbird.intro",
        step_keys: &[
            "guides.thunderbird.step1",
            "guides.thunderbird.step2",
            "guides.thunderbird.step3",
            "guides.thunderbird.step4",
        ],
    },
    Guide {
        slug: "outlook",
        title_key: "guides.outlook.title",
        intro_key: "guides.outlook.intro",
        step_keys: &[
            "guides.outlook.step1",
            "guides.outlook.step2",
            "guides.outlook.step3",
            "guides.outlook.step4",
        ],
    },
    Guide {
        slug: "apple-mail",
        title_key: "guides.apple_mail.title",
        intro_key: "guides.apple_mail.intro",
        step_keys: &[
            "guides.apple_mail.step1",
            "guides.apple_mail.step2",
            "guides.apple_mail.step3",
        ],
    },
    Guide {
        slug: "ios",
        title_key: "guides.ios.title",
        intro_key: "guides.ios.intro",
        step_keys: &[
            "guides.ios.step1",
            "guides.ios.step2",
            "guides.ios.step3",
            "guides.ios.step4",
        ],
    },
    Guide {
        slug: "gmail",
        title_key: "guides.gmail.title",
        intro_key: "guides.gmail.intro",
        step_keys: &[
            "guides.gmail.step1",
            "guides.gmail.step2",
            "guides.gmail.step3",
        ],
    },
];

#[derive(Template)]
#[template(path = "public/guides.html")]
struct GuidesTemplate<'a> {
    page: &'a PageContext,
    guides: &'a [Guide],
}

#[derive(Template)]
#[template(path = "public/guide.html")]
struct GuideTemplate<'a> {
    page: &'a PageContext,
    guide: &'a Guide,
}

pub async fn index(Page(page): Page) -> Result<Response, AppError> {
    page::ok(&GuidesTemplate {
        page: &page,
        guides: &GUIDES,
    })
}

pub async fn show(Path(slug): Path<String>, Page(page): Page) -> Result<Response, AppError> {
    let guide = GUIDES
        .iter()
        .find(|guide| guide.slug == slug)
        .ok_or(AppError::NotFound)?;
    page::ok(&GuideTemplate { page: &page, guide })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_guide_text_is_in_both_catalogues() {
        for guide in &GUIDES {
            let keys = [guide.title_key, guide.intro_key]
                .into_iter()
                .chain(guide.step_keys.iter().copied());
            for key in keys {
                for lang in Lang::ALL {
                    assert_ne!(lang.t(key), key, "{key} is missing in {lang:?}");
                }
            }
        }
    }
}
