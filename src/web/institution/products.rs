//! The certificate products in words: a name, what each can do and when to
//! pick it, for the order form, the preview and the lists.
use crate::domain::Product;

/// Catalogue keys describing one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductText {
    pub id: &'static str,
    pub title_key: &'static str,
    pub what_key: &'static str,
    pub when_key: &'static str,
}

/// The products an admin may order, in the order the form offers them.
pub fn orderable() -> Vec<ProductText> {
    Product::ALL
        .iter()
        .map(|product| text(product.as_str()))
        .collect()
}

/// The words for a product by its stored name; a product no longer offered has
/// words of its own.
pub fn text(product: &str) -> ProductText {
    match Product::parse(product) {
        Ok(Product::ClientDigitalSignaturePlus) => ProductText {
            id: "client_digital_signature_plus",
            title_key: "order.product.signature.title",
            what_key: "order.product.signature.what",
            when_key: "order.product.signature.when",
        },
        Ok(Product::ClientEmailSecurityPlus) => ProductText {
            id: "client_email_security_plus",
            title_key: "order.product.email_security.title",
            what_key: "order.product.email_security.what",
            when_key: "order.product.email_security.when",
        },
        Ok(Product::ClientPremium) => ProductText {
            id: "client_premium",
            title_key: "order.product.premium.title",
            what_key: "order.product.premium.what",
            when_key: "order.product.premium.when",
        },
        Ok(Product::SecureEmailSponsor) => ProductText {
            id: "secure_email_sponsor",
            title_key: "order.product.secure_email.title",
            what_key: "order.product.secure_email.what",
            when_key: "order.product.secure_email.when",
        },
        Err(_) => ProductText {
            id: "other",
            title_key: "order.product.other.title",
            what_key: "order.product.other.what",
            when_key: "order.product.other.when",
        },
    }
}

/// The product's name for lists, from its stored `name_id`.
pub fn title_key(product: &str) -> &'static str {
    text(product).title_key
}
