"""`python -m votes.verify FILE.zip [--keys F | --key-id ID | --fingerprint FP |
--trust-bundle-keys] [--head DIGEST] [--json]`.

Runs offline on the core alone: no database, no app config, no network.
Exit status (docs/verification.md §7): 0 verified, 1 failures found, 2 the bundle or a
keys file could not be read, 3 chain intact so far but the vote is still in progress,
4 every check passed but no trust anchor was given.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from votes.core.verifier import load_keys_file, verify_bundle
    from votes.core.verifier_report import UNREADABLE_EXIT

    parser = argparse.ArgumentParser(prog="votes verify", description=(
        "Verify an export bundle offline (离线验证导出包). Steps: docs/verification.md. "
        "Say whose key you trust: --keys, --key-id, --fingerprint or --trust-bundle-keys."))
    parser.add_argument("bundle", help="the bundle ZIP")
    parser.add_argument("--head", help="a chain head noted earlier: prove the chain extends it")
    parser.add_argument("--keys", help="trusted keys file (the server's "
                                       "/.well-known/votes-keys.json, obtained independently)")
    parser.add_argument("--key-id", action="append", default=[],
                        help="a trusted key id, e.g. ed25519:56475aa75463474c (repeatable)")
    parser.add_argument("--fingerprint", action="append", default=[],
                        help="a trusted key's SHA-256 fingerprint, 64 hex digits (repeatable)")
    parser.add_argument("--trust-bundle-keys", action="store_true",
                        help="trust the keys inside the bundle; compare the printed "
                             "fingerprint with the one the district publishes")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes for the signature checks (a big bundle, several cores)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    trusted = None
    if args.keys:
        try:
            with open(args.keys, "rb") as fh:
                trusted = load_keys_file(fh.read(1_000_001)[:1_000_000])
        except (OSError, ValueError) as exc:
            print(f"无法读取密钥文件 cannot read keys file {args.keys}: "
                  f"{getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return UNREADABLE_EXIT
    for fp in args.fingerprint:
        clean = "".join(ch for ch in fp.lower() if ch not in " :-")
        if len(clean) != 64 or any(ch not in "0123456789abcdef" for ch in clean):
            print(f"指纹格式错误 --fingerprint must be 64 hex digits: {fp}", file=sys.stderr)
            return UNREADABLE_EXIT
    try:
        with open(args.bundle, "rb"):
            pass
    except OSError as exc:
        print(f"无法读取导出包 cannot read bundle {args.bundle}: {exc.strerror}", file=sys.stderr)
        return UNREADABLE_EXIT
    report = verify_bundle(args.bundle, head=args.head, trusted_keys=trusted,
                           key_ids=args.key_id, fingerprints=args.fingerprint,
                           trust_bundle_keys=args.trust_bundle_keys, jobs=max(1, args.jobs))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.render())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
