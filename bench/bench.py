#!/usr/bin/env python3
"""Benchmark a release build of tcs-portal on this machine (Python 3.11 standard library only).

Run through bench/run.sh, which builds the binary and passes --binary. It:
  1. creates a fresh database and starts `tcs-portal serve` on free loopback ports;
  2. seeds a staff account through the real flow (staff create -> invitation -> password ->
     TOTP enrolment), computing TOTP codes itself, then logs in for a session cookie;
  3. runs `pgbench -S` (prepared, wrk's connections) as the database anchor, then wrk against
     /healthz (the baseline) and GET /login; seeds 5,000 institutions and 1,000,000 orders
     over 100 of them (200,000 in one; BENCH_ORDERS for fewer) and measures both dashboards,
     the orders list's pages, filters, search and CSV, staff's list of every institution's
     orders and the institution list and search: requests/s and p99 latency, each also as a
     ratio against /healthz and pgbench -S of the same run, and the SQL statements each page
     runs (PostgreSQL's transaction count); then the whole biggest list as CSV, 4 at once;
  4. times sequential POST /login attempts (argon2id), right and wrong password, as ms per
     login, logins/s per core, and a ratio against a sequential /healthz request;
  5. prints the server's peak RSS (VmHWM), and its RSS and peak after each phase above, stops
     it with SIGTERM and drops the database;
  6. runs the ordering pipeline's bench (an ignored test of the integration binary, against the
     in-process DigiCert sandbox with rate limits off): orders/s end to end, as a ratio against
     the same DigiCert calls made directly; and the job queue's claim overhead per job, as a
     ratio against one database round trip.
Only 127.0.0.1 is ever contacted, and every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SESSION_COOKIE = "__Host-tcs_session"


# ---- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s) --------------------------------------------

def totp(secret_b32: str, step: int) -> str:
    clean = re.sub(r"[\s=-]", "", secret_b32).upper()
    key = base64.b32decode(clean + "=" * (-len(clean) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def current_step() -> int:
    return int(time.time() // 30)


def wait_for_step_after(used_step: int) -> int:
    """The portal refuses a TOTP step it has already accepted: wait for a newer one."""
    delay = (used_step + 1) * 30 + 0.25 - time.time()
    if delay > 0:
        print(f"  waiting {delay:.0f} s for a fresh TOTP step")
        time.sleep(delay)
    return current_step()


assert totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59 // 30) == "287082"  # RFC 6238 vector


# ---- a minimal HTTP client that keeps the session cookie -------------------------------------
# http.cookiejar would not send a Secure cookie over plain http, so cookies are kept by hand.

class FormFinder(HTMLParser):
    """Collects the csrf_token input of each form (by the form's action) and the text of
    <code id="totp-secret">. A visitor without a session gets a token per form."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, str] = {}
        self.secret = ""
        self._in_secret = False
        self._action = ""

    def token(self, action: str) -> str:
        if action not in self.tokens:
            raise RuntimeError(f"no form posting to {action} on the page")
        return self.tokens[action]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = attrs.get("action") or ""
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.tokens[self._action] = attrs.get("value") or ""
        if tag == "code" and attrs.get("id") == "totp-secret":
            self._in_secret = True

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_secret = False

    def handle_data(self, data):
        if self._in_secret:
            self.secret += data


def parse_page(body: str) -> FormFinder:
    finder = FormFinder()
    finder.feed(body)
    return finder


class Client:
    def __init__(self, port: int, source_ip: str | None = None) -> None:
        self.port = port
        self.source_ip = source_ip
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            source = (self.source_ip, 0) if self.source_ip else None
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30, source_address=source)
        return self.conn

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        headers = {"Host": f"localhost:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # one retry if the server closed a kept-alive connection
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if not value or re.search(r"max-age=0\b", header, re.I):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers.get("Location"), data

    def get_form(self, path: str) -> FormFinder:
        status, location, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status} (Location: {location})")
        return parse_page(body)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def expect(status: int, location: str | None, want_status: int, want_path: str | None, what: str) -> None:
    got_path = urlsplit(location).path if location else None
    if status != want_status or (want_path is not None and got_path != want_path):
        raise RuntimeError(f"{what}: expected {want_status} to {want_path}, got {status} to {location}")


# ---- the server under test -------------------------------------------------------------------

def seed_institutions(db_url: str, count: int) -> None:
    """Inserts `count` institutions straight into the database (bench/seed_institutions.sql,
    the statement the plan test runs too): one in ten suspended, each with two domains."""
    seed = (REPO / "bench" / "seed_institutions.sql").read_text()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url,
                    "-c", f"PREPARE seed(int) AS {seed}", "-c", f"EXECUTE seed({count})",
                    "-c", "VACUUM ANALYZE institutions", "-c", "VACUUM ANALYZE domains"], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def psql(pg_url: str, sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", f"{pg_url}/postgres", "-c", sql],
                   check=True)


def pgbench_select(pg_url: str, args) -> dict:
    """The database anchor (issue 16 §2): `pgbench -S` (single-row SELECTs by primary key,
    prepared) with wrk's connection count and duration, on a scratch database dropped after."""
    name = f"tcs_bench_pgbench_{secrets.token_hex(4)}"
    psql(pg_url, f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", f"{pg_url}/{name}"], check=True,
                       capture_output=True, text=True)
        out = subprocess.run(
            ["pgbench", "-S", "-M", "prepared", "-n", "-c", str(args.connections), "-j", str(args.threads),
             "-T", str(args.duration), f"{pg_url}/{name}"],
            check=True, capture_output=True, text=True).stdout
    finally:
        psql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if not tps:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    return {"tps": float(tps.group(1)), "clients": args.connections}


class Server:
    def __init__(self, binary: str, pg_url: str, workdir: Path) -> None:
        self.db_name = f"tcs_bench_{secrets.token_hex(6)}"
        self.pg_url = pg_url
        psql(pg_url, f'CREATE DATABASE "{self.db_name}"')
        self.port = free_port()
        self.admin_port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"{pg_url}/{self.db_name}",
            "TCS_BIND": f"{HOST}:{self.port}",
            "TCS_ADMIN_BIND": f"{HOST}:{self.admin_port}",
            "TCS_PUBLIC_URL": f"http://localhost:{self.port}",
            "TCS_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "TCS_MAIL_TRANSPORT": "file",
            "TCS_MAIL_DIR": str(workdir / "mail"),
            "TCS_LOG_FORMAT": "json",
        }
        self.binary = binary
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tcs-portal exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"tcs-portal was not ready within {timeout} s; see {self.log_path}")

    def cli(self, *args: str) -> str:
        run = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise RuntimeError(f"tcs-portal {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
        return run.stdout

    def memory_kib(self) -> dict[str, int]:
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0])
        return fields

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        try:
            psql(self.pg_url, f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        except subprocess.CalledProcessError:
            print(f"warning: could not drop database {self.db_name}", file=sys.stderr)
        return self.proc.returncode


# ---- seeding through the real flow ------------------------------------------------------------

def seed_staff(server: Server) -> dict:
    email = f"bench-{secrets.token_hex(3)}@amres.test"
    out = server.cli("staff", "create", "--email", email, "--name", "Bench Staff")
    match = re.search(r"https?://\S+/invite/\S+", out)
    if not match:
        raise RuntimeError(f"no enrolment link in:\n{out}")
    return accept_invitation(server, urlsplit(match.group(0)).path, email)


def accept_invitation(server: Server, invite_path: str, email: str) -> dict:
    """Opens an invitation link, sets a password and enrols TOTP; returns the login."""
    password = f"Bench-{secrets.token_urlsafe(12)}"
    client = Client(server.port)
    status, location, _ = client.request("GET", invite_path)
    expect(status, location, 303, "/invite", "opening the invitation")
    page = client.get_form("/invite")
    status, location, _ = client.request("POST", "/invite", {
        "csrf_token": page.token("/invite"), "display_name": "Bench Staff",
        "password": password, "password_confirm": password,
    })
    expect(status, location, 303, "/mfa/enrol", "setting the password")
    page = client.get_form("/mfa/enrol")
    secret = page.secret.strip()
    if not secret:
        raise RuntimeError("no #totp-secret on /mfa/enrol")
    step = current_step()
    status, location, body = client.request("POST", "/mfa/enrol", {"csrf_token": page.token("/mfa/enrol"),
                                                                   "code": totp(secret, step)})
    if status >= 400:
        raise RuntimeError(f"confirming TOTP answered {status}")
    client.close()
    return {"email": email, "password": password, "secret": secret, "step": step}


def log_in(server: Server, account: dict, home: str = "/staff") -> tuple[str, int]:
    """Password + TOTP; returns the session cookie value and the TOTP step spent."""
    client = Client(server.port)
    page = client.get_form("/login")
    status, location, _ = client.request("POST", "/login", {
        "csrf_token": page.token("/login"), "email": account["email"], "password": account["password"]})
    expect(status, location, 303, "/mfa", "password step")
    page = client.get_form("/mfa")
    step = wait_for_step_after(account["step"])
    status, location, _ = client.request("POST", "/mfa", {"csrf_token": page.token("/mfa"),
                                                          "code": totp(account["secret"], step)})
    expect(status, location, 303, None, "TOTP step")
    status, location, _ = client.request("GET", home)
    expect(status, location, 200, None, f"GET {home} with the new session")
    client.close()
    return client.cookies[SESSION_COOKIE], step


# ---- issue 16 §2: national scale, 1,000,000 orders over 100 institutions ----------------------

def psql_value(db_url: str, sql: str) -> str:
    run = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db_url, "-c", sql],
                         check=True, capture_output=True, text=True)
    return run.stdout.strip()


def seed_orders(db_url: str, orders: int, institutions: int, biggest: int) -> str:
    """Seeds `orders` orders over the first `institutions` seeded institutions (inst-1 …),
    `biggest` of them in inst-1 and the rest evenly over the others, with
    bench/seed_orders.sql (the statement the tests run too) once per institution, all in
    one psql session, counted for the dashboards once at the end (bench/seed_bulk.sql);
    each institution's first domain is validated and holds the addresses. Returns inst-1's
    id."""
    psql_value(db_url, f"""
        UPDATE institutions SET tcs_status = 'registered'
        WHERE slug IN (SELECT 'inst-' || n FROM generate_series(1, {institutions}) AS n);
        UPDATE domains SET validation_status = 'validated', validated_until = now() + interval '300 days'
        WHERE name IN (SELECT 'inst-' || n || '-1.ac.rs' FROM generate_series(1, {institutions}) AS n)""")
    rest = (orders - biggest) // max(institutions - 1, 1)
    seed = (REPO / "bench" / "seed_orders.sql").read_text()
    before, after = (REPO / "bench" / "seed_bulk.sql").read_text().split("-- SEED HERE")
    commands = ["-c", before, "-c", f"PREPARE seed(uuid, uuid, text, int) AS {seed}"]
    ids = dict(line.split("|") for line in psql_value(db_url, f"""
        SELECT i.slug, i.id || ',' || d.id FROM institutions i JOIN domains d ON d.name = i.slug || '-1.ac.rs'
        WHERE i.slug IN (SELECT 'inst-' || n FROM generate_series(1, {institutions}) AS n)""").splitlines())
    for n in range(1, institutions + 1):
        institution, domain = ids[f"inst-{n}"].split(",")
        count = biggest if n == 1 else rest
        commands += ["-c", f"EXECUTE seed('{institution}', '{domain}', 'inst-{n}-1.ac.rs', {count})"]
    # As autovacuum would leave them: statistics, and the trigram indexes' pending lists merged.
    commands += ["-c", after, "-c", "VACUUM ANALYZE"]
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url, *commands], check=True)
    return ids["inst-1"].split(",")[0]


def invite_admin(server: Server, staff_cookie: str, institution: str, domain: str) -> dict:
    """An admin of `institution` through the people page, the mailed link, password and TOTP."""
    db_url = f"{server.pg_url}/{server.db_name}"
    staff = Client(server.port)
    staff.cookies[SESSION_COOKIE] = staff_cookie
    email = f"admin-{secrets.token_hex(3)}@{domain}"
    page = staff.get_form(f"/institutions/{institution}/people")
    status, location, _ = staff.request("POST", f"/institutions/{institution}/people", {
        "csrf_token": page.token(f"/institutions/{institution}/people"), "email": email,
        "display_name": "Bench Admin", "role": "admin"})
    if status >= 400:
        raise RuntimeError(f"inviting the admin answered {status}")
    staff.close()
    mail = psql_value(db_url, f"SELECT body_text FROM outbox WHERE recipient = '{email}' ORDER BY id DESC LIMIT 1")
    match = re.search(r"/invite/\S+", mail)
    if not match:
        raise RuntimeError("no invitation link in the admin's mail")
    return accept_invitation(server, match.group(0), email)


def national_section(server: Server, args, staff_cookie: str) -> tuple[list[tuple[str, str, str]], str, str]:
    """Seeds 5,000 institutions and `args.orders` orders over `args.order_institutions` of them
    (`args.biggest` in one), makes an admin of the biggest, and returns the pages to measure
    as (path, label, who), the admin's cookie and the admin's orders list path."""
    db_url = f"{server.pg_url}/{server.db_name}"
    print(f"seeding {args.institutions:,} institutions …")
    seed_institutions(db_url, args.institutions)
    print(f"seeding {args.orders:,} orders over {args.order_institutions} institutions "
          f"({args.biggest:,} in one) …")
    started = time.perf_counter()
    institution = seed_orders(db_url, args.orders, args.order_institutions, args.biggest)
    print(f"  seeded in {time.perf_counter() - started:.1f} s")
    admin = invite_admin(server, staff_cookie, institution, "inst-1-1.ac.rs")
    orders = f"/institutions/{institution}/orders"
    cookie, _ = log_in(server, admin, home=orders)

    # A cursor 90 % of the way down the biggest institution's list.
    deep = psql_value(db_url, f"""
        SELECT (extract(epoch FROM created_at) * 1000000)::bigint * 1000 || '.' || id
        FROM certificate_orders WHERE institution_id = '{institution}'
        ORDER BY created_at DESC, id DESC OFFSET {args.biggest * 9 // 10} LIMIT 1""")
    big = f"{args.biggest // 1000}k"
    pages = [
        (f"/institutions/{institution}", f"institution dashboard, {big} (admin)", "admin"),
        ("/staff", f"staff overview, {args.orders // 1000}k (staff)", "staff"),
        (orders, f"orders list, {big} (admin)", "admin"),
        (f"{orders}?after={deep}", f"orders list, 90 % deep, {big} (admin)", "admin"),
        (f"{orders}?status=issued&product=client_premium", f"orders status+product, {big} (admin)", "admin"),
        (f"{orders}?status=issued&expiring=1", f"orders expiring soon, {big} (admin)", "admin"),
        (f"{orders}?q=osoba4242%40", f"orders search, {big} (admin)", "admin"),
        (f"{orders}.csv?status=issued&expiring=1", f"orders CSV expiring soon, {big} (admin)", "admin"),
        ("/staff/orders", f"all institutions' orders, {args.orders // 1000}k (staff)", "staff"),
        ("/staff/orders?q=osoba4242%40", f"all institutions' search, {args.orders // 1000}k (staff)", "staff"),
        ("/staff/institutions", f"institutions, {args.institutions:,} (staff)", "staff"),
        ("/staff/institutions?after_name=ustanova+04900&after_id=ffffffff-ffff-ffff-ffff-ffffffffffff",
         "institutions, deep page (staff)", "staff"),
        ("/staff/institutions?q=ustanova+04242", f"institution search, {args.institutions:,} (staff)", "staff"),
        ("/staff/institutions?status=suspended", "institutions, suspended (staff)", "staff"),
    ]
    return pages, cookie, orders


def full_export(server: Server, orders: str, cookie: str) -> dict:
    """The biggest institution's whole list as CSV, on 4 connections at once (the server
    streams it slice by slice, so its memory should not grow with the file)."""
    print("exporting the biggest institution's whole list as CSV, 4 at once …")
    before = server.memory_kib()
    started = time.perf_counter()
    procs = [subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", "-H",
                               f"Host: localhost:{server.port}", "-H", f"Cookie: {SESSION_COOKIE}={cookie}",
                               f"http://{HOST}:{server.port}{orders}.csv"], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    sizes = [int(proc.communicate(timeout=600)[0] or 0) for proc in procs]
    seconds = time.perf_counter() - started
    after = server.memory_kib()
    return {"seconds": seconds, "bytes": sizes[0], "rss_before_kib": before["VmRSS"],
            "hwm_after_kib": after["VmHWM"]}


def xacts(db_url: str) -> int:
    """Transactions committed and rolled back in the bench database so far: every statement
    the portal runs outside an explicit transaction is one."""
    db = db_url.rsplit("/", 1)[1]
    return int(psql_value(db_url.rsplit("/", 1)[0] + "/postgres",
                          f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{db}'"))


# A backend reports its statistics when idle, at the latest this long after its last statement.
STATS_SETTLE_S = 11


def statements_per_request(server: Server, pages: list[tuple[str, str, str]], cookies: dict[str, str],
                           count: int = 40) -> dict[str, float]:
    """The SQL statements each page runs, from PostgreSQL's own count of the bench
    database's transactions (pg_stat_database): `count` sequential requests of a page, the
    statistics settled, minus what the portal's background workers ran in a window as
    long with no request (measured first)."""
    db_url = f"{server.pg_url}/{server.db_name}"
    print(f"counting SQL statements per page ({count} sequential requests each, "
          f"{STATS_SETTLE_S} s for PostgreSQL's statistics each) …")
    time.sleep(STATS_SETTLE_S)
    before = xacts(db_url)
    started = time.monotonic()
    time.sleep(STATS_SETTLE_S)
    idle_rate = (xacts(db_url) - before) / (time.monotonic() - started)
    found = {}
    for path, label, who in pages:
        client = Client(server.port)
        client.cookies[SESSION_COOKIE] = cookies[who]
        client.request("GET", path)  # the first visit may write the session
        time.sleep(STATS_SETTLE_S)
        before = xacts(db_url)
        started = time.monotonic()
        for _ in range(count):
            client.request("GET", path)
        client.close()
        time.sleep(STATS_SETTLE_S)
        ran = xacts(db_url) - before - idle_rate * (time.monotonic() - started)
        found[label] = max(ran / count, 0.0)
    return found


def labelled_wrk(port: int, path: str, label: str, args, cookie: str) -> dict:
    run = wrk(port, path, args, cookie=cookie)
    run["label"] = label
    if run["non_2xx_3xx"]:
        print(f"  warning: {label} answered non-2xx/3xx {run['non_2xx_3xx']} times")
    return run


# ---- issue 11 §5: an authenticated page during a login flood ------------------------------------

FLOOD_SOURCES = {"one address": "127.0.0.2", "many addresses": "127.0.0.3-254"}


def flood_section(server: Server, args, cookie: str, page: str) -> dict:
    """p99 of an authenticated page (the admin's orders list) idle, then while
    `examples/login_flood.rs` posts logins over `--flood-connections` connections from one
    loopback address, then from 252 of them (127.0.0.3-254); each as a ratio to idle. The
    page is fetched from 127.0.0.1, an address of its own. Every flood post carries a valid
    CSRF token, as a script that fetched the login form once would."""
    flooder = Client(server.port)
    form_page = flooder.get_form("/login")
    form = urlencode({"csrf_token": form_page.token("/login"), "email": f"nobody-{secrets.token_hex(3)}@amres.test",
                      "password": "not the password"})
    flood_cookie = flooder.cookie_header()
    flooder.close()
    duration = args.flood_duration
    print(f"login flood: page {page} on {args.flood_page_connections} connections, {duration} s each: idle …")
    runs = {"idle": wrk(server.port, page, args, cookie=cookie, connections=args.flood_page_connections,
                        duration=duration)}
    for label, sources in FLOOD_SOURCES.items():
        print(f"  … during a flood from {label} ({sources}, {args.flood_connections} connections)")
        flood = subprocess.Popen(
            [args.flood_binary, "--url", f"http://{HOST}:{server.port}", "--host", f"localhost:{server.port}",
             "--sources", sources, "--connections", str(args.flood_connections),
             "--duration", str(duration + 2), "--cookie", flood_cookie, "--form", form],
            stdout=subprocess.PIPE, text=True)
        time.sleep(1)  # the flood is under way before the page is measured
        run = wrk(server.port, page, args, cookie=cookie, connections=args.flood_page_connections,
                  duration=duration)
        out, _ = flood.communicate(timeout=duration + 60)
        run["flood"] = json.loads(out.strip().splitlines()[-1])
        run["flood"]["rps"] = run["flood"]["requests"] / (duration + 2)
        runs[label] = run
    return runs


def report_flood(flood: dict | None, connections: int) -> None:
    if not flood:
        return
    idle = flood["idle"]
    print(f"\nlogin flood ({connections} connections posting logins; page: {idle['path'].split('?')[0]}, "
          f"the admin's orders list; ratio: p99 against the same page idle)")
    print(f"{'condition':<18}{'page req/s':>11}{'p99 ms':>9}{'p99 vs idle':>13}{'flood req/s':>13}  flood answers")
    for label, run in flood.items():
        answers = run.get("flood", {})
        rps = f"{answers['rps']:>13.0f}" if answers else f"{'-':>13}"
        statuses = answers.get("statuses", "")
        errors = f", {answers['errors']} errors" if answers.get("errors") else ""
        print(f"{label:<18}{run['rps']:>11.0f}{run['p99_ms']:>9.1f}{run['p99_ms'] / idle['p99_ms']:>13.2f}{rps}"
              f"  {statuses}{errors}")


# ---- measurements ---------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(port: int, path: str, args, cookie: str | None = None, connections: int | None = None,
        duration: int | None = None) -> dict:
    connections = connections or args.connections
    duration = duration or args.duration
    threads = min(args.threads, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
           "--timeout", "5s", "--latency", "-H", f"Host: localhost:{port}"]
    if cookie:
        cmd += ["-H", f"Cookie: {SESSION_COOKIE}={cookie}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"path": path, "rps": rps, "p50_ms": p50, "p99_ms": p99, "requests": total,
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else None}


def sequential_ms(fn, count: int, time_budget: float) -> tuple[list[float], list[int]]:
    """Call fn() up to `count` times (stopping after `time_budget` s); each returns a status."""
    times, statuses = [], []
    deadline = time.monotonic() + time_budget
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        statuses.append(fn())
        times.append((time.perf_counter() - start) * 1000)
    return times, statuses


def login_attempts(server: Server, account: dict, args) -> list[dict]:
    """Sequential POST /login of three kinds, interleaved so that load from elsewhere on the
    machine hits each kind alike: the right password, a wrong password for the same account,
    and a wrong password for an unknown e-mail (checked against a dummy hash, so it should
    cost the same: the difference is printed as the timing oracle). The right password after
    each wrong one resets the account's failure count, so the benchmark never locks it.

    Each attempt is a fresh client (fresh session and CSRF token); only the POST is timed.
    Attempts rotate over loopback source addresses 127.0.0.10-.209, so the per-IP login
    rate limit (which exists to stop floods) does not turn this measurement of argon2 into a
    measurement of the limiter; any 429 is still counted and reported.
    """
    unknown = f"nobody-{secrets.token_hex(3)}@amres.test"
    kinds = [
        ("wrong password (known e-mail)", account["email"], account["password"] + "-wrong"),
        ("right password", account["email"], account["password"]),
        ("wrong password (unknown e-mail)", unknown, account["password"] + "-wrong"),
    ]
    samples: dict[str, list[tuple[float, int]]] = {label: [] for label, _, _ in kinds}
    deadline = time.monotonic() + args.login_time_budget
    attempt = 0
    for _ in range(args.logins):
        if time.monotonic() > deadline:
            break
        for label, email, password in kinds:
            source = f"127.0.0.{10 + attempt % 200}" if args.spread_sources else None
            attempt += 1
            client = Client(server.port, source_ip=source)
            page = client.get_form("/login")
            form = {"csrf_token": page.token("/login"), "email": email, "password": password}
            start = time.perf_counter()
            status, _, _ = client.request("POST", "/login", form)
            samples[label].append(((time.perf_counter() - start) * 1000, status))
            client.close()
    results = []
    for label, runs in samples.items():
        counted = [ms for ms, status in runs if status != 429]
        statuses = [status for _, status in runs]
        results.append({"label": label, "attempts": len(runs),
                        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                        "mean_ms": statistics.fmean(counted) if counted else None,
                        "median_ms": statistics.median(counted) if counted else None})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="a release build of tcs-portal")
    parser.add_argument("--pg-url", default=os.environ.get("TCS_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "10")),
                        help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "32")))
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--logins", type=int, default=int(os.environ.get("BENCH_LOGINS", "30")),
                        help="sequential login attempts of each of the three kinds (default 30)")
    parser.add_argument("--login-time-budget", type=float, default=90, help="seconds at most for all logins")
    parser.add_argument("--no-spread-sources", dest="spread_sources", action="store_false",
                        help="send every login from 127.0.0.1 (the per-IP limit may then answer 429)")
    parser.add_argument("--flood-binary", required=True, help="a release build of examples/login_flood.rs")
    parser.add_argument("--flood-duration", type=int, default=int(os.environ.get("BENCH_FLOOD_DURATION", "20")),
                        help="seconds of each login flood, and of the idle run it is compared to (default 20)")
    parser.add_argument("--flood-connections", type=int, default=200, help="connections of the flood")
    parser.add_argument("--flood-page-connections", type=int, default=4,
                        help="connections fetching the authenticated page meanwhile")
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", "1000000")),
                        help="orders seeded (default 1,000,000; BENCH_ORDERS=100000 for a quicker run)")
    parser.add_argument("--order-institutions", type=int, default=100, help="institutions holding them")
    parser.add_argument("--biggest", type=int, default=None,
                        help="orders of the biggest institution (default a fifth of --orders)")
    parser.add_argument("--institutions", type=int, default=5000, help="institutions seeded in all")
    parser.add_argument("--json", type=Path, default=REPO / "artifacts" / "bench" / "results.json")
    args = parser.parse_args()
    if args.biggest is None:
        args.biggest = args.orders // 5
    if args.duration > 300 or args.logins > 1000 or args.flood_duration > 120:
        parser.error("bounded on purpose: --duration <= 300, --logins <= 1000, --flood-duration <= 120")

    workdir = Path(tempfile.mkdtemp(prefix="tcs-bench-"))
    server = Server(args.binary, args.pg_url.rstrip("/"), workdir)
    results: dict = {"cores": os.cpu_count(), "duration_s": args.duration, "connections": args.connections,
                     "flood_connections": args.flood_connections}
    exit_code = 1
    try:
        server.wait_ready()
        print(f"tcs-portal (release) on {HOST}:{server.port}, database {server.db_name}")

        print("seeding a staff account through the invitation and TOTP enrolment …")
        account = seed_staff(server)

        print(f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per path")
        print(f"pgbench -S (prepared, {args.connections} clients, {args.duration} s): the database anchor …")
        results["pgbench"] = pgbench_select(args.pg_url.rstrip("/"), args)
        # Where the memory goes (issue 16 §2): the server's RSS and peak after each phase.
        phases = results["memory_by_phase"] = []

        def after(phase: str) -> None:
            phases.append({"phase": phase, **server.memory_kib()})

        after("started, staff seeded")
        healthz = wrk(server.port, "/healthz", args)
        after("wrk /healthz")
        login_page = wrk(server.port, "/login", args)
        after("wrk /login")

        print("logging in with password and TOTP for a session cookie …")
        cookie, account["step"] = log_in(server, account)
        results["wrk"] = [healthz, login_page]

        # Issue 16 §2: every page at national scale.
        pages, admin_cookie, orders_page = national_section(server, args, cookie)
        cookies = {"staff": cookie, "admin": admin_cookie}
        after("1M orders seeded, admin logged in")
        for path, label, who in pages:
            results["wrk"].append(labelled_wrk(server.port, path, label, args, cookies[who]))
            after(f"wrk {label}")
        results["statements"] = statements_per_request(server, pages, cookies)
        results["full_export"] = full_export(server, orders_page, admin_cookie)
        after("whole list as CSV, 4 at once")

        # Issue 11 §5: the same admin page while the login form is flooded.
        results["flood"] = flood_section(server, args, admin_cookie, orders_page)
        after("login floods")

        # The same single client for the baseline of the login cost: one sequential GET /healthz.
        baseline = Client(server.port)
        health_times, _ = sequential_ms(lambda: baseline.request("GET", "/healthz")[0], 300, 30)
        baseline.close()
        healthz_seq_ms = statistics.median(health_times)

        print(f"timing {args.logins} sequential logins of each kind (argon2id) …")
        results["logins"] = login_attempts(server, account, args)
        after("sequential logins")
        results["healthz_sequential_median_ms"] = healthz_seq_ms
        results["memory_kib"] = server.memory_kib()
        exit_code = 0
    finally:
        server_exit = server.stop()
        results["server_exit_after_sigterm"] = server_exit

    print("running the ordering pipeline and job queue bench (cargo test, ignored test) …")
    results["pipeline"] = pipeline_figures(args.pg_url.rstrip("/"))
    report(results, healthz_seq_ms)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n(results also in {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json})")
    shutil.rmtree(workdir, ignore_errors=True)
    return exit_code


PIPELINE_BENCH = "drills::bench::bench_pipeline_and_claim_figures"


def pipeline_figures(pg_url: str) -> dict | None:
    """Issue 5's figures: the test prints them, each with its baseline, as one JSON line.
    It runs as #[sqlx::test], which makes its own database next to the test database."""
    test_db = os.environ.get("TCS_TEST_DATABASE_URL", f"{pg_url}/tcs_portal_test")
    db_name = test_db.rsplit("/", 1)[1].split("?", 1)[0]
    exists = subprocess.run(["psql", "-X", "-q", "-d", f"{test_db.rsplit('/', 1)[0]}/postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname = '{db_name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if exists != "1":
        psql(test_db.rsplit("/", 1)[0], f'CREATE DATABASE "{db_name}"')
    env = dict(os.environ, DATABASE_URL=test_db, SQLX_OFFLINE=os.environ.get("SQLX_OFFLINE", "true"))
    cmd = ["cargo", "test", "--test", "it", "--", "--ignored", "--exact", "--nocapture", PIPELINE_BENCH]
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    for line in out.stdout.splitlines():
        if line.startswith("bench-json: "):
            return json.loads(line.removeprefix("bench-json: "))
    print(f"the pipeline bench printed no figures (exit {out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}",
          file=sys.stderr)
    return None


def report_pipeline(figures: dict | None) -> None:
    print("\nordering pipeline and job queue (debug test build, in-process sandbox, rate limits off)")
    if figures is None:
        print("  no figures (see the error above)")
        return
    print(f"  pipeline end to end: {figures['pipeline_orders_per_s']:.1f} orders/s; baseline, the same "
          f"DigiCert calls made directly: {figures['direct_orders_per_s']:.1f} orders/s; "
          f"ratio {figures['pipeline_vs_direct']:.2f}")
    print(f"  queue claim overhead: {figures['claim_us_per_job']:.0f} µs per job drained, "
          f"{figures['single_claim_us']:.0f} µs per single claim; baseline, one SELECT 1 round trip: "
          f"{figures['round_trip_us']:.0f} µs; ratios {figures['claim_per_job_vs_round_trip']:.1f} "
          f"and {figures['single_claim_vs_round_trip']:.1f}")


def report(results: dict, healthz_seq_ms: float) -> None:
    healthz = results["wrk"][0]
    print(f"\n== tcs-portal benchmark: {results['cores']} cores, wrk {results['connections']} connections, "
          f"{results['duration_s']} s per path ==")
    anchor = results["pgbench"]["tps"]
    print(f"database anchor: pgbench -S, prepared, {results['pgbench']['clients']} clients: {anchor:,.0f} tps")
    statements = results.get("statements", {})
    print(f"{'path':<42}{'req/s':>10}{'p99 ms':>10}{'req/s vs healthz':>19}{'p99 vs healthz':>17}"
          f"{'req/s vs pgbench -S':>21}{'SQL/page':>10}  notes")
    for run in results["wrk"]:
        notes = []
        if run["non_2xx_3xx"]:
            notes.append(f"{run['non_2xx_3xx']} non-2xx/3xx")
        if run["socket_errors"]:
            notes.append(f"socket errors: {run['socket_errors']}")
        label = run.get("label") or run["path"]
        count = statements.get(label)
        count = f"{count:>10.1f}" if count is not None else f"{'-':>10}"
        label = label if len(label) <= 40 else label[:37] + "..."
        print(f"{label:<42}{run['rps']:>10.0f}{run['p99_ms']:>10.2f}"
              f"{run['rps'] / healthz['rps']:>19.3f}{run['p99_ms'] / healthz['p99_ms']:>17.1f}"
              f"{run['rps'] / anchor:>21.3f}{count}  {'; '.join(notes)}")

    print(f"\nlogin cost (sequential POST /login, one client; baseline: one sequential GET /healthz "
          f"= {healthz_seq_ms:.3f} ms median)")
    print(f"{'attempt':<34}{'n':>4}{'ms/login':>10}{'logins/s/core':>15}{'x healthz':>11}  statuses")
    for run in results["logins"]:
        ms = run["median_ms"]
        if ms is None:
            print(f"{run['label']:<34}{run['attempts']:>4}  (no attempt got past the rate limit) {run['statuses']}")
            continue
        # A login is one argon2id hash on one core (p=1), so 1000/ms is what one core sustains.
        print(f"{run['label']:<34}{run['attempts']:>4}{ms:>10.1f}{1000 / ms:>15.1f}{ms / healthz_seq_ms:>11.0f}"
              f"  {run['statuses']}")

    by_label = {run["label"]: run["median_ms"] for run in results["logins"]}
    known, unknown = by_label.get("wrong password (known e-mail)"), by_label.get("wrong password (unknown e-mail)")
    if known is not None and unknown is not None:
        print(f"timing oracle (median wrong password, known minus unknown e-mail): {known - unknown:+.1f} ms")

    export = results.get("full_export")
    if export:
        print(f"\nwhole list as CSV ({export['bytes'] / 1e6:.1f} MB each), 4 at once: {export['seconds']:.1f} s; "
              f"RSS before {export['rss_before_kib'] / 1024:.1f} MiB, peak after {export['hwm_after_kib'] / 1024:.1f} MiB")
    memory = results["memory_kib"]
    print(f"\npeak RSS (VmHWM): {memory['VmHWM'] / 1024:.1f} MiB (RSS at the end: {memory['VmRSS'] / 1024:.1f} MiB)")
    print(f"{'after':<62}{'RSS MiB':>9}{'peak MiB':>10}")
    for phase in results.get("memory_by_phase", []):
        print(f"{phase['phase'][:60]:<62}{phase['VmRSS'] / 1024:>9.1f}{phase['VmHWM'] / 1024:>10.1f}")
    print(f"server exit status after SIGTERM: {results['server_exit_after_sigterm']}")
    report_flood(results.get("flood"), results["flood_connections"])
    report_pipeline(results.get("pipeline"))


if __name__ == "__main__":
    sys.exit(main())
