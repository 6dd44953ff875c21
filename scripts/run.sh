#!/usr/bin/env bash
# Build cluster-atlas and serve it against a private PostgreSQL 15 + PostGIS cluster
# (or against DATABASE_URL when that is set). Extra arguments go to `cluster-atlas serve`,
# e.g. scripts/run.sh --bind 0.0.0.0:8080
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CA_REPO_ROOT"

ensure_packages
ensure_private_postgis cluster_atlas

ca_log "cargo build --release --locked"
cargo build --release --locked

export CLUSTER_ATLAS_BIND="${CLUSTER_ATLAS_BIND:-127.0.0.1:8080}"
ca_log "starting cluster-atlas serve (bind ${CLUSTER_ATLAS_BIND} unless --bind is given)"
exec target/release/cluster-atlas serve "$@"
