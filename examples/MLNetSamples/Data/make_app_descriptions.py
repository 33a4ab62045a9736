#!/usr/bin/env python3
"""Builds app-descriptions.tsv, the text-classification set of the GitHub-issue labelling sample.

Source: Debian 12's AppStream metadata (DEP-11) of the main archive, the file apt keeps after `apt-get update`:
  /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_dep11_Components-amd64.yml.gz
Every desktop application becomes one row: ID (the AppStream id), Area (the first freedesktop main category among
its Categories), Title ("Name: Summary") and Description (the English description, HTML tags removed), in the
columns of the ML.NET sample's corefx-issues-train.tsv (ID, Area, Title, Description). Needs python3-yaml.

  python3 make_app_descriptions.py [Components-amd64.yml.gz] > app-descriptions.tsv
"""
import gzip
import html
import re
import sys

import yaml

MAIN = ["AudioVideo", "Development", "Education", "Game", "Graphics", "Network", "Office", "Science", "Settings",
        "System", "Utility"]
source = sys.argv[1] if len(sys.argv) > 1 else \
    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_dep11_Components-amd64.yml.gz"


def text(value):
    value = re.sub(r"<[^>]+>", " ", value or "")
    return re.sub(r"\s+", " ", html.unescape(value)).strip()


rows = {}
with gzip.open(source, "rt", encoding="utf-8") as f:
    for doc in yaml.safe_load_all(f):
        if not doc or doc.get("Type") != "desktop-application":
            continue
        area = next((c for c in doc.get("Categories") or [] if c in MAIN), None)
        name, summary = text(doc["Name"].get("C")), text(doc["Summary"].get("C"))
        description = text((doc.get("Description") or {}).get("C"))
        if area is None or not summary or not description:
            continue
        rows.setdefault(doc["ID"], (area, f"{name}: {summary}", description))

print("ID\tArea\tTitle\tDescription")
for key in sorted(rows):
    area, title, description = rows[key]
    print(f"{key}\t{area}\t{title}\t{description}")
