-- An order's product is one of the products the portal offers (domain::Product), which the
-- order rows are read as; a test compares this list with the Rust enum.
ALTER TABLE certificate_orders
    ADD CONSTRAINT certificate_orders_product_check
    CHECK (product IN ('client_digital_signature_plus', 'client_email_security_plus',
                       'client_premium', 'secure_email_sponsor'));
