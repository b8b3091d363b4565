"""`python -m votes.verify FILE.zip [--head DIGEST] [--keys votes-keys.json] [--json]`.

Runs offline on the core alone: no database, no app config, no network.
Exit status: 0 verified, 1 failures found, 2 the bundle or a key file could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from votes.core.signing import KeyRing
    from votes.core.verifier import verify_bundle

    parser = argparse.ArgumentParser(prog="votes verify", description=(
        "Verify an export bundle offline (离线验证导出包). Steps: docs/verification.md"))
    parser.add_argument("bundle", help="the bundle ZIP")
    parser.add_argument("--head", help="a chain head noted earlier: prove the chain extends it")
    parser.add_argument("--keys", help="trusted keys (/.well-known/votes-keys.json)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    trusted = None
    if args.keys:
        try:
            with open(args.keys, encoding="utf-8") as fh:
                trusted = KeyRing.from_json_obj(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"无法读取密钥文件 cannot read keys file {args.keys}: {exc}", file=sys.stderr)
            return 2
    try:
        with open(args.bundle, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"无法读取导出包 cannot read bundle {args.bundle}: {exc.strerror}", file=sys.stderr)
        return 2
    report = verify_bundle(data, head=args.head, trusted_keys=trusted)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
