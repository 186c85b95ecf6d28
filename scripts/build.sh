#!/bin/bash
# Configure and build one variant of the tree out of source.
#   scripts/build.sh DIR [configure options...]
# Re-runs autoreconf/configure only when needed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
cd "$top"
mkdir -p m4
# Several build directories may share this tree: one autoreconf at a time.
exec 9>"$top/.autoreconf.lock"
flock 9
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
flock -u 9
mkdir -p "$dir"
cd "$dir"
want="$*"
if [ ! -f Makefile ] || [ "$(cat .mnd-configure-args 2>/dev/null)" != "$want" ]; then
	"$top/configure" "$@" >configure.out 2>&1 || { cat configure.out; exit 1; }
	echo "$want" >.mnd-configure-args
fi
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
