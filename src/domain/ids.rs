//! One id type per table the portal keys by uuid, so an id of one kind cannot be passed
//! where another is expected. Each reads and writes as the plain `uuid` column it wraps.
//!
//! ```compile_fail,E0308
//! use tcs_portal::domain::{DomainId, OrderId};
//!
//! fn cancel(_order: OrderId) {}
//!
//! let domain: DomainId = "9b2f5a6e-3c1d-4e8f-a7b0-1c2d3e4f5a6b".parse().unwrap();
//! cancel(domain);
//! ```
use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// Defines an id type over a uuid. The conversions to and from `Uuid` are explicit on
/// purpose: they are the one door between kinds, used at the edges (tests, parsed input).
/// Most ids are the database's default; a type marked `made_here` also gets `new_v4`, for
/// the rows whose id is needed before they are inserted.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, made_here) => {
        uuid_id!($(#[$doc])* $name);

        impl $name {
            pub fn new_v4() -> Self {
                Self(Uuid::new_v4())
            }
        }
    };
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            sqlx::Type,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

uuid_id! {
    /// A person's account (`accounts.id`).
    AccountId
}
uuid_id! {
    /// An institution, the tenant (`institutions.id`).
    InstitutionId
}
uuid_id! {
    /// A domain an institution validates (`domains.id`).
    DomainId
}
uuid_id! {
    /// A certificate order (`certificate_orders.id`).
    OrderId
}
uuid_id! {
    /// A person marked as having left an institution (`departures.id`).
    DepartureId
}
uuid_id! {
    /// An invitation to become a member (`invitations.id`).
    InvitationId
}
uuid_id! {
    /// An enrollment link or request (`enrollments.id`).
    EnrollmentId
}
uuid_id! {
    /// An admin's CSV of orders, previewed before it is placed (`bulk_uploads.id`).
    BulkUploadId, made_here
}
uuid_id! {
    /// One of the portal's SAML signing keys (`saml_sp_keys.id`); its private key is sealed
    /// to this id before the row is written.
    SamlSpKeyId, made_here
}
uuid_id! {
    /// A SAML metadata source staff trust (`saml_metadata_sources.id`).
    SamlSourceId, made_here
}
uuid_id! {
    /// An institution's API token (`api_tokens.id`).
    ApiTokenId, made_here
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "9b2f5a6e-3c1d-4e8f-a7b0-1c2d3e4f5a6b";

    #[test]
    fn an_id_round_trips_through_a_path_segment_and_serde() -> anyhow::Result<()> {
        let id: OrderId = TEXT.parse()?;
        assert_eq!(id.to_string(), TEXT);
        assert_eq!(serde_json::to_string(&id)?, format!("\"{TEXT}\""));
        assert_eq!(serde_json::from_str::<OrderId>(&format!("\"{TEXT}\""))?, id);
        Ok(())
    }

    #[test]
    fn a_malformed_id_does_not_parse() {
        assert!("not-a-uuid".parse::<OrderId>().is_err());
        assert!(serde_json::from_str::<OrderId>("\"12345\"").is_err());
    }
}
