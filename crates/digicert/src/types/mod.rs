//! Typed requests and responses of the CertCentral endpoints the portal uses.

#[macro_use]
mod macros;
mod account;
mod common;
mod domains;
mod orders;
mod organizations;
mod products;
mod requests;

pub use account::{AccessRole, Account, User, UserList};
pub use common::{
    CertificateId, ContainerId, ContainerRef, DomainId, OrderId, OrganizationId, OrganizationRef,
    Page, Paging, PersonRef, RequestId, UserId, Validation, ValidationStatus, ValidationType,
};
pub(crate) use domains::SubmitValidations;
pub use domains::{
    DcvCheck, DcvExpiration, DcvMethod, DcvToken, Domain, DomainCreated, DomainList,
    DomainListQuery, NewDomain, ValidationEmails,
};
pub use orders::{
    CaCert, CertificateChain, CertificateFormat, ChainCertificate, CommonNameIndicator,
    CustomFieldValue, Download, EmailValidation, EmailValidationEntry, EmailValidationStatus,
    InvalidOrderRequest, Order, OrderCertificate, OrderCreated, OrderList, OrderListQuery,
    OrderProduct, OrderRequest, OrderRequestBuilder, OrderStatus, PrimaryUsage, ProductId,
    ProfileType, StatusChange, StatusChangeList, Validity,
};
pub use organizations::{
    Organization, OrganizationList, OrganizationListQuery, OrganizationValidations,
};
pub use products::{HashType, Product, ProductList, SignatureHashTypes};
pub use requests::{
    RequestCertificate, RequestList, RequestListQuery, RequestOrder, RequestStatus, RequestSummary,
    RequestType, RevocationReason, RevokeOutcome, RevokeRequest, ServiceRequest,
    UpdateRequestStatus,
};
