# Defaults for every environment. Override with the file named by VOTES_CONFIG or with
# VOTES_* environment variables (VOTES_DATABASE_URL, VOTES_SECRET_KEY, ...).

# Empty means "SQLite file in the instance folder".
DATABASE_URL = ""
# PostgreSQL connections are not pinged each time a request takes one from the pool (a
# round trip per page): a pooled connection is pinged only if its server has hung up
# (its socket is readable) or it sat idle this many seconds, and replaced after
# DATABASE_RECYCLE_SECONDS. See votes/connections.py.
DATABASE_IDLE_PING_SECONDS = 30
DATABASE_RECYCLE_SECONDS = 1800
# Connections kept per process on PostgreSQL; empty: one per gunicorn thread
# (VOTES_GUNICORN_THREADS, default 8). See votes/connections.py.
DATABASE_POOL_SIZE = ""
# How long `votes init` waits for a table lock on PostgreSQL before giving up (0: for ever).
# Its ALTER TABLE queued behind a long read holds every cast and page of that table waiting
# behind it; given up, the upgrade is rolled back as a whole and can be run again.
MIGRATION_LOCK_TIMEOUT_SECONDS = 10

# Empty means "generate once and keep in the instance folder" (fine for one machine;
# a city deployment sets these through the environment so every process shares them).
SECRET_KEY = ""
# 32 bytes, base64: AES-GCM key for names, ID numbers and phones, and the HMAC key for
# matching ID numbers.
DATA_KEY = ""
# Passphrase that encrypts the server's Ed25519 signing keys in the instance folder.
KEY_PASSPHRASE = ""

# Public base URL used in QR codes and notices, e.g. https://vote.example.cn. Empty: web
# pages use the address of the request, and `votes notices` refuses to print links.
BASE_URL = ""

# Where the server's encrypted signing keys live. Empty: instance/keys. Several app hosts
# point this at one shared folder (or each gets a copy of the same files from the secret store).
KEYS_DIR = ""

# How many reverse proxies in front of the app may be believed about the client's address
# and scheme (X-Forwarded-For / X-Forwarded-Proto). 0: no proxy header is trusted, so a
# client cannot pick the address its rate limits are counted under. Behind one nginx: 1.
TRUSTED_PROXIES = 0

# Cookies marked Secure and Strict-Transport-Security sent. Empty: on exactly when BASE_URL
# is https; "1"/"0" force either way.
SECURE_COOKIES = ""
HSTS = ""
HSTS_MAX_AGE = 365 * 24 * 3600
# Flask-WTF would demand a same-origin Referer on https POSTs, but every page is sent with
# Referrer-Policy: no-referrer (voting links must not leak), so browsers send none. The
# CSRF token and SameSite cookies protect the forms.
WTF_CSRF_SSL_STRICT = False
# A form's CSRF token is bound to its session's secret, which another site cannot read;
# it lasts as long as the session (Flask-WTF's default, one hour, refused the ballot of an
# owner who read the plan for longer, and the device key that page posts, with a bare 400).
WTF_CSRF_TIME_LIMIT = None

BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = ["zh_CN", "en"]

RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True

MAX_CONTENT_LENGTH = 32 * 1024 * 1024
# The scans one `votes ballots import` may read in all, in bytes (each file once, however
# many rows name it; each file also at most MAX_CONTENT_LENGTH). They stay in memory until
# the file's ballots are entered, all or none; a bigger batch is split into several files.
# Empty: 8 × MAX_CONTENT_LENGTH (256 MiB).
BALLOT_IMPORT_MAX_BYTES = ""
# A proposal's documents in all, in bytes. Empty: 2 × MAX_CONTENT_LENGTH (64 MiB).
PROPOSAL_DOCUMENTS_MAX_BYTES = ""
# The most notices the committee's page draws in one download: more take minutes, longer
# than a proxy waits (nginx: 60 s), so a large vote is printed building by building on the
# web, or whole with `votes notices`.
NOTICES_PER_DOWNLOAD_MAX = 500
# The regulator's verifications (验证导出包) running at once in the whole deployment, every
# worker and host together: each holds a city's bundle and checks in memory (~1.2 GB at
# 100,000 units). A click over it is refused with 已有 n 项验证在进行，请稍后再试.
VERIFY_JOBS_MAX = 2
# Minutes from the click after which a verification still running is given up (a job that
# hangs would hold its VERIFY_JOBS_MAX slot for ever): its page says so and a click starts
# it again. A vote of 100,000 ballots takes about a minute to export and verify on a slow,
# loaded machine (docs/performance.md), two behind another in the queue.
VERIFY_JOB_MAX_MINUTES = 30
PERMANENT_SESSION_LIFETIME = 8 * 3600
# Seconds a staff session may go without a request before staff pages ask to sign in again
# (a browser left signed in on a shared office PC); 0: only PERMANENT_SESSION_LIFETIME.
STAFF_IDLE_TIMEOUT = 30 * 60
# A staff session's cookie is written when it changes (its last use, at most once a minute:
# votes/web/staff_login.py), not again with every page.
SESSION_REFRESH_EACH_REQUEST = False
# Hours an owner's sign-in (the voting link or the poster, then the second factor) lasts
# from the second factor, however much it is used; then the owner's pages ask for the link
# and the second factor again. One sitting of a day (the plan read, talked over at home,
# the ballot cast, the receipt looked at) fits; a shared phone picked up the next day no
# longer opens the owner's pages. At least 1. See docs/deploy.md.
OWNER_SESSION_HOURS = 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# SMS sender for one-time codes: "log" writes messages to instance/sms.log.
SMS_SENDER = "log"

# Independent witnesses of the chains (docs/verification.md §10): a keys file in the format
# of /.well-known/votes-keys.json listing the witnesses' public keys. Empty: none accepted.
WITNESS_KEYS = ""
# The witnesses' client addresses, as the app sees them (behind a proxy: the forwarded
# address, so only with TRUSTED_PROXIES set): IPv4/IPv6 addresses or CIDR blocks,
# separated by commas or spaces. They are exempt from the public board's and the chain
# API's per-address limits (docs/deploy.md, public limits). Empty: none.
WITNESS_ADDRESSES = ""

# The regulator's 验证导出包 runs on a thread of the worker that took the click and the page
# follows it (votes/services/verify_jobs.py). True: it runs in the request instead (tests;
# a city's vote then outlasts the proxy's 60 s).
VERIFY_IN_REQUEST = False
