#!/usr/bin/env bash
# deploy/README.md must describe deploy/docker/Dockerfile as it is: every
# exposed port, absolute path, provider key variable, user id and the health
# check the Dockerfile names appear in the README, and every /etc/switchyard/
# file the README names is one the Dockerfile makes.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
dockerfile="$root/deploy/docker/Dockerfile"
readme="$root/deploy/README.md"
failures=0
need() {  # need WHAT TEXT: TEXT must occur in the README
  if ! grep -qF -- "$2" "$readme"; then
    echo "deploy/README.md does not mention $1 '$2' from the Dockerfile"
    failures=$((failures + 1))
  fi
}

for port in $(sed -n 's/^EXPOSE[[:space:]]\+//p' "$dockerfile"); do need port "EXPOSE $port"; done
# Absolute paths outside the build stage's scratch dirs (/src, /build, /out, /tmp).
for path in $(grep -v '^[[:space:]]*#' "$dockerfile" | grep -o '/\(etc\|usr/local\|var/lib\)/[A-Za-z0-9_./-]*' |
              sed 's|/$||' | grep -v -e '\.tmp\.' -e '^/var/lib/apt' | sort -u); do
  need path "$path"
done
# Env vars in the run examples (-e NAME) and ENV lines other than the build's.
for var in $(grep -o -- '-e [A-Z_][A-Z0-9_]*' "$dockerfile" | cut -c4- | sort -u); do need "env var" "$var"; done
for var in $(sed -n 's/^ENV[[:space:]]\+\([A-Z_][A-Z0-9_]*\)=.*/\1/p' "$dockerfile" | grep -v DEBIAN_FRONTEND); do
  need "env var" "$var"
done
for uid in $(sed -n 's/^USER[[:space:]]\+\([0-9]\+\).*/\1/p' "$dockerfile"); do need user "$uid"; done
if grep -q '^HEALTHCHECK' "$dockerfile"; then
  need "health check" HEALTHCHECK
  for opt in $(grep -o -- '--\(interval\|timeout\|start-period\|retries\)=[0-9a-z]*' "$dockerfile"); do
    need "health check setting" "$opt"
  done
  need "health check path" "/healthz"
fi
cmd=$(sed -n 's/^CMD[[:space:]]\+//p' "$dockerfile" | tr -d '[]",')
need "default command" "$cmd"
for opt in --network --add-host=host.docker.internal:host-gateway; do
  grep -qF -- "$opt" "$dockerfile" && need "run option" "$opt"
done

# The other way: config files the README promises must be made by the Dockerfile.
for path in $(grep -o '/etc/switchyard/[A-Za-z0-9_.-]*\.yaml' "$readme" | sort -u); do
  name=${path##*/}
  if ! grep -qF "$name" "$dockerfile" && [ ! -f "$root/config/$name" ]; then
    echo "deploy/README.md names $path, which the Dockerfile does not install"
    failures=$((failures + 1))
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures mismatch(es) between deploy/README.md and deploy/docker/Dockerfile"
  exit 1
fi
echo "deploy/README.md matches deploy/docker/Dockerfile"
