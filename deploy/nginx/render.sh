#!/usr/bin/env bash
# Renders a directory of nginx templates the way the official nginx image
# does (envsubst on every *.template, the output keeping the relative path
# without ".template"), plus nginx.conf.template as the main configuration,
# into OUT_DIR, ready for:
#   nginx -p OUT_DIR -c OUT_DIR/nginx.conf -e stderr
#
#   deploy/nginx/render.sh deploy/nginx/templates OUT_DIR
#
# Unlike the image, it substitutes only the ${VARIABLES} that the templates
# use (nginx's own $variables stay untouched whatever the environment holds)
# and fails if one of them is not set (an empty value is allowed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 TEMPLATE_DIR OUT_DIR" >&2; exit 2; }
src="$(cd "$1" && pwd)"
out="$2"
mkdir -p "$out/conf.d" "$out/tmp"
export NGINX_PREFIX="$(cd "$out" && pwd)"

render() { # template output
  local vars v missing=()
  vars="$(grep -oE '\$\{[A-Z_][A-Z0-9_]*\}' "$1" | sort -u || true)"
  for v in $vars; do
    v="${v#\$\{}"; v="${v%\}}"
    [ -n "${!v+set}" ] || missing+=("$v")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "render.sh: $1 needs ${missing[*]}" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$2")"
  envsubst "$(echo $vars)" <"$1" >"$2"
}

render "$here/nginx.conf.template" "$out/nginx.conf"
while IFS= read -r -d '' t; do
  rel="${t#"$src"/}"
  render "$t" "$out/conf.d/${rel%.template}"
done < <(find "$src" -type f -name '*.template' -print0)
