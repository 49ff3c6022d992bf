"""pip-audit of requirements.lock for CI: fail on a known vulnerability; when the vulnerability
database cannot be reached (no network to it, or the index in use has no JSON API), say so
loudly and pass, because an audit that could not run found nothing either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def main() -> int:
    command = [
        sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip",
        "--progress-spinner", "off", "--format", "json", "--timeout", "30",
    ]  # fmt: skip
    try:
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    except subprocess.TimeoutExpired:
        print("pip-audit: NOT DONE, the vulnerability service did not answer within 5 minutes")
        return 0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print("pip-audit: NOT DONE, the vulnerability service could not be reached:")
        print((proc.stderr.strip().splitlines() or ["(no output)"])[-1])
        return 0
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep['version']}: {ids}")
    if vulnerable:
        return 1
    if deps and len(skipped) == len(deps):
        print(f"pip-audit: NOT DONE, none of {len(deps)} pinned packages could be looked up "
              f"({skipped[0]['skip_reason']}); no vulnerability data reachable from here")
        return 0
    print(f"pip-audit: {len(deps) - len(skipped)} packages audited, no known vulnerabilities"
          + (f" ({len(skipped)} could not be looked up)" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
