#!/usr/bin/env python3
"""Places an order through the TCS portal API, follows it, and prints its state.

Standard library only. Usage:
    TCS_URL=http://127.0.0.1:8080 TCS_TOKEN=tcs_... TCS_INSTITUTION=<uuid> \
        python3 examples/api_order.py person@etf.bg.ac.rs
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def call(method, path, body=None, headers=None):
    request = urllib.request.Request(
        os.environ["TCS_URL"].rstrip("/") + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + os.environ["TCS_TOKEN"],
            "Content-Type": "application/json",
            "Accept-Language": "en",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        # Every refusal is an RFC 9457 problem: type, title, detail, and per-field errors.
        return error.code, json.load(error)


def main():
    email = sys.argv[1]
    orders = "/api/v1/institutions/%s/orders" % os.environ["TCS_INSTITUTION"]
    # The same key again returns the first order, so a retry after a timeout is safe.
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, "example-order:" + email))
    status, placed = call(
        "POST",
        orders,
        {
            "product": "secure_email_sponsor",
            "profile_type": "strict",
            "emails": [email],
            "given_name": "Ana",
            "surname": "Anić",
            "validity_years": 1,
        },
        {"Idempotency-Key": key},
    )
    if status not in (200, 201):
        sys.exit("refused (%d): %s %s" % (status, placed.get("detail"), placed.get("errors", "")))
    order_id = placed["order_id"]
    print("order", order_id, placed["outcome"])
    for _ in range(10):
        status, order = call("GET", "%s/%s" % (orders, order_id))
        print("status:", order.get("status"))
        if order.get("status") in ("issued", "rejected", "canceled", "failed", "revoked"):
            break
        time.sleep(3)


if __name__ == "__main__":
    main()
