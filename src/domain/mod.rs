//! Pure value types, parsed once at the edge and trusted everywhere after. No I/O here.
pub mod account_status;
pub mod api_token;
pub mod bulk_csv;
pub mod display_name;
pub mod domain_name;
pub mod email;
pub mod grace_days;
pub mod hidden_chars;
pub mod ids;
pub mod institution;
pub mod invalid;
pub mod order;
pub mod order_search;
pub mod order_status;
pub mod password;
pub mod password_strength;
pub mod person_name;
pub mod revocation;
pub mod self_service;
pub mod staff_role;
pub mod transliterate;
pub mod validation;

pub use account_status::AccountStatus;
pub use display_name::DisplayName;
pub use domain_name::{DomainName, DomainNameError};
pub use email::EmailAddress;
pub use grace_days::GraceDays;
pub use ids::{
    AccountId, ApiTokenId, BulkUploadId, DepartureId, DomainId, EnrollmentId, InstitutionId,
    InvitationId, OrderId, SamlSourceId, SamlSpKeyId,
};
pub use institution::{InstitutionRole, RegistrationNumber, Slug, TcsStatus};
pub use invalid::InvalidFields;
pub use order::{EmailAddresses, NewOrder, OrderForm, Product, ProfileType, Validity};
pub use order_search::OrderSearch;
pub use order_status::OrderStatus;
pub use password::{NewPassword, PasswordRejection};
pub use password_strength::PersonalDetails;
pub use person_name::{NamePart, PersonName, PersonNameError};
pub use revocation::{Revocation, RevocationComment, RevocationForm, RevocationReason};
pub use staff_role::StaffRole;
pub use validation::ValidationStatus;
