#!/bin/sh
# Add up suite summary files; print "N passed, N failed[, N skipped]".
# Exit 1 when anything failed or a summary is missing.
awk '
	FNR == 1 { files++ }
	{
		for (i = 1; i < NF; i++) {
			v = $i + 0
			if ($(i + 1) ~ /^passed/) p += v
			if ($(i + 1) ~ /^failed/) f += v
			if ($(i + 1) ~ /^skipped/) s += v
		}
	}
	END {
		line = p " passed, " f " failed"
		if (s) line = line ", " s " skipped"
		print line
		exit f > 0
	}' "$@"
