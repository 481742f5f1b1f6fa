#!/usr/bin/env bash
# The README's first command must never rot: run contrib/quickstart --smoke on the
# binaries of this build (no install, no rebuild).
set -u
: "${top_builddir:?run through make check}"
HERMOD_BUILD=$top_builddir QUICKSTART_NO_BUILD=1 exec bash "$top_srcdir/contrib/quickstart" --smoke
