# Defaults for every environment. Override with the file named by VOTES_CONFIG or with
# VOTES_* environment variables (VOTES_DATABASE_URL, VOTES_SECRET_KEY, ...).

# Empty means "SQLite file in the instance folder".
DATABASE_URL = ""

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

BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = ["zh_CN", "en"]

RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True

MAX_CONTENT_LENGTH = 32 * 1024 * 1024
PERMANENT_SESSION_LIFETIME = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# SMS sender for one-time codes: "log" writes messages to instance/sms.log.
SMS_SENDER = "log"
