//! [`CertCentral`] for [`HttpCertCentral`]: each call's path, body and answer type.

use async_trait::async_trait;
use reqwest::Method;
use time::OffsetDateTime;

use super::api::CertCentral;
use super::client::{Answer, Call, HttpCertCentral, Repeat};
use super::dates;
use super::error::Error;
use super::types::{
    Account, CertificateChain, CertificateFormat, CertificateId, DcvCheck, DcvMethod, DcvToken,
    Domain, DomainCreated, DomainId, DomainList, DomainListQuery, Download, EmailValidation,
    NewDomain, Order, OrderCreated, OrderId, OrderList, OrderListQuery, OrderRequest, Organization,
    OrganizationId, OrganizationList, OrganizationListQuery, OrganizationValidations, Paging,
    Product, ProductId, ProductList, RequestId, RequestList, RequestListQuery, RevokeOutcome,
    RevokeRequest, ServiceRequest, StatusChangeList, SubmitValidations, UpdateRequestStatus, User,
    UserList, ValidationType,
};

/// Path segments under the base URL; each is percent-encoded when the URL is built.
macro_rules! path {
    ($($part:expr),+ $(,)?) => {
        vec![$($part.to_string()),+]
    };
}

#[derive(serde::Serialize)]
struct RegistrationNumber<'a> {
    registration_number: &'a str,
}

#[derive(serde::Serialize)]
struct StatusNote<'a> {
    status: &'a str,
    note: &'a str,
}

fn revoke_outcome(answer: &Answer) -> Result<RevokeOutcome, Error> {
    // 204 (skip_approval) has no body; 201 carries the revoke request to approve.
    if answer.status == 204 || answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(RevokeOutcome::Revoked);
    }
    answer
        .json()
        .map(|request| RevokeOutcome::Requested(Box::new(request)))
}

fn download(answer: Answer) -> Download {
    Download {
        content_type: answer.content_type,
        body: answer.body,
    }
}

#[async_trait]
impl CertCentral for HttpCertCentral {
    async fn list_products(&self) -> Result<ProductList, Error> {
        self.execute(Call::get(path!["product"])).await?.json()
    }

    async fn product(&self, name_id: &ProductId) -> Result<Product, Error> {
        self.execute(Call::get(path!["product", name_id]))
            .await?
            .json()
    }

    async fn list_organizations(
        &self,
        query: &OrganizationListQuery,
    ) -> Result<OrganizationList, Error> {
        let call = Call::get(path!["organization"]).query(query.to_query());
        self.execute(call).await?.json()
    }

    async fn organization(&self, id: OrganizationId) -> Result<Organization, Error> {
        self.execute(Call::get(path!["organization", &id]))
            .await?
            .json()
    }

    async fn organization_validations(
        &self,
        id: OrganizationId,
    ) -> Result<OrganizationValidations, Error> {
        let call = Call::get(path!["organization", &id, "validation"]);
        self.execute(call).await?.json()
    }

    async fn submit_organization_validation(
        &self,
        id: OrganizationId,
        kinds: &[ValidationType],
    ) -> Result<(), Error> {
        let body = SubmitValidations::new(kinds, None);
        let call = Call::with_body(
            Method::POST,
            path!["organization", &id, "validation"],
            &body,
            Repeat::Once,
        )?;
        self.execute(call).await.map(drop)
    }

    async fn list_domains(&self, query: &DomainListQuery) -> Result<DomainList, Error> {
        let call = Call::get(path!["domain"]).query(query.to_query());
        self.execute(call).await?.json()
    }

    async fn domain(
        &self,
        id: DomainId,
        include_dcv: bool,
        include_validation: bool,
    ) -> Result<Domain, Error> {
        let call = Call::get(path!["domain", &id]).query(vec![
            ("include_dcv".into(), include_dcv.to_string()),
            ("include_validation".into(), include_validation.to_string()),
        ]);
        self.execute(call).await?.json()
    }

    async fn add_domain(&self, domain: &NewDomain) -> Result<DomainCreated, Error> {
        let call = Call::with_body(Method::POST, path!["domain"], domain, Repeat::Once)?;
        self.execute(call).await?.json()
    }

    async fn submit_domain_validation(
        &self,
        id: DomainId,
        kinds: &[ValidationType],
        dcv_method: Option<DcvMethod>,
    ) -> Result<(), Error> {
        let body = SubmitValidations::new(kinds, dcv_method);
        let call = Call::with_body(
            Method::POST,
            path!["domain", &id, "validation"],
            &body,
            Repeat::Once,
        )?;
        self.execute(call).await.map(drop)
    }

    async fn new_dcv_token(&self, id: DomainId) -> Result<DcvToken, Error> {
        let call = Call::with_body(
            Method::POST,
            path!["domain", &id, "dcv", "token"],
            &serde_json::json!({}),
            Repeat::Once,
        )?;
        self.execute(call).await?.json()
    }

    async fn check_dcv(&self, id: DomainId) -> Result<DcvCheck, Error> {
        let call = Call::with_body(
            Method::PUT,
            path!["domain", &id, "dcv", "validate-token"],
            &serde_json::json!({}),
            Repeat::Safe,
        )?;
        self.execute(call).await?.json()
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderCreated, Error> {
        let call = Call::with_body(
            Method::POST,
            path!["order", "certificate", order.product()],
            order,
            Repeat::Once,
        )?;
        self.execute(call).await?.json()
    }

    async fn order(&self, id: OrderId) -> Result<Order, Error> {
        let call = Call::get(path!["order", "certificate", &id]);
        self.execute(call).await?.json()
    }

    async fn list_orders(&self, query: &OrderListQuery) -> Result<OrderList, Error> {
        let call = Call::get(path!["order", "certificate"]).query(query.to_query());
        self.execute(call).await?.json()
    }

    async fn order_status_changes(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<StatusChangeList, Error> {
        let range = format!(
            "{}...{}",
            dates::format_filter(from),
            dates::format_filter(to)
        );
        let call = Call::get(path!["order", "certificate", "status-changes"])
            .query(vec![("filters[status_last_updated]".into(), range)]);
        self.execute(call).await?.json()
    }

    async fn email_validation(&self, id: OrderId) -> Result<EmailValidation, Error> {
        let call = Call::get(path!["order", "certificate", &id, "email-validation"]);
        self.execute(call).await?.json()
    }

    async fn set_organization_registration_number(
        &self,
        id: OrganizationId,
        registration_number: &str,
    ) -> Result<(), Error> {
        let body = RegistrationNumber {
            registration_number,
        };
        let call = Call::with_body(Method::PUT, path!["organization", &id], &body, Repeat::Safe)?;
        self.execute(call).await.map(drop)
    }

    async fn cancel_order(&self, id: OrderId, note: &str) -> Result<(), Error> {
        let body = StatusNote {
            status: "canceled",
            note,
        };
        // Canceling twice leaves the order canceled, so a retry cannot do harm.
        let call = Call::with_body(
            Method::PUT,
            path!["order", "certificate", &id, "status"],
            &body,
            Repeat::Safe,
        )?;
        self.execute(call).await.map(drop)
    }

    async fn revoke_order(
        &self,
        id: OrderId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error> {
        let call = Call::with_body(
            Method::PUT,
            path!["order", "certificate", &id, "revoke"],
            revoke,
            Repeat::Once,
        )?;
        revoke_outcome(&self.execute(call).await?)
    }

    async fn list_requests(&self, query: &RequestListQuery) -> Result<RequestList, Error> {
        let call = Call::get(path!["request"]).query(query.to_query());
        self.execute(call).await?.json()
    }

    async fn request(&self, id: RequestId) -> Result<ServiceRequest, Error> {
        self.execute(Call::get(path!["request", &id])).await?.json()
    }

    async fn update_request_status(
        &self,
        id: RequestId,
        update: &UpdateRequestStatus,
    ) -> Result<(), Error> {
        // Setting the same status again changes nothing, so a retry is harmless.
        let call = Call::with_body(
            Method::PUT,
            path!["request", &id, "status"],
            update,
            Repeat::Safe,
        )?;
        self.execute(call).await.map(drop)
    }

    async fn revoke_certificate(
        &self,
        id: CertificateId,
        revoke: &RevokeRequest,
    ) -> Result<RevokeOutcome, Error> {
        let call = Call::with_body(
            Method::PUT,
            path!["certificate", &id, "revoke"],
            revoke,
            Repeat::Once,
        )?;
        revoke_outcome(&self.execute(call).await?)
    }

    async fn download_certificate(
        &self,
        id: CertificateId,
        format: CertificateFormat,
    ) -> Result<Download, Error> {
        let call = Call::get(path![
            "certificate",
            &id,
            "download",
            "format",
            &format.as_str(),
        ])
        .accept_any();
        self.execute(call).await.map(download)
    }

    async fn download_order_certificate(
        &self,
        order: OrderId,
        format: CertificateFormat,
    ) -> Result<Download, Error> {
        let call = Call::get(path![
            "certificate",
            "download",
            "order",
            &order,
            "format",
            &format.as_str(),
        ])
        .accept_any();
        self.execute(call).await.map(download)
    }

    async fn certificate_chain(&self, id: CertificateId) -> Result<CertificateChain, Error> {
        let call = Call::get(path!["certificate", &id, "chain"]);
        self.execute(call).await?.json()
    }

    async fn me(&self) -> Result<User, Error> {
        self.execute(Call::get(path!["user", "me"])).await?.json()
    }

    async fn list_users(&self, paging: &Paging) -> Result<UserList, Error> {
        let mut query = Vec::new();
        paging.push_query(&mut query);
        self.execute(Call::get(path!["user"]).query(query))
            .await?
            .json()
    }

    async fn account(&self) -> Result<Account, Error> {
        self.execute(Call::get(path!["account"])).await?.json()
    }
}
