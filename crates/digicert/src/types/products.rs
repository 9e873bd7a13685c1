//! `GET /product` and `GET /product/{name_id}`.

use serde::Deserialize;

use super::common::ContainerId;
use super::orders::ProductId;
use crate::de;

/// One allowed signature hash.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HashType {
    /// `sha256`, `sha384`, `sha512`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// Hashes a product accepts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignatureHashTypes {
    /// Allowed hashes.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_hash_types: Vec<HashType>,
    /// Default hash id.
    #[serde(default)]
    pub default_hash_type_id: Option<String>,
}

/// A product enabled for the account; product info adds the optional details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Product {
    /// Identifier used in the order URL.
    pub name_id: ProductId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `client_certificate`, `ssl_certificate`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Product group.
    #[serde(default)]
    pub group_name: Option<String>,
    /// Containers allowed to order it.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_container_ids: Vec<ContainerId>,
    /// Certificate validity choices in years.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_validity_years: Vec<u32>,
    /// Order validity choices in years.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_order_validity_years: Vec<u32>,
    /// Accepted signature hashes.
    #[serde(default)]
    pub signature_hash_types: Option<SignatureHashTypes>,
    /// Whether an order must carry a CSR.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub csr_required: Option<bool>,
    /// Product info only: duplicates allowed.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub duplicates_allowed: Option<bool>,
    /// Product info only: custom expiration dates allowed.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub custom_expiration_date_allowed: Option<bool>,
}

/// `GET /product`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductList {
    /// Products; omitted by DigiCert when empty.
    #[serde(default, deserialize_with = "de::list")]
    pub products: Vec<Product>,
}
