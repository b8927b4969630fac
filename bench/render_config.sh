# Sourced by the benchmark scripts: writes the benchmark gateway config from
# bench/gateway.yaml.in (one provider, the fake upstream; one model).
render_config() {  # out gateway_port upstream_port model usage_log pool_line
  local template
  template="$(dirname "${BASH_SOURCE[0]}")/gateway.yaml.in"
  sed -e "s|@GATEWAY_PORT@|$2|" -e "s|@UPSTREAM_PORT@|$3|" -e "s|@MODEL@|$4|" \
    -e "s|@USAGE_LOG@|$5|" -e "s|@POOL_LINE@|$6|" "$template" | grep -v '^# The benchmark' >"$1"
}
