//! DigiCert answering with an order status nobody told the portal about: the
//! order keeps its own status, DigiCert's word is stored and shown to staff, and
//! the follow job keeps looking instead of crashing or giving up.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use digicert::{
    Account, CertCentral, CertificateChain, CertificateFormat, CertificateId, DcvCheck, DcvMethod,
    DcvToken, Domain, DomainCreated, DomainId, DomainList, DomainListQuery, Download,
    EmailValidation, Error, HttpCertCentral, NewDomain, Order, OrderCreated, OrderId, OrderList,
    OrderListQuery, OrderRequest, OrderStatus, Organization, OrganizationId, OrganizationList,
    OrganizationListQuery, OrganizationValidations, Paging, Product, ProductId, ProductList,
    RequestId, RequestList, RequestListQuery, RevokeOutcome, RevokeRequest, ServiceRequest,
    StatusChangeList, UpdateRequestStatus, User, UserList, ValidationType,
};
use digicert_sim::EmailValidationMode;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use crate::world::{self, Drill, KEY};

/// A status DigiCert might add one day.
const NEW_STATUS: &str = "on_hold_for_review";

#[sqlx::test]
async fn an_unknown_digicert_status_is_kept_visible_and_the_order_is_followed_on(pool: PgPool) {
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let orders = drill.place_orders(1).await;
    let client = Arc::new(NewStatus {
        inner: world::client(&drill.sandbox, KEY),
        looks: AtomicUsize::new(0),
    });
    let pipeline = world::pipeline_with(&pool, client.clone());
    let stop = CancellationToken::new();
    let running =
        tokio::spawn(world::worker(&pool, pipeline, 2, Duration::seconds(30)).run(stop.clone()));
    // Several looks at the order, each meeting the new status.
    until_looked_at(&client, 3).await;
    stop.cancel();
    running.await.unwrap();

    let (status, digicert_status): (String, Option<String>) =
        sqlx::query_as("SELECT status, digicert_status FROM certificate_orders WHERE id = $1")
            .bind(orders[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "submitted", "our own status stays as it was");
    assert_eq!(digicert_status.as_deref(), Some(NEW_STATUS));
    let follow_state: String =
        sqlx::query_scalar("SELECT state FROM jobs WHERE kind = 'digicert.follow_order'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(follow_state, "queued", "the order is still followed");
    let operations = drill.staff_page("/staff/operations").await;
    assert!(
        operations.contains(&format!(
            "<code class=\"digicert-status\">{NEW_STATUS}</code>"
        )),
        "{operations}"
    );
}

/// Waits until the order has been read back at least `looks` times.
async fn until_looked_at(client: &NewStatus, looks: usize) {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(60);
    while client.looks.load(Ordering::Relaxed) < looks {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the order was looked at {} times",
            client.looks.load(Ordering::Relaxed)
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// The sandbox, except that every order reads back in [`NEW_STATUS`].
#[derive(Debug)]
struct NewStatus {
    inner: HttpCertCentral,
    /// Orders read back so far.
    looks: AtomicUsize,
}

#[async_trait]
impl CertCentral for NewStatus {
    async fn order(&self, id: OrderId) -> Result<Order, Error> {
        let mut order = self.inner.order(id).await?;
        self.looks.fetch_add(1, Ordering::Relaxed);
        order.status = OrderStatus::from(NEW_STATUS);
        Ok(order)
    }

    async fn list_products(&self) -> Result<ProductList, Error> {
        self.inner.list_products().await
    }
    async fn product(&self, name_id: &ProductId) -> Result<Product, Error> {
        self.inner.product(name_id).await
    }
    async fn list_organizations(
        &self,
        query: &OrganizationListQuery,
    ) -> Result<OrganizationList, Error> {
        self.inner.list_organizations(query).await
    }
    async fn organization(&self, id: OrganizationId) -> Result<Organization, Error> {
        self.inner.organization(id).await
    }
    async fn organization_validations(
        &self,
        id: OrganizationId,
    ) -> Result<OrganizationValidations, Error> {
        self.inner.organization_validations(id).await
    }
    async fn set_organization_registration_number(
        &self,
        id: OrganizationId,
        registration_number: &str,
    ) -> Result<(), Error> {
        self.inner
            .set_organization_registration_number(id, registration_number)
            .await
    }
    async fn submit_organization_validation(
        &self,
        id: OrganizationId,
        kinds: &[ValidationType],
    ) -> Result<(), Error> {
        self.inner.submit_organization_validation(id, kinds).await
    }
    async fn list_domains(&self, query: &DomainListQuery) -> Result<DomainList, Error> {
        self.inner.list_domains(query).await
    }
    async fn domain(
        &self,
        id: DomainId,
        include_dcv: bool,
        include_validation: bool,
    ) -> Result<Domain, Error> {
        self.inner.domain(id, include_dcv, include_validation).await
    }
    async fn add_domain(&self, domain: &NewDomain) -> Result<DomainCreated, Error> {
        self.inner.add_domain(domain).await
    }
    async fn submit_domain_validation(
        &self,
        id: DomainId,
        kinds: &[ValidationType],
        dcv_method: Option<DcvMethod>,
    ) -> Result<(), Error> {
        self.inner
            .submit_domain_validation(id, kinds, dcv_method)
            .await
    }
    async fn new_dcv_token(&self, id: DomainId) -> Result<DcvToken, Error> {
        self.inner.new_dcv_token(id).await
    }
    async fn check_dcv(&self, id: DomainId) -> Result<DcvCheck, Error> {
        self.inner.check_dcv(id).await
    }
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderCreated, Error> {
        self.inner.place_order(order).await
    }
    async fn list_orders(&self, query: &OrderListQuery) -> Result<OrderList, Error> {
        self.inner.list_orders(query).await
    }
    async fn order_status_changes(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<StatusChangeList, Error> {
        self.inner.order_status_changes(from, to).await
    }
    async fn email_validation(&self, id: OrderId) -> Result<EmailValidation, Error> {
        self.inner.email_validation(id).await
    }
    async fn cancel_order(&self, id: OrderId, note: &str) -> Result<(), Error> {
        self.inner.cancel_order(id, note).await
    }
    async fn revoke_order(
        &self,
        id: OrderId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error> {
        self.inner.revoke_order(id, revoke).await
    }
    async fn list_requests(&self, query: &RequestListQuery) -> Result<RequestList, Error> {
        self.inner.list_requests(query).await
    }
    async fn request(&self, id: RequestId) -> Result<ServiceRequest, Error> {
        self.inner.request(id).await
    }
    async fn update_request_status(
        &self,
        id: RequestId,
        update: &UpdateRequestStatus,
    ) -> Result<(), Error> {
        self.inner.update_request_status(id, update).await
    }
    async fn revoke_certificate(
        &self,
        id: CertificateId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error> {
        self.inner.revoke_certificate(id, revoke).await
    }
    async fn download_certificate(
        &self,
        id: CertificateId,
        format: CertificateFormat,
    ) -> Result<Download, Error> {
        self.inner.download_certificate(id, format).await
    }
    async fn download_order_certificate(
        &self,
        order: OrderId,
        format: CertificateFormat,
    ) -> Result<Download, Error> {
        self.inner.download_order_certificate(order, format).await
    }
    async fn certificate_chain(&self, id: CertificateId) -> Result<CertificateChain, Error> {
        self.inner.certificate_chain(id).await
    }
    async fn me(&self) -> Result<User, Error> {
        self.inner.me().await
    }
    async fn list_users(&self, paging: &Paging) -> Result<UserList, Error> {
        self.inner.list_users(paging).await
    }
    async fn account(&self) -> Result<Account, Error> {
        self.inner.account().await
    }
}
