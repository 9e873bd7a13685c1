//! The [`CertCentral`] trait: every CertCentral call the portal makes.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::Error;
use super::types::{
    Account, CertificateChain, CertificateFormat, CertificateId, DcvCheck, DcvMethod, DcvToken,
    Domain, DomainCreated, DomainId, DomainList, DomainListQuery, Download, EmailValidation,
    NewDomain, Order, OrderCreated, OrderId, OrderList, OrderListQuery, OrderRequest, Organization,
    OrganizationId, OrganizationList, OrganizationListQuery, OrganizationValidations, Paging,
    Product, ProductId, ProductList, RequestId, RequestList, RequestListQuery, RevokeOutcome,
    RevokeRequest, ServiceRequest, StatusChangeList, UpdateRequestStatus, User, UserList,
    ValidationType,
};

/// DigiCert CertCentral Services API v2, as far as the portal uses it.
///
/// Calls marked *sent once* are never retried by the implementation: when they fail with
/// [`Error::may_have_taken_effect`] the caller must find out what happened (for orders:
/// [`OrderListQuery::search_containing`] with the reference put in `comments`) before
/// trying again. All other calls are safe to repeat and are retried on rate limits and
/// server errors.
#[async_trait]
pub trait CertCentral: Send + Sync + std::fmt::Debug {
    /// `GET /product`.
    async fn list_products(&self) -> Result<ProductList, Error>;
    /// `GET /product/{name_id}`.
    async fn product(&self, name_id: &ProductId) -> Result<Product, Error>;

    /// `GET /organization`.
    async fn list_organizations(
        &self,
        query: &OrganizationListQuery,
    ) -> Result<OrganizationList, Error>;
    /// `GET /organization/{id}`.
    async fn organization(&self, id: OrganizationId) -> Result<Organization, Error>;
    /// `PUT /organization/{id}` with `registration_number`: the national registration number
    /// DigiCert puts into `subject:organizationIdentifier`. Setting it again does no harm.
    async fn set_organization_registration_number(
        &self,
        id: OrganizationId,
        registration_number: &str,
    ) -> Result<(), Error>;
    /// `GET /organization/{id}/validation`.
    async fn organization_validations(
        &self,
        id: OrganizationId,
    ) -> Result<OrganizationValidations, Error>;
    /// `POST /organization/{id}/validation` (e.g. `smime`); sent once.
    async fn submit_organization_validation(
        &self,
        id: OrganizationId,
        kinds: &[ValidationType],
    ) -> Result<(), Error>;

    /// `GET /domain` with filters.
    async fn list_domains(&self, query: &DomainListQuery) -> Result<DomainList, Error>;
    /// `GET /domain/{id}?include_dcv=…&include_validation=…`.
    async fn domain(
        &self,
        id: DomainId,
        include_dcv: bool,
        include_validation: bool,
    ) -> Result<Domain, Error>;
    /// `POST /domain`: add a domain and submit it for validation; sent once.
    async fn add_domain(&self, domain: &NewDomain) -> Result<DomainCreated, Error>;
    /// `POST /domain/{id}/validation`: (re)submit a domain; sent once.
    async fn submit_domain_validation(
        &self,
        id: DomainId,
        kinds: &[ValidationType],
        dcv_method: Option<DcvMethod>,
    ) -> Result<(), Error>;
    /// `POST /domain/{id}/dcv/token`: a new random value; sent once.
    async fn new_dcv_token(&self, id: DomainId) -> Result<DcvToken, Error>;
    /// `PUT /domain/{id}/dcv/validate-token`: ask DigiCert to check DCV now.
    async fn check_dcv(&self, id: DomainId) -> Result<DcvCheck, Error>;

    /// `POST /order/certificate/{product}`; sent once.
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderCreated, Error>;
    /// `GET /order/certificate/{id}`.
    async fn order(&self, id: OrderId) -> Result<Order, Error>;
    /// `GET /order/certificate` with filters.
    async fn list_orders(&self, query: &OrderListQuery) -> Result<OrderList, Error>;
    /// `GET /order/certificate/status-changes` for changes in `[from, to]`.
    async fn order_status_changes(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<StatusChangeList, Error>;
    /// `GET /order/certificate/{id}/email-validation`.
    async fn email_validation(&self, id: OrderId) -> Result<EmailValidation, Error>;
    /// `PUT /order/certificate/{id}/status` with `canceled`.
    async fn cancel_order(&self, id: OrderId, note: &str) -> Result<(), Error>;
    /// `PUT /order/certificate/{id}/revoke`: revoke every certificate of the order; sent
    /// once, since each call may create a revoke request.
    async fn revoke_order(
        &self,
        id: OrderId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error>;

    /// `GET /request` with filters.
    async fn list_requests(&self, query: &RequestListQuery) -> Result<RequestList, Error>;
    /// `GET /request/{id}`.
    async fn request(&self, id: RequestId) -> Result<ServiceRequest, Error>;
    /// `PUT /request/{id}/status`: approve or reject.
    async fn update_request_status(
        &self,
        id: RequestId,
        update: &UpdateRequestStatus,
    ) -> Result<(), Error>;

    /// `PUT /certificate/{id}/revoke`; sent once.
    async fn revoke_certificate(
        &self,
        id: CertificateId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error>;
    /// `GET /certificate/{id}/download/format/{format}`.
    async fn download_certificate(
        &self,
        id: CertificateId,
        format: CertificateFormat,
    ) -> Result<Download, Error>;
    /// `GET /certificate/download/order/{order_id}/format/{format}`: the order's active
    /// certificate.
    async fn download_order_certificate(
        &self,
        order: OrderId,
        format: CertificateFormat,
    ) -> Result<Download, Error>;
    /// `GET /certificate/{id}/chain`.
    async fn certificate_chain(&self, id: CertificateId) -> Result<CertificateChain, Error>;

    /// `GET /user/me`: the key's user and roles.
    async fn me(&self) -> Result<User, Error>;
    /// `GET /user`.
    async fn list_users(&self, paging: &Paging) -> Result<UserList, Error>;
    /// `GET /account`: a cheap "test connection".
    async fn account(&self) -> Result<Account, Error>;
}
