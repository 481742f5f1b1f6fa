#!/usr/bin/env bash
# configure names the Debian package to install for each library it needs:
# runs ./configure in a scratch directory with a pkg-config that hides one
# library at a time (then with no pkg-config at all) and checks that it fails
# with that package's name. A shared cache keeps each run to about a second.
. "$top_srcdir/test/integration/lib.sh"

# configure refuses a second build directory when the source tree was
# configured in place; there is nothing to test then.
if [ -f "$top_srcdir/config.status" ]; then
	echo "SKIP: $top_srcdir is configured in place"
	exit 77
fi
real=$(command -v pkg-config) || t_fail "no pkg-config on PATH"

# module as configure asks for it -> the Debian package the message must name
checks=(
	"libxml-2.0 libxml2-dev"
	"openssl libssl-dev"
	"hiredis libhiredis-dev"
	"libmicrohttpd libmicrohttpd-dev"
	"libevent libevent-dev"
	"libevent_openssl libevent-dev"
	"libcurl libcurl4-openssl-dev"
	"cmocka libcmocka-dev"
)

# Runs configure with PKG_CONFIG=$1 and the cache file $2 (a cache remembers
# PKG_CONFIG, so each value needs its own); the output goes to
# $T_DIR/configure.log.
run_configure() {
	local rc=0
	rm -rf "$T_DIR/b"
	mkdir "$T_DIR/b"
	(cd "$T_DIR/b" && PKG_CONFIG=$1 "$top_srcdir/configure" \
		--cache-file="$2" >"$T_DIR/configure.log" 2>&1) || rc=$?
	return "$rc"
}

for c in "${checks[@]}"; do
	set -- $c
	module=$1 package=$2
	cat >"$T_DIR/pkg-config" <<EOF
#!/bin/sh
# Hides $module ("$module" or "$module >= version"), passes the rest on.
for a in "\$@"; do
	case "\$a" in "$module" | "$module "*) exit 1 ;; esac
done
exec "$real" "\$@"
EOF
	chmod +x "$T_DIR/pkg-config"
	run_configure "$T_DIR/pkg-config" "$T_DIR/config.cache" && t_fail "configure passed without $module"
	grep -q "error: $module .*not found: install the Debian package $package\b" \
		"$T_DIR/configure.log" ||
		t_fail "without $module configure did not name $package: $(tail -n 1 "$T_DIR/configure.log")"
	t_ok "without $module: configure fails and names $package"
done

run_configure "$T_DIR/no-such-pkg-config" /dev/null && t_fail "configure passed without pkg-config"
grep -q 'error: pkg-config not found: install the Debian package pkg-config' \
	"$T_DIR/configure.log" ||
	t_fail "without pkg-config: $(tail -n 1 "$T_DIR/configure.log")"
t_ok "without pkg-config: configure fails and names pkg-config"
