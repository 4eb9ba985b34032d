#!/usr/bin/env python3
"""Rebuilds data/pathfinding-paths.json, the compact copy of the pathfinding.cloud
privilege-escalation catalogue that iamdl's escalation rules and tests are checked against.

Source: the YAML files of DataDog/pathfinding.cloud (Apache-2.0), `data/paths/*/*.yaml`,
as vendored read-only in ../shared/data/pathfinding/paths (see its README for the commit).
Only the fields the rules need are kept: id, name, category, services, the required
permissions with their resource constraints, and the parent path of variants.

Usage: python3 scripts/vendor_pathfinding.py [SOURCE_DIR] [OUT_FILE]
Needs PyYAML (python3-yaml).
"""
import glob
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data", "pathfinding", "paths")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "data", "pathfinding-paths.json")


def main():
    paths = []
    for f in sorted(glob.glob(os.path.join(SRC, "*", "*.yaml"))):
        with open(f, encoding="utf-8") as fh:
            d = yaml.safe_load(fh)
        paths.append({
            "id": d["id"],
            "name": d["name"],
            "category": d["category"],
            "services": d.get("services", []),
            "required": [
                {"permission": p["permission"], "resourceConstraints": p.get("resourceConstraints", "")}
                for p in d["permissions"]["required"]
            ],
            "parent": (d.get("parent") or {}).get("id"),
        })
    if not paths:
        sys.exit("no YAML files under %s" % SRC)
    doc = {
        "source": "DataDog/pathfinding.cloud data/paths (Apache-2.0), commit 84dd65c97fc21dee54f4587be6dfd5b7b5fe320c",
        "rebuild": "python3 scripts/vendor_pathfinding.py",
        "paths": paths,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=False)
        fh.write("\n")
    print("wrote %d paths to %s" % (len(paths), OUT))


if __name__ == "__main__":
    main()
