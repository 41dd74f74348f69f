# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# pki.sh - a test certificate authority with the openssl CLI, for the TLS
# tests and the demo. Source it, set PKI to a directory, then:
#   pki_ca                      PKI/ca.pem, ca.key: a CA valid two days
#   pki_cert NAME CN [OPTS...]  PKI/NAME.pem and NAME.key, ECDSA P-256,
#                               subjectAltName DNS:CN (CN up to its first
#                               space), signed by the CA; OPTS go to
#                               `openssl x509` (-days N, ...)

pki_ca() {
	mkdir -p "$PKI" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/CN=xdpgw test CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
}

pki_cert() {
	local name=$1 cn=$2
	shift 2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
		-keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null &&
		printf 'subjectAltName=DNS:%s\n' "${cn% *}" >"$PKI/$name.ext" &&
		openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
			-CAcreateserial -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" "$@" 2>/dev/null
}
