#!/usr/bin/env python3
"""Vendor a compact derived copy of the shared AWS IAM reference data into data/.

Reads the full action catalog (../shared/data/iam-catalog.json.gz, format
"iamdl-iam-catalog/1") and writes data/iam-catalog.min.json.gz, which keeps only
what iamdl needs at run time:

    {"format": "iamdl-iam-catalog-min/1",
     "source": {...upstream package, version, license, data date...},
     "counts": {...},
     "services": {
       "<prefix>": {
         "rcp_supported": true,
         "actions": {"<Name>": ["<access code>", ["<resource type>[*]", ...], ["<condition key>", ...]]},
         "resource_types": {"<name>": "<ARN pattern>"},
         "condition_keys": {"<key>": "<type>"}}}}

Access codes: R = Read, W = Write, L = List, T = Tagging, P = Permissions management.
A trailing `*` on a resource type name marks it as required; an empty list means
the action only accepts "Resource": "*". A fourth element, present only when the
source lists any, holds the dependent actions ("<service>:<Name>", other actions the
call also needs). Descriptions and per-resource condition keys are dropped.

It also copies aws-managed-policies.json.gz unchanged to data/.

The output is deterministic: sorted keys, compact separators, gzip with mtime 0
and no file name. Standard library only.

Usage: python3 scripts/vendor_data.py [--catalog PATH] [--policies PATH] [--out DIR]
"""

import argparse
import gzip
import io
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")

ACCESS_CODES = {
    "Read": "R",
    "Write": "W",
    "List": "L",
    "Tagging": "T",
    "Permissions management": "P",
}

FORMAT_IN = "iamdl-iam-catalog/1"
FORMAT_OUT = "iamdl-iam-catalog-min/1"


def derive(catalog):
    if catalog.get("format") != FORMAT_IN:
        sys.exit(f"unexpected catalog format {catalog.get('format')!r}, want {FORMAT_IN!r}")
    services = {}
    n_actions = n_rtypes = n_keys = 0
    for prefix, svc in catalog["services"].items():
        if prefix != prefix.lower():
            sys.exit(f"service prefix {prefix!r} is not lower-case")
        actions = {}
        seen = {}
        for name, act in svc["actions"].items():
            low = name.lower()
            if low in seen:
                sys.exit(f"{prefix}: actions {seen[low]!r} and {name!r} differ only by case")
            seen[low] = name
            try:
                code = ACCESS_CODES[act["access"]]
            except KeyError:
                sys.exit(f"{prefix}:{name}: unknown access level {act['access']!r}")
            for r in act["resources"]:
                if r.rstrip("*") not in svc["resource_types"]:
                    sys.exit(f"{prefix}:{name}: unknown resource type {r!r}")
            row = [code, list(act["resources"]), list(act["condition_keys"])]
            dependent = list(act.get("dependent_actions") or [])
            if dependent:
                row.append(dependent)
            actions[name] = row
        rtypes = {name: rt["arn"] for name, rt in svc["resource_types"].items()}
        keys = {key: ck["type"] for key, ck in svc["condition_keys"].items()}
        services[prefix] = {
            "rcp_supported": bool(svc.get("rcp_supported", False)),
            "actions": actions,
            "resource_types": rtypes,
            "condition_keys": keys,
        }
        n_actions += len(actions)
        n_rtypes += len(rtypes)
        n_keys += len(keys)
    return {
        "format": FORMAT_OUT,
        "source": catalog.get("source", {}),
        "counts": {
            "services": len(services),
            "actions": n_actions,
            "resource_types": n_rtypes,
            "condition_keys": n_keys,
        },
        "services": services,
    }


def write_gzip_json(obj, path):
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    buf = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of varying data.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
    return len(raw), len(buf.getvalue())


def human(n):
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} KB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catalog", default=os.path.join(SHARED, "iam-catalog.json.gz"),
                    help="full IAM catalog (default: ../shared/data/iam-catalog.json.gz)")
    ap.add_argument("--policies", default=os.path.join(SHARED, "aws-managed-policies.json.gz"),
                    help="AWS-managed policies (default: ../shared/data/aws-managed-policies.json.gz)")
    ap.add_argument("--out", default=os.path.join(ROOT, "data"), help="output directory (default: data/)")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)

    with gzip.open(args.catalog, "rb") as f:
        catalog = json.load(f)
    mini = derive(catalog)
    out_catalog = os.path.join(args.out, "iam-catalog.min.json.gz")
    raw_len, gz_len = write_gzip_json(mini, out_catalog)
    c = mini["counts"]
    print(f"{os.path.relpath(out_catalog)}: {human(gz_len)} gzip ({gz_len} bytes), "
          f"{human(raw_len)} JSON; {c['services']} services, {c['actions']} actions, "
          f"{c['resource_types']} resource types, {c['condition_keys']} condition keys "
          f"(from {os.path.getsize(args.catalog)} bytes)")

    # Check the policies file is what we think it is before vendoring it unchanged.
    with gzip.open(args.policies, "rb") as f:
        policies = json.load(f)
    if not isinstance(policies, dict) or not all("document" in p for p in policies.values()):
        sys.exit(f"{args.policies}: not an AWS-managed policy map")
    out_policies = os.path.join(args.out, "aws-managed-policies.json.gz")
    shutil.copyfile(args.policies, out_policies + ".tmp")
    os.replace(out_policies + ".tmp", out_policies)
    size = os.path.getsize(out_policies)
    print(f"{os.path.relpath(out_policies)}: {human(size)} gzip ({size} bytes), copied unchanged; "
          f"{len(policies)} policies")


if __name__ == "__main__":
    main()
